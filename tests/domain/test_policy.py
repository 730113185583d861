"""domain.policy.PasswordPolicy: the one password policy of every procedure (SPEC §2)."""

from __future__ import annotations

import random
import string
import unicodedata
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.i18n import Translator
from domain.policy import (
    LEVEL_NAMES,
    Findings,
    PasswordPolicy,
    Reason,
    Violation,
    add_years,
)
from domain.strength import StrengthLevel, personal_forms
from tests.domain.support import LILA_WORDS

POLICY = PasswordPolicy()
STRICT = PasswordPolicy(strict_charset=True)

STRONG_20 = "Kq9vLz2pWm7Rt4xNb8Hs"
"""Random-looking letters and digits: only its length can make it fail."""


def strong(length: int, seed: int = 0) -> str:
    """Random-looking ASCII letters and digits of the given length."""
    rng = random.Random(seed)
    return "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(length))


def check(password: str, confirmation: str | None = None, **kwargs) -> tuple[Reason, ...]:
    return POLICY.check(password, password if confirmation is None else confirmation, **kwargs).reasons


# --- length -----------------------------------------------------------------------------


def test_twenty_characters_accepted_nineteen_refused() -> None:
    assert len(STRONG_20) == 20
    accepted = POLICY.check(STRONG_20, STRONG_20)
    assert accepted.accepted
    assert accepted.level in (StrengthLevel.MOYEN, StrengthLevel.FORT)
    refused = POLICY.check(STRONG_20[:19], STRONG_20[:19])
    assert refused.reasons == (Reason.TOO_SHORT,)
    assert refused.violations[0].params == {"min": 20, "length": 19}


@pytest.mark.parametrize("seed", range(5))
def test_length_boundary_with_random_text(seed: int) -> None:
    assert check(strong(20, seed)) == ()
    assert check(strong(19, seed)) == (Reason.TOO_SHORT,)


def test_length_is_counted_after_nfc() -> None:
    nfc = "Bx7qLm2Wz9Rk4Tn8Vpé"  # 19 code points in NFC
    nfd = unicodedata.normalize("NFD", nfc)
    assert len(nfc) == 19 and len(nfd) == 20
    result = POLICY.check(nfd, nfd)
    assert Reason.TOO_SHORT in result.reasons
    assert result.violations[0].params == {"min": 20, "length": 19}
    assert POLICY.length(nfd) == 19
    # one more character makes it long enough in either form
    assert check(nfc + "x") == ()
    assert check(unicodedata.normalize("NFD", nfc + "x")) == ()


def test_maximum_length_128_accepted_129_refused() -> None:
    assert check(strong(128)) == ()
    result = POLICY.check(strong(129), strong(129))
    assert result.reasons == (Reason.TOO_LONG,)
    assert result.violations[0].params == {"max": 128, "length": 129}
    assert result.level is None  # no strength estimate on refused oversized input


def test_huge_input_refused_quickly() -> None:
    text = "x" * 1_000_000
    assert POLICY.check(text, text).reasons == (Reason.TOO_LONG,)


def test_configured_minimum_and_maximum() -> None:
    policy = PasswordPolicy(min_length=24, max_length=256)
    assert policy.check(strong(23), strong(23)).reasons == (Reason.TOO_SHORT,)
    assert policy.check(strong(24), strong(24)).accepted
    assert policy.check(strong(256), strong(256)).accepted
    assert policy.check(strong(257), strong(257)).reasons == (Reason.TOO_LONG,)


# --- characters ----------------------------------------------------------------------------


@pytest.mark.parametrize("control", ["\n", "\t", "\x1b", "\r", "\x00", "\x7f", "\x9b", "\u2028"])
def test_control_characters_refused(control: str) -> None:
    password = "Kq9vLz2pWm" + control + "7Rt4xNb8Hs"
    assert Reason.CONTROL_CHARACTER in check(password)
    assert Reason.CONTROL_CHARACTER in STRICT.check(password, password).reasons


@pytest.mark.parametrize(
    "password",
    [
        "Écureuil zébré, façade 42 ¡Olé!",
        "Été-à-Noël-Glycine-2023",
        "Kq9v Lz2p Wm7R t4xNb",
        "Kq9v!Lz2p#Wm7R$t4xN%",
        "Ωμέγα-Kq9vLz2pWm7Rt4",
        "🦊🌲Kq9vLz2pWm7Rt4xNb8",
    ],
)
def test_default_accepts_every_printable_character(password: str) -> None:
    assert check(password) == ()


