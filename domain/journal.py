"""Session references and the session journal (SPEC §5).

Writes go through one writer thread per process, so recording never blocks the caller
(the event loop included). Callers pass only non-secret facts; for secret fields, at most
their length.
"""

from __future__ import annotations

import base64
import json
import logging
import queue
import secrets
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from domain.models import JournalEvent, SessionRecord
from domain.storage import UnitOfWork

log = logging.getLogger("motdepasse.journal")

REFERENCE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base 32


def pack(text: str) -> str:
    """Compress a frame for the journal (an 80×24 ANSI frame takes ~2 KB)."""
    return base64.b64encode(zlib.compress(text.encode(), 9)).decode("ascii")


def unpack(data: str) -> str:
    return zlib.decompress(base64.b64decode(data)).decode()


_HEARD_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})
_SEPARATORS = frozenset(" -._/\t")


def normalize_reference(text: str) -> str | None:
    """A session reference as a user reads it on the phone and an agent types it: case,
    spaces, hyphens and dots ignored, O taken for 0, I and L for 1 (what Crockford's base 32
    is made for: its alphabet has none of them). None when it cannot be a reference."""
    letters = "".join(ch for ch in text.upper() if ch not in _SEPARATORS).translate(_HEARD_AS)
    if len(letters) != 8 or any(ch not in REFERENCE_ALPHABET for ch in letters):
        return None
    return f"{letters[:4]}-{letters[4:]}"


def new_reference() -> str:
    """A short reference a user can read on the phone, e.g. ``K7QF-92DX``."""
    chars = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
    return f"{chars[:4]}-{chars[4:]}"


@dataclass(frozen=True, slots=True)
class _Write:
    apply: Callable[[UnitOfWork], None]


MAX_PENDING = 10_000
"""Journal writes waiting at most (a database outage must not grow a process without bound)."""

RETRY_DELAYS = (0.2, 0.5, 1.0, 2.0)
"""A write that meets an unavailable database (a lock held a moment, a server restarting)
is tried again after these delays."""


class JournalWriter:
    """The single writer thread of a process. A write that still fails after its retries,
    or that finds the queue full, is lost — and logged (never with its content)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._queue: queue.Queue[_Write | None] = queue.Queue(MAX_PENDING)
        self.failures = 0
        """Writes lost since the start (each is logged)."""
        self._thread = threading.Thread(target=self._run, name="journal-writer", daemon=True)
        self._thread.start()

    def submit(self, apply: Callable[[UnitOfWork], None]) -> None:
        try:
            self._queue.put_nowait(_Write(apply))
        except queue.Full:
            self.failures += 1
            if self.failures % 1000 == 1:
                log.error(
                    "journal queue full (%d writes waiting): write dropped (%d lost so far)", MAX_PENDING, self.failures
                )

    def flush(self, timeout: float = 10.0) -> None:
        done = threading.Event()
        self._queue.put(_Write(lambda _uow: done.set()))
        done.wait(timeout)

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=10)

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            self._write(item)

    def _write(self, item: _Write) -> None:
        for attempt in range(len(RETRY_DELAYS) + 1):
            try:
                with UnitOfWork(self._engine) as uow:
                    item.apply(uow)
                    uow.commit()
                return
            except Exception as error:  # noqa: BLE001 - the journal must never take a session down
                if isinstance(error, OperationalError) and attempt < len(RETRY_DELAYS):
                    time.sleep(RETRY_DELAYS[attempt])
                    continue
                self.failures += 1
                first_line = (str(error).splitlines() or [""])[0][:300]
                log.error(
                    "journal write lost after %d attempts (%s): %s", attempt + 1, type(error).__name__, first_line
                )
                return


class Journal:
    """The journal of one session."""

    def __init__(self, writer: JournalWriter, reference: str, clock_now: Callable[[], datetime]) -> None:
        self._writer = writer
        self.reference = reference
        self._now = clock_now
        self._seq = 0
        self._lock = threading.Lock()

    def start(self, *, channel: str, client_address: str | None, language: str, size: tuple[int, int]) -> None:
        record = SessionRecord(
            reference=self.reference,
            started_at=self._now(),
            channel=channel,
            client_address=client_address,
            language=language,
            columns=size[0],
            rows=size[1],
        )
        self._writer.submit(lambda uow: uow.session.add(record))
        self.record("session", "start", channel=channel, language=language, columns=size[0], rows=size[1])

    def record(self, kind: str, name: str, **detail: object) -> None:
        with self._lock:
            self._seq += 1
            seq = self._seq
        event = JournalEvent(
            session_reference=self.reference,
            seq=seq,
            at=self._now(),
            kind=kind,
            name=name,
            detail=json.dumps(detail, ensure_ascii=False, default=str),
        )
        self._writer.submit(lambda uow: uow.session.add(event))

    def frame(self, reason: str, *, columns: int, rows: int, ansi: str) -> None:
        """A screen as the user saw it (ANSI text, compressed): see domain.replay."""
        self.record("frame", reason, columns=columns, rows=rows, ansi=pack(ansi))

    def link_account(self, account_id: int) -> None:
        """The session is about this account (signed in, or identified by a procedure)."""

        def _link(uow: UnitOfWork) -> None:
            row = uow.session.get(SessionRecord, self.reference)
            if row is not None and row.account_id != account_id:
                row.account_id = account_id
                uow.session.add(row)

        self._writer.submit(_link)

    def end(self, reason: str) -> None:
        """The session ended, and why: ``quit`` (the user), ``idle``, ``max_length``,
        ``server_shutdown`` (the server ended it), ``client_closed``, ``connection_lost``
        (the terminal is gone), ``crash``, ``line_mode`` (on in the line mode)…"""
        self.record("session", "end", reason=reason)
        now = self._now()

        def _close(uow: UnitOfWork) -> None:
            row = uow.session.get(SessionRecord, self.reference)
            if row is not None:
                row.ended_at = now
                uow.session.add(row)

        self._writer.submit(_close)
