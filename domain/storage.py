"""Engine factory and unit of work. Nothing is built at import.

A use case that checks a limit and records its outcome runs in one **serialised** unit of
work (``UnitOfWork(engine, locks=…)``): on SQLite the transaction starts with ``BEGIN
IMMEDIATE`` (the database's write lock is taken before the first read, so two such units
never interleave, across threads and processes); on PostgreSQL it takes a transaction-level
advisory lock per key (``pg_advisory_xact_lock``), so only units about the same email or
account wait for each other. Both are released at commit or rollback.
"""

from __future__ import annotations

import contextlib
import hashlib
import sqlite3
import threading
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import StaticPool
from sqlmodel import Session, create_engine

from domain import models  # registers the tables

IMMEDIATE = "motdepasse_immediate"
_IMMEDIATE = IMMEDIATE

_WRITERS: weakref.WeakKeyDictionary[Engine, threading.Lock] = weakref.WeakKeyDictionary()
"""SQLite: the serialised units of one process queue on this lock before ``BEGIN
IMMEDIATE``, so they wake as soon as the one before commits, instead of polling the
database's lock with SQLite's growing sleeps (1, 2, 5… 100 ms). Other processes still
wait on the database's lock itself."""
_WRITERS_GUARD = threading.Lock()


def _writer_lock(engine: Engine) -> threading.Lock:
    with _WRITERS_GUARD:
        lock = _WRITERS.get(engine)
        if lock is None:
            lock = _WRITERS[engine] = threading.Lock()
        return lock


@dataclass(frozen=True)
class PoolSettings:
    """PostgreSQL connections of one process (see the ``database_*`` settings)."""

    size: int = 5
    max_overflow: int = 5
    timeout: float = 10.0
    connect_timeout: int = 5
    statement_timeout: float = 30.0


def make_engine(url: str, *, busy_timeout: float = 30.0, pool: PoolSettings | None = None) -> Engine:
    """Build an engine. SQLite gets WAL, foreign keys, a busy timeout, and ``BEGIN
    IMMEDIATE`` for serialised units of work. PostgreSQL gets a pool of ``pool``'s sizes
    whose connections are checked before use (``pool_pre_ping``: a server restarted since
    costs one failed ping, not a user's step), a connect timeout, and lock and statement
    timeouts, so a step never waits without end.

    ``hide_parameters``: a database error never carries the values of its statement (a
    hash, an email) into a log or an exception message.
    """
    if url.startswith("sqlite"):
        memory = url in ("sqlite://", "sqlite:///:memory:")
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": busy_timeout},
            poolclass=StaticPool if memory else None,
            hide_parameters=True,
        )

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            if not memory:
                cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _begin(connection: Connection) -> None:
            # Other units keep the driver's own behaviour (a deferred BEGIN before the
            # first write, reads outside a transaction until then), which never fails
            # on a read snapshot grown stale.
            if connection.get_execution_options().get(_IMMEDIATE):
                connection.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    pool = pool or PoolSettings()
    engine = create_engine(
        url,
        pool_pre_ping=True,
        pool_size=pool.size,
        max_overflow=pool.max_overflow,
        pool_timeout=pool.timeout,
        pool_recycle=1800,
        connect_args={"connect_timeout": pool.connect_timeout, "application_name": "motdepasse"},
        hide_parameters=True,
    )
    timeouts = (
        f"SET lock_timeout = {int(busy_timeout * 1000)}; SET statement_timeout = {int(pool.statement_timeout * 1000)}"
    )

    @event.listens_for(engine, "connect")
    def _timeouts(dbapi_connection: Any, _record: Any) -> None:
        # Set on each new connection, not as startup ``options``: the URL's own options
        # stay, and a pooler that refuses startup parameters (PgBouncer) accepts these.
        cursor = dbapi_connection.cursor()
        cursor.execute(timeouts)
        cursor.close()
        dbapi_connection.commit()

    return engine


_ACCOUNT_TABLE: str = models.Account.__table__.name  # type: ignore[attr-defined]


