"""An Input that never lets control characters or escape sequences in."""

from __future__ import annotations

from textual import events
from textual.widgets import Input

from domain.text import strip_controls


class SafeInput(Input):
    """Pasted text keeps its first line, without control characters (ESC included)."""

    def on_mount(self) -> None:
        if self.app.is_headless:
            self.cursor_blink = False  # stable snapshots and replays

    def _on_paste(self, event: events.Paste) -> None:
        event.prevent_default()  # Input's own handler would insert the raw text too
        lines = event.text.splitlines()
        cleaned = strip_controls(lines[0]) if lines else ""
        if cleaned:
            selection = self.selection
            if selection.is_empty:
                self.insert_text_at_cursor(cleaned)
            else:
                self.replace(cleaned, *selection)
        event.stop()
