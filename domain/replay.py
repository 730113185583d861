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
from datetime import datetime, timedelta, tzinfo

from sqlmodel import col, delete, select

from domain.findings import Finding, Kind
from domain.i18n import N_, Translator
from domain.journal import unpack
from domain.models import JournalEvent, SessionRecord
from domain.policy import Findings
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


FAILURE_OUTCOMES = frozenset(
    {
        "login_refused",
        "captcha_refused",
        "email_refused",
        "answer_refused",
        "change_refused",
        "old_password_refused",
        "password_refused",
        "procedure_refused",
        "account_deactivated",
    }
)
"""The outcomes a user experiences as a failure: what support looks for first."""


def is_failure(event: Event) -> bool:
    """A refusal, or the session crashing."""
    return (event.kind == "outcome" and event.name in FAILURE_OUTCOMES) or (
        event.kind == "session" and event.name == "crash"
    )


_WORDS: dict[tuple[str, str | None], str] = {
    ("login_refused", "captcha_wrong"): N_("Login refused: the CAPTCHA typed was wrong"),
    ("login_refused", "captcha_expired"): N_("Login refused: the CAPTCHA had expired"),
    ("login_refused", "invalid"): N_("Login refused: wrong email address or password"),
    ("login_refused", "throttled"): N_("Login refused: too many attempts, wait {wait} s"),
    ("login_refused", "deactivated"): N_("Login refused: the account is deactivated"),
    ("login_refused", "expired"): N_("Login refused: the password has expired"),
    ("login_refused", "unusable_text"): N_("Login refused: characters that cannot be used"),
    ("captcha_refused", "captcha_wrong"): N_("Refused: the CAPTCHA typed was wrong"),
    ("captcha_refused", "captcha_expired"): N_("Refused: the CAPTCHA had expired"),
    ("email_refused", "invalid_email"): N_("Refused: not a valid email address"),
    ("email_refused", "unusable_text"): N_("Refused: characters that cannot be used in the email address"),
    ("answer_refused", "wrong_answer"): N_("Refused: wrong answer to the security question"),
    ("answer_refused", "empty"): N_("Refused: no answer typed"),
    ("answer_refused", "unusable_text"): N_("Refused: characters that cannot be used in the answer"),
    ("change_refused", "wrong_answer"): N_("Refused: wrong answer to the security question"),
    ("change_refused", "empty_answer"): N_("Refused: no answer typed"),
    ("change_refused", "locked"): N_("Refused: the security question is locked"),
    ("change_refused", "nothing_to_change"): N_("Refused: nothing to change"),
    ("change_refused", "unusable_text"): N_("Refused: characters that cannot be used"),
    ("old_password_refused", "invalid"): N_("Refused: wrong email address or current password"),
    ("old_password_refused", "throttled"): N_("Refused: too many attempts, wait {wait} s"),
    ("procedure_refused", "deactivated"): N_("Refused: the account is deactivated"),
    ("procedure_refused", "locked"): N_("Refused: forgot-password locked until {until}"),
    ("procedure_refused", "locked_client"): N_("Refused: too many wrong answers from this connection, until {until}"),
    ("account_deactivated", "expired"): N_("Account deactivated: password expired for {days} days"),
    ("login_accepted", None): N_("Signed in"),
    ("email_accepted", None): N_("Email address accepted"),
    ("answer_accepted", None): N_("Answer to the security question accepted"),
    ("password_changed", None): N_("Password changed, valid until {valid_until}"),
    ("session_warning", "idle"): N_("Warning shown: the session is about to end (idle)"),
    ("session_warning", "end"): N_("Warning shown: the session reaches its maximum length"),
}

_PASSWORD_REASONS: dict[str, str] = {
    "too_short": N_("too short"),
    "too_long": N_("too long"),
    "control_character": N_("a control character"),
    "not_letters_and_digits": N_("not only letters and digits"),
    "confirmation_mismatch": N_("the confirmation differs"),
    "same_as_previous": N_("the same as the previous one"),
    "too_weak": N_("too weak"),
    "breached": N_("found in known data breaches"),
    "breach_check_unavailable": N_("the breach check did not answer (fail-closed)"),
    "stale": N_("the form was out of date"),
    "unusable_text": N_("characters that cannot be used"),
}

