"""An Input that never lets control characters or escape sequences in."""

from __future__ import annotations

from textual import events
from textual.message import Message

from domain.text import strip_controls
from screens.widgets.textual_adapter import KeyFirstInput


class SafeInput(KeyFirstInput):
    """Pasted text keeps its first line, without control characters (ESC included)."""

    class Typed(Message):
        """What the field holds changed: how many characters it holds now, never which
        (the app journals the typing progress, a secret field's as a length band only)."""

        def __init__(self, field: str, length: int) -> None:
            super().__init__()
            self.field = field
            self.length = length

    def watch_value(self, value: str) -> None:
        """Tell the app at once (to the app itself, not bubbled up through the screen):
        it hears of the change before the intent that a key typed after it sends (a fast
        typist's Enter, a paste then Enter)."""
        if self.id and self.is_attached:
            self.app.post_message(self.Typed(self.id, len(value)))

    def key_first(self, event: events.Key) -> bool:
        """Keys that reach this field after the focus moved on (a burst typed after Tab or
        Enter: auto-type, a slow link) belong to the field that has the focus now."""
        focused = self.screen.focused  # ``has_focus`` lags: it follows Focus/Blur messages
        if focused is not None and focused is not self:
            key = events.Key(event.key, event.character)
            if isinstance(focused, SafeInput):
                # Straight into that field's own queue, after the keys already there: through
                # the app, a Tab among them was taken by the app's binding at once, ahead of
                # them, and « email⇥password⇥x⏎ » put the password in clear in the CAPTCHA field.
                focused.post_message(key)
            else:
                # Back through the app, as if typed now: it goes to the focused widget, and
                # a key that widget leaves (Tab on a button) reaches the bindings.
                self.app.post_message(key)
            return True
        # Tab and Enter move the focus here, in this field's own order of keys, so that the
        # keys after them (already queued for this field) are redirected above.
        if event.key in ("tab", "shift+tab"):
            if event.key == "tab":
                self.screen.focus_next()
            else:
                self.screen.focus_previous()
            return True
        if event.key == "enter":
            enter_pressed = getattr(self.screen, "enter_pressed", None)
            return bool(callable(enter_pressed) and enter_pressed())
        return False

    def on_mount(self) -> None:
        # No blinking: a still cursor for braille displays and screen magnifiers, stable
        # snapshots and replays, and no redraw twice a second while idle.
        self.cursor_blink = False

    def paste_text(self, text: str) -> None:
        lines = text.splitlines()
        cleaned = strip_controls(lines[0]) if lines else ""
        if cleaned:
            selection = self.selection
            if selection.is_empty:
                self.insert_text_at_cursor(cleaned)
            else:
                self.replace(cleaned, *selection)
