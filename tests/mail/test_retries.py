"""Retries against a real relay: server down then back, 4xx, 5xx, the last attempt, and a
dispatcher that dies holding its lease. The SettableClock jumps over the backoff."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.delivery import Dispatcher, SmtpTransport
from tests.domain.support import LILA
from tests.mail.conftest import authenticator, free_port, smtp_settings
from tests.mail.helpers import deliver, dispatcher, forgot_change, outbox, queue_raw, row, utc


@pytest.fixture
def down(make_services):
    """Services whose relay port has nothing listening (yet)."""
    port = free_port()
    return port, make_services(**smtp_settings(port))


def test_server_down_then_back(down, start_relay) -> None:
    from domain.demo import seed_demo

    port, services = down
    seed_demo(services)
    forgot_change(services, LILA)
    (queued,) = outbox(services)
    now = services.clock.now()

    report = deliver(services)
    assert report.retried == [queued.id] and not report.sent and not report.failed
    after = row(services, queued.id)
    assert after.state == "queued" and after.attempts == 0  # an outage spends no attempt
    assert after.last_error and "unreachable" in after.last_error
    assert utc(after.next_attempt_at) == now + timedelta(seconds=30)
    assert after.claimed_by is None and after.claimed_until is None
    assert after.sent_at is None

    relay = start_relay(port)
    # Before the backoff has passed, nothing is taken even though the relay is back.
    services.clock.advance(timedelta(seconds=29))
    assert deliver(services).handled == 0
    assert relay.accepted == []

    services.clock.advance(timedelta(seconds=2))
    report = deliver(services)
    assert report.sent == [queued.id]
    assert [r.message_id for r in relay.accepted] == [queued.message_id]
    sent = row(services, queued.id)
    assert sent.state == "sent" and sent.attempts == 1 and sent.last_error is None
    assert utc(sent.sent_at) == services.clock.now()

    services.clock.advance(timedelta(days=1))
    assert deliver(services).handled == 0
    assert len(relay.accepted) == 1


def test_backoff_doubles_while_the_relay_answers_4xx(mail_services, mail_demo, relay) -> None:
    services = mail_services
    row_id = queue_raw(services, account_email=LILA)
    relay.handler.refuse("451 4.3.0 try later", times=4)
    delays = []
    for _ in range(4):
        before = services.clock.now()
        assert deliver(services).retried == [row_id]
        due = utc(row(services, row_id).next_attempt_at)
        delays.append((due - before).total_seconds())
        services.clock.set(due)
    assert delays == [30, 60, 120, 240]
    assert deliver(services).sent == [row_id]
    assert len(relay.accepted) == 1 and row(services, row_id).attempts == 5


@pytest.mark.parametrize("stage", ["DATA", "RCPT"])
def test_4xx_then_success_keeps_the_message_id(mail_services, mail_demo, relay, stage) -> None:
    forgot_change(mail_services, LILA)
    (queued,) = outbox(mail_services)
    relay.handler.refuse("451 4.3.0 try later", stage=stage)

    report = deliver(mail_services)
    assert report.retried == [queued.id]
    after = row(mail_services, queued.id)
    assert after.state == "queued" and after.attempts == 1 and after.last_error
    assert "451" in after.last_error
    assert after.claimed_by is None

    mail_services.clock.advance(timedelta(seconds=31))
    assert deliver(mail_services).sent == [queued.id]
    assert [r.message_id for r in relay.accepted] == [queued.message_id]
    if stage == "DATA":
        (refused,) = relay.refused
        assert refused.message_id == queued.message_id
        # The same message, byte for byte (apart from the MIME boundary).
        assert refused.message["Date"] == relay.accepted[0].message["Date"]
    assert row(mail_services, queued.id).state == "sent"


@pytest.mark.parametrize("stage", ["DATA", "RCPT"])
def test_5xx_fails_at_once(mail_services, mail_demo, relay, stage) -> None:
    forgot_change(mail_services, LILA)
    (queued,) = outbox(mail_services)
    relay.handler.refuse("550 5.1.1 mailbox unavailable", stage=stage)

    report = deliver(mail_services)
    assert report.failed == [queued.id] and not report.sent and not report.retried
    after = row(mail_services, queued.id)
    assert after.state == "failed" and after.attempts == 1
    assert after.last_error and "550" in after.last_error
    assert after.claimed_by is None and after.sent_at is None

    mail_services.clock.advance(timedelta(days=2))
    assert deliver(mail_services).handled == 0
    assert relay.accepted == []


def test_one_refusal_does_not_stop_the_batch(mail_services, mail_demo, relay) -> None:
    first = queue_raw(mail_services, account_email=LILA)
    second = queue_raw(mail_services, account_email=LILA)
    third = queue_raw(mail_services, account_email=LILA)
    relay.handler.refuse("451 4.3.0 try later")
    relay.handler.refuse("550 5.7.1 no")
    report = deliver(mail_services)
    assert (report.retried, report.failed, report.sent) == ([first], [second], [third])
    assert [r.message_id for r in relay.accepted] == [row(mail_services, third).message_id]


def test_failed_after_max_attempts(make_services, relay) -> None:
    from domain.demo import seed_demo

    services = make_services(**smtp_settings(relay.port, mail_max_attempts=3))
    seed_demo(services)
    row_id = queue_raw(services, account_email=LILA)
    relay.handler.refuse("421 4.7.0 busy", times=10)

    assert deliver(services).retried == [row_id]
    services.clock.advance(timedelta(seconds=31))
    assert deliver(services).retried == [row_id]
    services.clock.advance(timedelta(seconds=61))
    report = deliver(services)
    assert report.failed == [row_id] and not report.retried
    final = row(services, row_id)
    assert final.state == "failed" and final.attempts == 3
    assert final.last_error and "421" in final.last_error
    assert final.claimed_by is None

    services.clock.advance(timedelta(days=1))
    assert deliver(services).handled == 0
    assert len(relay.refused) == 3 and relay.accepted == []


def test_a_dead_dispatcher_loses_nothing(mail_services, mail_demo, relay) -> None:
    """A dispatcher that claimed rows and died: nobody else takes them during its lease,
    someone does after it; the dead one cannot overwrite the outcome afterwards."""
    forgot_change(mail_services, LILA)
    (queued,) = outbox(mail_services)
    dead = Dispatcher(mail_services, lambda: SmtpTransport(mail_services.settings), name="dead")
    assert dead.claim() == [queued.id]

    other = dispatcher(mail_services, name="other")
    assert other.deliver_once().handled == 0
    mail_services.clock.advance(timedelta(seconds=mail_services.settings.mail_lease_seconds - 1))
    assert other.deliver_once().handled == 0
    assert relay.accepted == []

    mail_services.clock.advance(timedelta(seconds=2))
    assert other.deliver_once().sent == [queued.id]
    assert [r.message_id for r in relay.accepted] == [queued.message_id]
    assert dead.deliver_once().handled == 0
    dead._update(queued.id, state="queued", attempts=99)  # a late write of the dead one
    assert row(mail_services, queued.id).state == "sent"
    assert len(relay.accepted) == 1


def test_wrong_relay_password_does_not_fail_the_emails(make_services, start_relay) -> None:
    from domain.demo import seed_demo

    relay = start_relay(authenticator=authenticator("motdepasse", "bon"), auth_require_tls=False)
    services = make_services(
        **smtp_settings(relay.port, smtp_username="motdepasse", smtp_password="ancien-mot-de-passe")
    )
    seed_demo(services)
    ids = [queue_raw(services, account_email=LILA) for _ in range(3)]
    report = deliver(services)
    assert relay.accepted == []
    assert report.failed == [], [row(services, i).last_error for i in ids]
    assert [row(services, i).state for i in ids] == ["queued"] * 3
