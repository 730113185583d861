"""The operators' command line: ``motdepasse accounts …``, ``staff``, ``journal``."""

from __future__ import annotations

import io
import json
import os
import pwd
import re
import stat
from pathlib import Path

import pytest
from sqlmodel import col, select

from domain.models import StaffAudit
from domain.services import build_services
from domain.settings import load_settings
from tui.cli import main

GOOD = "Pivoine-Comete-Sextant-88"
HEADER = (
    "subscriber_number;last_name;first_name;phone;postal_address;email;language;"
    "security_question;security_answer;password"
)


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MOTDEPASSE_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("MOTDEPASSE_DATABASE_URL", raising=False)
    return tmp_path


def run(capsys: pytest.CaptureFixture[str], *argv: str, stdin: str = "") -> tuple[int, str, str]:
    import sys

    old = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        code = main(list(argv))
    finally:
        sys.stdin = old
    out, err = capsys.readouterr()
    return code, out, err


def add_jean(capsys: pytest.CaptureFixture[str], answer: str = "Paul", password: str = GOOD) -> tuple[int, str, str]:
    return run(
        capsys,
        "accounts", "add", "--subscriber-number", "20240000000009", "--last-name", "DUPONT",
        "--first-name", "Jean", "--phone", "0102030405", "--address", "1 rue X",
        "--email", "Jean@Exemple.fr", "--language", "fr", "--question", "Le prénom de votre conjoint(e) ?",
        stdin=f"{answer}\n{answer}\n{password}\n{password}\n",
    )  # fmt: skip


