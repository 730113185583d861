"""The « ? » help: recommendations against identity theft (seed 001/003)."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Button, Static

from domain.session.intents import Back
from domain.session.states import Step
from screens.base import StepDialog


class RecommendationsScreen(StepDialog):
    step = Step.ADVICE

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "back", show=False)]

    def compose(self) -> ComposeResult:
        _ = self._
        text = Text()
        text.append(_("Advice against identity theft"), style="bold")
        text.append("\n\n")
        for line in (
            _("Use a different password for each site or service."),
            _("Never reuse a former password."),
            _(
                "Never send your password by email, and never give it to anyone: the "
                "administration will never ask you for it."
            ),
            _("Never write your password down where it can be found."),
            _("Renew your password regularly."),
            _(
                "The sentence technique: think of a sentence you will remember, e.g. « Mon chat "
                "Tigrou mange 2 souris par jour depuis 2019 ! », and keep the first letters, "
                "the digits and the signs, or the whole sentence."
            ),
        ):
            text.append("• " + line + "\n")
        with Vertical(classes="dialog"):
            with VerticalScroll():
                yield Static(text, markup=False)
            yield Button(_("Close"), id="close", compact=True)

    def on_mount(self) -> None:
        self.query_one("#close", Button).focus()

    @on(Button.Pressed, "#close")
    def _close(self) -> None:
        self.send(Back())
