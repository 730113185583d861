"""What the four screens of « Mot de passe oublié » share: the step indicator and the way
back (« Étape précédente » and Escape), which keeps what was typed."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType

from domain.flows.common import Outcome
from domain.flows.forgot import ForgotPasswordFlow
from domain.i18n import N_
from screens.base import BaseScreen, FlowAdvanced, FlowBack
from tui.widgets.step_indicator import StepIndicator

STEP_LABELS = (
    N_("Login email address"),
    N_("Answer to the security question"),
    N_("New password"),
    N_("Summary"),
)


class ForgotStepScreen(BaseScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", show=False),
    ]

    step_number: ClassVar[int] = 1

    def __init__(self, flow: ForgotPasswordFlow) -> None:
        super().__init__(flow.session)
        self.flow = flow

    def title_text(self) -> str:
        return self._("Forgot password")

    def compose_step(self) -> ComposeResult:
        yield StepIndicator(self.t, [self._(label) for label in STEP_LABELS], self.step_number)

    def action_back(self) -> None:
        self.flow.back()
        self.post_message(FlowBack())

    async def run_step(self, call: Callable[[], Outcome]) -> Outcome:
        """Run a blocking flow step off the event loop; advance or show its errors."""
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
