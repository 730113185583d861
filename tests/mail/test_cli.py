"""``motdepasse mail deliver|outbox|remind`` against the loopback relay."""

from __future__ import annotations

import pytest

from domain.demo import seed_demo
from domain.services import build_services
from domain.settings import load_settings
from tests.domain.support import HUGO, LILA
from tests.mail.conftest import free_port
from tests.mail.helpers import forgot_change, outbox
from tui.cli import demo_settings, main


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    """A database with the demo accounts and one queued email (Lila's password change)."""
    path = tmp_path / "cli"
    monkeypatch.setenv("MOTDEPASSE_DATA_DIR", str(path))
    monkeypatch.setenv("MOTDEPASSE_MAIL_FROM", "ne-pas-repondre@impots.example")
    services = build_services(load_settings(captcha="off"))
    try:
        seed_demo(services)
        forgot_change(services, LILA, client_address="203.0.113.7")
    finally:
        services.close()
    return path


def relay_env(monkeypatch, port: int) -> None:
    monkeypatch.setenv("MOTDEPASSE_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("MOTDEPASSE_SMTP_PORT", str(port))
    monkeypatch.setenv("MOTDEPASSE_SMTP_SECURITY", "none")
    monkeypatch.setenv("MOTDEPASSE_SMTP_TIMEOUT_SECONDS", "5")


def rows():
    services = build_services(load_settings())
    try:
        return outbox(services)
    finally:
        services.close()


def test_outbox_show_deliver(data_dir, relay, monkeypatch, capsys) -> None:
    assert main(["mail", "outbox"]) == 0
    out = capsys.readouterr().out
    assert "password_changed:forgot" in out and LILA in out and "queued" in out
    assert out.rstrip().endswith("1 email(s)\noldest queued: 0 s")

    assert main(["mail", "outbox", "--show", "1"]) == 0
    out = capsys.readouterr().out
    assert "Subject: Espace professionnel - Modification du mot de passe" in out
    assert f"To: Lila ROSEMONDE <{LILA}>" in out
    assert "ne-pas-repondre@impots.example" in out
    assert "Bonjour Lila ROSEMONDE," in out and "203.0.113.7" in out

    assert main(["mail", "outbox", "--show", "1", "--raw"]) == 0
    raw = capsys.readouterr().out
    assert "Content-Type: multipart/alternative" in raw and "Message-ID: <password_changed." in raw

    assert main(["mail", "outbox", "--show", "99"]) == 1
    captured = capsys.readouterr()
    assert "no email 99" in captured.err and captured.out == ""

    relay_env(monkeypatch, relay.port)
    assert main(["mail", "deliver"]) == 0
    assert capsys.readouterr().out.strip() == "sent 1, to retry 0, failed 0"
    (received,) = relay.accepted
    assert received.rcpt_tos == (LILA,) and received.mail_from == "ne-pas-repondre@impots.example"
    assert received.message_id == rows()[0].message_id

    assert main(["mail", "deliver"]) == 0  # nothing left: silent
    assert capsys.readouterr().out == ""
    assert len(relay.accepted) == 1

    assert main(["mail", "outbox", "--state", "sent"]) == 0
    assert "1 email(s)" in capsys.readouterr().out
    assert main(["mail", "outbox", "--state", "queued"]) == 0
    assert "0 email(s)" in capsys.readouterr().out


def test_deliver_without_a_relay(data_dir, capsys) -> None:
    assert main(["mail", "deliver"]) == 1
    captured = capsys.readouterr()
    assert "MOTDEPASSE_SMTP_HOST is not set" in captured.err
    assert [r.state for r in rows()] == ["queued"]


def test_deliver_with_the_relay_down(data_dir, monkeypatch, capsys) -> None:
    relay_env(monkeypatch, free_port())
    assert main(["mail", "deliver"]) == 4  # nothing delivered: the relay unreachable
    captured = capsys.readouterr()
    assert captured.out.strip() == "sent 0, to retry 1, failed 0"
    assert captured.err.startswith("motdepasse: nothing delivered: relay unreachable: Connection refused")
    (row,) = rows()
    assert row.state == "queued" and row.attempts == 0 and row.last_error  # no attempt spent
    assert main(["mail", "outbox"]) == 0
    assert "relay unreachable" in capsys.readouterr().out


def test_remind_twice(data_dir, capsys) -> None:
    assert main(["mail", "remind"]) == 0
    out = capsys.readouterr().out
    assert f"{HUGO}: reminder at 30 days (30 left)" in out
    assert out.rstrip().endswith("1 reminder(s) queued")
    assert main(["mail", "remind"]) == 0
    assert capsys.readouterr().out.strip() == "0 reminder(s) queued"
    assert [r.kind for r in rows()] == ["password_changed:forgot", "expiry_reminder:30"]


def test_demo_database_is_separate(data_dir, capsys) -> None:
    assert main(["mail", "--demo", "outbox"]) == 66  # no demo yet: nothing is created
    assert "run 'motdepasse demo' first" in capsys.readouterr().err
    build_services(demo_settings()).close()
    assert main(["mail", "--demo", "outbox"]) == 0
    assert capsys.readouterr().out.rstrip().endswith("0 email(s)")


def test_usage_errors(data_dir, capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["mail"])
    assert exit_info.value.code == 2
    with pytest.raises(SystemExit) as exit_info:
        main(["mail", "outbox", "--state", "lost"])
    assert exit_info.value.code == 2
