"""domain.hashing: Argon2id at or above OWASP's floor (SPEC §1)."""

from __future__ import annotations

import re

import pytest
from argon2 import extract_parameters

from domain.hashing import (
    OWASP_MIN_MEMORY_KIB,
    OWASP_MIN_TIME_COST,
    SecretHasher,
    UnusableSecret,
    Verification,
    usable_secret,
)
from domain.settings import InvalidSettings, load_settings

PHC = re.compile(r"^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$")


@pytest.fixture(scope="module")
def hasher() -> SecretHasher:
    return SecretHasher(time_cost=2, memory_kib=19456, parallelism=1)


def test_phc_string(hasher: SecretHasher) -> None:
    stored = hasher.hash("Glycine-Orage-Violon-2023")
    assert stored.startswith("$argon2id$")
    match = PHC.match(stored)
    assert match, stored
    memory, time_cost, _lanes = (int(g) for g in match.groups())
    assert memory >= 19456
    assert time_cost >= 2
    assert "Glycine" not in stored


def test_salted(hasher: SecretHasher) -> None:
    assert hasher.hash("paul") != hasher.hash("paul")


def test_verify_right_and_wrong(hasher: SecretHasher) -> None:
    stored = hasher.hash("Glycine-Orage-Violon-2023")
    assert hasher.verify(stored, "Glycine-Orage-Violon-2023").ok
    assert hasher.verify(stored, "Glycine-Orage-Violon-2023").rehash is None
    assert not hasher.verify(stored, "glycine-orage-violon-2023").ok
    assert not hasher.verify(stored, "").ok


@pytest.mark.parametrize("stored", ["", "not a hash", "$argon2id$v=19$m=19456,t=2,p=1$xx$yy", "$2b$12$abc"])
def test_verify_garbage_is_a_mismatch(hasher: SecretHasher, stored: str) -> None:
    assert not hasher.verify(stored, "paul").ok


def test_unicode_secret(hasher: SecretHasher) -> None:
    stored = hasher.hash("Médor 🦊")
    assert hasher.verify(stored, "Médor 🦊").ok
    assert not hasher.verify(stored, "Medor 🦊").ok


@pytest.mark.parametrize(
    "older",
    [
        {"time_cost": 3, "memory_kib": 19456, "parallelism": 1},
        {"time_cost": 2, "memory_kib": 20480, "parallelism": 1},
        {"time_cost": 2, "memory_kib": 19456, "parallelism": 2},
    ],
)
def test_rehash_when_parameters_changed(hasher: SecretHasher, older: dict[str, int]) -> None:
    stored = SecretHasher(**older).hash("Glycine-Orage-Violon-2023")
    result = hasher.verify(stored, "Glycine-Orage-Violon-2023")
    assert result.ok
    assert result.rehash is not None
    assert result.rehash.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert hasher.verify(result.rehash, "Glycine-Orage-Violon-2023").rehash is None
    # a wrong secret never produces a rehash
    assert hasher.verify(stored, "wrong").rehash is None


@pytest.mark.parametrize(
    "params",
    [
        {"time_cost": 1, "memory_kib": 19456, "parallelism": 1},
        {"time_cost": 2, "memory_kib": 19455, "parallelism": 1},
        {"time_cost": 0, "memory_kib": 1024, "parallelism": 1},
    ],
)
def test_constructor_refuses_below_owasp_floor(params: dict[str, int]) -> None:
    with pytest.raises(ValueError):
        SecretHasher(**params)


def test_floor_constants() -> None:
    assert OWASP_MIN_MEMORY_KIB == 19456
    assert OWASP_MIN_TIME_COST == 2


@pytest.mark.parametrize("override", [{"argon2_memory_kib": 8192}, {"argon2_time_cost": 1}])
def test_settings_refuse_below_owasp_floor(tmp_path, override: dict[str, int]) -> None:
    with pytest.raises(InvalidSettings):
        load_settings(data_dir=tmp_path, **override)


def test_verify_dummy_does_not_raise(hasher: SecretHasher) -> None:
    hasher.verify_dummy("anything")
    hasher.verify_dummy("")


UNUSABLE = ["\ud800", "Mé\udfffdor", "Paul\x00", "\x1b[2J", "\x9b31m", "\x7f"]


@pytest.mark.parametrize("secret", UNUSABLE)
def test_hash_refuses_unusable_secrets(hasher: SecretHasher, secret: str) -> None:
    assert not usable_secret(secret)
    with pytest.raises(UnusableSecret) as refused:
        hasher.hash(secret)
    assert secret not in str(refused.value)


@pytest.mark.parametrize("secret", UNUSABLE)
def test_unusable_secrets_never_match_and_never_raise(hasher: SecretHasher, secret: str) -> None:
    stored = hasher.hash("Paul")
    assert hasher.verify(stored, secret) == Verification(ok=False)
    assert hasher.verify("not a hash", secret) == Verification(ok=False)
    hasher.verify_dummy(secret)
    hasher.verify_dummy(secret, like=stored)


@pytest.mark.parametrize("secret", ["Médor 🦊", "espace\u00a0insécable", "emoji 👩\u200d💻", "Ωmega"])
def test_typed_text_is_usable(hasher: SecretHasher, secret: str) -> None:
    assert usable_secret(secret)
    assert hasher.verify(hasher.hash(secret), secret).ok


def test_dummy_like_has_the_parameters_of_the_stored_hash(hasher: SecretHasher) -> None:
    older = SecretHasher(time_cost=3, memory_kib=20480, parallelism=2).hash("Paul")
    dummy = hasher.dummy_like(older)
    assert extract_parameters(dummy) == extract_parameters(older)
    assert dummy != older and not hasher.verify(dummy, "Paul").ok
    assert hasher.dummy_like(older) is dummy  # made once per parameter set
    current = extract_parameters(hasher.hash("x"))
    for stored in (None, "", "not a hash", "$2b$12$abc", "$argon2id$v=19$m=19456,t=2,p=1$xx$yy"):
        assert extract_parameters(hasher.dummy_like(stored)) == current
