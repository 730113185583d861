"""``accounts import`` at operator scale: hashes from another system (Argon2id, bcrypt in
PHC format) imported as they are and re-hashed at the first login; secrets hashed on every
core with progress; duplicates looked up in batches. Never a secret or hash in a reason."""

from __future__ import annotations

import threading

import bcrypt
import pytest
from argon2 import PasswordHasher, Type

from domain import admin, usecases
from domain.accounts import AccountError
from domain.hashing import importable_hash
from domain.registration import register_all
from domain.services import Services
from domain.text import normalise_answer
from tests.domain.support import account, current_hash

HEADER = "subscriber_number;last_name;first_name;email;security_question;{secrets}\n"
OLD_PASSWORD = "Ancien-Systeme-Mot-De-Passe-2019"
LONG_PASSWORD = "Une phrase de passe très longue venue d'un autre système, bien au-delà de 72 octets !"
ANSWER = "Médor"


def bcrypt_hash(secret: str) -> str:
    return bcrypt.hashpw(secret.encode()[:72], bcrypt.gensalt(rounds=10)).decode()


def weak_argon2(secret: str) -> str:
    """Another system's Argon2id, at parameters below today's (re-hashed at first use)."""
    return PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1, type=Type.ID).hash(secret)


def line(number: int, email: str, *secrets: str) -> str:
    return f"{20240000000000 + number};NOM;Jo;{email};Le nom de votre chien ?;{';'.join(secrets)}\n"


def test_hashes_from_another_system_are_imported_then_rehashed_at_first_use(services: Services) -> None:
    text = HEADER.format(secrets="password_hash;security_answer_hash") + "".join(
        [
            line(1, "bcrypt@exemple.fr", bcrypt_hash(OLD_PASSWORD), weak_argon2(normalise_answer(ANSWER))),
            line(2, "argon@exemple.fr", weak_argon2(OLD_PASSWORD), bcrypt_hash(normalise_answer(ANSWER))),
            line(3, "long@exemple.fr", bcrypt_hash(LONG_PASSWORD), bcrypt_hash(normalise_answer(ANSWER))),
        ]
    )
    report = admin.import_csv(services, text)
    assert report.errors == [] and len(report.imported) == 3
    for number, (email, password) in enumerate(
        [("bcrypt@exemple.fr", OLD_PASSWORD), ("argon@exemple.fr", OLD_PASSWORD), ("long@exemple.fr", LONG_PASSWORD)]
    ):
        client = f"192.0.2.{number}"
        imported = current_hash(services, email)
        assert imported.startswith(("$2b$", "$argon2id$v=19$m=8192"))
        # (bcrypt reads 72 bytes, as the system that made the hash did: a wrong password
        # differs within them here; after the first login the whole password counts)
        wrong = usecases.log_in(services, email=email, password="x" + password, client_address=client)
        assert wrong.status is usecases.PasswordStatus.INVALID
        assert current_hash(services, email) == imported  # nothing re-hashed on a failure
        ok = usecases.log_in(services, email=email, password=password, client_address=client)
        assert ok.status is usecases.PasswordStatus.OK, email
        rehashed = current_hash(services, email)
        assert rehashed.startswith(f"$argon2id$v=19$m={services.settings.argon2_memory_kib},")
        checked = usecases.answer_question(services, email=email, answer="  MEDOR ", client_address=client)
        assert checked.status is usecases.AnswerStatus.OK
        assert account(services, email).security_answer_hash.startswith("$argon2id$v=19$m=19456,")


