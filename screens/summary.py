"""Last step of « Mot de passe oublié » and « Mot de passe expiré »: « Récapitulatif »."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Button, Static

from domain.session.intents import Proceed
from domain.session.states import Step
from domain.session.views import SummaryDetail
from screens.flow_step import FlowStepScreen


class SummaryScreen(FlowStepScreen):
    step = Step.FORGOT_SUMMARY

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "services", show=False),
    ]

    def key_hints(self) -> str:
        return self._("Enter: go to your online services")

    def compose_body(self) -> ComposeResult:
        _ = self._
        detail = self.view.detail
        assert isinstance(detail, SummaryDetail)
        yield from self.compose_step()
        text = Text()
        text.append(_("Your password has been changed."), style="bold")
        text.append("\n\n")
        text.append(_("Your new password is valid until {date}.").format(date=self.t.date(detail.valid_until)))
        text.append("\n")
        text.append(_("A confirmation email is on its way to your login email address."))
        text.append("\n\n")
        text.append(_("Log in again with your email address and your new password."))
        yield Static(text, markup=False, classes="summary")
        yield Button(_("Go to your online services"), id="services", variant="primary", compact=True)

    def on_mount(self) -> None:
        self.query_one("#services", Button).focus()

    @on(Button.Pressed, "#services")
    def action_services(self) -> None:
        self.send(Proceed())


class ExpiredSummaryScreen(SummaryScreen):
    step = Step.EXPIRED_SUMMARY
