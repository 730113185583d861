"""A relay outage loses nothing: emails wait without spending their attempts, against a
real SMTP server on loopback (aiosmtpd) that is down, silent, then back. Only an answer
about the message itself, or its age beyond MOTDEPASSE_MAIL_MAX_AGE, fails an email."""

from __future__ import annotations

import logging
import socket
from datetime import timedelta

import pytest

from domain.delivery import Dispatcher, SmtpTransport
from domain.demo import seed_demo
from tests.domain.support import HUGO, LILA
from tests.mail.conftest import free_port, smtp_settings
from tests.mail.helpers import deliver, outbox, queue_raw, row, utc


@pytest.fixture
def down(make_services):
    """Services whose relay port has nothing listening (yet), with the demo accounts."""
    port = free_port()
    services = make_services(**smtp_settings(port, mail_max_attempts=3))
    seed_demo(services)
    return port, services


def test_an_outage_longer_than_the_backoff_spends_no_attempt(down, start_relay) -> None:
    """A day down is far beyond 3 attempts of backoff (30 s, 1 min): nothing fails."""
    port, services = down
    ids = [queue_raw(services, account_email=LILA), queue_raw(services, account_email=HUGO)]
    for _ in range(24):
        report = deliver(services)
        assert report.retried == ids and report.delayed == ids and not report.failed
        assert report.unreachable and "Connection refused" in report.unreachable
        services.clock.advance(timedelta(hours=1))
    for email in outbox(services):
        assert (email.state, email.attempts) == ("queued", 0)
        assert email.last_error and email.last_error.startswith("relay unreachable: Connection refused")
        assert email.claimed_by is None

    relay = start_relay(port)
    relay.handler.refuse("550 5.1.1 mailbox unavailable", stage="RCPT")  # about Lila's message
    report = deliver(services)
    assert (report.failed, report.sent) == ([ids[0]], [ids[1]])
    refused, sent = outbox(services)
    assert (refused.state, refused.attempts) == ("failed", 1)
    assert refused.last_error == "recipient refused: 550 5.1.1 mailbox unavailable"
    assert (sent.state, sent.attempts, sent.last_error) == ("sent", 1, None)
    assert [received.message_id for received in relay.accepted] == [sent.message_id]


def test_an_outage_delays_the_next_round(down) -> None:
    _, services = down
    row_id = queue_raw(services, account_email=LILA)
    now = services.clock.now()
    assert deliver(services).delayed == [row_id]
    assert utc(row(services, row_id).next_attempt_at) == now + timedelta(seconds=30)
    assert deliver(services).handled == 0  # not due yet: no connection tried


def test_a_relay_that_times_out_delays(make_services) -> None:
    """A relay that accepts the connection but never greets."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        services = make_services(**smtp_settings(silent.getsockname()[1], smtp_timeout_seconds=0.5))
        seed_demo(services)
        row_id = queue_raw(services, account_email=LILA)
        report = deliver(services)
    assert report.delayed == [row_id] and report.unreachable and "timed out" in report.unreachable
    assert (row(services, row_id).state, row(services, row_id).attempts) == ("queued", 0)


def test_an_email_older_than_the_max_age_fails_while_the_relay_is_down(down) -> None:
    _, services = down
    old = queue_raw(services, account_email=LILA)
    deliver(services)
    services.clock.advance(timedelta(days=2))
    young = queue_raw(services, account_email=HUGO)
    services.clock.advance(timedelta(days=1))  # old: 3 days, the default MOTDEPASSE_MAIL_MAX_AGE
    report = deliver(services)
    assert report.failed == [old] and report.delayed == [young]
    expired = row(services, old)
    assert (expired.state, expired.attempts) == ("failed", 0)
    assert expired.last_error is not None
    assert expired.last_error.startswith(
        "not delivered within 3 d (MOTDEPASSE_MAIL_MAX_AGE); last error: relay unreachable: Connection refused"
    )
    assert row(services, young).state == "queued"


def test_one_log_line_per_outage_start_and_end(down, start_relay, caplog) -> None:
    caplog.set_level(logging.INFO, logger="motdepasse.mail")
    port, services = down
    watcher = Dispatcher(services, lambda: SmtpTransport(services.settings), log_outages=True)
    queue_raw(services, account_email=LILA)
    queue_raw(services, account_email=HUGO)
    for _ in range(5):
        assert watcher.deliver_once().delayed
        services.clock.advance(timedelta(seconds=30))

    def lines() -> list[tuple[int, str]]:
        return [(record.levelno, record.getMessage()) for record in caplog.records if record.name == "motdepasse.mail"]

    assert lines() == [
        (
            logging.WARNING,
            "relay outage: relay unreachable: Connection refused (ConnectionRefusedError); "
            "emails wait, their attempts are kept",
        )
    ]
    relay = start_relay(port)
    assert len(watcher.deliver_once().sent) == 2
    assert lines()[1:] == [(logging.INFO, "relay back after 2 min; 2 email(s) waited")]  # 150 s
    queue_raw(services, account_email=LILA)
    assert len(watcher.deliver_once().sent) == 1  # no outage, no line
    assert len(lines()) == 2

    relay.stop()
    queue_raw(services, account_email=LILA)
    assert watcher.deliver_once().delayed
    assert len(lines()) == 3 and lines()[2][0] == logging.WARNING  # a second outage
