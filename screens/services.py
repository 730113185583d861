"""« Gérer les services »: the personal information links of the account space."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.widgets import Button, Static

from domain.session.intents import Back, OpenChange, OpenCoordinates
from domain.session.states import Step
from screens.signed_in import SignedInScreen


class ServicesScreen(SignedInScreen):
    step = Step.SERVICES

    def key_hints(self) -> str:
        return self._("Tab: next · Enter: choose · Esc: back")

    def compose_body(self) -> ComposeResult:
        _ = self._
        yield Static(Text(_("PERSONAL INFORMATION"), style="bold"), markup=False, classes="intro")
        yield Button(_("Manage your login email address / your password"), id="change", compact=True)
        yield Button(_("Manage your contact details"), id="coordinates", compact=True)
        yield Button(_("Back"), id="back", variant="primary", compact=True)

    def on_mount(self) -> None:
        self.query_one("#change", Button).focus()

    @on(Button.Pressed, "#change")
    def _change(self) -> None:
        self.send(OpenChange())

    @on(Button.Pressed, "#coordinates")
    def _coordinates(self) -> None:
        self.send(OpenCoordinates())

    @on(Button.Pressed, "#back")
    def _back(self) -> None:
        self.send(Back())
