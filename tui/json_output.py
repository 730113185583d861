"""``--json`` output of the operators' commands: one JSON document, ASCII only.

Every non-ASCII character is written as a ``\\uXXXX`` escape, so no stored text (a name
with an escape sequence, a bidi control) can reach the terminal as anything but inert
ASCII, and any JSON reader gets the text back exactly. Keys are stable: a key is added,
never renamed or removed. Instants are ISO 8601 in UTC (``2025-03-01T09:30:00+00:00``),
days ``YYYY-MM-DD``; absent values are ``null``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TextIO

from domain.clock import as_utc


def instant(value: datetime | None) -> str | None:
    """An instant, ISO 8601 in UTC (SQLite gives back naive UTC datetimes)."""
    return None if value is None else as_utc(value).isoformat()


def day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def print_json(value: object, out: TextIO) -> None:
    import json

    from tui.cli import say

    say(json.dumps(value, ensure_ascii=True, indent=2), out, lines=True)
