"""Clocks. Every rule that depends on "now" asks a clock, so tests and the demo pin it."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware (UTC)."""
        ...

    def today(self) -> date:
        """The current calendar day."""
        ...


class SystemClock:
    """The real time."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def today(self) -> date:
        return self.now().date()


class SettableClock:
    """A clock that starts at a given instant and can be moved (tests, demo).

    With ``ticking=True`` it advances with real time from the instant it was set, so the
    demo can pin "today" while timeouts still expire.
    """

    def __init__(self, start: datetime, *, ticking: bool = False) -> None:
        if start.tzinfo is None:
            start = start.replace(tzinfo=UTC)
        self._lock = threading.Lock()
        self._base = start
        self._ticking = ticking
        self._anchor = datetime.now(UTC)

    def now(self) -> datetime:
        with self._lock:
            if self._ticking:
                return self._base + (datetime.now(UTC) - self._anchor)
            return self._base

    def today(self) -> date:
        return self.now().date()

    def set(self, instant: datetime) -> None:
        if instant.tzinfo is None:
            instant = instant.replace(tzinfo=UTC)
        with self._lock:
            self._base = instant
            self._anchor = datetime.now(UTC)

    def advance(self, delta: timedelta) -> None:
        self.set(self.now() + delta)
