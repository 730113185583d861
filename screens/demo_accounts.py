"""The demo's accounts and their secrets (demo only: never in a real deployment)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from domain.demo import CASES, DemoAccount, demo_as_it_stands
from domain.i18n import N_, Translator
from domain.services import Services

PASSWORD_CHANGED = N_("Password: changed during the demo (the new one is not shown)")


def demo_text(t: Translator, accounts: Sequence[DemoAccount]) -> Text:
    _ = t._
    text = Text()
    text.append(_("Demo accounts (shown in the demo only)"), style="bold")
    for account in accounts:
        text.append("\n")
        text.append(f"• {account.name} — {account.email}\n", style="bold")
        text.append("  " + _(CASES[account.case]) + "\n")
        text.append("  " + _("Question: {question}").format(question=account.question) + "\n")
        text.append("  " + _("Answer: {answer}").format(answer=account.answer))
        if account.password_changed:  # a password someone typed: never echoed
            text.append(" · " + _(PASSWORD_CHANGED))
        else:
            text.append(" · " + _("Password: {password}").format(password=account.password))
    return text


class DemoAccountsScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", show=False),
        Binding("f2", "close", show=False),
    ]

    def __init__(self, t: Translator, accounts: Sequence[DemoAccount], services: Services | None = None) -> None:
        super().__init__()
        self._t = t
        self._accounts = accounts
        self._services = services

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog", can_focus=True):
            with Vertical():
                yield Static(self._t._("Loading…"), markup=False, id="demo-text")
            yield Button(self._t._("Close"), id="close", compact=True)

    def on_mount(self) -> None:
        # Never recorded: it shows the demo's passwords and answers.
        self.query_one("#close", Button).focus()
        self.run_worker(self._load(), exclusive=True)

    async def _load(self) -> None:
        """The accounts as they stand: a password changed in the demo is no longer shown."""
        services = self._services or getattr(self.app, "services", None)
        accounts = list(self._accounts)
        if isinstance(services, Services):
            accounts = await asyncio.to_thread(demo_as_it_stands, services, accounts)
        for shown in self.query("#demo-text").results(Static):  # none if closed meanwhile
            shown.update(demo_text(self._t, accounts))

    @on(Button.Pressed, "#close")
    def action_close(self) -> None:
        self.dismiss()
