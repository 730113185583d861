"""The operators' command line: ``motdepasse accounts …``."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

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
