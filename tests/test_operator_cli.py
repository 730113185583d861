"""Issue 13, operators' tools: every command that changes something is audited with the
operator's system user; ``--json`` outputs; filters on lists; ``accounts unlock``;
``staff reset-password``; staff names reusable; ``journal export -o -``; ``--demo`` on
``accounts``, ``staff`` and ``support``; SSH support keys named by their comment."""

from __future__ import annotations

import json
import os
import pwd
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import asyncssh
import pytest
from sqlmodel import col, select

from domain import support
from domain.accounts import email_digest
from domain.models import OutboxEmail, StaffAudit
from domain.services import Services, build_services
from domain.settings import load_settings
from domain.support import StaffIdentity
from domain.text import email_key
from tests.test_cli import GOOD, HEADER, INERT, add_jean, record_session, run
from tui.cli import demo_settings

OPERATOR = f"operator:{pwd.getpwuid(os.geteuid()).pw_name}"
STAFF_PASSWORD = "Glycine-Tonnerre-Galet-58"
NEW_STAFF_PASSWORD = "Pervenche-Escalier-Nuage-74"
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MOTDEPASSE_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("MOTDEPASSE_DATABASE_URL", raising=False)
    return tmp_path


@pytest.fixture
def services() -> Iterator[Services]:
    """The configured services, opened after the commands made the database."""
    opened = build_services(load_settings())
    yield opened
    opened.close()


def audit(services: Services) -> list[tuple[str, str, int | None, dict[str, object]]]:
    with services.uow() as uow:
        rows = uow.session.exec(select(StaffAudit).order_by(col(StaffAudit.id))).all()
        return [(row.staff, row.action, row.account_id, json.loads(row.detail)) for row in rows]


