"""Password strength with a bounded cost.

zxcvbn (the pure-Python port) is exact but its cost explodes on some inputs: the l33t
matcher enumerates the substitution tables of the l33t-able characters present, then
re-runs the dictionary matchers over every substring for each table, so its work grows as
``(tables + 1) * n²``. A 22-character string of distinct l33t symbols
(``4@8(6<{[3&9#1!|0$5+7%2``) costs ~0.15 s of CPU here, the same at 72 characters ~1.6 s,
and zxcvbn refuses inputs longer than 72 characters.

The method, measured in ``bench/strength.py`` and explained in ``docs/PERFORMANCE.md``:

* a password whose work fits a budget (``(tables + 1) * n <= COST_PER_CHAR`` and
  ``n <= SEGMENT_MAX``) is scored by zxcvbn as it is: that is every password people
  usually type, dates and digits included, so their score is zxcvbn's own;
* a longer or costlier one is cut. First, the account's own words (names, email,
  numbers) found anywhere in it are cut out and scored on their own, so personal data
  stays weak at any length — after a run that repeats one base (``(.+)\1+``, at least 8
  code points) has been scored as its base plus ``log10(repetitions)``, as zxcvbn's
  repeat matcher would; what remains is cut into **segments** that each fit the budget,
  preferably just after a blank or punctuation so words stay whole;
* the estimates of the parts are combined the way zxcvbn combines the matches of one
  password: their guesses multiply, i.e. their log10 add. A segment equal to an earlier
  one adds only ``log10(repetitions + 1)``.

Because the budget is per character, the total work is linear in the length: at most
``COST_PER_CHAR * n`` units whatever the characters (see docs/PERFORMANCE.md for the
measured worst case). Effect on scores: patterns that cross a cut are lost (a dictionary
word split in two counts as brute force, which scores higher), while personal words and
repetitions found before cutting score lower than zxcvbn would give them inside a longer
match; the tests and the benchmark check that levels agree on typical passwords.
"""

from __future__ import annotations

import enum
import functools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from zxcvbn import zxcvbn
from zxcvbn.matching import L33T_TABLE, enumerate_l33t_subs, relevant_l33t_subtable

SEGMENT_MAX = 40
COST_PER_CHAR = 450
"""A segment of ``n`` code points whose l33t characters give ``s`` substitution tables
is kept while ``(s + 1) * n <= COST_PER_CHAR``: zxcvbn's work grows as ``(s + 1) * n²``,
so the total work stays linear in the password's length, whatever its characters."""
L33T_CHARS = frozenset(c for subs in L33T_TABLE.values() for c in subs)
_BREAK_AFTER = frozenset(" -_.,;:/+'\"")


@functools.lru_cache(maxsize=8192)
def substitutions(l33t: frozenset[str]) -> int:
    """How many substitution tables zxcvbn's l33t matcher tries for these characters."""
    return len(enumerate_l33t_subs(relevant_l33t_subtable("".join(sorted(l33t)), L33T_TABLE)))


def _cost_ok(length: int, l33t: frozenset[str]) -> bool:
    return length <= SEGMENT_MAX and (substitutions(l33t) + 1) * length <= COST_PER_CHAR


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
    while start < len(password):
        end = start
        l33t: frozenset[str] = frozenset()
        last_break = 0
        while end < len(password):
            char = password[end]
            grown = l33t | {char} if char in L33T_CHARS else l33t
            if end > start and not _cost_ok(end - start + 1, grown):
                break
            l33t = grown
            end += 1
            if char in _BREAK_AFTER:
                last_break = end
        if end < len(password) and last_break > start:
            end = last_break
        parts.append(password[start:end])
        start = end
    return parts


_REPEAT = re.compile(r"(.+)\1+", re.DOTALL)
_LAZY_BASE = re.compile(r"(.+?)\1+", re.DOTALL)
_REPEAT_MIN_SPAN = 8
_WORD_MIN = 3


def fits_budget(text: str) -> bool:
    """Whether zxcvbn may score ``text`` as it is, within the cost budget."""
    return _cost_ok(len(text), frozenset(L33T_CHARS.intersection(text)))


def _guesses_log10(text: str, words: list[str], counter: list[int]) -> float:
    if not text:
        return 0.0
    if fits_budget(text):
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
    folded = text.casefold()
    for word in words if len(folded) == len(text) else ():
        at = folded.find(word) if len(word) >= _WORD_MIN else -1
        if at >= 0 and len(word) < len(text):
            return (
                _guesses_log10(text[:at], words, counter)
                + _guesses_log10(text[at : at + len(word)], words, counter)
                + _guesses_log10(text[at + len(word) :], words, counter)
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
    words = sorted({w.casefold() for w in user_inputs if w}, key=len, reverse=True)
    counter = [0]
    total = _guesses_log10(password, words, counter)
    return StrengthEstimate(round(total, 3), counter[0])
