"""What to do when the procedure cannot be completed (seeds 000, 001, 003)."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Button, Static

from domain.session.intents import Back
from domain.session.states import Step
from domain.session.views import FallbackDetail
from screens.base import StepScreen


class FallbackScreen(StepScreen):
    step = Step.FALLBACK

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "back", show=False)]

    def key_hints(self) -> str:
        return self._("Esc or Enter: back")

    def compose_body(self) -> ComposeResult:
        _ = self._
        detail = self.view.detail
        assert isinstance(detail, FallbackDetail)
        lang = self.t.lang
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
                phone=detail.support.phone, hours=detail.support.hours[lang]
            )
        )
        text.append("\n")
        text.append(_("Online: {form}.").format(form=detail.support.form[lang]))
        text.append("\n")
        text.append(
            _(
                "Support can confirm your subscriber number, your login email address and your "
                "security question. Nobody, support included, can read your answer."
            )
        )
        text.append("\n")
        text.append(
            _("Give support the session reference shown at the top right: {ref}.").format(ref=self.view.reference)
        )
        yield Static(text, markup=False, classes="info")
        yield Button(_("Back"), id="back", variant="primary", compact=True)

    def on_mount(self) -> None:
        self.query_one("#back", Button).focus()

    @on(Button.Pressed, "#back")
    def _back(self) -> None:
        self.send(Back())