def import_two(capsys: pytest.CaptureFixture[str], tmp_path: Path, *extra: str) -> int:
    csv_file = tmp_path / "accounts.csv"
    csv_file.write_text(
        "\n".join(
            [
                HEADER,
                f"20240000000001;MARTIN;Anne;;;anne@exemple.fr;fr;Q ?;Jaurès;{GOOD}",
                "20240000000002;DURAND;Chloé;;;chloe@exemple.fr;en;Q ?;b;Tamaris-Boussole-Orage-61",
                *extra,
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    return run(capsys, "accounts", "import", str(csv_file), "--skip-invalid")[0]


def staff_add(capsys: pytest.CaptureFixture[str], name: str, password: str = STAFF_PASSWORD) -> tuple[int, str, str]:
    return run(capsys, "staff", "add", name, "--name", name.title(), stdin=f"{password}\n")


def test_every_changing_command_is_audited_with_the_operators_system_user(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert add_jean(capsys)[0] == 0
    assert import_two(capsys, tmp_path, "bad line") == 3
    for argv in (
        ("accounts", "set-expiry", "jean@exemple.fr", "2020-01-31"),
        ("accounts", "deactivate", "anne@exemple.fr"),
        ("accounts", "reactivate", "anne@exemple.fr"),
        ("accounts", "unlock", "20240000000002"),
    ):
        assert run(capsys, *argv)[0] == 0, argv
    monkeypatch.setenv("MOTDEPASSE_DEACTIVATE_EXPIRED_AFTER_DAYS", "30")
    assert run(capsys, "accounts", "deactivate-expired")[0] == 0
    assert staff_add(capsys, "agent")[0] == 0
    assert run(capsys, "staff", "reset-password", "agent", stdin=f"{NEW_STAFF_PASSWORD}\n")[0] == 0
    assert run(capsys, "staff", "remove", "agent")[0] == 0
    assert run(capsys, "journal", "purge", "--older-than", "30")[0] == 0
    # refusals change nothing and leave no row
    assert run(capsys, "accounts", "deactivate", "personne@exemple.fr")[0] == 1
    assert run(capsys, "staff", "remove", "agent")[0] == 1

    services = build_services(load_settings())
    rows = audit(services)
    services.close()
    assert {row[0] for row in rows} == {OPERATOR}
    assert [(action, account) for _, action, account, _ in rows] == [
        ("account_add", 1),
        ("account_import", 2),
        ("account_import", 3),
        ("set_expiry", 1),
        ("deactivate", 2),
        ("reactivate", 2),
        ("lift_locks", 3),
        ("deactivate", 1),
        ("staff_add", None),
        ("staff_reset_password", None),
        ("staff_remove", None),
        ("purge_sessions", None),
    ]
    details = [detail for *_, detail in rows]
    assert details[1] == {"command": "accounts import", "file": "accounts.csv", "skipped_lines": 1}
    assert details[3] == {"expires_on": "2020-01-31", "previous": details[3]["previous"]}
    assert details[7]["reason"] == "expired"
    assert details[8] == {"username": "agent", "name": "Agent", "staff_id": 1}
    text = json.dumps(details)
    for secret in (GOOD, "Paul", "Jaurès", STAFF_PASSWORD, NEW_STAFF_PASSWORD, "argon2"):
        assert secret not in text

    # ... and `staff audit` lists it, filtered
    code, out, _ = run(capsys, "staff", "audit", "--action", "deactivate")
    assert code == 0 and out.count(f"{OPERATOR}  deactivate") == 2 and out.endswith("2 row(s)\n")
    code, out, _ = run(capsys, "staff", "audit", "--account", "anne@exemple.fr", "--json")
    assert code == 0
    assert [row["action"] for row in json.loads(out)] == ["account_import", "deactivate", "reactivate"]
    code, out, _ = run(capsys, "staff", "audit", "--limit", "1", "--json")
    (last,) = json.loads(out)
    assert set(last) == {"id", "at", "staff", "action", "account_id", "session_reference", "detail"}
    assert last["action"] == "purge_sessions" and last["at"].endswith("+00:00")
    code, _, err = run(capsys, "staff", "audit", "--account", "personne@exemple.fr")
    assert code == 1 and "no account for personne@exemple.fr" in err
    with pytest.raises(SystemExit) as usage:
        run(capsys, "staff", "audit", "--since", "yesterday")
    assert usage.value.code == 2


def test_json_outputs_parse_and_never_hold_a_secret(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert add_jean(capsys)[0] == 0
    assert import_two(capsys, tmp_path) == 0
    assert staff_add(capsys, "agent")[0] == 0
    record_session()
    outputs = {}
    for argv in (
        ("accounts", "list", "--json"),
        ("accounts", "show", "20240000000002", "--json"),
        ("staff", "list", "--json"),
        ("mail", "outbox", "--json"),
        ("journal", "show", "TEST-0001", "--json"),
    ):
        code, out, _ = run(capsys, *argv)
        assert code == 0, argv
        assert out.isascii() and not INERT.search(out.replace("\n", ""))
        for secret in (GOOD, "Paul", "Jaurès", STAFF_PASSWORD, "argon2", "hash"):
            assert secret not in out, (argv, secret)
        outputs[argv[0] + " " + argv[1]] = json.loads(out)

    listed = outputs["accounts list"]
    assert [row["email"] for row in listed] == ["anne@exemple.fr", "chloe@exemple.fr", "Jean@Exemple.fr"]
    card = outputs["accounts show"]
    assert set(card) == {
        "id", "subscriber_number", "email", "last_name", "first_name", "phone", "postal_address", "language",
        "security_question", "status", "password_set_at", "password_expires_on", "days_before_blocking",
        "password_expired", "forgot_password_locked_until", "answer_failures", "login_delay_seconds",
        "login_failures",
    }  # fmt: skip
    assert set(listed[0]) == set(card) - {
        "forgot_password_locked_until",
        "answer_failures",
        "login_delay_seconds",
        "login_failures",
    }
    assert card["first_name"] == "Chloé" and card["status"] == "active" and card["password_expired"] is False
    assert card["password_set_at"].endswith("+00:00") and len(card["password_expires_on"]) == 10
    assert card["forgot_password_locked_until"] is None and card["login_delay_seconds"] == 0
    assert outputs["staff list"] == [
        {"username": "agent", "name": "Agent", "active": True, "created_at": outputs["staff list"][0]["created_at"]}
    ]
    assert outputs["mail outbox"] == []  # registrations send no email
    session = outputs["journal show"]
    assert session["reference"] == "TEST-0001" and session["started_at"].endswith("+00:00")
    assert [(event["kind"], event["name"]) for event in session["events"]][:2] == [
        ("session", "start"),
        ("screen", "login"),
    ]
    assert {"seq", "at", "kind", "name", "failure", "detail"} == set(session["events"][0])
    assert [screen["reason"] for screen in session["screens"]] == ["shown"]
    assert "ansi" not in json.dumps(session["screens"]) and session["transcript"] == []


def test_mail_outbox_json_lists_the_emails_without_their_text(capsys: pytest.CaptureFixture[str]) -> None:
    assert add_jean(capsys)[0] == 0
    services = build_services(load_settings())
    try:
        with services.uow() as uow:
            uow.session.add(
                OutboxEmail(
                    message_id="<test@exemple.fr>",
                    account_id=1,
                    kind="password_changed:forgot",
                    to_address="Jean@Exemple.fr",
                    to_name="Jean DU\x1b[2JPONT",
                    language="fr",
                    subject="Votre mot de passe a été changé",
                    body_text="Bonjour, un secret du corps",
                    created_at=services.clock.now(),
                    last_error="451 4.3.0 relay \u202e busy",
                )
            )
            uow.commit()
    finally:
        services.close()
    code, out, _ = run(capsys, "mail", "outbox", "--json")
    assert code == 0 and out.isascii() and not INERT.search(out.replace("\n", ""))
    (email,) = json.loads(out)
    assert set(email) == {
        "id", "state", "kind", "to_address", "to_name", "language", "subject", "message_id", "account_id",
        "created_at", "attempts", "next_attempt_at", "sent_at", "last_error",
    }  # fmt: skip
    assert email["state"] == "queued" and email["to_name"] == "Jean DU\x1b[2JPONT"  # exact, as JSON escapes
    assert email["subject"] == "Votre mot de passe a été changé" and email["created_at"].endswith("+00:00")
    assert email["last_error"] == "451 4.3.0 relay \u202e busy" and "secret du corps" not in out


def test_account_list_filters(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert add_jean(capsys)[0] == 0
    assert import_two(capsys, tmp_path) == 0
    run(capsys, "accounts", "deactivate", "anne@exemple.fr")
    run(capsys, "accounts", "set-expiry", "chloe@exemple.fr", "2000-01-01")

    def emails(*argv: str) -> list[str]:
        code, out, err = run(capsys, "accounts", "list", "--json", *argv)
        assert code == 0, err
        return [row["email"] for row in json.loads(out)]

    assert emails("--status", "deactivated") == ["anne@exemple.fr"]
    assert emails("--status", "active") == ["chloe@exemple.fr", "Jean@Exemple.fr"]
    assert emails("--search", "dupont") == ["Jean@Exemple.fr"]
    assert emails("--search", "JEAN@exemple") == ["Jean@Exemple.fr"]
    assert emails("--search", "2024000000000") == ["anne@exemple.fr", "chloe@exemple.fr", "Jean@Exemple.fr"]
    assert emails("--search", "%") == []  # a plain character, not a wildcard
    assert emails("--expired") == ["chloe@exemple.fr"]
    assert emails("--expiring-within", "30") == []
    assert emails("--expiring-within", "5000", "--status", "active") == ["Jean@Exemple.fr"]
    code, out, _ = run(capsys, "accounts", "list", "--expired")
    assert code == 0 and "expired  chloe@exemple.fr" in out and out.endswith("1 account(s)\n")
    with pytest.raises(SystemExit) as usage:
        run(capsys, "accounts", "list", "--status", "locked")
    assert usage.value.code == 2
    with pytest.raises(SystemExit) as usage:
        run(capsys, "accounts", "list", "--expiring-within", "-1")
    assert usage.value.code == 2


def test_staff_list_active_all_removed(capsys: pytest.CaptureFixture[str]) -> None:
    assert staff_add(capsys, "agent.a")[0] == 0
    assert staff_add(capsys, "agent.b")[0] == 0
    assert run(capsys, "staff", "remove", "agent.b")[0] == 0

    def names(*argv: str) -> list[tuple[str, bool]]:
        code, out, _ = run(capsys, "staff", "list", "--json", *argv)
        assert code == 0
        return [(row["username"], row["active"]) for row in json.loads(out)]

    assert names() == names("--active") == [("agent.a", True)]
    assert names("--all") == [("agent.a", True), ("agent.b", False)]
    assert names("--removed") == [("agent.b", False)]
    out = run(capsys, "staff", "list", "--all")[1]
    assert out.splitlines() == ["agent.a              active   Agent.A", "agent.b              removed  Agent.B"]


def test_unlock_lifts_a_real_forgot_password_lock_and_login_delay(capsys: pytest.CaptureFixture[str]) -> None:
    assert add_jean(capsys)[0] == 0
    services = build_services(load_settings())
    try:
        digest = email_digest(services.secret_key, email_key("jean@exemple.fr"))
        now = services.clock.now()
        with services.uow() as uow:
            for _ in range(services.settings.answer_max_failures):
                services.answer_throttle.record_failure(uow, digest, now)
            for _ in range(services.settings.login_free_failures + 2):
                services.login_throttle.record_failure(uow, (f"account:{digest}",), now)
            uow.commit()
        with services.uow() as uow:
            assert services.answer_throttle.locked_until(uow, digest, now) is not None
    finally:
        services.close()
    code, out, _ = run(capsys, "accounts", "show", "jean@exemple.fr", "--json")
    card = json.loads(out)
    assert card["forgot_password_locked_until"] is not None and card["login_delay_seconds"] > 0
    assert card["answer_failures"] == 5 and card["login_failures"] == 5

    code, out, _ = run(capsys, "accounts", "unlock", "JEAN@exemple.fr")
    assert code == 0 and "lifted: forgot-password lock (until" in out and "login delay (" in out

    services = build_services(load_settings())
    try:
        with services.uow() as uow:
            now = services.clock.now()
            assert services.answer_throttle.locked_until(uow, digest, now) is None
            assert not services.login_throttle.wait(uow, (f"account:{digest}",), now)
        ((*_, detail),) = [row for row in audit(services) if row[1] == "lift_locks"]
        assert detail == {"was_locked": True, "login_delay_seconds": detail["login_delay_seconds"],
                          "answer_failures": 5, "login_failures": 5}  # fmt: skip
    finally:
        services.close()
    code, out, _ = run(capsys, "accounts", "show", "jean@exemple.fr")
    assert "Forgot-password lock               none" in out and "Login delay                        none" in out
    code, out, _ = run(capsys, "accounts", "unlock", "jean@exemple.fr")
    assert code == 0 and "no lock or delay to lift" in out
    code, _, err = run(capsys, "accounts", "unlock", "personne@exemple.fr")
    assert code == 1 and "no account for personne@exemple.fr" in err


def test_reset_password_lets_the_staff_sign_in_with_the_new_one(capsys: pytest.CaptureFixture[str]) -> None:
    assert staff_add(capsys, "agent")[0] == 0
    code, _, err = run(capsys, "staff", "reset-password", "agent", stdin="trop-court\n")
    assert code == 1 and "password:" in err and "trop-court" not in err
    code, out, _ = run(capsys, "staff", "reset-password", "agent", stdin=f"{NEW_STAFF_PASSWORD}\n")
    assert code == 0 and "agent: password changed" in out
    services = build_services(load_settings())
    try:
        assert support.sign_in_staff(services, "agent", STAFF_PASSWORD, "192.0.2.1") is None
        identity = support.sign_in_staff(services, "agent", NEW_STAFF_PASSWORD, "192.0.2.2")
        assert identity == StaffIdentity("staff:agent")
    finally:
        services.close()
    code, _, err = run(capsys, "staff", "reset-password", "personne", stdin=f"{NEW_STAFF_PASSWORD}\n")
    assert code == 1 and "no active staff personne" in err


def test_a_removed_staff_name_can_be_added_again_and_stays_attributable(capsys: pytest.CaptureFixture[str]) -> None:
    assert staff_add(capsys, "agent")[0] == 0
    services = build_services(load_settings())
    try:
        former = support.sign_in_staff(services, "agent", STAFF_PASSWORD, "192.0.2.1")
        assert former is not None and support.still_allowed(services, former)
        assert run(capsys, "staff", "remove", "agent")[0] == 0
        code, out, err = staff_add(capsys, "agent", NEW_STAFF_PASSWORD)
        assert code == 0, err
        code, _, err = staff_add(capsys, "agent", NEW_STAFF_PASSWORD)
        assert code == 1 and "already used" in err  # while it is active
        # the console signed in under the former account stays refused
        assert not support.still_allowed(services, former)
        assert support.sign_in_staff(services, "agent", STAFF_PASSWORD, "192.0.2.3") is None
        current = support.sign_in_staff(services, "agent", NEW_STAFF_PASSWORD, "192.0.2.4")
        assert current is not None and support.still_allowed(services, current)
        adds = [
            (detail, staff) for staff, action, _, detail in audit(services) if action in ("staff_add", "staff_remove")
        ]
        assert [detail for detail, _ in adds] == [
            {"username": "agent", "name": "Agent", "staff_id": 1},
            {"username": "agent", "staff_id": 1},
            {
                "username": "agent",
                "name": "Agent",
                "staff_id": 2,
                "previous_staff_id": 1,
                "previous_renamed": "agent~1",
            },
        ]
    finally:
        services.close()
    code, out, _ = run(capsys, "staff", "list", "--all")
    assert "agent~1" in out and "removed" in out
    code, _, err = run(capsys, "staff", "add", "agent~1", "--name", "X", stdin=f"{NEW_STAFF_PASSWORD}\n")
    assert code == 1 and "username:" in err


def test_export_to_standard_output(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    record_session(ansi="\x1b[1mConnexion\x1b[0m \x1b]52;c;aGk=\x07")
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "journal", "export", "TEST-0001", "-o", "-")
    assert code == 0 and err == ""
    assert not (tmp_path / "-").exists()
    assert out.isascii() and not INERT.search(out.replace("\n", ""))
    header, *events = [json.loads(line) for line in out.splitlines()]
    assert header["version"] == 2 and header["title"] == "motdepasse TEST-0001"
    assert "Connexion" in events[0][2]
    services = build_services(load_settings())
    try:
        assert [action for _, action, _, _ in audit(services)] == ["export_session"]
    finally:
        services.close()


@pytest.fixture
def demo() -> None:
    from domain.demo import seed_demo

    services = build_services(demo_settings())
    try:
        seed_demo(services)
    finally:
        services.close()


@pytest.mark.usefixtures("demo")
def test_demo_for_accounts_staff_and_support(capsys: pytest.CaptureFixture[str], data_dir: Path) -> None:
    code, out, err = run(capsys, "accounts", "--demo", "list", "--json")
    assert code == 0, err
    assert "lila.rosemonde@orange.fr" in [row["email"] for row in json.loads(out)]
    code, out, _ = run(capsys, "accounts", "--demo", "show", "lila.rosemonde@orange.fr")
    assert code == 0 and "ROSEMONDE" in out.upper()
    code, _, err = run(capsys, "staff", "--demo", "add", "agent", "--name", "Agent", stdin=f"{STAFF_PASSWORD}\n")
    assert code == 0, err
    code, out, _ = run(capsys, "staff", "--demo", "list")
    assert code == 0 and out.startswith("agent ")
    # the configured database is not the demo's
    assert not (data_dir / "motdepasse.db").exists()

    console = subprocess.run(
        [sys.executable, "-m", "tui.cli", "support", "--demo", "--plain", "--lang", "en"],
        input=f"agent\n{STAFF_PASSWORD}\nrosemonde\nquit\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "MOTDEPASSE_DATA_DIR": str(data_dir)},
        timeout=60,
        check=False,
    )
    assert console.returncode == 0, console.stderr
    assert "Signed in as staff:agent" in console.stdout
    code, out, _ = run(capsys, "staff", "--demo", "audit", "--staff", "agent")
    assert "staff:agent  sign_in" in out


def openssh_line(key: asyncssh.SSHKey, comment: str) -> str:
    key.set_comment(comment)
    return key.export_public_key("openssh").decode("ascii").strip()


def test_support_keys_are_named_by_their_comment(services: Services) -> None:
    named = asyncssh.generate_private_key("ssh-ed25519")
    anonymous = asyncssh.generate_private_key("ssh-ed25519")
    hostile = asyncssh.generate_private_key("ssh-ed25519")
    path = support.support_keys_path(services.settings)
    path.write_text(
        "\n".join(
            [
                openssh_line(named, "Alice   Martin"),
                anonymous.export_public_key("openssh").decode("ascii").split()[0]
                + " "
                + anonymous.export_public_key("openssh").decode("ascii").split()[1],
                openssh_line(hostile, "Eve \x1b]52;c;aGk=\x07 " + "x" * 100),
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    fingerprint = named.get_fingerprint("sha256")
    keys = support.support_keys(services.settings)
    assert keys[fingerprint] == "Alice Martin"
    assert keys[anonymous.get_fingerprint("sha256")] == ""
    eve = keys[hostile.get_fingerprint("sha256")]
    assert eve.startswith("Eve \ufffd]52") and len(eve) == support.KEY_NAME_LENGTH and not INERT.search(eve)

    identity = support.key_identity(services.settings, fingerprint)
    assert identity.label == f"ssh-key:Alice Martin ({fingerprint})"
    assert support.key_identity(services.settings, anonymous.get_fingerprint("sha256")).label == (
        "ssh-key:" + anonymous.get_fingerprint("sha256")
    )
    assert len(support.key_identity(services.settings, hostile.get_fingerprint("sha256")).label) <= 120
    assert support.still_allowed(services, identity)
    support.sign_in_key(services, identity, "192.0.2.8")
    with services.uow() as uow:
        (row,) = uow.session.exec(select(StaffAudit)).all()
    assert row.staff == f"ssh-key:Alice Martin ({fingerprint})"
    # a name is no key: the fingerprint in the label is what is checked
    assert not support.still_allowed(services, StaffIdentity("ssh-key:Alice Martin (SHA256:forged)"))
    assert not support.still_allowed(services, StaffIdentity("ssh-key:Alice Martin"))
    path.write_text("# gone\n")
    assert not support.still_allowed(services, identity)


def test_operator_commands_never_print_a_traceback_for_bad_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    assert add_jean(capsys)[0] == 0
    code, _, err = run(capsys, "accounts", "unlock", "\udcff@exemple.fr")
    assert code == 1 and "no account" in err and not INERT.search(err)
    code, _, err = run(capsys, "staff", "reset-password", "ag\udcffent", stdin=f"{NEW_STAFF_PASSWORD}\n")
    assert code == 1 and "no active staff" in err and not INERT.search(err)
    code, out, _ = run(capsys, "staff", "audit", "--staff", "\udcff")
    assert code == 0 and out == "0 row(s)\n"
    code, out, _ = run(capsys, "accounts", "list", "--search", "\udcff")
    assert code == 0 and out.endswith("0 account(s)\n")


def test_a_staff_account_added_to_the_demo_before_the_demo_ran_finds_its_accounts(
    capsys: pytest.CaptureFixture[str], data_dir: Path
) -> None:
    """A new user follows the README: ``staff --demo add`` first, then the console: the
    demo's database is made with its accounts, not empty."""
    assert not (demo_settings().data_dir / "demo.db").exists()
    code, _, err = run(capsys, "staff", "--demo", "add", "agent", "--name", "Agent", stdin=f"{STAFF_PASSWORD}\n")
    assert code == 0, err
    code, out, err = run(capsys, "accounts", "--demo", "list", "--json")
    assert code == 0, err
    assert "lila.rosemonde@orange.fr" in [row["email"] for row in json.loads(out)]
