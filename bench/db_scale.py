"""Benchmark: the database at operator scale, on SQLite and PostgreSQL, before/after.

Run with ``uv run python bench/db_scale.py`` (``--accounts 100000 --sessions 50000
--events 1000000`` by default; a few minutes per engine here). Not a pytest test. The
PostgreSQL server is started for the run (``tests/pgserver.py``: initdb in a temporary
directory, fsync off — figures are about plans and round trips, not durability).

Rows are written directly (bulk inserts; password hashes are placeholders: nothing here
hashes), at the head revision. Each operation is timed as the code runs it today
("after") and as it ran before issue 14 ("before", the old statement reproduced here),
interleaved, ``--repeat`` times; medians and the ratio before/after.

* **search, exact email** — before: ``LIKE '%q%'`` on four columns (a full scan);
  after: ``domain.support.find_accounts`` (the unique index of ``email_key``).
* **search, part of a name** — the same ``LIKE '%q%'``; before: without the trigram
  indexes of revision 0003 (dropped for the timing, PostgreSQL); after: with them.
  (The exact-email "before" runs with them present: on PostgreSQL it is faster than the
  full scan it was before 0003.)
* **support view, sessions of one account** — before: no index on
  ``sessionrecord.account_id`` (dropped for the timing); after: its index (revision 0002).
* **claim 50 outbox emails** — before: one select, then one UPDATE and one commit per
  email; after: ``Dispatcher.claim`` (one statement).
* **journal purge** — before: one ``DELETE … IN (every old reference)``; after:
  ``domain.replay.purge`` in batches of 500 (timed once each, on a copy of the same rows).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, insert, or_, text, update
from sqlalchemy.engine import Engine
from sqlmodel import col, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from domain import schema, support
from domain.clock import SettableClock
from domain.delivery import Dispatcher
from domain.models import Account, JournalEvent, OutboxEmail, PasswordCredential, SessionRecord
from domain.replay import purge
from domain.services import Services, build_services
from domain.settings import load_settings
from domain.storage import make_engine

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
KEY = "bench-key-" + "0" * 40


def populate(engine: Engine, accounts: int, sessions: int, events: int) -> None:
    chunk = 5000
    with engine.begin() as connection:
        for start in range(0, accounts, chunk):
            rows = [
                {
                    "id": i + 1,
                    "subscriber_number": f"{20240000000000 + i}",
                    "last_name": f"NOM{i}",
                    "first_name": f"Prenom{i}",
                    "phone": "",
                    "postal_address": "",
                    "email": f"user{i}@exemple.fr",
                    "language": "fr",
                    "security_question": "Q ?",
                    "status": "active",
                    "email_key": f"user{i}@exemple.fr",
                    "security_answer_hash": "x",
                    "credentials_version": 0,
                    "created_at": NOW,
                }
                for i in range(start, min(accounts, start + chunk))
            ]
            connection.execute(insert(Account), rows)
            connection.execute(
                insert(PasswordCredential),
                [
                    {
                        "account_id": row["id"],
                        "password_hash": "x",
                        "set_at": NOW,
                        "expires_on": date(2028, 1, 1) + timedelta(days=row["id"] % 900),
                        "is_current": True,
                    }
                    for row in rows
                ],
            )
    populate_sessions(engine, accounts, sessions, events)
    analyse(engine)


def analyse(engine: Engine) -> None:
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))
    else:
        with engine.begin() as connection:
            connection.execute(text("ANALYZE"))


def queue(engine: Engine, n: int) -> None:
    with engine.begin() as connection:
        connection.execute(
            insert(OutboxEmail),
            [
                {
                    "message_id": f"<bench.{time.monotonic_ns()}.{i}@x>",
                    "account_id": 1,
                    "kind": "bench",
                    "to_address": "user0@exemple.fr",
                    "to_name": "",
                    "language": "fr",
                    "subject": "s",
                    "body_text": "b",
                    "body_html": "",
                    "created_at": NOW,
                    "state": "queued",
                    "attempts": 0,
                }
                for i in range(n)
            ],
        )


def timed(function: Callable[[], object]) -> float:
    start = time.perf_counter()
    function()
    return (time.perf_counter() - start) * 1000


def old_search(services: Services, text_: str) -> list[Account]:
    with services.uow() as uow:
        return list(
            uow.session.exec(  # type: ignore[call-overload]
                select(Account)
                .where(
                    or_(
                        col(Account.email_key).like(f"%{text_.casefold()}%"),
                        col(Account.subscriber_number).like(f"%{text_}%"),
                        col(Account.last_name).ilike(f"%{text_}%"),
                        col(Account.first_name).ilike(f"%{text_}%"),
                    )
                )
                .limit(20)
            ).all()
        )


def new_search(services: Services, text_: str) -> list[Account]:
    with services.uow() as uow:
        return support.find_accounts(uow.session, text_)


def sessions_of(services: Services, account_id: int) -> int:
    with services.uow() as uow:
        rows = uow.session.exec(  # type: ignore[call-overload]
            select(SessionRecord)
            .where(col(SessionRecord.account_id) == account_id)
            .order_by(col(SessionRecord.started_at).desc())
            .limit(10)
        ).all()
        return len(rows)


def old_claim(services: Services, limit: int = 50) -> int:
    now = services.clock.now()
    lease = now + timedelta(seconds=300)
    with services.uow() as uow:
        ids = uow.session.exec(  # type: ignore[call-overload]
            select(OutboxEmail.id)
            .where(col(OutboxEmail.claimed_by).is_(None))
            .order_by(col(OutboxEmail.id))
            .limit(limit)
        ).all()
    for row_id in ids:
        with services.uow() as uow:
            uow.session.exec(  # type: ignore[call-overload]
                update(OutboxEmail)
                .where(col(OutboxEmail.id) == row_id, col(OutboxEmail.claimed_by).is_(None))
                .values(claimed_by="old", claimed_until=lease)
            )
            uow.commit()
    return len(ids)


def old_purge(services: Services, older_than: timedelta) -> int:
    cutoff = services.clock.now() - older_than
    with services.uow() as uow:
        old = uow.session.exec(select(SessionRecord.reference).where(col(SessionRecord.started_at) < cutoff)).all()  # type: ignore[call-overload]
        if old:
            uow.session.exec(delete(JournalEvent).where(col(JournalEvent.session_reference).in_(old)))  # type: ignore[call-overload]
            uow.session.exec(delete(SessionRecord).where(col(SessionRecord.reference).in_(old)))  # type: ignore[call-overload]
        uow.commit()
    return len(old)


def run_engine(name: str, url: str, args: argparse.Namespace, data_dir: Path) -> list[str]:
    engine = make_engine(url)
    schema.upgrade(engine)
    t0 = time.perf_counter()
    populate(engine, args.accounts, args.sessions, args.events)
    fill = time.perf_counter() - t0
    engine.dispose()
    services = build_services(
        load_settings(database_url=url, secret_key=KEY, data_dir=data_dir, captcha="off"),
        clock=SettableClock(NOW),
    )
    out = [
        f"### {name}: {args.accounts:,} accounts, {args.sessions:,} sessions, {args.events:,} journal rows "
        f"(written in {fill:.0f} s)",
        "",
        "| operation | before (median ms) | after (median ms) | ratio |",
        "| --- | ---: | ---: | ---: |",
    ]

    def row(label: str, before: list[float], after: list[float]) -> None:
        b, a = statistics.median(before), statistics.median(after)
        out.append(f"| {label} | {b:.2f} | {a:.2f} | {b / a:.0f}× |" if a else f"| {label} | {b:.2f} | {a:.2f} | – |")

    email = f"user{args.accounts // 2}@exemple.fr"
    before, after = [], []
    for _ in range(args.repeat):
        before.append(timed(lambda: old_search(services, email)))
        after.append(timed(lambda: new_search(services, email)))
    row("search, exact email", before, after)

    part = f"NOM{args.accounts // 3}"  # a part of a name
    after = [timed(lambda: new_search(services, part)) for _ in range(args.repeat)]
    columns = ("email_key", "subscriber_number", "last_name", "first_name")
    trigram = [f"trgm_account_{column}" for column in columns]
    if services.engine.dialect.name == "postgresql":  # before revision 0003: no trigram index
        with services.engine.begin() as connection:
            for name in trigram:
                connection.execute(text(f"DROP INDEX {name}"))
    before = [timed(lambda: old_search(services, part)) for _ in range(args.repeat)]
    if services.engine.dialect.name == "postgresql":
        with services.engine.begin() as connection:
            for name, column in zip(
                trigram, ("email_key", "subscriber_number", "last_name", "first_name"), strict=True
            ):
                connection.execute(text(f"CREATE INDEX {name} ON account USING gin ({column} gin_trgm_ops)"))
    row(f"search, part of a name ({part!r})", before, after)

    account_ids = [(i * 7919) % args.accounts + 1 for i in range(args.repeat)]
    after = [timed(lambda i=i: sessions_of(services, i)) for i in account_ids]
    with services.engine.begin() as connection:
        connection.execute(text("DROP INDEX ix_sessionrecord_account_id"))
    before = [timed(lambda i=i: sessions_of(services, i)) for i in account_ids]
    with services.engine.begin() as connection:
        connection.execute(text("CREATE INDEX ix_sessionrecord_account_id ON sessionrecord (account_id)"))
    row("support view: sessions of one account", before, after)

    before, after = [], []
    for _ in range(args.repeat):
        queue(services.engine, 50)
        before.append(timed(lambda: old_claim(services)))
        queue(services.engine, 50)
        after.append(timed(lambda: Dispatcher(services, transport=None, name="new").claim(50)))  # type: ignore[arg-type]
    row("claim 50 outbox emails", before, after)

    keep = timedelta(days=200)  # about half the sessions are older
    try:
        before = [timed(lambda: old_purge(services, keep))]
        old_result = "deleted"
    except Exception as error:  # noqa: BLE001 - the old statement may not run at all
        before = [float("nan")]
        old_result = f"failed: {type(error).__name__}: {str(error).splitlines()[0][:120]}"
    services.close()
    # the same rows again for the new purge
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(delete(JournalEvent))
        connection.execute(delete(SessionRecord))
    engine.dispose()
    refill = make_engine(url)
    populate_sessions(refill, args.accounts, args.sessions, args.events)
    analyse(refill)
    refill.dispose()
    services = build_services(
        load_settings(database_url=url, secret_key=KEY, data_dir=data_dir, captcha="off"),
        clock=SettableClock(NOW),
    )
    deleted = 0

    def new() -> None:
        nonlocal deleted
        deleted = purge(services, older_than=keep)

    after = [timed(new)]
    out.append(
        f"| journal purge ({deleted:,} sessions) | {before[0]:.0f} ({old_result}) | {after[0]:.0f} | "
        f"{'–' if before[0] != before[0] else f'{before[0] / after[0]:.1f}×'} |"
    )
    services.close()
    return out


def populate_sessions(engine: Engine, accounts: int, sessions: int, events: int) -> None:
    chunk = 5000
    per_session = max(1, events // max(1, sessions))
    with engine.begin() as connection:
        for start in range(0, sessions, chunk):
            refs = [(f"S{i:08d}"[:9], i) for i in range(start, min(sessions, start + chunk))]
            connection.execute(
                insert(SessionRecord),
                [
                    {
                        "reference": ref,
                        "started_at": NOW - timedelta(days=400 - (i % 400)),
                        "channel": "ssh",
                        "language": "fr",
                        "columns": 80,
                        "rows": 24,
                        "account_id": (i * 7919) % accounts + 1,
                    }
                    for ref, i in refs
                ],
            )
            connection.execute(
                insert(JournalEvent),
                [
                    {"session_reference": ref, "seq": n, "at": NOW, "kind": "screen", "name": "login", "detail": "{}"}
                    for ref, _ in refs
                    for n in range(per_session)
                ],
            )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--sessions", type=int, default=50_000)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--engines", default="sqlite,postgresql")
    args = parser.parse_args()
    print(
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}"
    )
    with tempfile.TemporaryDirectory() as directory:
        for name in args.engines.split(","):
            if name == "sqlite":
                lines = run_engine("SQLite", f"sqlite:///{directory}/bench.db", args, Path(directory) / "d1")
            else:
                from tests.pgserver import running_server

                with running_server() as server:
                    server.create_database("bench")
                    lines = run_engine(
                        f"PostgreSQL ({server.bindir.parent.name})", server.url("bench"), args, Path(directory) / "d2"
                    )
            print("\n".join(lines), flush=True)
            print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
