"""The « ? » help: « Recommandations pour prévenir des usurpations » (seed 003), as the
session core's view gives them."""

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
from domain.session.views import AdviceDetail
from screens.base import StepDialog


class RecommendationsScreen(StepDialog):
    step = Step.ADVICE

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "back", show=False)]

    def compose(self) -> ComposeResult:
        _ = self._
        detail = self.view.detail
        assert isinstance(detail, AdviceDetail)
        text = Text()
        text.append(_(self.view.title), style="bold")
        text.append("\n\n")
        for line in detail.points:
            text.append("• " + _(line) + "\n")
        text.append("\n" + _(detail.sentence) + "\n")
        text.append(_(detail.memorable).format(min=detail.min_length) + "\n")
        text.append("\n" + _(detail.browser))
        with VerticalScroll(classes="dialog", can_focus=True):
            with Vertical():
                yield Static(text, markup=False)
            yield Button(_("Close"), id="close", compact=True)

    def on_mount(self) -> None:
        self.query_one("#close", Button).focus()

    @on(Button.Pressed, "#close")
    def _close(self) -> None:
        self.send(Back())
