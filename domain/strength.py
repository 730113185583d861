"""Password strength with a bounded cost.

zxcvbn (the pure-Python port) is exact but its cost explodes on some inputs: the l33t
matcher enumerates every combination of substitutions for the l33t-able characters
present, then re-runs the dictionary matchers on each, so a 22-character string of
distinct l33t symbols (``4@8(6<{[3&9#1!|0$5+7%2``) costs ~0.15 s of CPU here and the
same string at 72 characters ~1.6 s. It also refuses inputs longer than 72 characters.

The method, measured in ``bench/strength.py`` and explained in ``docs/PERFORMANCE.md``:

* the password is cut into **segments** of at most ``SEGMENT_MAX`` code points holding
  at most ``SEGMENT_MAX_L33T`` distinct l33t-able characters. A segment that reaches a
  limit is cut, preferably just after a blank or punctuation so words stay whole;
* before cutting, a run that repeats one base (``(.+)\1+``, at least 8 code points) is
  scored as its base plus ``log10(repetitions)`` like zxcvbn's repeat matcher, so long
  repetitions stay weak even across cuts;
* each distinct segment is scored by zxcvbn on its own (with the account's words), and
  the estimates are combined the way zxcvbn combines the matches of one password: the
  guesses multiply, i.e. their log10 add. A segment equal to an earlier one adds only
  ``log10(repetitions + 1)``, as zxcvbn's repeat matcher would.

Effect on scores: a password of at most 32 code points with at most 8 distinct l33t
characters (almost every password people type) gets zxcvbn's exact estimate. Longer
inputs lose patterns that cross a cut (a dictionary word split in two counts as
brute force), so their estimate can only be higher than what an unbounded zxcvbn would
say on the same text; they are long enough that this does not turn a weak password into
an accepted one in practice (see the tests: repetitions and personal words over 32
characters still come out weak). Worst case: ``ceil(n / 9)`` segments of under ~10 ms.
"""

from __future__ import annotations

import enum
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from zxcvbn import zxcvbn
from zxcvbn.matching import L33T_TABLE

SEGMENT_MAX = 32
SEGMENT_MAX_L33T = 8
L33T_CHARS = frozenset(c for subs in L33T_TABLE.values() for c in subs)
_BREAK_AFTER = frozenset(" -_.,;:/+'\"")


class StrengthLevel(enum.IntEnum):
    """The three levels of the meter. Faible is refused; Moyen and Fort are accepted."""

    FAIBLE = 0
    MOYEN = 1
    FORT = 2


@dataclass(frozen=True, slots=True)
class StrengthEstimate:
    guesses_log10: float
    segments: int

    def level(self, moyen_log10: float, fort_log10: float) -> StrengthLevel:
        if self.guesses_log10 >= fort_log10:
            return StrengthLevel.FORT
        if self.guesses_log10 >= moyen_log10:
            return StrengthLevel.MOYEN
        return StrengthLevel.FAIBLE


def segments(password: str) -> list[str]:
    """Cut a password into segments whose zxcvbn cost is bounded (see module doc)."""
    parts: list[str] = []
    start = 0
    l33t: set[str] = set()
    last_break = -1
    for index, char in enumerate(password):
        new_l33t = char in L33T_CHARS and char not in l33t
        if index - start >= SEGMENT_MAX or (new_l33t and len(l33t) >= SEGMENT_MAX_L33T):
            cut = last_break + 1 if last_break >= start and index - start >= SEGMENT_MAX else index
            parts.append(password[start:cut])
            start = cut
            l33t = {c for c in password[start:index] if c in L33T_CHARS}
            last_break = -1
        if char in L33T_CHARS:
            l33t.add(char)
        if char in _BREAK_AFTER:
            last_break = index
    if start < len(password):
        parts.append(password[start:])
    return parts


_REPEAT = re.compile(r"(.+)\1+", re.DOTALL)
_LAZY_BASE = re.compile(r"(.+?)\1+", re.DOTALL)
_REPEAT_MIN_SPAN = 8


def _fits(text: str) -> bool:
    return len(text) <= SEGMENT_MAX and len(L33T_CHARS.intersection(text)) <= SEGMENT_MAX_L33T


def _guesses_log10(text: str, words: list[str], counter: list[int]) -> float:
    if not text:
        return 0.0
    if _fits(text):
        counter[0] += 1
        return float(zxcvbn(text, user_inputs=words)["guesses_log10"])
    for match in _REPEAT.finditer(text):
        if len(match.group(0)) >= _REPEAT_MIN_SPAN:
            lazy = _LAZY_BASE.fullmatch(match.group(0))
            base = lazy.group(1) if lazy else match.group(1)
            end = match.start() + len(base)
            while text.startswith(base, end):
                end += len(base)
            repeats = (end - match.start()) // len(base)
            return (
                _guesses_log10(text[: match.start()], words, counter)
                + _guesses_log10(base, words, counter)
                + math.log10(repeats)
                + _guesses_log10(text[end:], words, counter)
            )
    seen: dict[str, int] = {}
    total = 0.0
    for part in segments(text):
        if part in seen:
            seen[part] += 1
            continue
        seen[part] = 1
        counter[0] += 1
        total += float(zxcvbn(part, user_inputs=words)["guesses_log10"])
    return total + sum(math.log10(count) for count in seen.values() if count > 1)


def estimate(password: str, user_inputs: Sequence[str] = ()) -> StrengthEstimate:
    """Estimate the guesses needed for ``password``, at a bounded CPU cost."""
    words = [w for w in user_inputs if w]
    counter = [0]
    total = _guesses_log10(password, words, counter)
    return StrengthEstimate(round(total, 3), counter[0])
