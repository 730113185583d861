"""The step indicator: ``Étape 2 sur 4`` and every step, the current one marked."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.widgets import Static

from domain.i18n import Translator


class StepIndicator(Static):
    DEFAULT_CSS = """
    StepIndicator { height: auto; width: 1fr; color: $text-muted; }
    """

    def __init__(self, t: Translator, steps: Sequence[str], current: int) -> None:
        self._t = t
        self._steps = tuple(steps)
        self._current = current
        super().__init__(self._build(), markup=False)

    def _build(self) -> Text:
        _ = self._t._
        text = Text()
        text.append(_("Step {n} of {total}: ").format(n=self._current, total=len(self._steps)), style="bold")
        for index, label in enumerate(self._steps, start=1):
            if index > 1:
                text.append(" › ")
            if index < self._current:
                text.append("✓ " + label)
            elif index == self._current:
                text.append("▶ " + label, style="bold reverse")
            else:
                text.append(label)
        return text