def test_add_prints_the_registration_summary_once_with_the_answer(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = add_jean(capsys)
    assert code == 0, err
    assert "Réponse de confiance               Paul" in out
    assert GOOD not in out + err
    code, out, _ = run(capsys, "accounts", "show", "jean@exemple.fr")
    assert code == 0
    assert "20240000000009" in out and "Le prénom de votre conjoint(e) ?" in out
    assert "Paul" not in out and "argon2" not in out


def test_add_refuses_a_weak_password_or_different_answers(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = add_jean(capsys, password="a" * 25)
    assert code == 1 and "too weak" in err
    code, _, err = run(
        capsys, "accounts", "add", "--subscriber-number", "20240000000009", "--last-name", "X",
        "--first-name", "Y", "--phone", "", "--address", "", "--email", "x@exemple.fr",
        "--language", "fr", "--question", "Q ?", stdin="a\nb\n",
    )  # fmt: skip
    assert code == 1 and "answers differ" in err
    assert run(capsys, "accounts", "list")[1].strip().endswith("0 account(s)")


def test_add_refuses_a_duplicate_email(capsys: pytest.CaptureFixture[str]) -> None:
    assert add_jean(capsys)[0] == 0
    code, _, err = add_jean(capsys)
    assert code == 1 and "already" in err


def test_show_unknown_account(capsys: pytest.CaptureFixture[str]) -> None:
    build_services(load_settings()).close()  # a database without accounts (none at all: 66)
    code, _, err = run(capsys, "accounts", "show", "personne@exemple.fr")
    assert code == 1 and "no account" in err


def test_import_reports_every_bad_line_and_imports_nothing(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    csv_file = tmp_path / "accounts.csv"
    csv_file.write_text(
        "\n".join(
            [
                HEADER,
                f"20240000000001;MARTIN;Anne;0101010101;3 rue A;anne@exemple.fr;fr;Q ?;Jaurès;{GOOD}",
                f"2024000000000X;BAD;Line;;;bad@exemple.fr;fr;Q ?;a;{GOOD}",
                "20240000000003;WEAK;Pw;;;weak@exemple.fr;fr;Q ?;a;aaaaaaaaaaaaaaaaaaaaaaaa",
                f"20240000000004;DUP;Mail;;;ANNE@exemple.fr;fr;Q ?;a;{GOOD}9",
                f"20240000000005;NOANSWER;X;;;noanswer@exemple.fr;fr;Q ?;;{GOOD}",
                "20240000000006;OK;Two;;;two@exemple.fr;en;Q ?;b;Tamaris-Boussole-Orage-61",
                f"20240000000007;BAD;Mail;;;not-an-email;fr;Q ?;b;{GOOD}",
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    code, out, err = run(capsys, "accounts", "import", str(csv_file))
    assert code == 1
    assert f"{csv_file}:3: subscriber number" in err
    assert f"{csv_file}:4: password: This password is too weak" in err
    assert f"{csv_file}:5: email: same as line 2" in err
    assert f"{csv_file}:6: security answer: required" in err
    assert f"{csv_file}:8: email" in err
    assert "nothing imported" in err
    assert "aaaaaaaaaaaa" not in err and GOOD not in err
    assert run(capsys, "accounts", "list")[1].strip().endswith("0 account(s)")

    code, out, err = run(capsys, "accounts", "import", str(csv_file), "--skip-invalid")
    assert code == 3
    assert "2 account(s) imported" in out
    listing = run(capsys, "accounts", "list")[1]
    assert "anne@exemple.fr" in listing and "two@exemple.fr" in listing
    assert listing.strip().endswith("2 account(s)")


def test_import_with_commas_and_a_missing_column(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    good = tmp_path / "good.csv"
    good.write_text(
        "\ufeff" + HEADER.replace(";", ",") + "\n"
        f'20240000000001,MARTIN,Anne,,"3, rue A",anne@exemple.fr,fr,Q ?,Jaurès,{GOOD}\n',
        encoding="utf-8",
    )
    assert run(capsys, "accounts", "import", str(good))[0] == 0
    assert "3, rue A" in run(capsys, "accounts", "show", "anne@exemple.fr")[1]
    bad = tmp_path / "bad.csv"
    bad.write_text("subscriber_number,email\n1,a@b.fr\n", encoding="utf-8")
    code, _, err = run(capsys, "accounts", "import", str(bad))
    assert code == 1 and ":1: missing columns" in err
    code, _, err = run(capsys, "accounts", "import", str(tmp_path / "absent.csv"))
    assert code == 1 and "cannot read" in err


def test_set_expiry_deactivate_reactivate(capsys: pytest.CaptureFixture[str]) -> None:
    assert add_jean(capsys)[0] == 0
    code, out, _ = run(capsys, "accounts", "set-expiry", "20240000000009", "2020-01-31")
    assert code == 0 and "2020-01-31" in out
    code, out, _ = run(capsys, "accounts", "deactivate", "jean@exemple.fr")
    assert code == 0 and "deactivated" in out
    code, out, _ = run(capsys, "accounts", "reactivate", "jean@exemple.fr")
    assert code == 0 and "active" in out and "expired" in out
    with pytest.raises(SystemExit) as usage:
        run(capsys, "accounts", "set-expiry", "jean@exemple.fr", "31/01/2020")
    assert usage.value.code == 2


def test_deactivate_expired_follows_the_setting(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert add_jean(capsys)[0] == 0
    run(capsys, "accounts", "set-expiry", "jean@exemple.fr", "2020-01-31")
    code, out, _ = run(capsys, "accounts", "deactivate-expired")
    assert code == 0 and "nothing to do" in out
    monkeypatch.setenv("MOTDEPASSE_DEACTIVATE_EXPIRED_AFTER_DAYS", "30")
    code, out, _ = run(capsys, "accounts", "deactivate-expired")
    assert code == 0 and "Jean@Exemple.fr: deactivated" in out


INERT = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff\ud800-\udfff]"
)
"""What must never reach an operator's terminal: controls (ESC, BEL, C1…), bidi controls,
zero-width characters, lone surrogates (line feeds and tabs aside)."""


def test_import_refuses_control_and_invisible_characters_in_every_field(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    csv_file = tmp_path / "hostile.csv"
    csv_file.write_text(
        "\n".join(
            [
                HEADER,
                f'20240000000001;"MA\x1b]52;c;aGk=\x07RTIN";Anne;;;a1@exemple.fr;fr;Q ?;a;{GOOD}',
                f"20240000000002;MARTIN;An\u202ene;;;a2@exemple.fr;fr;Q ?;a;{GOOD}",
                f"20240000000003;MARTIN;Anne;01\x9b31m;;a3@exemple.fr;fr;Q ?;a;{GOOD}",
                f"20240000000004;MARTIN;Anne;;1 rue\tX;a4@exemple.fr;fr;Q ?;a;{GOOD}",
                f"20240000000005;MARTIN;Anne;;;a5@exemple.fr;fr;Votre\u200b chien ?;a;{GOOD}",
                f'20240000000006;MARTIN;Anne;;"1 rue X\n75002 Paris";a6@exemple.fr;fr;Q ?;a;{GOOD}',
                f"20240000000007;MARTIN;Anne;;;a7\u2066@exemple.fr;fr;Q ?;a;{GOOD}",
                f"٢٠٢٤٠٠٠٠٠٠٠٠٠٨;MARTIN;Anne;;;a8@exemple.fr;fr;Q ?;a;{GOOD}",
                f"20240000000009;MARTIN;Anne;;;a9@exemple.fr;fr;Q ?;P\x1b[2Jaul;{GOOD}",
                f"20240000000010;MARTIN;Anne;;;a10@exemple.fr;fr;Q ?\x1bP$q m\x1b\\;a;{GOOD}",
                f"20240000000011;DURAND;Chloé;0102030405;1 rue X;ok@exemple.fr;fr;Q ?;a;{GOOD}",
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    code, _, err = run(capsys, "accounts", "import", str(csv_file))
    assert code == 1
    for line, reason in [
        (2, "last name: character U+001B not allowed"),
        (3, "first name: character U+202E not allowed"),
        (4, "phone: character U+009B not allowed"),
        (5, "postal address: character U+0009 not allowed"),
        (6, "security question: character U+200B not allowed"),
        (8, "postal address: character U+000A not allowed"),  # the record ends on line 8
        (9, "email: character U+2066 not allowed"),
        (10, "subscriber number: 14 digits expected"),
        (11, "security answer: control characters and invalid text are not allowed"),
        (12, "security question: character U+001B not allowed"),
    ]:
        assert f"{csv_file}:{line}: {reason}\n" in err
    assert ":13:" not in err and "10 invalid line(s): nothing imported" in err
    assert not INERT.search(err), repr(err)
    assert run(capsys, "accounts", "list")[1].strip().endswith("0 account(s)")
    code, out, _ = run(capsys, "accounts", "import", str(csv_file), "--skip-invalid")
    assert code == 3 and "1 account(s) imported" in out


def test_import_reports_an_unreadable_csv_as_a_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    csv_file = tmp_path / "huge.csv"
    csv_file.write_text(HEADER + "\n" + '"' + "x" * 200_000 + '"\n', encoding="utf-8")
    code, _, err = run(capsys, "accounts", "import", str(csv_file))
    assert code == 1 and f"{csv_file}:2: not readable as CSV" in err
    hostile = tmp_path / "header.csv"
    hostile.write_text(HEADER + ";\x1b]52;c;aGk=\x07\n", encoding="utf-8")
    code, _, err = run(capsys, "accounts", "import", str(hostile))
    assert code == 1 and f"{hostile}:1: unknown columns: \ufffd]52" in err and not INERT.search(err)


def test_add_refuses_control_characters_and_text_that_is_not_utf8(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(
        capsys, "accounts", "add", "--subscriber-number", "20240000000009", "--last-name", "DU\x1b]52;c;aGk=\x07PONT",
        "--first-name", "Jean", "--phone", "", "--address", "", "--email", "jean@exemple.fr",
        "--language", "fr", "--question", "Q ?", stdin=f"Paul\nPaul\n{GOOD}\n{GOOD}\n",
    )  # fmt: skip
    assert code == 1 and "refused: last name: character U+001B not allowed" in err and not INERT.search(err)
    # the first name typed at the prompt, with invalid bytes decoded as a lone surrogate
    code, _, err = run(
        capsys, "accounts", "add", "--subscriber-number", "20240000000009", "--last-name", "DUPONT",
        "--phone", "", "--address", "", "--email", "jean@exemple.fr", "--language", "fr", "--question", "Q ?",
        stdin=f"Je\udcffan\nPaul\nPaul\n{GOOD}\n{GOOD}\n",
    )  # fmt: skip
    assert code == 1 and "refused: first name: not valid UTF-8 text" in err and not INERT.search(err)
    # a lone surrogate in the answer used to crash Argon2 with a traceback
    code, _, err = add_jean(capsys, answer="Pa\udcffl")
    assert code == 1 and "refused: security answer: control characters and invalid text are not allowed" in err
    code, _, err = add_jean(capsys, answer="Pa\x1b[2Jul")
    assert code == 1 and "security answer: control characters" in err and "[2J" not in err
    code, _, err = add_jean(capsys, password=GOOD + "\udcff")
    assert code == 1 and "password: The password contains a control character" in err and GOOD not in err
    # standard input that is not UTF-8 at all
    import sys

    old = sys.stdin
    sys.stdin = io.TextIOWrapper(io.BytesIO(b"Pa\xffl\nPa\xffl\n"), encoding="utf-8")
    try:
        code = main(
            ["accounts", "add", "--subscriber-number", "20240000000009", "--last-name", "DUPONT",
             "--first-name", "Jean", "--phone", "", "--address", "", "--email", "jean@exemple.fr",
             "--language", "fr", "--question", "Q ?"]
        )  # fmt: skip
    finally:
        sys.stdin = old
    assert code == 1 and "refused: text that is not valid UTF-8" in capsys.readouterr().err
    assert run(capsys, "accounts", "list")[1].strip().endswith("0 account(s)")


def test_staff_add_refuses_control_characters_in_the_name(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "staff", "add", "agent", "--name", "Agent\x1b]52;c;aGk=\x07", stdin=f"{GOOD}\n")
    assert code == 1 and "refused: name: character U+001B not allowed" in err
    code, _, err = run(capsys, "staff", "add", "agent", "--name", "Agent \u202eX", stdin=f"{GOOD}\n")
    assert code == 1 and "U+202E" in err
    code, out, _ = run(capsys, "staff", "list")
    assert code == 0 and out == ""


def record_session(reference: str = "TEST-0001", *, ansi: str = "\x1b[1mConnexion\x1b[0m") -> None:
    """A session in the configured journal, with one screen."""
    services = build_services(load_settings())
    try:
        session = services.open_session(reference=reference)
        session.journal.record("screen", "login")
        session.journal.frame("shown", columns=80, rows=24, ansi=ansi)
        session.journal.end("quit")
        services.journal_writer.flush()
    finally:
        services.close()


def staff_audit() -> list[StaffAudit]:
    services = build_services(load_settings())
    try:
        with services.uow() as uow:
            return list(uow.session.exec(select(StaffAudit).order_by(col(StaffAudit.id))).all())
    finally:
        services.close()


def test_journal_show_export_and_purge_are_audited(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """Users' sessions are personal data: the operator who shows or exports one (or tries
    to) is in the staff audit, as the support console's staff are."""
    record_session()
    operator = f"operator:{pwd.getpwuid(os.geteuid()).pw_name}"
    code, out, _ = run(capsys, "journal", "show", "test ooo1")  # as heard: O for 0, spaced
    assert code == 0 and "screen   login" in out
    code, _, _ = run(capsys, "journal", "export", "TEST-0001", "-o", str(tmp_path / "s.cast"))
    assert code == 0
    code, _, err = run(capsys, "journal", "show", "ZZZZ-0000")
    assert code == 1 and "no session ZZZZ-0000" in err
    code, _, _ = run(capsys, "journal", "purge", "--older-than", "30")
    assert code == 0
    rows = staff_audit()
    assert [(row.staff, row.action, row.session_reference) for row in rows] == [
        (operator, "view_session", "TEST-0001"),
        (operator, "export_session", "TEST-0001"),
        (operator, "view_session", None),
        (operator, "purge_sessions", None),
    ]
    details = [json.loads(row.detail) for row in rows]
    assert details[0] == {"command": "journal show", "reference": "TEST-0001", "found": True}
    assert details[1]["command"] == "journal export" and details[1]["found"] is True
    assert details[2] == {"command": "journal show", "reference": "ZZZZ-0000", "found": False}
    assert details[3] == {"older_than_days": 30, "deleted": 0}


def test_journal_export_is_private_and_plain_ascii(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """The export holds a user's screens: 0600, even over an existing file; and printing it
    (cat, less) sends no control character to the terminal: escapes stay JSON escapes."""
    record_session(ansi="\x1b[1mConnexion\x1b[0m Amélie \x9b2J \x1b]52;c;aGk=\x07 \u202e")
    fresh = tmp_path / "fresh.cast"
    assert run(capsys, "journal", "export", "TEST-0001", "-o", str(fresh))[0] == 0
    existing = tmp_path / "existing.cast"
    existing.write_text("old", encoding="utf-8")
    existing.chmod(0o644)
    assert run(capsys, "journal", "export", "TEST-0001", "-o", str(existing))[0] == 0
    for path in (fresh, existing):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        text = path.read_text(encoding="utf-8")
        assert text.isascii() and not INERT.search(text)
        header, *events = [json.loads(line) for line in text.splitlines()]
        assert header["version"] == 2
        assert "\x9b2J" in events[0][2] and "Amélie" in events[0][2]  # the frame, unchanged


def test_a_new_subscriber_number_takes_the_users_year(tmp_path: Path) -> None:
    """Issue 13: at 23:30 UTC on 31 December it is 1 January in Paris: a number made then
    starts with the users' year, not the UTC date's."""
    from datetime import UTC, datetime

    from domain.clock import SettableClock
    from tui.accounts_cli import _new_number

    services = build_services(
        load_settings(data_dir=tmp_path), clock=SettableClock(datetime(2026, 12, 31, 23, 30, tzinfo=UTC))
    )
    try:
        assert _new_number(services).startswith("2027")
    finally:
        services.close()