@pytest.mark.parametrize(
    "password",
    [
        "Kq9v Lz2p Wm7R t4xNb8",  # space
        "Kq9vLz2pWm7Rt4xNb8Hé",  # accent
        "Kq9vLz2pWm7Rt4xNb8H!",  # punctuation
        "Kq9vLz2pWm7Rt4xNb8H-",
        "Kq9vLz2pWm7Rt4xNb8Hß",  # non-ASCII letter
        "Kq9vLz2pWm7Rt4xNb8H٣",  # non-ASCII digit
        "Kq9vLz2pWm7Rt4xNb8HＨ",  # fullwidth letter
    ],
)
def test_strict_refuses_all_but_ascii_letters_and_digits(password: str) -> None:
    assert STRICT.check(password, password).reasons == (Reason.NOT_LETTERS_AND_DIGITS,)


@pytest.mark.parametrize("seed", range(3))
def test_strict_accepts_ascii_letters_and_digits(seed: int) -> None:
    password = strong(24, seed)
    assert STRICT.check(password, password).accepted
    assert STRICT.check(STRONG_20, STRONG_20).accepted


@pytest.mark.parametrize("space", ["\u00a0", "\u202f"])
def test_no_break_space_is_not_a_control_character(space: str) -> None:
    password = f"Glycine{space}Orage{space}Violon{space}2023"
    assert check(password) == ()


# --- confirmation, strength, history ---------------------------------------------------------


def test_confirmation_mismatch() -> None:
    assert check(STRONG_20, STRONG_20 + "x") == (Reason.CONFIRMATION_MISMATCH,)
    assert check(STRONG_20, "") == (Reason.CONFIRMATION_MISMATCH,)
    assert check(STRONG_20, STRONG_20.lower()) == (Reason.CONFIRMATION_MISMATCH,)


def test_confirmation_compared_after_nfc() -> None:
    password = "Été-à-Noël-Glycine-2023"
    assert check(password, unicodedata.normalize("NFD", password)) == ()
    assert check(unicodedata.normalize("NFD", password), password) == ()


@pytest.mark.parametrize(
    ("password", "words"),
    [
        ("a" * 25, ()),
        ("motdepassemotdepasse", ()),
        ("azertyuiopqsdfghjklm", ()),
        ("12345678901234567890", ()),
        ("LilaRosemondePaul2023", LILA_WORDS),
        ("PaulLilaRosemonde20232990000101", LILA_WORDS),
    ],
)
def test_too_weak(password: str, words: tuple[str, ...]) -> None:
    result = POLICY.check(password, password, personal_words=words)
    assert result.reasons == (Reason.TOO_WEAK,)
    assert result.level is StrengthLevel.FAIBLE


def test_personal_words_make_a_password_weak() -> None:
    password = "LilaRosemondePaul2023"
    assert POLICY.strength(password) is not StrengthLevel.FAIBLE
    assert POLICY.strength(password, LILA_WORDS) is StrengthLevel.FAIBLE


def test_personal_words_are_split() -> None:
    words = personal_forms(["lila.rosemonde@orange.fr", "", "Jean-Paul Sartre"])
    assert "lila.rosemonde@orange.fr" in words
    assert {"lila", "rosemonde", "orange", "jean", "paul", "sartre", "jeanpaulsartre"} <= set(words)
    assert "" not in words and "fr" not in words  # parts under 3 characters are dropped


def test_levels_have_names() -> None:
    assert set(LEVEL_NAMES) == set(StrengthLevel)


SIXTEEN = "Kq9v!Lz2p#Wm7R$t"
"""16 characters the estimate rates Medium (10^16): refused for its length all the same."""


def test_the_meter_says_too_short_under_the_minimum_length() -> None:
    """Issue 13: the meter said « Moyen (accepté) » for a 16-character password that the
    policy then refused for its length. Under the minimum the meter says « too short »,
    refused, whatever the strength; from the minimum on, the strength level."""
    from domain.policy import METER_NAMES, MeterLevel

    assert len(SIXTEEN) == 16 and POLICY.strength(SIXTEEN) is StrengthLevel.MOYEN
    assert POLICY.meter(SIXTEEN) is MeterLevel.TOO_SHORT
    assert not MeterLevel.TOO_SHORT.accepted
    assert POLICY.check(SIXTEEN, SIXTEEN).meter is MeterLevel.TOO_SHORT
    assert POLICY.meter("") is None
    assert POLICY.meter("e\u0301" * 10) is MeterLevel.TOO_SHORT  # 20 code points, 10 after NFC
    strong = SIXTEEN + "-Kayak"
    assert POLICY.meter(strong) in (MeterLevel.MOYEN, MeterLevel.FORT)
    assert POLICY.meter(strong).accepted  # type: ignore[union-attr]
    assert POLICY.meter("a" * 20) is MeterLevel.FAIBLE and not MeterLevel.FAIBLE.accepted
    assert POLICY.check(strong, strong).meter is POLICY.meter(strong)
    assert set(METER_NAMES) == set(MeterLevel)
    t = Translator("fr")
    assert [t._(level.label) for level in MeterLevel] == ["Trop court", "Faible", "Moyen", "Fort"]


