"""« Gérer vos coordonnées »: the registration details (never the security answer)."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.widgets import Button, Static

from domain.session.intents import Back
from domain.session.states import Step
from domain.session.views import AccountDetail, coordinates
from domain.text import printable
from screens.signed_in import SignedInScreen


class CoordinatesScreen(SignedInScreen):
    step = Step.COORDINATES

    def key_hints(self) -> str:
        return self._("Esc or Enter: back")

    def compose_body(self) -> ComposeResult:
        _ = self._
        detail = self.view.detail
        assert isinstance(detail, AccountDetail)
        card = detail.card
        text = Text()
        for label, value in coordinates(card):
            text.append(_("{label}: ").format(label=_(label)), style="bold")
            text.append(printable(value) + "\n")
        text.append("\n")
        text.append(_("The answer to your security question is never shown, to anyone."))
        yield Static(text, markup=False, classes="info")
        yield Button(_("Back"), id="back", variant="primary", compact=True)

    def on_mount(self) -> None:
        self.query_one("#back", Button).focus()

    @on(Button.Pressed, "#back")
    def _back(self) -> None:
        self.send(Back())