_ENDS: dict[str, str] = {
    "quit": N_("Session ended by the user"),
    "idle": N_("Session ended: idle for too long"),
    "max_length": N_("Session ended: maximum length reached"),
    "client_closed": N_("Session ended: the user closed the connection"),
    "connection_lost": N_("Session ended: connection lost"),
    "server_shutdown": N_("Session ended: the server was stopped"),
    "crash": N_("Session ended: an error in the application"),
    "staff_revoked": N_("Session ended: staff access withdrawn"),
    "line_mode": N_("Session went on in the line mode"),
}


_METER: dict[str, str] = {
    "too_short": N_("Strength meter: too short"),
    "faible": N_("Strength meter: weak (refused)"),
    "moyen": N_("Strength meter: medium (accepted)"),
    "fort": N_("Strength meter: strong (accepted)"),
}

_ANSWERS: dict[str, str] = {
    "stay": N_("The user stayed (Enter)"),
    "extend": N_("The user extended the session"),
    "dismissed": N_("The user closed the warning"),
    "timeout": N_("No answer to the warning"),
}

_FIELDS: dict[str, str] = {
    "email": N_("email address"),
    "password": N_("password"),
    "old": N_("current password"),
    "new": N_("new password"),
    "confirm": N_("confirmation"),
    "answer": N_("answer"),
    "captcha": N_("CAPTCHA"),
}


_KINDS = {kind.value: kind for kind in Kind}


def _weak(codes: object, t: Translator) -> str:
    """Why a password was weak, from the journal's codes (which never hold a word)."""
    if not isinstance(codes, list):
        return ""
    kinds = [_KINDS[code] for code in codes if isinstance(code, str) and code in _KINDS]
    return Findings(tuple(Finding(kind) for kind in kinds)).render(t) if kinds else ""


def _shown(event: Event, t: Translator) -> str | None:
    """What the user was shown or typed, between two outcomes (never a character)."""
    detail = event.detail
    if event.name == "meter":
        level = str(detail.get("level", ""))
        shown = t._(_METER[level]) if level in _METER else None
        weak = _weak(detail.get("reasons"), t)
        return f"{shown} — {weak}" if shown and weak else shown
    if event.name == "captcha_new":
        return t._("New CAPTCHA picture shown")
    if event.name == "typing":
        field = str(detail.get("field", ""))
        name = t._(_FIELDS[field]) if field in _FIELDS else field
        if "band" in detail:
            return t._("Typed in {field}: {band} characters").format(field=name, band=detail["band"])
        return t._("Typed in {field}: {n} characters").format(field=name, n=detail.get("length", "?"))
    return None


def describe(event: Event, t: Translator, tz: tzinfo) -> str | None:
    """What an outcome or the session's end means, in words of ``t``'s language (instants
    in ``tz``); None for the events that need no words (screens shown, keys)."""
    detail = event.detail
    if event.kind == "session" and event.name == "end":
        how = str(detail.get("reason", detail.get("how", "")))  # "how" before issue 13
        return t._(_ENDS[how]) if how in _ENDS else t._("Session ended ({how})").format(how=how)
    if event.kind == "session" and event.name == "crash":
        return t._("The application failed: {error}").format(error=detail.get("error", "?"))
    if event.kind in ("shown", "input"):
        return _shown(event, t)
    if event.kind != "outcome":
        return None
    if event.name == "session_warning_answer":
        answer = str(detail.get("answer", ""))
        return t._(_ANSWERS[answer]) if answer in _ANSWERS else t._("Warning answered: {answer}").format(answer=answer)
    if event.name == "password_refused":
        listed = detail.get("reasons")
        reasons = [str(r) for r in listed] if isinstance(listed, list) else []
        words = ", ".join(t._(_PASSWORD_REASONS[r]) if r in _PASSWORD_REASONS else r for r in reasons)
        weak = _weak(detail.get("weak"), t)
        words = f"{words} — {weak}" if weak else words
        return t._("New password refused: {reasons}").format(reasons=words)
    if event.name == "captcha_spelled":
        return t._("CAPTCHA spelled out") if detail.get("shown") else t._("CAPTCHA picture shown again")
    reason = detail.get("reason", detail.get("warning"))
    message = _WORDS.get((event.name, None if reason is None else str(reason)))
    if message is None:
        message = _WORDS.get((event.name, None))
    if message is None:
        return event.name if reason is None else f"{event.name} ({reason})"
    values = {key: _local(value, t, tz) for key, value in detail.items()}
    try:
        return t._(message).format(**values)
    except (KeyError, IndexError, ValueError):
        return t._(message)