def test_same_as_previous() -> None:
    result = POLICY.check(STRONG_20, STRONG_20, is_previous=lambda text: text == STRONG_20)
    assert result.reasons == (Reason.SAME_AS_PREVIOUS,)


def test_nfc_and_nfd_are_the_same_password_for_history() -> None:
    previous = "Été-à-Noël-Glycine-2023"
    seen: list[str] = []

    def is_previous(text: str) -> bool:
        seen.append(text)
        return text == previous  # the history stores the NFC form

    nfd = unicodedata.normalize("NFD", previous)
    assert POLICY.check(nfd, nfd, is_previous=is_previous).reasons == (Reason.SAME_AS_PREVIOUS,)
    assert seen == [previous]


def test_history_only_checked_when_cheaper_rules_pass() -> None:
    calls: list[str] = []

    def is_previous(text: str) -> bool:
        calls.append(text)
        return True

    POLICY.check("short", "short", is_previous=is_previous)
    POLICY.check(STRONG_20, "other", is_previous=is_previous)
    POLICY.check("a" * 25, "a" * 25, is_previous=is_previous)
    assert calls == []


def test_several_violations_reported_together() -> None:
    reasons = check("a\tb", "x")
    assert set(reasons) == {
        Reason.TOO_SHORT,
        Reason.CONTROL_CHARACTER,
        Reason.CONFIRMATION_MISMATCH,
        Reason.TOO_WEAK,
    }


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_every_violation_has_a_message(lang: str) -> None:
    t = Translator(lang)
    for reason in Reason:
        message = Violation(reason, {"min": 20, "max": 128, "length": 7, "reasons": Findings(())}).message(t)
        assert message and "{" not in message
    assert "20" in Violation(Reason.TOO_SHORT, {"min": 20, "length": 19}).message(t)


# --- validity ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changed", "expires"),
    [
        (date(2023, 6, 5), date(2026, 6, 5)),
        (date(2024, 2, 29), date(2027, 2, 28)),
        (date(2024, 12, 31), date(2027, 12, 31)),
        (date(2025, 1, 1), date(2028, 1, 1)),
        (date(2025, 2, 28), date(2028, 2, 28)),
    ],
)
def test_expires_on_three_years(changed: date, expires: date) -> None:
    assert POLICY.expires_on(changed) == expires


def test_add_years() -> None:
    assert add_years(date(2024, 2, 29), 4) == date(2028, 2, 29)
    assert add_years(date(2024, 2, 29), 1) == date(2025, 2, 28)
    assert PasswordPolicy(validity_years=1).expires_on(date(2023, 6, 5)) == date(2024, 6, 5)


# --- properties -------------------------------------------------------------------------------

PRINTABLE = st.characters(
    blacklist_categories=("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp", "Zs"),
) | st.just(" ")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=PRINTABLE, min_size=20, max_size=120))
def test_every_printable_password_gets_a_level(password: str) -> None:
    result = POLICY.check(password, password)
    assert isinstance(result.level, StrengthLevel)
    assert Reason.CONTROL_CHARACTER not in result.reasons
    assert Reason.CONFIRMATION_MISMATCH not in result.reasons
    assert result.accepted == (result.level is not StrengthLevel.FAIBLE) or (Reason.TOO_SHORT in result.reasons)


@settings(max_examples=80, deadline=None)
@given(st.text(max_size=200), st.text(max_size=50))
def test_check_never_raises(password: str, confirmation: str) -> None:
    result = POLICY.check(password, confirmation, personal_words=(confirmation,))
    assert isinstance(result.reasons, tuple)
    STRICT.check(password, password)


@settings(max_examples=40, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=()), max_size=60))
def test_check_never_raises_on_surrogates_and_unassigned(password: str) -> None:
    result = POLICY.check(password, password)
    if any(unicodedata.category(c) in ("Cs", "Cc") for c in password):
        assert Reason.CONTROL_CHARACTER in result.reasons
