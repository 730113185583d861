"""The database's schema, managed by Alembic (the scripts are in the top-level
``migrations/`` folder).

- The SQLite default upgrades itself when a process starts (under a file lock, so front
  ends and commands starting together migrate once).
- PostgreSQL is upgraded by the operator (``motdepasse db upgrade``): a process refuses
  to run on a schema behind its code, or ahead of it (an older release of motdepasse on a
  front end not yet upgraded), saying what to do.
- A database made before migrations existed (``create_all``) is today's first revision:
  it is stamped ``0001`` and upgraded from there.

Alembic is imported only when something must change: a process on an up-to-date schema
reads one row.
"""

from __future__ import annotations

import contextlib
import fcntl
import io
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

from domain.storage import IMMEDIATE, NoDatabase, StorageUnavailable, advisory_key, sqlite_file, unavailable, where

if TYPE_CHECKING:
    from alembic.config import Config

HEAD = "0003"
"""The newest revision in ``migrations/versions`` (a test checks they agree)."""

FIRST = "0001"
"""The schema as ``create_all`` made it before migrations existed."""

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"

EXTRA_INDEX_PREFIX = "trgm_"
"""Indexes a revision makes on one engine only (PostgreSQL's trigram indexes): not in the
models, so left out when the schema is compared with them."""

_VERSION_TABLE = "alembic_version"
_MARKER_TABLE = "account"
_LOCK = "motdepasse:schema"


class SchemaMismatch(StorageUnavailable):
    """The schema is not the one this code expects, and this process may not change it."""


@dataclass(frozen=True)
class SchemaState:
    revision: str | None
    """``alembic_version``'s row, or None (no such table)."""
    has_tables: bool
    """Our tables exist (a database made before migrations has them without a version)."""

    @property
    def current(self) -> bool:
        return self.revision == HEAD

    @property
    def effective(self) -> str | None:
        """The revision the schema is at: a versionless database with our tables is 0001."""
        if self.revision is None and self.has_tables:
            return FIRST
        return self.revision


