"""Work that grows with the database stays bounded: an exact email or subscriber number is
found through its unique index, the outbox is claimed in one statement, the journal is
purged and reminders are read in batches. On the engine ``--db`` names."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import event
from sqlmodel import select

from domain import support
from domain.delivery import Dispatcher
from domain.models import OutboxEmail, SessionRecord
from domain.replay import purge
from domain.services import Services
from domain.support import StaffIdentity

AGENT = StaffIdentity("staff:agent.batch")


def with_agent(services: Services) -> Services:
    support.add_staff(services, "agent.batch", "Agent Batch", "Un mot de passe d'agent assez long 2026")
    return services


@contextmanager
def statements(services: Services) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        seen.append(" ".join(statement.split()))

    event.listen(services.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(services.engine, "before_cursor_execute", record)


def account_reads(seen: list[str]) -> list[str]:
    return [s for s in seen if s.startswith("SELECT") and "FROM account" in s and "staffaudit" not in s]


def test_an_exact_email_or_subscriber_number_reads_its_index_only(services: Services, demo) -> None:  # type: ignore[no-untyped-def]
    with_agent(services)
    lila = next(account for account in demo.values() if account.email.startswith("lila"))
    with statements(services) as seen:
        (card,) = support.search(services, AGENT, f"  {lila.email.upper()} ")
    assert card.email == lila.email
    (read, *_) = account_reads(seen)
    assert "LIKE" not in read.upper() and "account.email_key =" in read
    number = card.subscriber_number
    with statements(services) as seen:
        (card,) = support.search(services, AGENT, f"{number[:4]} {number[4:]}")
    (read, *_) = account_reads(seen)
    assert card.subscriber_number == number and "LIKE" not in read.upper()


def test_wildcards_typed_in_a_search_are_taken_literally(services: Services, demo) -> None:  # type: ignore[no-untyped-def]
    with_agent(services)
    assert support.search(services, AGENT, "%") == []
    assert support.search(services, AGENT, "_") == []
    assert support.search(services, AGENT, "ROSE") != []  # a part of a name still finds


def test_the_outbox_is_claimed_in_one_statement(services: Services, demo) -> None:  # type: ignore[no-untyped-def]
    from tests.mail.helpers import queue_raw

    lila = next(account.email for account in demo.values() if account.email.startswith("lila"))
    ids = [queue_raw(services, account_email=lila) for _ in range(5)]
    dispatcher = Dispatcher(services, transport=None, name="one")  # type: ignore[arg-type]
    with statements(services) as seen:
        claimed = dispatcher.claim(limit=50)
    assert claimed == sorted(ids)
    assert len([s for s in seen if s.startswith("UPDATE outboxemail")]) == 1
    assert Dispatcher(services, transport=None, name="two").claim(limit=50) == []  # type: ignore[arg-type]
    with services.uow() as uow:
        assert {row.claimed_by for row in uow.session.exec(select(OutboxEmail)).all()} == {"one"}


def test_the_journal_is_purged_in_bounded_batches(services: Services, demo) -> None:  # type: ignore[no-untyped-def]
    for _ in range(7):
        services.open_session()
    services.journal_writer.flush()
    services.clock.advance(timedelta(days=40))  # type: ignore[attr-defined]
    kept = services.open_session()
    services.journal_writer.flush()
    with statements(services) as seen:
        assert purge(services, older_than=timedelta(days=30), batch=3) == 7
    deletes = [s for s in seen if s.startswith("DELETE FROM sessionrecord")]
    assert len(deletes) == 3  # 3 + 3 + 1
    with services.uow() as uow:
        assert [r.reference for r in uow.session.exec(select(SessionRecord)).all()] == [kept.reference]


def test_partial_searches_can_read_trigram_indexes_on_postgresql(services: Services, demo) -> None:  # type: ignore[no-untyped-def]
    if services.engine.dialect.name != "postgresql":
        pytest.skip("trigram indexes are PostgreSQL's (revision 0003); SQLite scans")
    with_agent(services)
    with statements(services) as seen:
        assert support.search(services, AGENT, "rosem") != []
    (query, *_) = [s for s in seen if "LIKE" in s.upper() and "FROM account" in s]
    with services.engine.connect() as connection:
        connection.exec_driver_sql("SET enable_seqscan = off")  # a few rows: show the index can be used
        limit = re.search(r"LIMIT (%\(\w+\)s)", query)
        assert limit is not None, query
        literal = re.sub(r"%\(\w+\)s", "'%rosem%'", query.replace(limit[1], "20"))
        plan = "\n".join(row[0] for row in connection.exec_driver_sql("EXPLAIN " + literal.replace("%", "%%")))
    assert "trgm_account_last_name" in plan and "Seq Scan" not in plan, plan
