"""Issue 10: staff who were removed stop acting, and staff sign-in is audited.

A support console stays open for hours: every console action re-checks that its identity
is still allowed — ``staff:NAME`` an active staff account, ``ssh-key:FINGERPRINT`` a key
still in the support keys file — and is refused (``StaffRevoked``, audited
``refused_revoked``) otherwise, with no effect. Every failed staff sign-in is audited,
with the user name as typed (made safe) and the client, never the password.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from pathlib import Path

import asyncssh
import pytest
from sqlmodel import col, select

from domain import support
from domain.accounts import AccountError, email_digest
from domain.models import AnswerFailure, StaffAccount, StaffAudit
from domain.services import Services
from domain.support import StaffIdentity, StaffRevoked
from domain.text import email_key
from tests.domain.support import LILA, account

STAFF_PASSWORD = "Bergamote-Escalier-Nuage-31"


def audit_rows(services: Services) -> list[StaffAudit]:
    with services.uow() as uow:
        return list(uow.session.exec(select(StaffAudit).order_by(col(StaffAudit.id))).all())


def openssh_line(key: asyncssh.SSHKey, comment: str = "agent@poste") -> str:
    key.set_comment(comment)
    return key.export_public_key("openssh").decode("ascii").strip()


def server_fingerprints(path: Path) -> set[str]:
    """What asyncssh itself parses of the file, one key per line (a cross-check of
    ``support.key_fingerprints``, which the server uses without parsing keys)."""
    found = set()
    for line in path.read_text(errors="replace").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            with contextlib.suppress(asyncssh.KeyImportError):
                found.add(asyncssh.import_public_key(line).get_fingerprint("sha256"))
    return found


def test_support_key_fingerprints_are_the_ones_asyncssh_computes(services: Services) -> None:
    ed25519 = asyncssh.generate_private_key("ssh-ed25519")
    ecdsa = asyncssh.generate_private_key("ecdsa-sha2-nistp256")
    rsa = asyncssh.generate_private_key("ssh-rsa", key_size=2048)
    other = asyncssh.generate_private_key("ssh-ed25519")
    other_blob = openssh_line(other).split()[1]
    path = support.support_keys_path(services.settings)
    path.parent.mkdir(parents=True, exist_ok=True)  # the data dir (SQLite's file makes it)
    assert path == services.settings.data_dir / "support_authorized_keys"
    path.write_text(
        "\n".join(
            [
                "# support staff",
                "",
                openssh_line(ed25519),
                "   " + openssh_line(ecdsa, comment="with spaces in the comment") + "   ",
                openssh_line(rsa, comment=""),
                "ssh-rsa " + other_blob + " a type that is not the key's",
                "ssh-ed25519 not-base64-at-all!!",
                "ssh-ed25519",
                "garbage \x1b[31m\ud800",
            ]
        )
        + "\n",
        encoding="utf-8",
        errors="surrogatepass",
    )
    expected = {key.get_fingerprint("sha256") for key in (ed25519, ecdsa, rsa)}
    assert support.support_key_fingerprints(services.settings) == expected
    assert server_fingerprints(path) == expected


def test_no_support_keys_file_allows_no_key(services: Services) -> None:
    assert support.support_key_fingerprints(services.settings) == frozenset()
    key = asyncssh.generate_private_key("ssh-ed25519")
    assert not support.still_allowed(services, StaffIdentity("ssh-key:" + key.get_fingerprint("sha256")))


@pytest.fixture
def staff_services(services: Services, demo: object) -> Services:
    """Demo accounts, staff ``agent.martin`` and one support key."""
    support.add_staff(services, "agent.martin", "Agent Martin", STAFF_PASSWORD)
    return services


def key_identity(services: Services) -> tuple[StaffIdentity, Path]:
    key = asyncssh.generate_private_key("ssh-ed25519")
    path = support.support_keys_path(services.settings)
    path.parent.mkdir(parents=True, exist_ok=True)  # the data dir (SQLite's file makes it)
    path.write_text(openssh_line(key) + "\n")
    return StaffIdentity("ssh-key:" + key.get_fingerprint("sha256")), path


def remove(services: Services, kind: str, path: Path) -> None:
    if kind == "staff":
        support.remove_staff(services, "agent.martin")
    else:
        path.write_text("# the agent has left\n")


def lock_lila(services: Services) -> str:
    digest = email_digest(services.secret_key, email_key(LILA))
    with services.uow() as uow:
        services.answer_throttle.record_failure(uow, digest, services.clock.now())
        uow.commit()
    return digest


def answer_failures(services: Services, digest: str) -> int:
    with services.uow() as uow:
        return len(uow.session.exec(select(AnswerFailure).where(AnswerFailure.email_digest == digest)).all())


def status(services: Services) -> str:
    return account(services, LILA).status


Action = Callable[[Services, StaffIdentity, int], object]
ACTIONS: dict[str, Action] = {
    "search": lambda s, staff, _: support.search(s, staff, "rosemonde"),
    "view_account": lambda s, staff, account_id: support.view_account(s, staff, account_id),
    "lift_locks": lambda s, staff, account_id: support.lift_locks(s, staff, account_id),
    "deactivate": lambda s, staff, account_id: support.set_account_status(s, staff, account_id, "deactivated"),
    "view_session": lambda s, staff, _: support.open_session(s, staff, "TEST-0001"),
    "sign_in": lambda s, staff, _: support.sign_in_key(s, staff, "192.0.2.7"),
}


@pytest.mark.parametrize("kind", ["staff", "ssh-key"])
@pytest.mark.parametrize("name", list(ACTIONS))
def test_every_console_action_is_refused_once_the_identity_is_removed(
    staff_services: Services, kind: str, name: str
) -> None:
    services = staff_services
    if kind == "staff":
        staff, path = StaffIdentity("staff:agent.martin"), Path("/nonexistent")
    else:
        staff, path = key_identity(services)
    account_id = account(services, LILA).id
    assert account_id is not None
    action = ACTIONS[name]
    action(services, staff, account_id)  # allowed while the identity stands
    if name == "deactivate":
        support.set_account_status(services, staff, account_id, "active")
    digest = lock_lila(services)
    before = len(audit_rows(services))

    remove(services, kind, path)
    with pytest.raises(StaffRevoked) as refused:
        action(services, staff, account_id)

    assert str(refused.value) == f"no longer allowed: {staff.label}"
    rows = audit_rows(services)[before:]
    assert [(row.staff, row.action, json.loads(row.detail)) for row in rows] == [
        (staff.label, "refused_revoked", {"attempted": name})
    ]
    assert answer_failures(services, digest) == 1  # no lock lifted
    assert status(services) == "active"  # no account deactivated


def test_an_identity_of_no_known_kind_is_never_allowed(staff_services: Services) -> None:
    for label in ("agent.martin", "staff:", "staff:personne", "ssh-key:", "root:agent.martin"):
        with pytest.raises(StaffRevoked):
            support.search(staff_services, StaffIdentity(label), "rosemonde")


def test_a_staff_member_added_again_is_allowed_again(staff_services: Services) -> None:
    """Removal is checked against the current state, not remembered."""
    staff = StaffIdentity("staff:agent.martin")
    support.remove_staff(staff_services, "agent.martin")
    assert not support.still_allowed(staff_services, staff)
    with staff_services.uow() as uow:
        row = uow.session.exec(select(StaffAccount).where(StaffAccount.username == "agent.martin")).one()
        row.active = True
        uow.session.add(row)
        uow.commit()
    assert support.still_allowed(staff_services, staff)
    assert support.search(staff_services, staff, "rosemonde")


def failures(services: Services) -> list[dict[str, object]]:
    rows = [row for row in audit_rows(services) if row.action == "sign_in_failed"]
    assert {row.staff for row in rows} <= {"-"}
    assert all(row.account_id is None and row.session_reference is None for row in rows)
    return [json.loads(row.detail) for row in rows]


def test_every_failed_staff_sign_in_is_audited_never_with_the_password(staff_services: Services) -> None:
    services = staff_services
    client = "198.51.100.23"
    wrong = "Pervenche-Tonnerre-Galet-58"
    assert support.sign_in_staff(services, "agent.martin", wrong, client) is None
    assert support.sign_in_staff(services, "agent.dupont", wrong, "198.51.100.24") is None
    assert failures(services) == [
        {"username": "agent.martin", "client": client, "reason": "wrong_password"},
        {"username": "agent.dupont", "client": "198.51.100.24", "reason": "unknown"},
    ]
    support.remove_staff(services, "agent.martin")
    assert support.sign_in_staff(services, "agent.martin", STAFF_PASSWORD, "198.51.100.25") is None
    assert failures(services)[-1] == {"username": "agent.martin", "client": "198.51.100.25", "reason": "removed"}
    for row in audit_rows(services):
        assert wrong not in row.detail + row.staff and STAFF_PASSWORD not in row.detail + row.staff


def test_throttled_staff_sign_ins_are_audited(staff_services: Services) -> None:
    services = staff_services
    client = "198.51.100.30"
    free = services.settings.login_free_failures
    for _ in range(free):
        assert support.sign_in_staff(services, "agent.martin", "Pervenche-Tonnerre-Galet-58", client) is None
    # Even the right password is refused while the delay runs, and that is audited too.
    assert support.sign_in_staff(services, "agent.martin", STAFF_PASSWORD, client) is None
    reasons = [row["reason"] for row in failures(services)]
    assert reasons == ["wrong_password"] * free + ["throttled"]


def test_a_successful_staff_sign_in_is_audited_with_its_client(staff_services: Services) -> None:
    identity = support.sign_in_staff(staff_services, "agent.martin", STAFF_PASSWORD, "198.51.100.40")
    assert identity == StaffIdentity("staff:agent.martin")
    (row,) = audit_rows(staff_services)
    assert (row.staff, row.action, json.loads(row.detail)) == (
        "staff:agent.martin",
        "sign_in",
        {"client": "198.51.100.40"},
    )


def test_a_hostile_user_name_is_audited_as_harmless_text(staff_services: Services) -> None:
    """Escape sequences and lone surrogates typed (or pasted) as a user name neither crash
    the sign-in nor reach whoever reads the audit."""
    services = staff_services
    typed = "\x1b]52;c;YWdlbnQ=\x07agent\ud800\u009b31m" + "x" * 200
    assert support.sign_in_staff(services, typed, "mot\udc00de-passe", "198.51.100.50") is None
    assert support.sign_in_staff(services, "agent.martin", "Glycine\ud800", "198.51.100.51") is None
    recorded = failures(services)
    username = str(recorded[0]["username"])
    assert recorded[0]["reason"] == "unknown" and recorded[1]["reason"] == "wrong_password"
    assert len(username) == 64
    assert username.startswith("\N{REPLACEMENT CHARACTER}]52;c;YWdlbnQ=\N{REPLACEMENT CHARACTER}agent?")
    assert not any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F or 0xD800 <= ord(c) <= 0xDFFF for c in username)


@pytest.mark.parametrize("name", ["Agent\x1b]0;pwned\x07", "Agent\u202eMartin", "Agent\nMartin"])
def test_a_staff_name_with_control_characters_is_refused(services: Services, name: str) -> None:
    with pytest.raises(AccountError, match=r"name: character U\+[0-9A-F]{4} not allowed"):
        support.add_staff(services, "agent.dubois", name, STAFF_PASSWORD)
    assert support.list_staff(services) == []


def test_a_staff_password_stored_at_older_parameters_is_stored_again(staff_services: Services) -> None:
    from domain.hashing import SecretHasher

    older = SecretHasher(time_cost=3, memory_kib=20480, parallelism=2).hash(STAFF_PASSWORD)
    with staff_services.uow() as uow:
        row = uow.session.exec(select(StaffAccount).where(StaffAccount.username == "agent.martin")).one()
        row.password_hash = older
        uow.session.add(row)
        uow.commit()
    assert support.sign_in_staff(staff_services, "agent.martin", STAFF_PASSWORD, "192.0.2.5") is not None
    with staff_services.uow() as uow:
        stored = uow.session.exec(
            select(StaffAccount.password_hash).where(StaffAccount.username == "agent.martin")
        ).one()
    assert stored != older and staff_services.hasher.verify(stored, STAFF_PASSWORD).rehash is None
    # a wrong password never rewrites the hash
    assert support.sign_in_staff(staff_services, "agent.martin", "Mauvais-Mot-De-Passe-2026", "192.0.2.5") is None
    with staff_services.uow() as uow:
        again = uow.session.exec(
            select(StaffAccount.password_hash).where(StaffAccount.username == "agent.martin")
        ).one()
    assert again == stored
