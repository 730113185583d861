"""The confirmation after « Valider les modifications »."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.widgets import Button, Static

from domain.session.intents import Proceed
from domain.session.states import Step
from domain.session.views import SummaryDetail
from screens.signed_in import SignedInScreen


class ChangeDoneScreen(SignedInScreen):
    step = Step.CHANGE_DONE

    def key_hints(self) -> str:
        return self._("Enter: back to the home page")

    def compose_body(self) -> ComposeResult:
        _ = self._
        detail = self.view.detail
        assert isinstance(detail, SummaryDetail)
        text = Text()
        text.append(_("Your changes have been saved."), style="bold")
        text.append("\n\n")
        text.append(_("Your new password is valid until {date}.").format(date=self.t.date(detail.valid_until)))
        text.append("\n")
        text.append(_("A confirmation email is on its way to your login email address."))
        yield Static(text, markup=False, classes="summary")
        yield Button(_("Back to the home page"), id="home", variant="primary", compact=True)

    def on_mount(self) -> None:
        self.query_one("#home", Button).focus()

    @on(Button.Pressed, "#home")
    def _home(self) -> None:
        self.send(Proceed())
