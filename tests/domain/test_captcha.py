"""domain.captcha: random, single use, short-lived, case-insensitive, spelled out (SPEC §3.1)."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from domain.captcha import (
    ALPHABET,
    FALLBACK_FONT,
    FONTS,
    LOOK_ALIKES,
    MAX_WIDTH,
    SPELLING,
    Captcha,
    CaptchaChallenge,
    CaptchaVerdict,
    image_width,
    render,
)
from domain.clock import SettableClock
from domain.i18n import Translator
from tests.domain.support import START

TTL = timedelta(minutes=3)


@pytest.fixture
def captcha(clock: SettableClock) -> Captcha:
    return Captcha(clock=clock, rng=random.Random(1), length=6, ttl=TTL)


def test_solution_shape(captcha: Captcha) -> None:
    for _ in range(50):
        challenge = captcha.refresh()
        assert len(challenge.solution) == 6
        assert set(challenge.solution) <= set(ALPHABET)
        assert challenge.font in FONTS


def test_alphabet_has_no_lookalikes() -> None:
    assert not set("0O1IL") & set(ALPHABET)
    assert set(SPELLING) == set(ALPHABET)
    # issue 12: the fonts draw 2 and Z, 7 and T (or 1, or Z), 5 and S, 8 and B alike
    for pair in (("2", "Z"), ("7", "T"), ("7", "1"), ("7", "Z"), ("5", "S"), ("8", "B")):
        assert pair in LOOK_ALIKES or pair[::-1] in LOOK_ALIKES
    for a, b in LOOK_ALIKES:
        assert not (a in ALPHABET and b in ALPHABET), (a, b)
    assert len(set(ALPHABET)) == len(ALPHABET) >= 26  # 6 characters: more than 2^28 solutions


def test_correct_answer_works_once(captcha: Captcha) -> None:
    text = captcha.current.solution
    assert captcha.check(text)
    assert captcha.current.solution != text  # seed 1 draws a different one
    assert not captcha.check(text)
    # whatever the answer, a checked challenge is replaced
    serial = captcha.current.serial
    captcha.check("nope")
    assert captcha.current.serial == serial + 1


def test_second_check_of_the_same_text_fails(clock: SettableClock) -> None:
    for seed in range(20):
        captcha = Captcha(clock=clock, rng=random.Random(seed), length=6, ttl=TTL)
        text = captcha.current.solution
        assert captcha.check(text)
        if captcha.current.solution != text:
            assert not captcha.check(text)


def test_wrong_answer_refused_and_replaced(captcha: Captcha) -> None:
    first = captcha.current
    assert not captcha.check("")
    assert not captcha.check(first.solution)  # the old one is gone
    assert captcha.current.serial == first.serial + 2


def test_expiry(clock: SettableClock, captcha: Captcha) -> None:
    clock.advance(TTL - timedelta(seconds=1))
    assert not captcha.expired()
    assert captcha.check(captcha.current.solution)
    current = captcha.current
    clock.advance(TTL + timedelta(seconds=1))
    assert captcha.expired()
    assert not captcha.check(current.solution)
    # the new challenge is drawn now and valid
    assert not captcha.expired()
    assert captcha.check(captcha.current.solution)


@pytest.mark.parametrize("transform", [str.lower, lambda s: " ".join(s), lambda s: f"  {s.lower()}\t"])
def test_case_insensitive_blanks_ignored(captcha: Captcha, transform) -> None:
    assert captcha.check(transform(captcha.current.solution))


def test_partial_answer_refused(captcha: Captcha) -> None:
    assert not captcha.check(captcha.current.solution[:-1])
    assert not captcha.check(captcha.current.solution + "A")


def test_refresh_draws_a_new_one(captcha: Captcha) -> None:
    first = captcha.current
    second = captcha.refresh()
    assert second is captcha.current
    assert second.serial == first.serial + 1
    solutions = {captcha.refresh().solution for _ in range(10)}
    assert len(solutions) > 1
    if second.solution != first.solution:
        assert not captcha.check(first.solution)


def test_refresh_restarts_the_ttl(clock: SettableClock, captcha: Captcha) -> None:
    clock.advance(TTL + timedelta(seconds=5))
    assert captcha.expired()
    captcha.refresh()
    assert not captcha.expired()
    assert captcha.check(captcha.current.solution)


def test_disabled_accepts_anything(clock: SettableClock) -> None:
    captcha = Captcha(clock=clock, rng=random.Random(1), enabled=False)
    assert captcha.check("")
    assert captcha.check("whatever")


def test_same_seed_same_challenges(clock: SettableClock) -> None:
    a = Captcha(clock=clock, rng=random.Random(5))
    b = Captcha(clock=clock, rng=random.Random(5))
    assert (a.current.solution, a.current.font) == (b.current.solution, b.current.font)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_spelled_names_every_character(lang: str) -> None:
    t = Translator(lang)
    challenge = CaptchaChallenge(1, ALPHABET, "standard", START)
    spelled = challenge.spelled(t)
    items = spelled.split(", ")
    assert len(items) == len(ALPHABET)
    assert items == [t._(SPELLING[c]) for c in ALPHABET]
    assert len(set(items)) == len(items)  # no two characters spelled alike
    for char, item in zip(ALPHABET, items, strict=True):
        assert item.strip()
        if char.isalpha():
            assert item.startswith(char)


def test_spelled_english_words() -> None:
    t = Translator("en")
    challenge = CaptchaChallenge(1, "K6QF92", "standard", START)
    assert challenge.spelled(t) == ("K as in Kilo, digit six, Q as in Quebec, F as in Foxtrot, digit nine, digit two")


def test_repr_never_contains_the_solution(captcha: Captcha) -> None:
    for _ in range(20):
        challenge = captcha.refresh()
        assert challenge.solution not in repr(challenge)
        assert challenge.solution not in str(challenge)
        assert challenge.solution not in repr(captcha.current)


@pytest.mark.parametrize("font", FONTS)
def test_image_height(font: str) -> None:
    for text in ["AAAAAA", "QQQQQQ", "WWWWWW", "JJJJJJ", "K7QF92"]:
        lines = CaptchaChallenge(1, text, font, START).image().split("\n")
        assert len(lines) <= 6, (font, text)
        assert all(line == line.rstrip() for line in lines)


def test_image_of_drawn_challenges_is_small(clock: SettableClock) -> None:
    """What users actually get, over many random draws: at most 6 lines."""
    captcha = Captcha(clock=clock, rng=random.Random(3), length=6, ttl=TTL)
    for _ in range(150):
        lines = captcha.refresh().image().split("\n")
        assert len(lines) <= 6


IMAGE_WIDTH_BUGS = [
    ("thick", "KAWYW8"),  # 69 columns
    ("slant", "8AZRWW"),  # 65 columns
    ("standard", "WWWWWW"),  # 77 columns
    ("thick", "WWWWWW"),  # 92 columns
]


@pytest.mark.parametrize(("font", "text"), IMAGE_WIDTH_BUGS)
def test_wide_drawings_fall_back_to_a_font_that_fits(font: str, text: str) -> None:
    """Some fonts draw W, M, A too wide for 80 columns: such a draw uses the fallback font."""
    assert image_width(render(text, font)) > MAX_WIDTH
    assert image_width(render(text, FALLBACK_FONT)) <= MAX_WIDTH


def test_every_drawn_image_fits_60_columns() -> None:
    clock = SettableClock(START)
    captcha = Captcha(clock=clock, rng=random.Random(5), length=6)
    for _ in range(300):
        challenge = captcha.refresh()
        assert image_width(challenge.image()) <= 60, (challenge.font, challenge.solution)
    assert image_width(render("WWWWWW", FALLBACK_FONT)) <= 60


@pytest.mark.parametrize("font", ["small", "smslant", "ogre", "rectangles"])
def test_image_width_of_typical_solutions(font: str) -> None:
    rng = random.Random(11)
    for _ in range(40):
        text = "".join(rng.choice(ALPHABET) for _ in range(6))
        lines = CaptchaChallenge(1, text, font, START).image().split("\n")
        assert max(len(line) for line in lines) <= 60, (font, text)


def test_image_is_text_and_differs_by_solution() -> None:
    a = CaptchaChallenge(1, "ABCDEF", "standard", START).image()
    b = CaptchaChallenge(1, "GHJKMN", "standard", START).image()
    assert a != b
    assert "\x1b" not in a
    assert "ABCDEF" not in a


def test_spelled_in_french_is_french() -> None:
    challenge = CaptchaChallenge(1, ALPHABET, "standard", START)
    french = challenge.spelled(Translator("fr")).split(", ")
    english = challenge.spelled(Translator("en")).split(", ")
    assert all(fr != en for fr, en in zip(french, english, strict=True))
    assert CaptchaChallenge(1, "K6", "standard", START).spelled(Translator("fr")).startswith("K ")


def test_the_lifetime_counts_from_the_first_display(clock: SettableClock, captcha: Captcha) -> None:
    """Issue 12: a CAPTCHA drawn at the session's start and shown ten minutes later (the
    user read the sheet first) is valid for its whole lifetime once shown; showing it
    again does not extend it."""
    clock.advance(timedelta(minutes=10))
    captcha.shown()
    clock.advance(TTL - timedelta(seconds=1))
    assert captcha.verdict(captcha.current.solution) is CaptchaVerdict.RIGHT
    captcha.shown()  # the next one
    clock.advance(TTL - timedelta(seconds=1))
    captcha.shown()  # shown again: its lifetime still counts from the first display
    clock.advance(timedelta(seconds=2))
    assert captcha.verdict(captcha.current.solution) is CaptchaVerdict.EXPIRED


def test_an_expired_code_is_told_apart_from_a_wrong_one(clock: SettableClock, captcha: Captcha) -> None:
    captcha.shown()
    assert captcha.verdict("nope") is CaptchaVerdict.WRONG
    captcha.shown()
    clock.advance(TTL + timedelta(seconds=1))
    assert captcha.verdict(captcha.current.solution) is CaptchaVerdict.EXPIRED
    captcha.shown()
    assert captcha.verdict(captcha.current.solution) is CaptchaVerdict.RIGHT
