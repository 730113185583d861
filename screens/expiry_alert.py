"""The alert shown at login when the password expires within 60 days (seed 000 §2)."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Button, Static

from domain.session.intents import Proceed
from domain.session.states import Step
from domain.session.views import AlertDetail
from screens.base import StepDialog


class ExpiryAlertScreen(StepDialog):
    step = Step.EXPIRY_ALERT

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "ok", show=False)]

    def compose(self) -> ComposeResult:
        _ = self._
        detail = self.view.detail
        assert isinstance(detail, AlertDetail)
        text = Text()
        text.append(_("Your password expires soon"), style="bold")
        text.append("\n\n")
        text.append(
            _(
                "Your password expires on {date}. Change it now to avoid the deactivation of your "
                'professional account: use "Change the password" at the top left of your home page.'
            ).format(date=self.t.long_date(detail.expiry.expires_on))
        )
        with VerticalScroll(classes="dialog", can_focus=False):
            yield Static(text, markup=False)
            yield Button(_("OK"), id="ok", variant="primary", compact=True)

    def on_mount(self) -> None:
        self.query_one("#ok", Button).focus()

    @on(Button.Pressed, "#ok")
    def action_ok(self) -> None:
        self.send(Proceed())
