"""What to do when the procedure cannot be completed (seeds 000, 001, 003)."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Button, Static

from screens.base import BaseScreen, FlowBack


class FallbackScreen(BaseScreen):
    screen_name = "fallback"

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "back", show=False)]

    def title_text(self) -> str:
        return self._("If you cannot complete the procedure")

    def key_hints(self) -> str:
        return self._("Esc or Enter: back")

    def compose_body(self) -> ComposeResult:
        _ = self._
        settings = self.session.services.settings
        english = self.t.lang == "en"
        text = Text()
        text.append(
            _(
                "To change your password you need the login email address you chose when "
                "you created your professional account, and the answer to your security question."
            )
        )
        text.append("\n\n")
        text.append(_("If you no longer have them:"), style="bold")
        text.append("\n")
        for line in (
            _("create a new professional account in expert mode;"),
            _(
                "then request the substitution of the holder of each company you managed "
                "directly in your former account;"
            ),
            _("and re-create the delegations for the companies you managed with other users."),
        ):
            text.append("• " + line + "\n")
        text.append("\n")
        text.append(_("Support"), style="bold")
        text.append("\n")
        text.append(
            _("By phone: {phone} (free service + price of a call), {hours}.").format(
                phone=settings.support_phone,
                hours=settings.support_hours_en if english else settings.support_hours_fr,
            )
        )
        text.append("\n")
        text.append(_("Online: {form}.").format(form=settings.support_form_en if english else settings.support_form_fr))
        text.append("\n")
        text.append(
            _(
                "Support can confirm your subscriber number, your login email address and your "
                "security question. Nobody, support included, can read your answer."
            )
        )
        text.append("\n")
        text.append(
            _("Give support the session reference shown at the top right: {ref}.").format(ref=self.session.reference)
        )
        yield Static(text, markup=False, classes="info")
        yield Button(_("Back"), id="back", variant="primary", compact=True)

    def on_mount(self) -> None:
        self.query_one("#back", Button).focus()

    @on(Button.Pressed, "#back")
    def action_back(self) -> None:
        self.post_message(FlowBack())
