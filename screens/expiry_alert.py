"""The alert shown at login when the password expires within 60 days (seed 000 §2)."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from domain.expiry import ExpiryStatus
from domain.services import UserSession
from screens.base import FrameWanted


class ExpiryAlertScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "ok", show=False)]

    def __init__(self, session: UserSession, expiry: ExpiryStatus) -> None:
        super().__init__()
        self.session = session
        self.expiry = expiry

    def compose(self) -> ComposeResult:
        t = self.session.t
        _ = t._
        text = Text()
        text.append(_("Your password expires soon"), style="bold")
        text.append("\n\n")
        text.append(
            _(
                "Your password expires on {date}. Change it now to avoid the deactivation of your "
                'professional account: use "Change the password" at the top left of your home page.'
            ).format(date=t.short_date(self.expiry.expires_on))
        )
        with Vertical(classes="dialog"):
            yield Static(text, markup=False)
            yield Button(_("OK"), id="ok", variant="primary", compact=True)

    def on_mount(self) -> None:
        self.call_after_refresh(self.post_message, FrameWanted("screen"))
        self.session.journal.record("screen", "expiry_alert", days_left=self.expiry.days_left)
        self.query_one("#ok", Button).focus()

    @on(Button.Pressed, "#ok")
    def action_ok(self) -> None:
        self.session.journal.record("action", "ok")
        self.dismiss()
