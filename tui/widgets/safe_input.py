"""An Input that never lets control characters or escape sequences in."""

from __future__ import annotations

from textual import events
from textual.widgets import Input

from domain.text import strip_controls


class SafeInput(Input):
    """Pasted text keeps its first line, without control characters (ESC included)."""

    async def _on_key(self, event: events.Key) -> None:
        """Keys that reach this field after the focus moved on (a burst typed after Tab or
        Enter: auto-type, a slow link) belong to the field that has the focus now."""
        focused = self.screen.focused  # ``has_focus`` lags: it follows Focus/Blur messages
        if focused is not None and focused is not self:
            event.prevent_default()
            event.stop()
            focused.post_message(events.Key(event.key, event.character))
            return
        # Tab and Enter move the focus here, in this field's own order of keys, so that the
        # keys after them (already queued for this field) are redirected above.
        if event.key in ("tab", "shift+tab"):
            event.prevent_default()
            event.stop()
            if event.key == "tab":
                self.screen.focus_next()
            else:
                self.screen.focus_previous()
        elif event.key == "enter":
            enter_pressed = getattr(self.screen, "enter_pressed", None)
            if callable(enter_pressed) and enter_pressed():
                event.prevent_default()
                event.stop()

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
