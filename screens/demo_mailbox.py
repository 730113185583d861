"""The demo's mailbox (F3, demo only): the emails the demo "sent", read from the outbox,
since no relay is configured in the demo."""

from __future__ import annotations

import asyncio
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from domain.delivery import recent_emails
from domain.i18n import N_, Translator
from domain.services import Services

STATES: dict[str, str] = {
    "queued": N_("waiting to be sent"),
    "sent": N_("sent"),
    "failed": N_("not sent (failed)"),
}
"""The outbox states (:attr:`domain.models.OutboxEmail.state`), as the mailbox says them."""
UNKNOWN_STATE = N_("state unknown")


class DemoMailboxScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", show=False),
        Binding("f3", "close", show=False),
    ]

    def __init__(self, services: Services, t: Translator) -> None:
        super().__init__()
        self._services = services
        self._t = t

    def compose(self) -> ComposeResult:
        _ = self._t._
        with VerticalScroll(classes="dialog", can_focus=True):
            yield Static(Text(_("Demo mailbox: the emails the demo sent, newest first"), style="bold"))
            with Vertical(id="mails"):
                yield Static(_("Loading…"), markup=False, id="mail-text")
            yield Button(_("Close"), id="close", compact=True)

    def on_mount(self) -> None:
        self.query_one("#close", Button).focus()
        self.run_worker(self._load(), exclusive=True)

    async def _load(self) -> None:
        _ = self._t._
        emails = await asyncio.to_thread(recent_emails, self._services, 10, self._t)
        text = Text()
        if not emails:
            text.append(_("No email yet: change a password, then come back here."))
        for index, (row, readable) in enumerate(emails):
            if index:
                text.append("\n" + "─" * 60 + "\n")
            state = _(STATES.get(row.state, UNKNOWN_STATE))
            text.append(f"#{row.id} · {state}\n", style="bold")
            text.append(readable)
        for shown in self.query("#mail-text").results(Static):  # none if closed meanwhile
            shown.update(text)

    @on(Button.Pressed, "#close")
    def action_close(self) -> None:
        self.dismiss()
