"""The confirmation after « Valider les modifications »."""

from __future__ import annotations

from datetime import date

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.widgets import Button, Static

from domain.services import UserSession
from screens.base import Go
from screens.signed_in import SignedInScreen


class ChangeDoneScreen(SignedInScreen):
    screen_name = "change_done"

    def __init__(self, session: UserSession, valid_until: date) -> None:
        super().__init__(session)
        self.valid_until = valid_until

    def title_text(self) -> str:
        return self._("Change your credentials")

    def key_hints(self) -> str:
        return self._("Enter: back to the home page")

    def compose_body(self) -> ComposeResult:
        _ = self._
        text = Text()
        text.append(_("Your changes have been saved."), style="bold")
        text.append("\n\n")
        text.append(_("Your new password is valid until {date}.").format(date=self.t.date(self.valid_until)))
        text.append("\n")
        text.append(_("A confirmation email is on its way to your login email address."))
        yield Static(text, markup=False, classes="summary")
        yield Button(_("Back to the home page"), id="home", variant="primary", compact=True)

    def on_mount(self) -> None:
        self.query_one("#home", Button).focus()

    @on(Button.Pressed, "#home")
    def _home(self) -> None:
        self.post_message(Go("home"))

    def action_back(self) -> None:
        self.post_message(Go("home"))
