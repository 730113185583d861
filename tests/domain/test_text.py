"""domain.text: answer normalisation, email keys, safe display (SPEC §1, §6)."""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.text import (
    email_key,
    forbidden_character,
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


UNSAFE_TO_SHOW = re.compile(
    "[\x00-\x1f\x7f-\x9f\u00ad\u061c\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff\u2028\u2029\ud800-\udfff]"
)
"""Controls (ESC, CSI, OSC, DCS, BEL…), bidi controls, zero-width characters, separators,
lone surrogates: what no displayed text may hold."""


@pytest.mark.parametrize(
    "text",
    [
        "\x1b]52;c;aGVsbG8=\x07",  # OSC 52: writes the terminal's clipboard
        "\x1bP$q m\x1b\\",  # DCS DECRQSS: the terminal types its answer
        "\x9d0;titre\x9c",  # C1 OSC … ST
        "\x90$q m\x9c",  # C1 DCS
        "nom\u202etxt.exe",  # right-to-left override
        "a\u2066b\u2067c\u2068d\u2069",  # isolates
        "a\u202ab\u202bc\u202cd\u202d",  # embeddings, pop, left-to-right override
        "a\u200eb\u200fc\u061cd",  # bidi marks
        "zéro\u200blargeur\u200c\u200d\u2060\ufeff",  # zero-width characters
        "mot\u00adcoupé",  # soft hyphen
        "étiquette\U000e0041",  # tag character
        "moitié\udcff\ud800",  # lone surrogates (invalid bytes decoded with surrogateescape)
    ],
)
def test_printable_replaces_every_sequence_starter_and_invisible_character(text: str) -> None:
    out = printable(text)
    assert not UNSAFE_TO_SHOW.search(out), repr(out)
    assert len(out) == len(text)
    out.encode("utf-8")  # no lone surrogate left: it can be written anywhere


def test_printable_lines_keeps_line_feeds_and_tabs_only() -> None:
    assert printable("a\nb\tc", lines=True) == "a\nb\tc"
    assert printable("a\r\nb\x1b[2J\x85c\u2028", lines=True) == "a\ufffd\nb\ufffd[2J\ufffdc\ufffd"
    assert printable("a\nb") == "a\ufffdb"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(exclude_categories=())), st.booleans())
def test_printable_output_is_always_inert(text: str, lines: bool) -> None:
    out = printable(text, lines=lines)
    assert len(out) == len(text)
    out.encode("utf-8")
    allowed = "\n\t" if lines else ""
    assert all(unicodedata.category(c) not in ("Cc", "Cf", "Cs", "Zl", "Zp") or c in allowed for c in out)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("DU\x1b]52;c;aGk=\x07PONT", "U+001B"),
        ("Jean\tPaul", "U+0009"),
        ("1 rue X\n75002 Paris", "U+000A"),
        ("1 rue X\r", "U+000D"),
        ("nul\x00", "U+0000"),
        ("del\x7f", "U+007F"),
        ("csi\x9b31m", "U+009B"),
        ("nel\x85", "U+0085"),
        ("Amélie\u202eeilémA", "U+202E"),
        ("a\u2066b", "U+2066"),
        ("a\u200fb", "U+200F"),
        ("a\u061cb", "U+061C"),
        ("zéro\u200blargeur", "U+200B"),
        ("joint\u200d", "U+200D"),
        ("mot\u2060joint", "U+2060"),
        ("\ufeffBOM", "U+FEFF"),
        ("ligne\u2028", "U+2028"),
        ("moitié\udcff", "U+DCFF"),
        ("privé\ue000", "U+E000"),
        ("non assigné\U000e0fff", "U+E0FFF"),
    ],
)
def test_forbidden_character_names_the_first_one(text: str, code: str) -> None:
    assert forbidden_character(text) == code


@pytest.mark.parametrize(
    "text",
    [
        "ROSEMONDE",
        "Amélie-Françoise d'Estrées",
        "Me\u0301dor",  # NFD: combining accent
        "1\u00a0rue de la Paix, 75002\u202fParis",  # no-break spaces
        "Le prénom de votre conjoint(e) ?",
        "Ōtsuka 大塚 — Müller Ñúñez",
        "عبد الله",  # right-to-left letters are text, not controls
        "😀 +33 1 02 03 04 05",
        "",
    ],
)
def test_forbidden_character_accepts_ordinary_text(text: str) -> None:
    assert forbidden_character(text) is None
