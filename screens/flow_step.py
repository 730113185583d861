"""What the step screens of a procedure share: the step indicator, the way back
(« Étape précédente » and Escape, keeping what was typed), and running a step off the
event loop."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import ClassVar, Protocol

from textual.app import ComposeResult
from textual.binding import Binding, BindingType

from domain.flows.common import Outcome
from domain.services import UserSession
from screens.base import BaseScreen, FlowAdvanced, FlowBack
from tui.widgets.step_indicator import StepIndicator


class ProcedureFlow(Protocol):
    """What a step screen needs of a flow (forgot or expired password)."""

    @property
    def session(self) -> UserSession: ...

    @property
    def title(self) -> str: ...

    @property
    def step_labels(self) -> Sequence[str]: ...

    @property
    def email(self) -> str: ...

    @property
    def step_number(self) -> int: ...

    def back(self) -> object: ...


class FlowStepScreen(BaseScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", show=False),
    ]

    def __init__(self, flow: ProcedureFlow) -> None:
        super().__init__(flow.session)
        self.flow = flow
        self.step_number = flow.step_number

    def title_text(self) -> str:
        return self._(self.flow.title)

    def compose_step(self) -> ComposeResult:
        yield StepIndicator(self.t, [self._(label) for label in self.flow.step_labels], self.step_number)

    def action_back(self) -> None:
        self.flow.back()
        self.post_message(FlowBack())

    async def run_step(self, call: Callable[[], Outcome]) -> Outcome:
        """Run a blocking flow step in a thread; advance, or show its errors."""
        self.set_busy(True)
        try:
            outcome = await asyncio.to_thread(call)
        finally:
            self.set_busy(False)
        if outcome.ok:
            self.show_errors([])
            self.post_message(FlowAdvanced())
        else:
            self.show_errors(outcome.messages)
        return outcome
