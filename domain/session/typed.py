"""What the journal keeps of typing: how far the user got in each field, never what was
typed — a count of characters for a field that is not secret (the email), a length band
for a secret one (passwords, the answer, the CAPTCHA: see
:func:`domain.session.intents.band`).

Front ends report each change of a field's length (the full-screen app at every key, the
line mode at every answer); this keeps the journal small: at most one event per field per
:data:`EVERY_SECONDS`, a band only when it changes, and the last change of a burst is
journaled when the user types in another field, or before the next intent, frame, warning
or the session's end (:meth:`TypingProgress.flush`). Values a step sets itself (a field
emptied after a refusal, a new CAPTCHA) are not typing.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from domain.journal import Journal
from domain.session.intents import band
from domain.session.views import FieldKind, FieldSpec, View

EVERY_SECONDS = 1.0
"""At most one typing event per field in this time."""

SECRET_KINDS = frozenset({FieldKind.SECRET, FieldKind.CAPTCHA})
"""Fields whose typing is journaled as a length band only."""


def _value(spec: FieldSpec, length: int) -> int | str:
    return band(length) if spec.kind in SECRET_KINDS else length


class TypingProgress:
    """The typing progress of one session's current step. Thread-safe: an event loop
    reports typing while a worker thread handles an intent."""

    def __init__(self, journal: Journal, *, now: Callable[[], float] = time.monotonic) -> None:
        self._journal = journal
        self._now = now
        self._lock = threading.Lock()
        self._fields: dict[str, FieldSpec] = {}
        self._heard: dict[str, int | str] = {}
        """By field: the count (or band) the journal has, or the step set."""
        self._at: dict[str, float] = {}
        self._pending: dict[str, int | str] = {}

    def typed(self, spec: FieldSpec, length: int) -> None:
        """``spec``'s field holds ``length`` characters now."""
        if spec.kind is FieldKind.CHECKBOX:
            return
        value = _value(spec, length)
        now = self._now()
        with self._lock:
            self._fields[spec.name] = spec
            for other in [name for name in self._pending if name != spec.name]:
                self._write(other, now)  # the user moved on: that field's last change
            if self._heard.get(spec.name, _value(spec, 0)) == value:
                self._pending.pop(spec.name, None)
                return
            self._pending[spec.name] = value
            if now - self._at.get(spec.name, now - EVERY_SECONDS) >= EVERY_SECONDS:
                self._write(spec.name, now)

    def flush(self) -> None:
        """Journal what was typed and not journaled yet."""
        with self._lock:
            now = self._now()
            for name in list(self._pending):
                self._write(name, now)

    def new_view(self, previous: View, view: View) -> None:
        """The step shows ``view`` after ``previous``: on another step its fields start
        again (what was typed on the step left is journaled first); the values the view
        sets, and a new CAPTCHA's empty field, are the step's."""
        if view.step is not previous.step:
            self.flush()
        with self._lock:
            if view.step is not previous.step:
                for progress in (self._fields, self._heard, self._at, self._pending):
                    progress.clear()
            for name, value in view.resets:
                spec = view.get_field(name)
                if spec is not None:
                    self._pending.pop(name, None)
                    self._heard[name] = _value(spec, len(value))
            shown = view.captcha
            if shown is not None and (previous.captcha is None or previous.captcha.serial != shown.serial):
                self._pending.pop("captcha", None)
                self._heard["captcha"] = band(0)

    def _write(self, name: str, now: float) -> None:
        value = self._pending.pop(name)
        spec = self._fields[name]
        self._heard[name] = value
        self._at[name] = now
        key = "band" if spec.kind in SECRET_KINDS else "length"
        self._journal.record("input", "typing", field=name, **{key: value})