class StorageUnavailable(RuntimeError):
    """The database cannot be opened (server down, file unreadable, disk full): one line
    saying where and why, never a URL's password."""


class NoDatabase(StorageUnavailable):
    """There is no motdepasse database where the settings point. Commands that only read
    or change existing data say so, instead of answering from a new empty database."""


def where(url: str | URL) -> str:
    """The database as an operator recognises it: a SQLite file's path, or the URL
    without its password."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return parsed.database or ":memory:"
    # without its query: ``?password=…`` or ``?sslpassword=…`` would show in clear
    return parsed.set(query={}).render_as_string(hide_password=True)


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL, or None (another database, in memory, a ``file:`` URI)."""
    parsed = make_url(url)
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


def require_sqlite_database(url: str) -> None:
    """Raise :class:`NoDatabase` when a SQLite URL names no existing file, or a file
    without our tables, looked at read-only: SQLite would create a missing file on
    connecting, and turn an empty one into a database (``journal_mode=WAL``)."""
    path = sqlite_file(url)
    if path is None:
        if url.startswith("sqlite") and where(url) == ":memory:":
            raise NoDatabase("no database: the URL names a new in-memory database")
        return
    if not path.is_file():
        raise NoDatabase(f"no database at {path.absolute()}")
    try:
        with contextlib.closing(sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True)) as connection:
            found = connection.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (_ACCOUNT_TABLE,)
            ).fetchone()
    except sqlite3.Error as error:
        raise StorageUnavailable(f"cannot open the database {path.absolute()}: {error}") from None
    if found is None:
        raise NoDatabase(f"no motdepasse database at {path.absolute()}")


def unavailable(error: DBAPIError | OSError, url: str | URL) -> StorageUnavailable:
    """A driver's or the system's error as one line: the driver's own first line (a
    statement's values are never in it, see ``hide_parameters``), or the file and reason."""
    if isinstance(error, OSError):
        name = f"{error.filename}: " if error.filename else ""
        return StorageUnavailable(f"cannot open the database {where(url)}: {name}{error.strerror or error}")
    reason = str(error.orig or error).strip().splitlines()
    return StorageUnavailable(f"cannot open the database {where(url)}: {reason[0] if reason else type(error).__name__}")


def advisory_key(name: str) -> int:
    """A lock name as the signed 64-bit integer PostgreSQL's advisory locks take."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


class UnitOfWork:
    """One database session per use case; rolls back unless ``commit()`` was called.

    With ``locks`` (names such as ``answer:<digest>``), the unit is serialised with every
    other unit that names one of them (see the module's docstring).
    """

    def __init__(self, engine: Engine, *, locks: Sequence[str] = (), wait: float = 30.0) -> None:
        self._engine = engine
        self._locks = tuple(sorted(set(locks)))
        self._wait = wait
        self._held: threading.Lock | None = None

    def __enter__(self) -> UnitOfWork:
        self.session = Session(self._engine, expire_on_commit=False)
        if self._locks:
            try:
                self._serialise()
            except BaseException:
                self._release()
                self.session.close()
                raise
        return self

    def _serialise(self) -> None:
        dialect = self._engine.dialect.name
        if dialect == "sqlite":
            lock = _writer_lock(self._engine)
            if not lock.acquire(timeout=self._wait):
                raise TimeoutError("the database stayed busy: another step of this process held it")
            self._held = lock
            self.session.connection(execution_options={_IMMEDIATE: True})
        elif dialect == "postgresql":
            for name in self._locks:  # sorted: two units never wait for each other in a cycle
                self.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": advisory_key(name)})
        else:  # pragma: no cover - only SQLite and PostgreSQL are supported
            raise RuntimeError(f"no serialised transactions on {dialect}")

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # close() rolls back what was not committed; unlike rollback() it does not expire
        # the loaded objects, so a use case can still read what it loaded.
        try:
            self.session.close()
        finally:
            self._release()

    def _release(self) -> None:
        if self._held is not None:
            self._held.release()
            self._held = None

    def commit(self) -> None:
        self.session.commit()
