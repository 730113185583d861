"""Bad settings and arguments answered in one line with a documented exit code, never a
traceback; commands that only read or change existing data never create a database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from domain.services import build_services
from domain.settings import load_settings
from tui.cli import EXIT_NO_DATABASE, EXIT_SETTINGS, EXIT_UNAVAILABLE, main


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "data"
    monkeypatch.setenv("MOTDEPASSE_DATA_DIR", str(path))
    monkeypatch.delenv("MOTDEPASSE_DATABASE_URL", raising=False)
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def one_line(err: str) -> str:
    assert err.endswith("\n") and err.count("\n") == 1, err
    assert "Traceback" not in err
    return err.rstrip("\n")


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("MOTDEPASSE_LANG", "de", "MOTDEPASSE_LANG='de': accepted: one of fr, en"),
        ("MOTDEPASSE_SSH_PORT", "abc", "MOTDEPASSE_SSH_PORT='abc': accepted: a whole number from 1 to 65535"),
        ("MOTDEPASSE_CAPTCHA_LENGTH", "99", "MOTDEPASSE_CAPTCHA_LENGTH='99': accepted: a whole number from 4 to 10"),
        ("MOTDEPASSE_PASSWORD_MIN_LENGTH", "8", "accepted: a whole number of 20 or more"),
        ("MOTDEPASSE_DATABASE_BUSY_TIMEOUT_SECONDS", "0", "accepted: a number above 0, up to 600"),
        ("MOTDEPASSE_DEACTIVATE_EXPIRED_AFTER_DAYS", "soon", "accepted: a whole number of 0 or more, or unset"),
        ("MOTDEPASSE_REMINDER_DAYS", "60,30", "accepted: a JSON list of whole numbers such as [60, 30, 7, 1]"),
        ("MOTDEPASSE_TIMEZONE", "Europe/Parsi", "unknown time zone; accepted: an IANA name such as Europe/Paris"),
        ("MOTDEPASSE_MAIL_FROM", "personne", "MOTDEPASSE_MAIL_FROM='personne': accepted: an email address"),
        ("MOTDEPASSE_CAPTCHA", "non", "MOTDEPASSE_CAPTCHA='non': accepted: one of on, off"),
        ("MOTDEPASSE_DATABASE_URL", "mysql://u:Mot2Passe@h/db", "unsupported database 'mysql'; accepted: sqlite:///"),
        ("MOTDEPASSE_DATABASE_URL", "sqlite+nope:///x.db", "unknown database driver 'sqlite+nope'; accepted:"),
        ("MOTDEPASSE_DATABASE_URL", "not a url", "not a database URL; accepted: sqlite:///PATH or postgresql"),
        ("MOTDEPASSE_BANNED_TERMS_FILE", "/nonexistent/terms", "No such file or directory; accepted: a UTF-8 file"),
        ("MOTDEPASSE_BREACH_CHECK_URL", "ftp://u:Mot2Passe@h/r", "MOTDEPASSE_BREACH_CHECK_URL: accepted: an https://"),
        ("MOTDEPASSE_BREACH_CHECK_FAIL", "maybe", "accepted: one of open, closed"),
        ("MOTDEPASSE_STRENGTH_FORT_LOG10", "12", "accepted: at least MOTDEPASSE_STRENGTH_MOYEN_LOG10 (15)"),
    ],
)
@pytest.mark.parametrize("command", [["accounts", "list"], ["mail", "outbox"], ["demo", "--plain"]])
def test_an_invalid_setting_is_one_line_and_78(
    capsys, monkeypatch, data_dir: Path, variable: str, value: str, expected: str, command: list[str]
) -> None:
    monkeypatch.setenv(variable, value)
    code, out, err = run(capsys, *command)
    assert code == EXIT_SETTINGS == 78
    line = one_line(err)
    assert line.startswith("motdepasse: invalid setting: ") and expected in line
    assert "Mot2Passe" not in line and out == ""
    assert not data_dir.exists()


def test_every_invalid_setting_is_named_and_an_escape_is_shown_inert(capsys, monkeypatch) -> None:
    monkeypatch.setenv("MOTDEPASSE_LANG", "de")
    monkeypatch.setenv("MOTDEPASSE_SMTP_PORT", "\x1b]52;c;aGk=\x07")
    code, _, err = run(capsys, "accounts", "list")
    line = one_line(err)
    assert code == 78 and "MOTDEPASSE_LANG=" in line and "MOTDEPASSE_SMTP_PORT=" in line
    assert "\x1b" not in line and "\x07" not in line


def test_a_secret_value_is_never_repeated(capsys, monkeypatch) -> None:
    monkeypatch.setenv("MOTDEPASSE_DATABASE_URL", "postgresql+nope://agent:Mot2Passe@db.example/mdp")
    code, _, err = run(capsys, "accounts", "list")
    assert code == 78 and "Mot2Passe" not in err and "agent" not in err
    assert "unknown database driver 'postgresql+nope'" in one_line(err)


def test_no_traceback_through_the_installed_entry_point(tmp_path: Path) -> None:
    env = {**os.environ, "MOTDEPASSE_DATA_DIR": str(tmp_path / "d"), "MOTDEPASSE_LANG": "de"}
    done = subprocess.run(
        [sys.executable, "-m", "tui.cli", "staff", "list"], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 78 and done.stdout == ""
    assert one_line(done.stderr) == "motdepasse: invalid setting: MOTDEPASSE_LANG='de': accepted: one of fr, en"


READ_ONLY = [
    ["accounts", "list"],
    ["accounts", "show", "lila.rosemonde@orange.fr"],
    ["accounts", "deactivate", "lila.rosemonde@orange.fr"],
    ["accounts", "deactivate-expired"],
    ["staff", "list"],
    ["staff", "remove", "agent"],
    ["mail", "outbox"],
    ["mail", "outbox", "--show", "1"],
    ["mail", "deliver"],
    ["mail", "remind"],
    ["journal", "show", "K7QF-92DX"],
    ["journal", "export", "K7QF-92DX"],
    ["journal", "purge", "--older-than", "30"],
    ["support", "--plain"],
]


@pytest.mark.parametrize("command", READ_ONLY, ids=" ".join)
def test_a_missing_data_dir_is_reported_not_created(capsys, data_dir: Path, command: list[str]) -> None:
    code, out, err = run(capsys, *command)
    assert code == EXIT_NO_DATABASE == 66 and out == ""
    line = one_line(err)
    assert line.startswith(f"motdepasse: no database at {data_dir / 'motdepasse.db'}: check MOTDEPASSE_DATABASE_URL")
    assert not data_dir.exists()


@pytest.mark.parametrize("command", [["accounts", "list"], ["staff", "list"], ["mail", "outbox"]], ids=" ".join)
def test_a_mistyped_sqlite_path_is_reported_not_created(
    capsys, monkeypatch, tmp_path: Path, data_dir: Path, command: list[str]
) -> None:
    build_services(load_settings()).close()  # the real database, in the data dir
    typo = tmp_path / "motdepase.db"
    monkeypatch.setenv("MOTDEPASSE_DATABASE_URL", f"sqlite:///{typo}")
    code, _, err = run(capsys, *command)
    assert code == 66 and one_line(err).startswith(f"motdepasse: no database at {typo}: ")
    assert not typo.exists()


def test_an_empty_file_is_no_database_and_stays_empty(capsys, monkeypatch, tmp_path: Path) -> None:
    empty = tmp_path / "empty.db"
    empty.touch()
    monkeypatch.setenv("MOTDEPASSE_DATABASE_URL", f"sqlite:///{empty}")
    code, _, err = run(capsys, "accounts", "list")
    assert code == 66 and one_line(err).startswith(f"motdepasse: no motdepasse database at {empty}: ")
    assert empty.stat().st_size == 0 and sorted(tmp_path.iterdir()) == [empty]


def test_the_demo_database_is_not_created_by_a_reader(capsys, data_dir: Path) -> None:
    code, _, err = run(capsys, "journal", "--demo", "show", "K7QF-92DX")
    assert code == 66
    assert one_line(err) == f"motdepasse: no database at {data_dir / 'demo' / 'demo.db'}: run 'motdepasse demo' first"
    assert not data_dir.exists()


def test_a_damaged_database_is_unavailable(capsys, monkeypatch, tmp_path: Path) -> None:
    damaged = tmp_path / "damaged.db"
    damaged.write_bytes(b"not a database at all\n" * 200)
    monkeypatch.setenv("MOTDEPASSE_DATABASE_URL", f"sqlite:///{damaged}")
    for command in (["accounts", "list"], ["accounts", "import", str(tmp_path / "x.csv")]):
        code, _, err = run(capsys, *command)
        assert code == EXIT_UNAVAILABLE == 69
        assert one_line(err) == f"motdepasse: cannot open the database {damaged}: file is not a database"


@pytest.mark.sqlite_only  # the data dir's key file (PostgreSQL deployments configure theirs)
def test_a_damaged_secret_key_is_a_setting_error(capsys, data_dir: Path) -> None:
    build_services(load_settings()).close()
    (data_dir / "secret.key").write_text("short\n")
    code, _, err = run(capsys, "accounts", "list")
    assert code == 78
    assert one_line(err).startswith(f"motdepasse: secret key: {data_dir / 'secret.key'} is empty or damaged.")


def test_commands_that_create_still_create(capsys, data_dir: Path, tmp_path: Path) -> None:
    csv_file = tmp_path / "accounts.csv"
    csv_file.write_text("subscriber_number\n", encoding="utf-8")
    code, _, err = run(capsys, "accounts", "import", str(csv_file))
    assert code == 1 and "missing columns" in err  # refused for its content, not for the database
    assert (data_dir / "motdepasse.db").is_file()
    code, out, _ = run(capsys, "accounts", "list")
    assert code == 0 and out.rstrip().endswith("0 account(s)")


def test_an_export_to_a_missing_folder_is_one_line(capsys, tmp_path: Path) -> None:
    services = build_services(load_settings())
    try:
        session = services.open_session(reference="TEST-0001")
        session.journal.frame("shown", columns=80, rows=24, ansi="Connexion")
        session.journal.end("quit")
        services.journal_writer.flush()
    finally:
        services.close()
    target = tmp_path / "missing" / "x.cast"
    code, out, err = run(capsys, "journal", "export", "TEST-0001", "-o", str(target))
    assert code == 1 and out == ""
    assert one_line(err) == f"motdepasse: cannot write {target}: No such file or directory"
