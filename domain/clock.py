"""Clocks. Every rule that depends on "now" asks a clock, so tests and the demo pin it.

A clock gives instants (UTC), never a calendar day: "today" is the users' day, in their
time zone (``settings.timezone``), and only :func:`users_day` turns an instant into one
(``Services.today()`` for now). The UTC date is not the users' day: at 23:30 UTC on
31 December it is already 1 January in Paris.
"""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware (UTC)."""
        ...


def users_day(instant: datetime, tz: tzinfo) -> date:
    """The calendar day ``instant`` falls on for the users (``tz``: the service's time
    zone): expiry days left, the 60-day alert, reminders, a password's validity and the
    support card all count in these days."""
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)
    return instant.astimezone(tz).date()


class SystemClock:
    """The real time."""

    def now(self) -> datetime:
        return datetime.now(UTC)


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

    def set(self, instant: datetime) -> None:
        if instant.tzinfo is None:
            instant = instant.replace(tzinfo=UTC)
        with self._lock:
            self._base = instant
            self._anchor = datetime.now(UTC)

    def advance(self, delta: timedelta) -> None:
        self.set(self.now() + delta)


def as_utc(value: datetime) -> datetime:
    """An instant read back from the database: SQLite returns naive datetimes, and every
    instant stored is UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)
