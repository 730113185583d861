"""The support console's place, until the support issue: the SSH user ``support``,
authenticated by key, lands here."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.widgets import Button, Static

from screens.base import BaseScreen


class SupportPlaceholderScreen(BaseScreen):
    screen_name = "support_placeholder"

    def title_text(self) -> str:
        return self._("Support console")

    def key_hints(self) -> str:
        return self._("Enter or Ctrl+Q: quit")

    def compose_body(self) -> ComposeResult:
        _ = self._
        text = Text()
        text.append(_("You are signed in as support staff."), style="bold")
        text.append("\n\n")
        text.append(
            _("Searching accounts and replaying sessions will be available here in a coming version.")
        )
        yield Static(text, markup=False, classes="info")
        yield Button(_("Quit"), id="quit", variant="primary", compact=True)

    def on_mount(self) -> None:
        self.query_one("#quit", Button).focus()

    @on(Button.Pressed, "#quit")
    def _quit(self) -> None:
        self.app.exit()
