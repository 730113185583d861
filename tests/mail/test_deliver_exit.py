"""``motdepasse mail deliver`` exit codes and the relay's own words, against a real SMTP
server on loopback (aiosmtpd) that is down, refuses, or accepts some."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from sqlmodel import select

from domain.demo import seed_demo
from domain.models import StaffAudit
from domain.services import build_services
from domain.settings import load_settings
from tests.domain.support import HUGO, LILA
from tests.mail.conftest import Relay, free_port
from tests.mail.helpers import outbox, queue_raw
from tui.cli import main

UNREACHABLE, PARTIAL, ALL_REFUSED = 4, 3, 5
SPAM = "550 5.7.1 Message rejected as spam by Content Filter"


@pytest.fixture
def two_queued(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """A database with the demo accounts and two queued emails (Lila's, then Hugo's)."""
    monkeypatch.setenv("MOTDEPASSE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("MOTDEPASSE_DATABASE_URL", raising=False)
    monkeypatch.setenv("MOTDEPASSE_MAIL_FROM", "ne-pas-repondre@impots.example")
    services = build_services(load_settings(captcha="off"))
    try:
        seed_demo(services)
        return [queue_raw(services, account_email=LILA), queue_raw(services, account_email=HUGO, to_name="Hugo")]
    finally:
        services.close()


def relay_env(monkeypatch: pytest.MonkeyPatch, port: int) -> None:
    monkeypatch.setenv("MOTDEPASSE_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("MOTDEPASSE_SMTP_PORT", str(port))
    monkeypatch.setenv("MOTDEPASSE_SMTP_SECURITY", "none")
    monkeypatch.setenv("MOTDEPASSE_SMTP_TIMEOUT_SECONDS", "5")


def rows() -> list[tuple[str, int, str | None]]:
    services = build_services(load_settings())
    try:
        return [(row.state, row.attempts, row.last_error) for row in outbox(services)]
    finally:
        services.close()


def deliver(capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["mail", "deliver"])
    out, err = capsys.readouterr()
    return code, out, err


def show(capsys: pytest.CaptureFixture[str], email_id: int) -> str:
    assert main(["mail", "outbox", "--show", str(email_id)]) == 0
    return capsys.readouterr().out


def test_relay_down_exits_4_and_keeps_the_emails_queued(two_queued, monkeypatch, capsys) -> None:
    relay_env(monkeypatch, free_port())  # nothing listens there
    code, out, err = deliver(capsys)
    assert code == UNREACHABLE
    assert out.strip() == "sent 0, to retry 2, failed 0"
    assert err.count("\n") == 1
    assert err.startswith("motdepasse: nothing delivered: relay unreachable: Connection refused")
    for state, attempts, last_error in rows():
        assert (state, attempts) == ("queued", 0)  # an outage spends no attempt
        assert last_error and last_error.startswith("relay unreachable: Connection refused")
    first = show(capsys, two_queued[0])
    assert first.startswith("Delivery: queued, 0 attempt(s), next at ")
    assert "; last error: relay unreachable: Connection refused" in first.splitlines()[0]
    assert "Subject: Objet" in first


def test_a_refusal_before_any_message_is_unreachable(two_queued, relay: Relay, monkeypatch, capsys) -> None:
    """The relay answers, but a login it does not offer means no email can be handed over."""
    relay_env(monkeypatch, relay.port)
    monkeypatch.setenv("MOTDEPASSE_SMTP_USERNAME", "motdepasse")
    monkeypatch.setenv("MOTDEPASSE_SMTP_PASSWORD", "Secret-Du-Relais-42")
    code, _, err = deliver(capsys)
    assert code == UNREACHABLE
    assert "relay unreachable" in err and "AUTH" in err and "Secret-Du-Relais-42" not in err
    assert [state for state, _, _ in rows()] == ["queued", "queued"]
    assert relay.accepted == [] and relay.refused == []


def test_every_email_refused_exits_5_with_the_relays_words(two_queued, relay: Relay, monkeypatch, capsys) -> None:
    relay_env(monkeypatch, relay.port)
    relay.handler.refuse(SPAM, times=2)
    code, out, err = deliver(capsys)
    assert code == ALL_REFUSED
    assert out.strip() == "sent 0, to retry 0, failed 2"
    assert err == f"motdepasse: nothing delivered: every email was refused (last: refused: {SPAM}); see 'mail outbox'\n"
    assert rows() == [("failed", 1, f"refused: {SPAM}")] * 2
    assert show(capsys, two_queued[1]).startswith(f"Delivery: failed, 1 attempt(s); last error: refused: {SPAM}\n\n")
    assert main(["mail", "outbox", "--state", "failed"]) == 0
    listing = capsys.readouterr().out
    assert listing.count(f"(refused: {SPAM})") == 2


def test_a_temporary_refusal_of_every_email_exits_5_and_retries(two_queued, relay: Relay, monkeypatch, capsys) -> None:
    relay_env(monkeypatch, relay.port)
    relay.handler.refuse("450 4.2.1 Mailbox busy, try again later", times=2, stage="RCPT")
    code, _, err = deliver(capsys)
    assert code == ALL_REFUSED and "450 4.2.1 Mailbox busy" in err
    assert rows() == [("queued", 1, "recipient refused: 450 4.2.1 Mailbox busy, try again later")] * 2


def test_one_sent_one_refused_exits_3(two_queued, relay: Relay, monkeypatch, capsys) -> None:
    relay_env(monkeypatch, relay.port)
    relay.handler.refuse("554 5.7.1 Recipient address rejected: Access denied", stage="RCPT")
    code, out, err = deliver(capsys)
    assert code == PARTIAL
    assert out.strip() == "sent 1, to retry 0, failed 1"
    assert err.startswith("motdepasse: 1 email(s) not delivered (last: recipient refused: 554 5.7.1 Recipient")
    assert rows() == [
        ("failed", 1, "recipient refused: 554 5.7.1 Recipient address rejected: Access denied"),
        ("sent", 1, None),
    ]
    assert show(capsys, two_queued[1]).startswith("Delivery: sent on ")
    assert [received.rcpt_tos for received in relay.accepted] == [(HUGO,)]

    code, out, err = deliver(capsys)  # nothing left to do
    assert (code, out, err) == (0, "", "")


def test_the_relays_words_are_made_printable_and_bounded(two_queued, relay: Relay, monkeypatch, capsys) -> None:
    """A hostile or verbose relay cannot put an escape sequence on the operator's terminal,
    nor fill the outbox row."""
    relay_env(monkeypatch, relay.port)
    hostile = "550 5.7.1 \x1b]52;c;aGk=\x07 \x1b[2J" + " blah" * 200
    relay.handler.refuse(hostile, times=2)
    code, _, err = deliver(capsys)
    assert code == ALL_REFUSED and "\x1b" not in err and "\x07" not in err
    (state, _, stored), _ = rows()
    assert state == "failed" and stored is not None
    assert stored.startswith("refused: 550 5.7.1 \ufffd]52;c;aGk=\ufffd \ufffd[2J blah")
    assert len(stored) <= len("refused: ") + 300 and stored.endswith("…")
    shown = show(capsys, two_queued[0])
    assert "\x1b" not in shown and "\x07" not in shown


def test_limit_must_be_positive(two_queued, capsys) -> None:
    for limit in ("0", "-1", "x"):
        with pytest.raises(SystemExit) as exit_info:
            main(["mail", "deliver", "--limit", limit])
        assert exit_info.value.code == 2
        assert "a whole number of 1 or more" in capsys.readouterr().err


def test_an_unreadable_ca_file_is_named(two_queued, relay: Relay, monkeypatch, capsys, tmp_path: Path) -> None:
    relay_env(monkeypatch, relay.port)
    monkeypatch.setenv("MOTDEPASSE_SMTP_SECURITY", "tls")
    missing = tmp_path / "missing-ca.pem"
    monkeypatch.setenv("MOTDEPASSE_SMTP_CA_FILE", str(missing))
    code, _, err = deliver(capsys)
    assert code == UNREACHABLE
    reason = "No such file or directory (FileNotFoundError)"
    assert err == f"motdepasse: nothing delivered: cannot use MOTDEPASSE_SMTP_CA_FILE {missing}: {reason}\n"
    assert [state for state, _, _ in rows()] == ["queued", "queued"]


def audited_retries() -> list[tuple[str, int | None, dict[str, object]]]:
    services = build_services(load_settings())
    try:
        with services.uow() as uow:
            audits = uow.session.exec(select(StaffAudit).where(StaffAudit.action == "mail_retry")).all()
            return [(audit.staff, audit.account_id, json.loads(audit.detail)) for audit in audits]
    finally:
        services.close()


def test_retry_puts_failed_emails_back_and_is_audited(two_queued, relay: Relay, monkeypatch, capsys) -> None:
    relay_env(monkeypatch, relay.port)
    relay.handler.refuse(SPAM, times=2)
    assert deliver(capsys)[0] == ALL_REFUSED
    assert [state for state, _, _ in rows()] == ["failed", "failed"]

    assert main(["mail", "retry", str(two_queued[0])]) == 0
    assert capsys.readouterr().out == "1 email(s) queued again\n"
    assert [(state, attempts) for state, attempts, _ in rows()] == [("queued", 0), ("failed", 1)]
    assert deliver(capsys) == (0, "sent 1, to retry 0, failed 0\n", "")

    assert main(["mail", "retry", "--failed"]) == 0
    assert capsys.readouterr().out == "1 email(s) queued again\n"
    assert deliver(capsys)[0] == 0
    assert [state for state, _, _ in rows()] == ["sent", "sent"]
    assert len(relay.accepted) == 2

    audits = audited_retries()
    assert [detail["email_id"] for _, _, detail in audits] == two_queued
    assert all(staff.startswith("operator:") and account_id for staff, account_id, _ in audits)
    assert all(detail["last_error"] == f"refused: {SPAM}" for _, _, detail in audits)

    assert main(["mail", "retry", "--failed"]) == 0  # none left
    assert capsys.readouterr().out == "0 email(s) queued again\n"


def test_retry_of_an_email_that_is_not_failed_exits_1(two_queued, capsys) -> None:
    for email_id in (str(two_queued[0]), "999"):  # queued, unknown
        assert main(["mail", "retry", email_id]) == 1
        assert capsys.readouterr().err == f"motdepasse: no failed email {email_id}; see 'mail outbox --state failed'\n"
    assert audited_retries() == []
    with pytest.raises(SystemExit) as exit_info:
        main(["mail", "retry"])  # an id or --failed
    assert exit_info.value.code == 2


def test_outbox_shows_the_oldest_queued_age(two_queued, monkeypatch, capsys) -> None:
    relay_env(monkeypatch, free_port())
    assert deliver(capsys)[0] == UNREACHABLE
    assert main(["mail", "outbox"]) == 0
    last = capsys.readouterr().out.rstrip().splitlines()[-1]
    assert re.fullmatch(r"oldest queued: \d+ (s|min)", last), last
    assert main(["mail", "outbox", "--json"]) == 0
    assert isinstance(json.loads(capsys.readouterr().out), list)  # its shape unchanged
