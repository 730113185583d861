"""Several dispatchers on one database: each email is sent exactly once (SPEC §4)."""

from __future__ import annotations

import collections
import threading

from domain.delivery import Dispatcher, SmtpTransport
from domain.demo import seed_demo
from domain.reminders import send_reminders
from domain.services import build_services
from tests.domain.support import HUGO, LILA
from tests.mail.helpers import outbox, queue_raw

EMAILS = 30


def same_database(services, clock):
    """A second process's services: another engine on the same SQLite file."""
    settings = services.settings.model_copy(update={"database_url": services.settings.resolved_database_url()})
    return build_services(settings, clock=clock, seed=2)


def run_together(*targets) -> list:
    barrier = threading.Barrier(len(targets))
    results: list = [None] * len(targets)
    errors: list[BaseException] = []

    def runner(index, target):
        try:
            barrier.wait(timeout=10)
            results[index] = target()
        except BaseException as error:  # noqa: BLE001 - re-raised in the main thread
            errors.append(error)

    threads = [threading.Thread(target=runner, args=(i, t)) for i, t in enumerate(targets)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return results


def test_two_dispatchers_racing(mail_services, mail_demo, relay, clock) -> None:
    ids = [queue_raw(mail_services, account_email=LILA if n % 2 else HUGO) for n in range(EMAILS)]
    other = same_database(mail_services, clock)
    try:
        first = Dispatcher(mail_services, lambda: SmtpTransport(mail_services.settings), name="one")
        second = Dispatcher(other, lambda: SmtpTransport(other.settings), name="two")
        sent: dict[str, list[int]] = {"one": [], "two": []}
        for _ in range(EMAILS):
            reports = run_together(lambda: first.deliver_once(4), lambda: second.deliver_once(4))
            for name, report in zip(("one", "two"), reports, strict=True):
                assert not report.retried and not report.failed
                sent[name] += report.sent
            if not any(r.state == "queued" for r in outbox(mail_services)):
                break
    finally:
        other.close()

    assert sorted(sent["one"] + sent["two"]) == ids
    assert not set(sent["one"]) & set(sent["two"])
    counts = collections.Counter(relay.handler.message_ids())
    expected = {r.message_id for r in outbox(mail_services)}
    assert set(counts) == expected and len(expected) == EMAILS
    assert all(n == 1 for n in counts.values()), counts
    assert all(r.state == "sent" and r.attempts == 1 for r in outbox(mail_services))


def test_many_claims_at_once_never_overlap(mail_services, mail_demo, clock) -> None:
    ids = [queue_raw(mail_services, account_email=LILA) for _ in range(EMAILS)]
    others = [same_database(mail_services, clock) for _ in range(5)]
    try:
        dispatchers = [Dispatcher(s, lambda: None, name=f"d{n}") for n, s in enumerate([mail_services, *others])]
        claims = run_together(*[lambda d=d: d.claim(EMAILS) for d in dispatchers])
    finally:
        for services in others:
            services.close()
    taken = [row_id for claimed in claims for row_id in claimed]
    assert sorted(taken) == ids, claims
    holders = {r.id: r.claimed_by for r in outbox(mail_services)}
    for dispatcher, claimed in zip(dispatchers, claims, strict=True):
        assert all(holders[row_id] == dispatcher.name for row_id in claimed)


def test_reminders_run_twice_at_once_queue_one(make_services, clock) -> None:
    services = make_services()
    seed_demo(services)
    other = same_database(services, clock)
    try:
        results = run_together(lambda: send_reminders(services), lambda: send_reminders(other))
    finally:
        other.close()
    assert sorted(len(r) for r in results) == [0, 1]
    assert [(r.to_address, r.kind) for r in outbox(services)] == [(HUGO, "expiry_reminder:30")]
