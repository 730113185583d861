"""domain.text: answer normalisation, email keys, safe display (SPEC §1, §6)."""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.text import (
    email_key,
    looks_like_email,
    normalise_answer,
    normalise_password,
    printable,
    strip_controls,
)

CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("  PAUL ", "Paul"),
        ("paul", "Paul"),
        ("Médor", "medor"),
        ("MÉDOR", "medor"),
        ("Me\u0301dor", "Médor"),  # NFD typed, NFC stored
        ("Ｐａｕｌ", "Paul"),  # fullwidth letters (NFKC)
        ("ﬁdèle", "fidele"),  # ligature (NFKC)
        ("Jean   Paul", "jean paul"),
        ("Jean\t \u00a0Paul", "Jean Paul"),  # tab, space, no-break space: one blank
        ("\n Jean-Paul \r\n", "jean-paul"),
        ("Straße", "STRASSE"),  # case folding, not lower()
        ("Hélène Çàéèêëïîôùû", "helene caeeeeiiouu"),
    ],
)
def test_normalise_answer_matches(typed: str, stored: str) -> None:
    assert normalise_answer(typed) == normalise_answer(stored)


def test_normalise_answer_exact_forms() -> None:
    assert normalise_answer("  PAUL ") == "paul"
    assert normalise_answer("Médor") == "medor"
    assert normalise_answer("  Jean \t\n  Paul  ") == "jean paul"


@pytest.mark.parametrize(("a", "b"), [("Paul", "Paula"), ("Paul", "Pau l"), ("Médor", "Medors")])
def test_normalise_answer_keeps_different_answers_different(a: str, b: str) -> None:
    assert normalise_answer(a) != normalise_answer(b)


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_normalise_answer_shape(text: str) -> None:
    out = normalise_answer(text)
    assert out == out.strip()
    assert "  " not in out
    assert not re.search(r"\s\s", out)
    assert not any(unicodedata.combining(c) for c in out)
    assert out == unicodedata.normalize("NFC", out)


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyzàâäçéèêëîïôöùûü -'", max_size=30))
def test_normalise_answer_is_case_insensitive_for_french_text(text: str) -> None:
    assert normalise_answer(text.upper()) == normalise_answer(text.lower())


def test_normalise_password_nfc() -> None:
    nfd = unicodedata.normalize("NFD", "Été-à-Noël")
    assert nfd != "Été-à-Noël"
    assert normalise_password(nfd) == "Été-à-Noël"


@pytest.mark.parametrize(
    "variant",
    ["lila.rosemonde@orange.fr", "LILA.ROSEMONDE@ORANGE.FR", "  Lila.Rosemonde@Orange.Fr  "],
)
def test_email_key_is_case_insensitive_and_trimmed(variant: str) -> None:
    assert email_key(variant) == "lila.rosemonde@orange.fr"


def test_email_key_nfc() -> None:
    assert email_key("ame\u0301lie@exemple.fr") == email_key("AMÉLIE@exemple.fr")


def test_email_key_distinguishes_different_addresses() -> None:
    assert email_key("paul@exemple.fr") != email_key("paula@exemple.fr")


@pytest.mark.parametrize(
    "text",
    [
        "\x1b[31mrouge\x1b[0m",
        "\x1b]0;titre\x07",
        "a\x9b31mb",  # C1 CSI
        "ligne\nligne\r\n",
        "tab\there",
        "nul\x00del\x7f",
        "sep\u2028par\u2029",
    ],
)
def test_printable_replaces_controls(text: str) -> None:
    out = printable(text)
    assert "\x1b" not in out
    assert not CONTROL.search(out)
    assert "\u2028" not in out and "\u2029" not in out
    assert len(out) == len(text)
    assert "\N{REPLACEMENT CHARACTER}" in out


def test_printable_keeps_ordinary_text() -> None:
    text = "Lila ROSEMONDE <lila.rosemonde@orange.fr> [bold]é€😀[/bold]"
    assert printable(text) == text


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_printable_never_leaves_a_control(text: str) -> None:
    out = printable(text)
    assert len(out) == len(text)
    assert not CONTROL.search(out)
    assert not CONTROL.search(strip_controls(text))


def test_strip_controls() -> None:
    assert strip_controls("abc\n\x1b[0mdef\t") == "abc[0mdef"


@pytest.mark.parametrize(
    "email",
    [
        "lila.rosemonde@orange.fr",
        "  hugo.martin@example.fr  ",
        "prenom.nom+tag@sous.domaine.fr",
        "a@b.co",
    ],
)
def test_looks_like_email_accepts(email: str) -> None:
    assert looks_like_email(email)


@pytest.mark.parametrize(
    "email",
    [
        "",
        "   ",
        "lila.rosemonde",
        "lila@orange",
        "@orange.fr",
        "lila@@orange.fr",
        "lila@or@ange.fr",
        "lila rosemonde@orange.fr",
        "lila@orange.fr\nx@y.fr",
        "lila\x1b[0m@orange.fr",
        "li\x00la@orange.fr",
        "x" * 65 + "@orange.fr",
        "x@" + "d" * 250 + ".fr",
        "amélie@exemple.fr",  # ASCII mailboxes only: an address shown is the address mail goes to
        "boss@evil.fr(.impots.gouv.fr)",
    ],
)
def test_looks_like_email_refuses(email: str) -> None:
    assert not looks_like_email(email)


@settings(max_examples=100, deadline=None)
@given(st.text())
def test_looks_like_email_never_raises(text: str) -> None:
    result = looks_like_email(text)
    if result:
        assert "@" in text and not CONTROL.search(text.strip())