def include_object(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    """Alembic's comparison filter: the engine-specific indexes are not the models'."""
    return not (type_ == "index" and reflected and (name or "").startswith(EXTRA_INDEX_PREFIX))


def state(connection: Connection) -> SchemaState:
    names = set(inspect(connection).get_table_names())
    revision = None
    if _VERSION_TABLE in names:
        revision = connection.execute(text(f"SELECT version_num FROM {_VERSION_TABLE}")).scalar()
    return SchemaState(revision=revision, has_tables=_MARKER_TABLE in names)


def read_state(engine: Engine) -> SchemaState:
    try:
        with engine.connect() as connection:
            return state(connection)
    except DBAPIError as error:
        raise unavailable(error, engine.url) from None


def alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    return config


def known(revision: str) -> bool:
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    script = ScriptDirectory(str(MIGRATIONS))
    try:
        return script.get_revision(revision) is not None
    except CommandError:
        return False


def history() -> list[tuple[str, str]]:
    """Every revision, oldest first, with the first line of its description."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory(str(MIGRATIONS))
    revisions = list(script.walk_revisions())
    revisions.reverse()
    return [(revision.revision, (revision.doc or "").strip().splitlines()[0]) for revision in revisions]


@contextlib.contextmanager
def _exclusive(engine: Engine) -> Iterator[None]:
    """SQLite: a lock file beside the database, so processes starting together on one
    file migrate once. (PostgreSQL takes an advisory lock in the migration's transaction.)"""
    path = sqlite_file(str(engine.url))
    if path is None:
        yield
        return
    try:
        handle = os.open(f"{path}.migrate.lock", os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as error:
        raise unavailable(error, engine.url) from None
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        os.close(handle)  # releases the lock


def upgrade(engine: Engine, *, target: str = "head") -> tuple[str | None, str | None]:
    """Bring the schema to ``target``; returns (before, after) revisions. A database made
    before migrations is completed to revision 0001 (the tables an older release had not
    made yet) and stamped 0001 first. Safe when several processes do it at once.

    One transaction: on PostgreSQL, under an advisory lock, without the application's lock
    and statement timeouts (an index on a large table may take minutes; a second upgrade
    waits for the first); on SQLite, ``BEGIN IMMEDIATE`` (DDL included: a failure leaves
    the schema as it was) with foreign keys off, as SQLite asks for table rebuilds.
    Raises :class:`SchemaMismatch` for a schema newer than this code."""
    from alembic import command

    sqlite = engine.dialect.name == "sqlite"
    with _exclusive(engine), engine.connect() as connection:
        if sqlite:
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()  # the pragma's own (autobegun) transaction, before BEGIN IMMEDIATE
            connection.execution_options(**{IMMEDIATE: True})
        try:
            with connection.begin():
                if not sqlite:
                    connection.execute(text("SET LOCAL lock_timeout = 0"))
                    connection.execute(text("SET LOCAL statement_timeout = 0"))
                    connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": advisory_key(_LOCK)})
                before = state(connection)
                if before.effective is not None and not known(before.effective):
                    raise _newer(engine, before.effective)
                config = alembic_config(engine)
                config.attributes["connection"] = connection
                if before.revision is None and before.has_tables:
                    _complete_legacy(connection)
                    command.stamp(config, FIRST)
                command.upgrade(config, target)
                after = state(connection)
        finally:
            if sqlite:  # never reused: the pool's next connection gets the usual pragmas
                connection.invalidate()
    return before.effective, after.revision


def _newer(engine: Engine, revision: str) -> SchemaMismatch:
    return SchemaMismatch(
        f"the database {where(engine.url)} is at schema revision {revision}, newer than this "
        f"version of motdepasse knows (its newest is {HEAD}): upgrade motdepasse on this host"
    )


def _complete_legacy(connection: Connection) -> None:
    """A database from before migrations holds the tables of the release that made it:
    releases created missing tables at each start, so one made early may lack some of
    revision 0001's. They are made here, as revision 0001 defines them (its tables,
    reflected from a scratch in-memory database), before the database is stamped 0001."""
    from alembic import command
    from sqlalchemy import MetaData, create_engine

    scratch = create_engine("sqlite://")
    try:
        with scratch.begin() as scratch_connection:
            config = alembic_config(scratch)
            config.attributes["connection"] = scratch_connection
            command.upgrade(config, FIRST)
            first = MetaData()
            first.reflect(scratch_connection)
        first.remove(first.tables[_VERSION_TABLE])
        first.create_all(connection, checkfirst=True)
    finally:
        scratch.dispose()


def upgrade_sql(engine: Engine, *, start: str | None = None) -> str:
    """The SQL ``upgrade`` would run, for an operator who applies it himself."""
    from alembic import command

    config = alembic_config(engine)
    buffer = io.StringIO()
    config.output_buffer = buffer
    command.upgrade(config, f"{start}:head" if start else "head", sql=True)
    return buffer.getvalue()


def ensure(engine: Engine, *, create: bool) -> None:
    """Check the schema before a process uses the database.

    SQLite: an empty database (only when ``create``) or one behind is upgraded here.
    PostgreSQL: an empty database or one behind is refused with the command to run. Any
    engine: a schema newer than this code is refused (upgrade motdepasse on this host).
    """
    found = read_state(engine)
    if found.current:
        return
    revision = found.effective
    if revision is not None and revision != HEAD and not known(revision):
        raise _newer(engine, revision)
    sqlite = engine.dialect.name == "sqlite"
    if revision is None:
        if not sqlite:
            raise NoDatabase(f"no motdepasse schema in {where(engine.url)}: create it with `motdepasse db upgrade`")
        if not create:
            raise NoDatabase(f"no motdepasse database at {where(engine.url)}")
    elif not sqlite:
        raise SchemaMismatch(
            f"the database {where(engine.url)} is at schema revision {revision}, behind this version "
            f"of motdepasse ({HEAD}): run `motdepasse db upgrade` (once, from one host)"
        )
    try:
        upgrade(engine)
    except DBAPIError as error:
        raise unavailable(error, engine.url) from None
