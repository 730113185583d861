"""What support needs to see a session again: the frames the user saw (recorded in the
journal as ANSI text, compressed), their timeline, an asciicast v2 export, and retention.

A frame is recorded when a screen is shown, after each outcome and on resize, never while
a CAPTCHA field holds typed text; password fields are drawn as bullets, so no frame holds
a secret (SPEC §5).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import col, delete, select

from domain.journal import unpack
from domain.models import JournalEvent, SessionRecord
from domain.services import Services

_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")


def plain(ansi: str) -> str:
    """The text of a frame without its colours and styles."""
    return _ANSI.sub("", ansi)


TRANSCRIPT = "transcript"
"""The reason of a frame that holds part of a line-mode session's transcript (plain text:
what was printed and answered, secrets excluded) rather than a screen."""


@dataclass(frozen=True)
class Frame:
    seq: int
    at: datetime
    reason: str
    columns: int
    rows: int
    ansi: str

    @property
    def text(self) -> str:
        return plain(self.ansi)


@dataclass(frozen=True)
class Event:
    seq: int
    at: datetime
    kind: str
    name: str
    detail: dict[str, object]


def timeline(services: Services, reference: str) -> tuple[SessionRecord | None, list[Event], list[Frame]]:
    """A session's record, its events (frames left out) and its frames, in order."""
    with services.uow() as uow:
        record = uow.session.get(SessionRecord, reference)
        rows = uow.session.exec(
            select(JournalEvent).where(JournalEvent.session_reference == reference).order_by(col(JournalEvent.seq))
        ).all()
    events: list[Event] = []
    frames: list[Frame] = []
    for row in rows:
        detail = json.loads(row.detail)
        if row.kind == "frame":
            frames.append(
                Frame(
                    row.seq,
                    row.at,
                    row.name,
                    int(detail["columns"]),
                    int(detail["rows"]),
                    unpack(str(detail["ansi"])),
                )
            )
        else:
            events.append(Event(row.seq, row.at, row.kind, row.name, detail))
    return record, events, frames


def timeline_lines(events: list[Event], frames: list[Frame]) -> list[str]:
    """A session as lines of text, in order: each event (``seq time kind name details``)
    and, in its place, each part of a line-mode transcript (indented ``| ``); screens of
    the full-screen app are left out (see :func:`asciicast`). Not yet made printable: the
    caller prints through ``printable``."""
    transcripts = {frame.seq: frame for frame in frames if frame.reason == TRANSCRIPT}
    by_seq = {event.seq: event for event in events}
    lines: list[str] = []
    for seq in sorted(by_seq.keys() | transcripts.keys()):
        if seq in transcripts:
            lines.extend(f"     | {line}" for line in transcripts[seq].text.split("\n"))
            continue
        event = by_seq[seq]
        details = " ".join(f"{key}={value}" for key, value in event.detail.items())
        lines.append(f"{event.seq:>4} {event.at:%H:%M:%S} {event.kind:8} {event.name} {details}".rstrip())
    return lines


def asciicast(reference: str, frames: list[Frame], *, term: str = "xterm-256color") -> str:
    """The session as an asciicast v2 file (``asciinema play``): output and resize events
    only, never input. Each frame redraws the whole screen. The file is ASCII."""
    if not frames:
        raise ValueError("this session has no recorded frame")
    first = frames[0]
    header = {
        "version": 2,
        "width": first.columns,
        "height": first.rows,
        "timestamp": int(first.at.timestamp()),
        "title": f"motdepasse {reference}",
        "env": {"TERM": term},
    }
    lines = [json.dumps(header)]
    size = (first.columns, first.rows)
    for frame in frames:
        elapsed = max(0.0, (frame.at - first.at).total_seconds())
        if (frame.columns, frame.rows) != size:
            size = (frame.columns, frame.rows)
            lines.append(json.dumps([round(elapsed, 6), "r", f"{frame.columns}x{frame.rows}"]))
        screen = "\x1b[H\x1b[2J" + frame.ansi.rstrip("\n").replace("\n", "\r\n")
        # ASCII JSON: every escape sequence, C1 control, bidi control or lone surrogate of a
        # frame stays a \uXXXX escape, so the file is safe to print (cat, less) and to write
        lines.append(json.dumps([round(elapsed, 6), "o", screen]))
    return "\n".join(lines) + "\n"


def purge(services: Services, *, older_than: timedelta) -> int:
    """Delete the journal of sessions started before ``now - older_than``; returns how
    many sessions were deleted."""
    cutoff = services.clock.now() - older_than
    with services.uow() as uow:
        old = uow.session.exec(select(SessionRecord.reference).where(col(SessionRecord.started_at) < cutoff)).all()
        if old:
            uow.session.exec(  # type: ignore[call-overload]
                delete(JournalEvent).where(col(JournalEvent.session_reference).in_(old))
            )
            uow.session.exec(  # type: ignore[call-overload]
                delete(SessionRecord).where(col(SessionRecord.reference).in_(old))
            )
        uow.commit()
    return len(old)