def _local(value: object, t: Translator, tz: tzinfo) -> object:
    """An ISO instant or day of the journal, as the agent reads it (their time zone)."""
    if isinstance(value, str) and len(value) >= 10 and value[4:5] == "-":
        try:
            if len(value) == 10:
                return t.date(datetime.fromisoformat(value).date())
            instant = datetime.fromisoformat(value)
        except ValueError:
            return value
        if instant.tzinfo is None:
            return value
        return f"{t.date(instant.astimezone(tz).date())} {t.time(instant.astimezone(tz))}"
    return value


@dataclass(frozen=True)
class Step:
    """A frame with the events that led to it (since the frame before)."""

    frame: Frame
    events: tuple[Event, ...]

    @property
    def failed(self) -> bool:
        return any(is_failure(event) for event in self.events)


def steps(events: list[Event], frames: list[Frame]) -> list[Step]:
    """Each frame with the events recorded between the frame before it and itself; the
    events after the last frame (the session's end, mostly) go with the last frame."""
    found: list[Step] = []
    ordered = sorted(events, key=lambda event: event.seq)
    position = 0
    for index, frame in enumerate(frames):
        last = index == len(frames) - 1
        start = position
        while position < len(ordered) and (last or ordered[position].seq < frame.seq):
            position += 1
        found.append(Step(frame, tuple(ordered[start:position])))
    return found


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


def timeline_lines(
    events: list[Event], frames: list[Frame], *, t: Translator | None = None, tz: tzinfo | None = None
) -> list[str]:
    """A session as lines of text, in order: each event (``seq time kind name details``)
    and, in its place, each part of a line-mode transcript (indented ``| ``); screens of
    the full-screen app are left out (see :func:`asciicast`). With a translator (and the
    users' time zone), times are in that zone, each outcome is followed by its words and
    failures start with « ÉCHEC : ». Not yet made printable: the caller prints through
    ``printable``."""
    transcripts = {frame.seq: frame for frame in frames if frame.reason == TRANSCRIPT}
    by_seq = {event.seq: event for event in events}
    lines: list[str] = []
    for seq in sorted(by_seq.keys() | transcripts.keys()):
        if seq in transcripts:
            lines.extend(f"     | {line}" for line in transcripts[seq].text.split("\n"))
            continue
        event = by_seq[seq]
        details = " ".join(f"{key}={value}" for key, value in event.detail.items())
        at = event.at.astimezone(tz) if tz is not None and event.at.tzinfo is not None else event.at
        line = f"{event.seq:>4} {at:%H:%M:%S} {event.kind:8} {event.name} {details}".rstrip()
        said = describe(event, t, tz) if t is not None and tz is not None else None
        if said is not None and t is not None:
            line += " — " + said
            if is_failure(event):
                line = f"{event.seq:>4} " + t._("FAILURE: ") + line[5:]
        lines.append(line)
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


def purge(services: Services, *, older_than: timedelta, batch: int = 500) -> int:
    """Delete the journal of sessions started before ``now - older_than``; returns how
    many sessions were deleted. In batches of ``batch`` sessions, each its own
    transaction: the statements stay small (no list of a million references), the
    database is never locked for long, and an interrupted purge keeps what it did."""
    cutoff = services.clock.now() - older_than
    deleted = 0
    while True:
        with services.uow() as uow:
            old = uow.session.exec(
                select(SessionRecord.reference).where(col(SessionRecord.started_at) < cutoff).limit(batch)
            ).all()
            if not old:
                return deleted
            uow.session.exec(  # type: ignore[call-overload]
                delete(JournalEvent).where(col(JournalEvent.session_reference).in_(old))
            )
            uow.session.exec(  # type: ignore[call-overload]
                delete(SessionRecord).where(col(SessionRecord.reference).in_(old))
            )
            uow.commit()
        deleted += len(old)
