"""A row of buttons that stacks them, one per line, when they do not fit side by side
(Textual has no wrapping layout): on a narrow terminal no button is cut or pushed off
screen, and a label longer than the width wraps inside its button."""

from __future__ import annotations

from rich.cells import cell_len
from textual import events
from textual.containers import Horizontal
from textual.widgets import Button

GAP = 2
"""Columns between two buttons side by side."""


class ButtonRow(Horizontal):
    DEFAULT_CSS = """
    ButtonRow { height: auto; }
    ButtonRow > Button { margin-right: 2; }
    ButtonRow.-stacked { layout: vertical; }
    ButtonRow.-stacked > Button { margin-right: 0; height: auto; max-width: 100%; }
    """

    def __init__(self, *children: Button, id: str | None = None, classes: str = "") -> None:
        super().__init__(*children, id=id, classes=f"buttons {classes}".strip())

    def needed_width(self) -> int:
        """The columns the buttons take side by side."""
        total = 0
        for button in self.query_children(Button):
            if button.display:
                minimum = int(button.styles.min_width.value) if button.styles.min_width else 0
                total += max(minimum, cell_len(str(button.label)) + 2) + GAP
        return total

    def fit(self) -> None:
        self.set_class(self.needed_width() > self.size.width, "-stacked")

    def on_resize(self, event: events.Resize) -> None:
        self.fit()

    def on_mount(self) -> None:
        self.call_after_refresh(self.fit)