@pytest.mark.parametrize(
    ("secrets", "values", "reason"),
    [
        ("password_hash;security_answer", ["$1$md5$notsupported", ANSWER], "password hash: not an Argon2id or bcrypt"),
        ("password_hash;security_answer", ["$argon2id$v=19$m=abc", ANSWER], "password hash: a damaged Argon2id hash"),
        ("password;password_hash;security_answer", [OLD_PASSWORD, bcrypt_hash(OLD_PASSWORD), ANSWER], "not both"),
        ("password;password_hash;security_answer", ["", "", ANSWER], "password: required"),
        ("password;security_answer_hash", [OLD_PASSWORD, "plain"], "security answer hash: not an Argon2id"),
    ],
)
def test_unusable_hashes_are_refused_by_line_without_quoting_them(
    services: Services, secrets: str, values: list[str], reason: str
) -> None:
    report = admin.import_csv(services, HEADER.format(secrets=secrets) + line(1, "x@exemple.fr", *values))
    assert report.imported == []
    ((number, said),) = report.errors
    assert number == 2 and reason in said
    assert all(value not in said for value in values if len(value) > 4)


def test_a_file_with_neither_column_says_which_are_missing(services: Services) -> None:
    report = admin.import_csv(services, HEADER.format(secrets="password") + line(1, "x@exemple.fr", OLD_PASSWORD))
    assert report.errors == [(1, "missing columns: security_answer or security_answer_hash")]


def test_secrets_are_hashed_on_every_core_with_progress(services: Services) -> None:
    threads: set[int] = set()
    real = services.hasher.hash

    def spy(secret: str) -> str:
        threads.add(threading.get_ident())
        return real(secret)

    services.hasher.hash = spy  # type: ignore[method-assign]
    seen: list[tuple[int, int]] = []
    rows = "".join(line(n, f"u{n}@exemple.fr", f"Glycine-Orage-Violon-{n:04d}-ok", ANSWER) for n in range(6))
    report = admin.import_csv(
        services, HEADER.format(secrets="password;security_answer") + rows, progress=lambda d, t: seen.append((d, t))
    )
    assert report.errors == [] and len(report.imported) == 6
    assert seen == [(n, 6) for n in range(1, 7)]
    assert len(threads) >= 2 and threading.get_ident() not in threads


def test_duplicates_are_found_across_batches(services: Services, demo) -> None:  # type: ignore[no-untyped-def]
    lila = next(email for email in demo if email.startswith("lila"))
    rows, _ = admin.parse_csv(
        HEADER.format(secrets="password;security_answer")
        + "".join(line(n, f"u{n}@exemple.fr", f"Glycine-Orage-Violon-{n:04d}-ok", ANSWER) for n in range(4))
        + line(9, lila, "Glycine-Orage-Violon-9999-ok", ANSWER)
    )
    errors = admin.check_rows(services, rows, batch=2)
    assert errors == [(6, "email: an account already uses this address")]


def test_importable_hash_formats() -> None:
    assert importable_hash(bcrypt_hash("x")) is None
    assert importable_hash(weak_argon2("x")) is None
    assert importable_hash("$argon2i$v=19$m=8192,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo") is not None
    assert importable_hash("$2b$99$" + "a" * 53) is not None
    cheap = bcrypt.hashpw(b"x", bcrypt.gensalt(rounds=4)).decode()
    assert importable_hash(cheap) == "a bcrypt cost outside 10 to 14"
    huge = "$argon2id$v=19$m=4194304,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g"
    assert importable_hash(huge) == "Argon2id parameters above 256 MiB, 10 passes or 8 lanes"


def test_an_account_made_meanwhile_refuses_the_whole_import_in_one_line(services: Services) -> None:
    text = HEADER.format(secrets="password;security_answer") + "".join(
        line(n, f"u{n}@exemple.fr", f"Glycine-Orage-Violon-{n:04d}-ok", ANSWER) for n in range(3)
    )
    rows, errors = admin.parse_csv(text)
    assert errors == [] and admin.check_rows(services, rows) == []
    # another operator creates the second account while this import is hashing
    register_all(services, [rows[1].registration()], checked=True)
    with pytest.raises(AccountError, match="already uses this address") as refused:
        register_all(services, [row.registration() for row in rows], checked=True)
    assert "Glycine" not in str(refused.value)
    assert [card.email for card in admin.list_cards(services)] == ["u1@exemple.fr"]
