"""CAPTCHA: random, single use, short-lived, case-insensitive, with a spelled alternative.

The image is drawn with FIGlet fonts (pyfiglet), one font drawn at random per challenge.
The accessible alternative spells each character out in words in the session's language
(the web version offers an audio extract instead).
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import random
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

import pyfiglet

from domain.clock import Clock
from domain.i18n import N_, Translator

LOOK_ALIKES: tuple[tuple[str, str], ...] = (
    ("0", "O"),
    ("0", "D"),
    ("O", "D"),
    ("O", "Q"),
    ("1", "I"),
    ("1", "L"),
    ("I", "L"),
    ("1", "7"),
    ("1", "T"),
    ("7", "T"),
    ("2", "Z"),
    ("7", "Z"),
    ("5", "S"),
    ("8", "B"),
)
"""Pairs of characters that the FIGlet fonts of :data:`FONTS` (or terminal fonts) draw
alike: ``small`` draws Z and 2 the same, ``smslant`` and ``rectangles`` draw 7 as a T
(and ``smslant`` as a Z), ``smslant`` 8 as a B, ``rectangles`` 5 as an S. The alphabet
holds at most one character of each pair."""

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXY23469"
"""Without 0, O, 1, I, L, 7, Z, 5 and 8 (see :data:`LOOK_ALIKES`): 27 characters, so
that 6 of them still make about 2^28.5 solutions."""

FONTS = ("standard", "small", "smslant", "slant", "ogre", "thick", "rectangles")
"""FIGlet fonts at most 6 rows high. Wide characters (W, M) can make some too wide for
80 columns: a challenge is drawn in a font where its image fits :data:`MAX_WIDTH`."""

FALLBACK_FONT = "rectangles"
"""Six of its widest characters take 52 columns: it always fits."""

MAX_WIDTH = 60

SPELLING: dict[str, str] = {
    "A": N_("A as in Alpha"),
    "B": N_("B as in Bravo"),
    "C": N_("C as in Charlie"),
    "D": N_("D as in Delta"),
    "E": N_("E as in Echo"),
    "F": N_("F as in Foxtrot"),
    "G": N_("G as in Golf"),
    "H": N_("H as in Hotel"),
    "J": N_("J as in Juliett"),
    "K": N_("K as in Kilo"),
    "M": N_("M as in Mike"),
    "N": N_("N as in November"),
    "P": N_("P as in Papa"),
    "Q": N_("Q as in Quebec"),
    "R": N_("R as in Romeo"),
    "S": N_("S as in Sierra"),
    "T": N_("T as in Tango"),
    "U": N_("U as in Uniform"),
    "V": N_("V as in Victor"),
    "W": N_("W as in Whiskey"),
    "X": N_("X as in X-ray"),
    "Y": N_("Y as in Yankee"),
    "2": N_("digit two"),
    "3": N_("digit three"),
    "4": N_("digit four"),
    "6": N_("digit six"),
    "9": N_("digit nine"),
}


@functools.cache
def _figlet(font: str) -> pyfiglet.Figlet:
    return pyfiglet.Figlet(font=font, width=200)


NARROW_FONT = "small"
"""The font of the narrowest form of a drawing (see :meth:`CaptchaChallenge.images`)."""


@functools.lru_cache(maxsize=64)
def render(solution: str, font: str, gap: str = " ") -> str:
    art = _figlet(font).renderText(gap.join(solution))
    lines = [line.rstrip() for line in art.rstrip().split("\n")]
    while lines and not lines[0]:  # some fonts start with an empty row: a row of screen saved
        lines.pop(0)
    return "\n".join(lines)


def image_width(image: str) -> int:
    return max((len(line) for line in image.split("\n")), default=0)


@dataclass(frozen=True, slots=True)
class CaptchaChallenge:
    serial: int
    solution: str
    font: str
    drawn_at: datetime
    shown_at: datetime | None = None
    """When a front end first showed it: its lifetime counts from then (from its drawing
    until it is shown)."""

    @property
    def started_at(self) -> datetime:
        return self.shown_at or self.drawn_at

    def image(self) -> str:
        return render(self.solution, self.font)

    def images(self) -> tuple[str, ...]:
        """The drawing in narrower forms, widest first, for a front end to take the widest
        that fits its width: the challenge's font, its letters closer, then the ``small``
        font with its letters close (29 columns for six of its widest characters)."""
        forms = (render(self.solution, self.font), render(self.solution, self.font, gap=""))
        return (*forms, render(self.solution, NARROW_FONT, gap=""))

    def spelled(self, t: Translator) -> str:
        return ", ".join(t._(SPELLING[c]) for c in self.solution)

    def __repr__(self) -> str:  # never show the solution in a log or a traceback
        return f"CaptchaChallenge(serial={self.serial}, font={self.font!r})"


class CaptchaVerdict(enum.Enum):
    RIGHT = "right"
    WRONG = "wrong"
    EXPIRED = "expired"
    """Right or not, typed after its lifetime (counted from its display)."""


class Captcha:
    """The CAPTCHA of one session. Each check consumes the challenge; a new one is drawn."""

    def __init__(
        self,
        *,
        clock: Clock,
        rng: random.Random,
        length: int = 6,
        ttl: timedelta = timedelta(minutes=3),
        enabled: bool = True,
    ) -> None:
        self._clock = clock
        self._rng = rng
        self._length = length
        self._ttl = ttl
        self.enabled = enabled
        self._lock = threading.Lock()
        self._serial = 0
        self.current = self._draw()

    def _draw(self) -> CaptchaChallenge:
        self._serial += 1
        solution = "".join(self._rng.choice(ALPHABET) for _ in range(self._length))
        font = self._rng.choice(FONTS)
        if image_width(render(solution, font)) > MAX_WIDTH:
            font = FALLBACK_FONT
        return CaptchaChallenge(self._serial, solution, font, self._clock.now())

    def refresh(self) -> CaptchaChallenge:
        """ "Changer l'image": draw a new challenge."""
        with self._lock:
            self.current = self._draw()
            return self.current

    def shown(self) -> None:
        """A front end shows the current challenge to the user (the line mode prints its
        prompt): its lifetime counts from the first time it is shown."""
        with self._lock:
            if self.current.shown_at is None:
                self.current = dataclasses.replace(self.current, shown_at=self._clock.now())

    def expired(self) -> bool:
        return self._clock.now() - self.current.started_at > self._ttl

    def check(self, answer: str) -> bool:
        """Single use: whatever the answer, the challenge is replaced by a new one."""
        return self.verdict(answer) is CaptchaVerdict.RIGHT

    def verdict(self, answer: str) -> CaptchaVerdict:
        """:meth:`check`, saying why a refused answer is refused (expired or wrong)."""
        if not self.enabled:
            return CaptchaVerdict.RIGHT
        with self._lock:
            challenge = self.current
            self.current = self._draw()
        if self._clock.now() - challenge.started_at > self._ttl:
            return CaptchaVerdict.EXPIRED
        typed = "".join(answer.split()).upper()
        return CaptchaVerdict.RIGHT if typed == challenge.solution else CaptchaVerdict.WRONG
