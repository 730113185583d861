"""Issue 10: hostile text stored in the database (an old database, another tool, a direct
SQL edit — validation bypassed) never reaches an operator's terminal as an escape sequence,
through any command that prints stored or typed text: ``accounts``, ``staff``, ``journal``
and ``mail``, run through the real entry point (``tui.cli.main``, and once as a process
whose output is checked byte by byte)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlmodel import col, select

from domain import admin, support
from domain.models import Account, AccountBase, OutboxEmail, StaffAccount
from domain.registration import register
from domain.services import build_services
from domain.settings import load_settings
from tests.test_cli import GOOD, run

OSC52 = "\x1b]52;c;aGVsbG8=\x07"
"""Writes the operator's clipboard."""
CSI = "\x1b[2J"
DCS = "\x1bP$q m\x1b\\"
"""DECRQSS: the terminal answers by typing into the operator's input."""
C1 = "\x9b31m\x9d0;titre\x9c"
"""CSI and OSC as single C1 characters."""
BIDI = "\u202e\u2066"
PAYLOAD = f"A{OSC52}{CSI}{DCS}{C1}{BIDI}\u200b\x07Z"

UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff\ud800-\udfff]"
)
"""Controls (ESC, BEL, C1…), bidi controls, zero-width characters, lone surrogates: none may
reach the terminal (line feeds and tabs aside)."""

SHOWN = "A\ufffd]52;c;aGVsbG8=\ufffd\ufffd[2J"
"""The start of PAYLOAD as printed: visible, inert."""

NUMBER_A = "20240000000001"
REFERENCE = "TEST-0001"


