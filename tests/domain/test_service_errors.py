"""Errors are contained: a database or mail-queue error during a step tells the user the
service is briefly unavailable, keeps what was typed, writes nothing half-way, and the
session goes on once the database is back. A journal write that fails is logged."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlmodel import func, select

from domain.i18n import Translator
from domain.models import AnswerFailure, PasswordCredential
from domain.services import Services
from domain.session import SessionCore, Step, walk
from domain.session.intents import OpenForgot, SubmitAnswer, SubmitEmail, SubmitNewPassword
from domain.storage import make_engine
from tests.domain.support import LILA, NEW_PASSWORD, current_hash
from tests.pgserver import free_port

LILA_PASSWORD = "Glycine-Orage-Violon-2023"


def database_file(services: Services) -> str:
    url = services.settings.resolved_database_url()
    return url.removeprefix("sqlite:///")


@contextmanager
def locked(services: Services) -> Iterator[None]:
    """Another program holds the database's write lock (as a long backup or a stuck
    process would); on PostgreSQL, an exclusive lock on the tables a step writes."""
    if services.engine.dialect.name == "postgresql":
        with services.engine.connect() as other:
            other.exec_driver_sql(
                "LOCK TABLE answerfailure, answerclientfailure, loginfailure, journalevent IN ACCESS EXCLUSIVE MODE"
            )
            try:
                yield
            finally:
                other.rollback()
        return
    other = sqlite3.connect(database_file(services), isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        yield
    finally:
        other.execute("ROLLBACK")
        other.close()


def refuse_inserts(services: Services, table: str, message: str) -> None:
    """A trigger that makes every insert into ``table`` fail (a full disk, a broken queue)."""
    with services.uow() as uow:
        connection = uow.session.connection()
        if services.engine.dialect.name == "postgresql":
            connection.exec_driver_sql(
                f"CREATE FUNCTION {table}_down() RETURNS trigger LANGUAGE plpgsql AS "
                f"$$ BEGIN RAISE EXCEPTION '{message}'; END $$"
            )
            connection.exec_driver_sql(
                f"CREATE TRIGGER {table}_down BEFORE INSERT ON {table} FOR EACH ROW EXECUTE FUNCTION {table}_down()"
            )
        else:
            connection.exec_driver_sql(
                f"CREATE TRIGGER {table}_down BEFORE INSERT ON {table} BEGIN SELECT RAISE(ABORT, '{message}'); END"
            )
        uow.commit()


def allow_inserts(services: Services, table: str) -> None:
    with services.uow() as uow:
        suffix = f" ON {table}" if services.engine.dialect.name == "postgresql" else ""
        uow.session.connection().exec_driver_sql(f"DROP TRIGGER {table}_down{suffix}")
        uow.commit()


def count(services: Services, model: type) -> int:
    with services.uow() as uow:
        return int(uow.session.exec(select(func.count()).select_from(model)).one())


def codes(view) -> list[str]:  # type: ignore[no-untyped-def]
    return [note.code for note in view.notes]


@pytest.fixture
def quick(make_services) -> Services:  # type: ignore[no-untyped-def]
    """Services that give up waiting for a locked database after 0.3 s."""
    services = make_services(database_busy_timeout_seconds=0.3)
    from domain.demo import seed_demo

    seed_demo(services)
    return services


def at_question(services: Services) -> SessionCore:
    core = SessionCore(services, client_address="192.0.2.5")
    assert walk(core, [OpenForgot(LILA), SubmitEmail(LILA, "")]).step is Step.FORGOT_QUESTION
    return core


def test_a_locked_database_leaves_the_step_usable(quick: Services, caplog: pytest.LogCaptureFixture) -> None:
    core = at_question(quick)
    with caplog.at_level(logging.ERROR, logger="motdepasse.session"), locked(quick):
        view = walk(core, [SubmitAnswer("Paul")])
    assert view.step is Step.FORGOT_QUESTION and codes(view) == ["unavailable"]
    assert view.resets == () and view.focus is None  # what was typed stays
    assert "indisponible" in view.notes[0].render(Translator("fr"))
    assert count(quick, AnswerFailure) == 0  # the attempt was not counted
    assert any("submit_answer failed: OperationalError" in r.getMessage() for r in caplog.records)
    assert all("Paul" not in r.getMessage() for r in caplog.records)
    # the database is back: the same intent goes through
    assert walk(core, [SubmitAnswer("Paul")]).step is Step.FORGOT_NEW_PASSWORD
    quick.journal_writer.flush()
    with quick.uow() as uow:
        from domain.models import JournalEvent

        names = [e.name for e in uow.session.exec(select(JournalEvent)).all() if e.session_reference == core.reference]
    assert "step_failed" in names and "answer_accepted" in names  # the journal waited for the lock


def test_a_database_that_cannot_be_opened(quick: Services, tmp_path: Path) -> None:
    core = at_question(quick)
    working = quick.engine
    if working.dialect.name == "postgresql":  # a server that is not there (nothing listens)
        quick.engine = make_engine(working.url.set(port=free_port()).render_as_string(hide_password=False))
    else:
        quick.engine = make_engine(f"sqlite:///{tmp_path / 'missing' / 'dir' / 'x.db'}")
    try:
        view = walk(core, [SubmitAnswer("Paul")])
        assert codes(view) == ["unavailable"] and view.step is Step.FORGOT_QUESTION
    finally:
        quick.engine.dispose()
        quick.engine = working
    assert walk(core, [SubmitAnswer("Paul")]).step is Step.FORGOT_NEW_PASSWORD


def test_a_mail_queue_error_changes_nothing(quick: Services) -> None:
    core = at_question(quick)
    walk(core, [SubmitAnswer("Paul")])
    before = current_hash(quick, LILA), count(quick, PasswordCredential)
    refuse_inserts(quick, "outboxemail", "outbox unavailable")
    view = walk(core, [SubmitNewPassword(NEW_PASSWORD, NEW_PASSWORD)])
    assert view.step is Step.FORGOT_NEW_PASSWORD and codes(view) == ["unavailable"]
    assert (current_hash(quick, LILA), count(quick, PasswordCredential)) == before  # nothing half-written
    allow_inserts(quick, "outboxemail")
    assert walk(core, [SubmitNewPassword(NEW_PASSWORD, NEW_PASSWORD)]).step is Step.FORGOT_SUMMARY


def test_a_failed_journal_write_is_logged(quick: Services, caplog: pytest.LogCaptureFixture) -> None:
    refuse_inserts(quick, "journalevent", "journal full")
    with caplog.at_level(logging.ERROR, logger="motdepasse.journal"):
        core = at_question(quick)
        quick.journal_writer.flush()
    assert quick.journal_writer.failures >= 3
    assert any("journal write lost" in r.getMessage() for r in caplog.records)
    # the session itself goes on
    assert walk(core, [SubmitAnswer("Paul")]).step is Step.FORGOT_NEW_PASSWORD


def test_a_journal_write_that_cannot_succeed_is_lost_once(quick: Services) -> None:
    from domain.journal import Journal

    journal = Journal(quick.journal_writer, "NONE-0000", quick.clock.now)
    before = quick.journal_writer.failures
    journal.record("outcome", "orphan")  # no session record: the foreign key refuses it
    quick.journal_writer.flush()
    assert quick.journal_writer.failures == before + 1
