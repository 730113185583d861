"""What the step screens of a procedure share: the step indicator and the way back
(« Étape précédente » and Escape, keeping what was typed)."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType

from screens.base import StepScreen
from screens.widgets.step_indicator import StepIndicator


class FlowStepScreen(StepScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", show=False),
    ]

    def title_text(self) -> str:
        progress = self.view.progress
        return self._(progress.title if progress else self.view.title)

    def compose_step(self) -> ComposeResult:
        progress = self.view.progress
        if progress is not None:
            yield StepIndicator(self.t, [self._(label) for label in progress.labels], progress.number)
