"""The demo's accounts and their secrets (demo only: never in a real deployment)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from domain.demo import CASES, DemoAccount
from domain.i18n import Translator


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
        text.append(" · " + _("Password: {password}").format(password=account.password))
    return text


class DemoAccountsScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", show=False),
        Binding("f2", "close", show=False),
    ]

    def __init__(self, t: Translator, accounts: Sequence[DemoAccount]) -> None:
        super().__init__()
        self._t = t
        self._accounts = accounts

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            with VerticalScroll():
                yield Static(demo_text(self._t, self._accounts), markup=False)
            yield Button(self._t._("Close"), id="close", compact=True)

    def on_mount(self) -> None:
        # Never recorded: it shows the demo's passwords and answers.
        self.query_one("#close", Button).focus()

    @on(Button.Pressed, "#close")
    def action_close(self) -> None:
        self.dismiss()