@pytest.fixture(autouse=True)
def hostile_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Two accounts, a staff member, an email and a journaled session, every text field
    overwritten with escape sequences directly in the database."""
    monkeypatch.setenv("MOTDEPASSE_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("MOTDEPASSE_DATABASE_URL", raising=False)  # rows only SQLite can hold
    monkeypatch.delenv("MOTDEPASSE_SECRET_KEY", raising=False)  # the data dir's own, as its commands read it
    services = build_services(load_settings())
    try:
        for number, email in ((NUMBER_A, "a@exemple.fr"), ("20240000000002", "b@exemple.fr")):
            fields = AccountBase(
                subscriber_number=number,
                last_name="MARTIN",
                first_name="Anne",
                email=email,
                security_question="Q ?",
            )
            register(services, fields, password=GOOD, answer="Paul")
        admin.set_expiry(services, NUMBER_A, services.today() + timedelta(days=10))  # a reminder is due
        support.add_staff(services, "agent", "Agent", GOOD)
        with services.uow() as uow:
            uow.session.exec(  # type: ignore[call-overload]
                update(Account)
                .where(col(Account.subscriber_number) == NUMBER_A)
                .values(
                    last_name=PAYLOAD,
                    first_name=PAYLOAD,
                    phone=PAYLOAD,
                    postal_address=PAYLOAD,
                    email=f"a{PAYLOAD}@exemple.fr",
                    security_question=PAYLOAD,
                )
            )
            uow.session.exec(  # type: ignore[call-overload]
                update(Account)
                .where(col(Account.email_key) == "b@exemple.fr")
                .values(
                    subscriber_number=f"2024{PAYLOAD}",
                    last_name=PAYLOAD,
                    email=f"b{PAYLOAD}@exemple.fr",
                    status=f"active{CSI}",
                )
            )
            uow.session.exec(  # type: ignore[call-overload]
                update(StaffAccount).values(username=f"agent{PAYLOAD}", display_name=PAYLOAD)
            )
            account_id = uow.session.exec(select(Account.id).where(Account.subscriber_number == NUMBER_A)).one()
            uow.session.add(
                OutboxEmail(
                    message_id=f"hostile.{PAYLOAD}@exemple.fr",
                    account_id=account_id,
                    kind=f"kind{PAYLOAD}",
                    to_address="a@exemple.fr",
                    to_name=PAYLOAD,
                    language="fr",
                    subject=f"Objet {PAYLOAD}",
                    body_text=f"Bonjour {PAYLOAD},\nligne 2",
                    created_at=services.clock.now(),
                    last_error=f"550 {PAYLOAD}",
                )
            )
            uow.commit()
        session = services.open_session(reference=REFERENCE, channel=f"ssh{CSI}", client_address=PAYLOAD)
        session.journal.record("screen", f"login{PAYLOAD}", typed=PAYLOAD, **{f"key{OSC52}": [PAYLOAD]})
        session.journal.frame("shown", columns=80, rows=24, ansi=f"\x1b[1mConnexion\x1b[0m {PAYLOAD}")
        session.journal.end("quit")
        services.journal_writer.flush()
    finally:
        services.close()
    return tmp_path


def inert(*texts: str) -> None:
    for text in texts:
        found = UNSAFE.search(text)
        assert found is None, f"U+{ord(found.group()):04X} in {text!r}"


def test_accounts_commands(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, err = run(capsys, "accounts", "list")
    assert code == 0 and out.count(SHOWN) >= 3 and "active\ufffd[2J" in out  # A and B, B's status
    inert(out, err)
    for key in (NUMBER_A, "b@exemple.fr"):
        code, out, err = run(capsys, "accounts", "show", key)
        assert code == 0 and SHOWN in out
        inert(out, err)
    later = (date.today() + timedelta(days=10)).isoformat()
    code, out, err = run(capsys, "accounts", "set-expiry", NUMBER_A, later)
    assert code == 0 and SHOWN in out
    inert(out, err)
    run(capsys, "accounts", "set-expiry", "b@exemple.fr", "2020-01-31")
    for action in ("deactivate", "reactivate"):
        code, out, err = run(capsys, "accounts", action, "b@exemple.fr")
        assert code == 0 and f"b{SHOWN}" in out
        inert(out, err)
    monkeypatch.setenv("MOTDEPASSE_DEACTIVATE_EXPIRED_AFTER_DAYS", "30")
    code, out, err = run(capsys, "accounts", "deactivate-expired")
    assert code == 0 and f"b{SHOWN}" in out
    inert(out, err)


def test_errors_that_echo_an_argument(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "accounts", "show", PAYLOAD)
    assert code == 1 and f"no account for {SHOWN}" in err
    inert(out, err)
    code, out, err = run(capsys, "accounts", "show", "\udc9b31m\udcff")  # invalid bytes in argv
    assert code == 1 and "no account for" in err
    inert(out, err)
    code, out, err = run(capsys, "staff", "remove", f"nobody{PAYLOAD}")
    assert code == 1 and "no active staff" in err
    inert(out, err)
    code, out, err = run(capsys, "staff", "remove", "\udcff")
    assert code == 1 and "no active staff" in err
    inert(out, err)
    code, out, err = run(capsys, "journal", "show", PAYLOAD)
    assert code == 1 and "no session" in err
    inert(out, err)
    code, out, err = run(capsys, "journal", "show", "\udcff")
    assert code == 1 and "no session" in err
    inert(out, err)
    with pytest.raises(SystemExit) as usage:  # argparse quotes unrecognised arguments raw
        run(capsys, "accounts", "list", PAYLOAD)
    assert usage.value.code == 2
    out, err = capsys.readouterr()
    assert "unrecognized arguments" in err
    inert(out, err)


def test_staff_list_and_remove(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "staff", "list")
    assert code == 0 and f"agent{SHOWN}" in out
    inert(out, err)
    code, out, err = run(capsys, "staff", "remove", f"agent{PAYLOAD}")
    assert code == 0 and f"staff agent{SHOWN}" in out
    inert(out, err)


def test_journal_show_and_export(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, err = run(capsys, "journal", "show", REFERENCE)
    assert code == 0 and SHOWN in out and f"login{SHOWN}" in out and "ssh\ufffd[2J" in out
    inert(out, err)
    cast = tmp_path / f"out{PAYLOAD}.cast"
    code, out, err = run(capsys, "journal", "export", REFERENCE, "-o", str(cast))
    assert code == 0 and "out" + SHOWN in out
    inert(out, err)
    text = cast.read_text(encoding="utf-8")
    assert text.isascii() and "\\u009b31m" in text
    inert(text)


def test_mail_commands(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "mail", "remind")
    assert code == 0 and f"a{SHOWN}" in out and "1 reminder(s) queued" in out
    inert(out, err)
    code, out, err = run(capsys, "mail", "outbox")
    assert code == 0 and f"550 {SHOWN}" in out and f"a{SHOWN}" in out and "2 email(s)" in out
    inert(out, err)
    code, out, err = run(capsys, "mail", "outbox", "--show", "1")
    assert code == 0 and f"Bonjour {SHOWN}" in out and "\nligne 2" in out
    inert(out, err)
    code, out, err = run(capsys, "mail", "outbox", "--show", "1", "--raw")
    assert code == 0 and "Content-Type: text/plain" in out
    inert(out, err)
    code, out, err = run(capsys, "mail", "outbox", "--show", "2")  # the reminder to A's hostile address
    assert code == 1 and "cannot be sent" in err
    inert(out, err)


def test_as_a_process_the_bytes_written_are_inert(hostile_database: Path) -> None:
    """The real program, its output read as bytes: under the C locale Python writes a lone
    surrogate as the raw byte it came from (0x9B is CSI to an 8-bit terminal)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MOTDEPASSE_", "LC_", "LANG"))}
    env |= {"MOTDEPASSE_DATA_DIR": str(hostile_database), "LC_ALL": "C"}
    for argv in (["accounts", "list"], ["accounts", "show", NUMBER_A], ["accounts", "show", b"\x9b31m\xff\x1b[2J"]):
        done = subprocess.run(
            [sys.executable, "-m", "tui.cli", *argv],
            env=env,
            cwd=Path(__file__).resolve().parents[1],
            capture_output=True,
            timeout=60,
            check=False,
        )
        assert done.returncode in (0, 1), done.stderr[-2000:]
        for stream in (done.stdout, done.stderr):
            assert b"\x1b" not in stream and b"\x07" not in stream
            inert(stream.decode("utf-8", "surrogateescape"))  # raw invalid bytes become U+DCxx
        assert b"Traceback" not in done.stderr
