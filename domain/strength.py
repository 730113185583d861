"""Password strength with a bounded cost, in French and English.

The method is zxcvbn's (the pure-Python port, 4.5): find every pattern in the password,
then the cheapest way to cover it, in guesses. Its matchers and scoring are used as they
are, with more data and two matchers of our own:

* **words** are looked up in one table of every list (``domain.wordlists``: zxcvbn's
  English lists, the French lists, the service terms, the account's own words in their
  French forms), on the password **folded** one character for one (case, accents), and
  only for substrings up to ``WORD_MOST`` characters, so a lookup costs the same whatever
  the number of lists; forwards, reversed and with zxcvbn's l33t substitutions;
* **keyboard rows** on zxcvbn's graphs plus AZERTY; **dates** in zxcvbn's numeric forms
  plus French dates in words (« 14juillet1789 », « 1er janvier »);
* **repeats** by zxcvbn's method, their base scored with every list.

What the cheapest cover is made of becomes :class:`~domain.findings.Finding` s: the
reasons a refusal gives, by kind only (« a common word », « your phone number »), never
a word of the password.

The cost: the l33t matcher tries every substitution table of the l33t-able characters
present, and re-runs the dictionary lookups for each, so the work grows as
``(tables + 1) * n * WORD_MOST``; zxcvbn alone grows as ``(tables + 1) * n²`` and refuses
inputs over 72 characters. The method, measured in ``bench/strength.py`` and explained in
``docs/PERFORMANCE.md``:

* a password whose work fits a budget (``(tables + 1) * n <= COST_PER_CHAR`` and
  ``n <= SEGMENT_MAX``) is scored as it is: that is every password people usually type,
  dates and digits included;
* a longer or costlier one is cut. First a run that repeats one base (``(.+)\1+``, at
  least 8 code points) is scored as its base plus ``log10(repetitions)``, as zxcvbn's
  repeat matcher would; then the account's own words found anywhere in it are cut out
  and scored on their own, so personal data stays weak at any length; then runs of one
  key (padding); what remains is cut into **segments** that each fit the budget,
  preferably just after a blank or punctuation so words stay whole;
* the estimates of the parts are combined the way zxcvbn combines the matches of one
  password: their guesses multiply, i.e. their log10 add. A segment equal to an earlier
  one adds only ``log10(repetitions + 1)``.

Because the budget is per character, the total work is linear in the length: at most
``COST_PER_CHAR * n`` units whatever the characters, and over 96 characters the budget
per character shrinks so that the total stays ``COST_TOTAL`` (see docs/PERFORMANCE.md for the
measured worst case). Effect on scores: patterns that cross a cut are lost (a dictionary
word split in two counts as brute force, which scores higher), while personal words and
repetitions found before cutting score lower than zxcvbn would give them inside a longer
match. Within the budget the estimate is never above zxcvbn's own (a property test).
"""

from __future__ import annotations

import enum
import functools
import itertools
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from zxcvbn.adjacency_graphs import ADJACENCY_GRAPHS
from zxcvbn.matching import (
    L33T_TABLE,
    date_match,
    enumerate_l33t_subs,
    regex_match,
    relevant_l33t_subtable,
    sequence_match,
    spatial_match_helper,
    two_to_four_digit_year,
)
from zxcvbn.scoring import most_guessable_match_sequence

from domain.findings import Finding, Kind, PersonalWord
from domain.wordlists import default_terms, fold, fold_forms, ranked_terms, wordlists

__all__ = ["Finding", "Kind", "PersonalWord", "StrengthEstimate", "StrengthLevel", "estimate"]

SEGMENT_MAX = 40
COST_PER_CHAR = 450
"""A segment of ``n`` code points whose l33t characters give ``s`` substitution tables
is kept while ``(s + 1) * n <= COST_PER_CHAR``: the matchers' work grows as
``(s + 1) * n * w`` (``w`` the longest word of the lists), so the total work stays linear
in the password's length, whatever its characters."""
L33T_CHARS = frozenset(c for subs in L33T_TABLE.values() for c in subs)
_BREAK_AFTER = frozenset(" -_.,;:/+'\"")
WORD_MOST = 32
"""Substrings longer than this are not looked up: no list word is longer once the lists
are loaded (checked by a test), so the dictionary matchers cost ``n * WORD_MOST``."""


def _tables(l33t: Iterable[str]) -> int:
    return len(enumerate_l33t_subs(relevant_l33t_subtable("".join(sorted(l33t)), L33T_TABLE)))


_COUPLED = frozenset(c for letter in "ilt" for c in L33T_TABLE[letter])
"""The l33t characters that stand for more than one letter (1 and | for i or l, 7 for l or
t) and the others of those letters: the only ones whose tables do not multiply."""
_COUPLED_TABLES = {
    frozenset(chosen): _tables(chosen)
    for size in range(len(_COUPLED) + 1)
    for chosen in itertools.combinations(sorted(_COUPLED), size)
}
_INDEPENDENT = tuple(frozenset(subs) for letter, subs in L33T_TABLE.items() if letter not in "ilt")


@functools.lru_cache(maxsize=8192)
def substitutions(l33t: frozenset[str]) -> int:
    """How many substitution tables zxcvbn's l33t matcher tries for these characters,
    without listing them: zxcvbn picks one character per letter, so the letters whose
    characters stand for no other letter multiply; the 32 sets of the others (i, l, t)
    are counted once at import. Equal to zxcvbn's count for every set (a test)."""
    count = _COUPLED_TABLES[l33t & _COUPLED]
    for subs in _INDEPENDENT:
        count *= max(1, len(subs & l33t))
    return count


COST_TOTAL = COST_PER_CHAR * 96
"""The most work for one password: that of 96 characters at the full budget per
character. A longer one gets a smaller budget per character, so that its total work
stays the same: ``per_char = min(COST_PER_CHAR, COST_TOTAL // length)`` (337 at 128
characters, 168 at 256). Measured in bench/strength.py and docs/PERFORMANCE.md."""


def budget_per_char(length: int) -> int:
    return min(COST_PER_CHAR, COST_TOTAL // max(1, length))


def _cost_ok(length: int, l33t: frozenset[str], per_char: int = COST_PER_CHAR) -> bool:
    return length <= SEGMENT_MAX and (substitutions(l33t) + 1) * length <= per_char


class StrengthLevel(enum.IntEnum):
    """The three levels of the meter. Faible is refused; Moyen and Fort are accepted."""

    FAIBLE = 0
    MOYEN = 1
    FORT = 2


_LIST_KINDS = {
    "passwords": Kind.COMMON_PASSWORD,
    "english_wikipedia": Kind.COMMON_WORD,
    "us_tv_and_film": Kind.COMMON_WORD,
    "fr_common_words": Kind.COMMON_WORD,
    "fr_wikipedia": Kind.COMMON_WORD,
    "female_names": Kind.NAME,
    "male_names": Kind.NAME,
    "surnames": Kind.NAME,
    "fr_first_names": Kind.NAME,
    "fr_surnames": Kind.NAME,
    "fr_word_sequences": Kind.WORD_SEQUENCE,
}
_PATTERN_KINDS = {
    "spatial": Kind.KEYBOARD,
    "repeat": Kind.REPETITION,
    "sequence": Kind.SEQUENCE,
    "regex": Kind.DATE,
    "date": Kind.DATE,
}


@dataclass(frozen=True, slots=True)
class StrengthEstimate:
    guesses_log10: float
    segments: int
    findings: tuple[Finding, ...] = field(default=(), compare=False)
    """What made it weaker, by kind, in the order found (never a word of it)."""

    def level(self, moyen_log10: float, fort_log10: float) -> StrengthLevel:
        if self.guesses_log10 >= fort_log10:
            return StrengthLevel.FORT
        if self.guesses_log10 >= moyen_log10:
            return StrengthLevel.MOYEN
        return StrengthLevel.FAIBLE


def segments(password: str, per_char: int = COST_PER_CHAR) -> list[str]:
    """Cut a password into segments whose matching cost is bounded (see module doc)."""
    parts: list[str] = []
    start = 0
    while start < len(password):
        end = start
        l33t: frozenset[str] = frozenset()
        last_break = 0
        while end < len(password):
            char = password[end]
            grown = l33t | {char} if char in L33T_CHARS else l33t
            if end > start and not _cost_ok(end - start + 1, grown, per_char):
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
_RUN = re.compile(r"(.)\1{2,}", re.DOTALL)
_REPEAT_MIN_SPAN = 8
_WORD_MIN = 3


def fits_budget(text: str, per_char: int = COST_PER_CHAR) -> bool:
    """Whether the matchers may score ``text`` as it is, within the cost budget."""
    return _cost_ok(len(text), frozenset(L33T_CHARS.intersection(text)), per_char)


# French dates written in words: « 14juillet1789 », « 1er janvier », « 3 mars 90 ».
_MONTHS = {
    "janvier": 1, "janv": 1, "fevrier": 2, "fevr": 2, "fev": 2, "mars": 3, "avril": 4, "avr": 4,
    "mai": 5, "juin": 6, "juillet": 7, "juil": 7, "aout": 8, "septembre": 9, "sept": 9,
    "octobre": 10, "oct": 10, "novembre": 11, "nov": 11, "decembre": 12, "dec": 12,
}  # fmt: skip
_FRENCH_DATE = re.compile(
    r"(?:(?P<day>3[01]|[12][0-9]|0?[1-9])(?:er)?|(?P<first>premier))?"
    r"(?P<sep1>[ ._/-]?)"
    r"(?P<month>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")"
    r"(?:(?P<sep2>[ ._/-]?)(?P<year>[0-9]{4}|[0-9]{2})(?![0-9]))?"
)
REFERENCE_YEAR = 2017  # zxcvbn's own, for the same year space


def french_date_matches(folded: str) -> list[dict[str, Any]]:
    """zxcvbn ``date`` matches for dates written with a French month name, with a day or
    a year (or both); a month alone is left to the word lists."""
    matches = []
    for found in _FRENCH_DATE.finditer(folded):
        day = found["day"] or ("1" if found["first"] else None)
        year = found["year"]
        end = found.end()
        if year is not None:
            full = two_to_four_digit_year(int(year))
            if not 1000 <= full <= 2050:
                end, year = found.start("sep2"), None
        if day is None and year is None:
            continue
        start = found.start() if day is not None else found.start("month")
        matches.append(
            {
                "pattern": "date",
                "i": start,
                "j": end - 1,
                "token": folded[start:end],
                "separator": found["sep1"] or found["sep2"] or "",
                "year": two_to_four_digit_year(int(year)) if year else REFERENCE_YEAR,
                "month": _MONTHS[found["month"]],
                "day": int(day) if day else 1,
            }
        )
    return matches


_GRAPHS = {
    "qwerty": ADJACENCY_GRAPHS["qwerty"],
    "dvorak": ADJACENCY_GRAPHS["dvorak"],
    "keypad": ADJACENCY_GRAPHS["keypad"],
    "mac_keypad": ADJACENCY_GRAPHS["mac_keypad"],
}


@dataclass(slots=True)
class _Work:
    """One estimate's lookups and what it found."""

    personal: dict[str, Kind]
    personal_order: list[str]
    terms: dict[str, int]
    longest: int
    per_char: int = COST_PER_CHAR
    """The budget per character for this password (:func:`budget_per_char`)."""
    calls: int = 0
    findings: list[Finding] = field(default_factory=list)

    def found(self, kind: Kind) -> None:
        finding = Finding(kind)
        if finding not in self.findings:
            self.findings.append(finding)


def _lookups(work: _Work, folded: str, original: str, *, reverse: bool = False) -> list[dict[str, Any]]:
    """zxcvbn ``dictionary`` matches of ``folded`` in every list at once."""
    lists = wordlists()
    ranks, sources = lists.ranks, lists.sources
    n = len(folded)
    matches = []
    for i in range(n):
        for j in range(i, min(n, i + work.longest)):
            word = folded[i : j + 1]
            rank = ranks.get(word)
            name = sources.get(word, "") if rank is not None else ""
            if word in work.personal:  # the account's own word first, whatever a list says
                rank, name = 1, "user_inputs"
            elif word in work.terms:
                rank, name = 1, "service_terms"
            if rank is None:
                continue
            a, b = (n - 1 - j, n - 1 - i) if reverse else (i, j)
            matches.append(
                {
                    "pattern": "dictionary",
                    "i": a,
                    "j": b,
                    "token": original[a : b + 1],
                    "matched_word": word,
                    "rank": rank,
                    "dictionary_name": name,
                    "reversed": reverse,
                    "l33t": False,
                }
            )
    return matches


def _l33t_lookups(work: _Work, folded: str, original: str) -> list[dict[str, Any]]:
    matches = []
    for sub in enumerate_l33t_subs(relevant_l33t_subtable(folded, L33T_TABLE)):
        if not sub:
            break
        subbed = "".join(sub.get(c, c) for c in folded)
        for match in _lookups(work, subbed, original):
            token = folded[match["i"] : match["j"] + 1]
            if token == match["matched_word"] or len(token) <= 1:
                continue  # no actual substitution
            match["l33t"] = True
            match["sub"] = {k: v for k, v in sub.items() if k in token}
            matches.append(match)
    return matches


def _repeats(work: _Work, text: str) -> list[dict[str, Any]]:
    """zxcvbn's repeat matcher, its base scored with these lists."""
    matches = []
    last = 0
    while last < len(text):
        greedy = _REPEAT.search(text, last)
        lazy = _LAZY_BASE.search(text, last)
        if not greedy or not lazy:
            break
        if len(greedy.group(0)) > len(lazy.group(0)):
            found = greedy
            anchored = _LAZY_BASE.fullmatch(found.group(0))
            base = anchored.group(1) if anchored else found.group(1)
        else:
            found, base = lazy, lazy.group(1)
        base_result = _analyse(work, base)
        matches.append(
            {
                "pattern": "repeat",
                "i": found.start(),
                "j": found.end() - 1,
                "token": found.group(0),
                "base_token": base,
                "base_guesses": base_result["guesses"],
                "base_matches": base_result["sequence"],
                "repeat_count": len(found.group(0)) / len(base),
            }
        )
        last = found.end()
    return matches


def _analyse(work: _Work, text: str) -> dict[str, Any]:
    folded = fold(text)
    matches = _lookups(work, folded, text)
    matches += _lookups(work, folded[::-1], text, reverse=True)
    matches += _l33t_lookups(work, folded, text)
    for name, graph in _GRAPHS.items():
        matches += spatial_match_helper(text, graph, name)
    # AZERTY: scored as a full keyboard (zxcvbn's own figures for QWERTY)
    matches += spatial_match_helper(text, wordlists().azerty, "qwerty")
    matches += _repeats(work, text)
    matches += sequence_match(text)
    matches += regex_match(text)
    matches += date_match(text)
    matches += french_date_matches(folded)
    matches.sort(key=lambda m: (m["i"], m["j"]))
    return dict(most_guessable_match_sequence(text, matches))


def _score(work: _Work, text: str) -> float:
    """zxcvbn's estimate of ``text`` (within the budget) with every list; what it found
    is kept."""
    work.calls += 1
    result = _analyse(work, text)
    for match in result["sequence"]:
        pattern = match["pattern"]
        if pattern == "dictionary":
            name = match["dictionary_name"]
            if name == "user_inputs":
                work.found(work.personal[match["matched_word"]])
            elif name == "service_terms":
                work.found(Kind.SERVICE_TERM)
            else:
                work.found(_LIST_KINDS.get(name, Kind.COMMON_WORD))
        elif pattern in _PATTERN_KINDS:
            work.found(_PATTERN_KINDS[pattern])
    return float(result["guesses_log10"])


def _guesses_log10(work: _Work, text: str) -> float:
    if not text:
        return 0.0
    if fits_budget(text, work.per_char):
        return _score(work, text)  # zxcvbn's repeat matcher collapses runs and padding
    for match in _REPEAT.finditer(text):
        if len(match.group(0)) >= _REPEAT_MIN_SPAN:
            lazy = _LAZY_BASE.fullmatch(match.group(0))
            base = lazy.group(1) if lazy else match.group(1)
            end = match.start() + len(base)
            while text.startswith(base, end):
                end += len(base)
            repeats = (end - match.start()) // len(base)
            work.found(Kind.REPETITION)
            return (
                _guesses_log10(work, text[: match.start()])
                + _guesses_log10(work, base)
                + math.log10(repeats)
                + _guesses_log10(work, text[end:])
            )
    folded = fold(text)
    for word in work.personal_order:
        at = folded.find(word) if len(word) >= _WORD_MIN else -1
        if at >= 0 and len(word) < len(text):
            return (
                _guesses_log10(work, text[:at])
                + _guesses_log10(work, text[at : at + len(word)])
                + _guesses_log10(work, text[at + len(word) :])
            )
    run = _RUN.search(text)
    if run is not None:
        # padding (« !!!!!!!! ») and runs of one key, before cutting: the key, times how many
        work.found(Kind.REPETITION)
        return (
            _guesses_log10(work, text[: run.start()])
            + _guesses_log10(work, run.group(1))
            + math.log10(len(run.group(0)))
            + _guesses_log10(work, text[run.end() :])
        )
    seen: dict[str, int] = {}
    total = 0.0
    for part in segments(text, work.per_char):
        if part in seen:
            seen[part] += 1
            continue
        seen[part] = 1
        total += _score(work, part)
    return total + sum(math.log10(count) for count in seen.values() if count > 1)


_SPLIT = re.compile(r"[\s@._\-+,/'()]+")
_DIGITS = re.compile(r"[0-9]+")
_ADDRESS_WORDS = frozenset(
    {
        "rue",
        "avenue",
        "boulevard",
        "chemin",
        "place",
        "allee",
        "impasse",
        "route",
        "quai",
        "cours",
        "square",
        "voie",
        "lieu",
        "dit",
        "des",
        "les",
        "la",
        "le",
        "du",
        "de",
        "bis",
        "ter",
        "cedex",
        "france",
    }
)


def _forms(value: str, kind: Kind) -> Iterable[tuple[str, Kind]]:
    """The folded forms of one of the account's words that a password may contain."""
    text = fold(value.strip())
    if not text:
        return
    digits = "".join(_DIGITS.findall(text))
    if kind is Kind.PHONE and len(digits) >= 6:
        national = digits
        if digits.startswith("33") and len(digits) == 11:
            national = "0" + digits[2:]
        yield from ((form, kind) for form in _phone_forms(national))
        return
    if kind is Kind.SUBSCRIBER_NUMBER and digits:
        yield digits, kind
        if len(digits) == 14:  # a SIRET's form: SIREN (9) + NIC (5), as printed
            yield digits[:9], kind
            for sep in " .-":
                yield sep.join((digits[:3], digits[3:6], digits[6:9], digits[9:])), kind
                yield sep.join((digits[:3], digits[3:6], digits[6:9])), kind
        return
    if kind is Kind.ADDRESS:
        postcode = re.search(r"(?<![0-9])([0-9]{5})(?![0-9])", text)
        if postcode:
            yield postcode.group(1), Kind.POSTCODE
        for part in _SPLIT.split(text):
            if len(part) >= _WORD_MIN and not part.isdigit() and part not in _ADDRESS_WORDS:
                yield part, Kind.ADDRESS
        return
    yield text, kind
    if kind is Kind.EMAIL and "@" in text:
        local = text.split("@", 1)[0]
        yield local, kind
        yield "".join(p for p in _SPLIT.split(local)), kind
    parts = [p for p in _SPLIT.split(text) if p]
    yield "".join(parts), kind
    for part in parts:
        if len(part) >= _WORD_MIN:
            yield part, kind


def _phone_forms(national: str) -> Iterable[str]:
    yield national
    if len(national) == 10 and national.startswith("0"):
        rest = national[1:]
        yield rest
        yield "33" + rest
        yield "+33" + rest
        pairs = [national[k : k + 2] for k in range(0, 10, 2)]
        for sep in " .-":
            yield sep.join(pairs)
            yield "+33" + sep + rest[0] + sep + sep.join(pairs[1:])


def personal_forms(words: Iterable[str]) -> dict[str, Kind]:
    """The account's words as the estimate looks them up: folded, split, in the forms
    French numbers are written in (phone « 01 23 45 67 89 » or « +33 1… », subscriber
    number whole or as a SIREN, postcode from the address), each with its kind (a plain
    string is :attr:`Kind.PERSONAL`)."""
    out: dict[str, Kind] = {}
    for word in words:
        if not word:
            continue
        kind = getattr(word, "kind", Kind.PERSONAL)
        for form, form_kind in _forms(str(word), kind):
            for variant in fold_forms(form):
                if len(variant) >= _WORD_MIN and len(variant) <= WORD_MOST:
                    out.setdefault(variant, form_kind)
    return out


def estimate(password: str, user_inputs: Sequence[str] = (), *, terms: Sequence[str] | None = None) -> StrengthEstimate:
    """Estimate the guesses needed for ``password``, at a bounded CPU cost, with the
    English and French lists, the service ``terms`` (default: the built-in list) and the
    account's words ``user_inputs`` (:class:`PersonalWord` tells their kinds)."""
    personal = personal_forms(user_inputs)
    terms_dict = ranked_terms(tuple(default_terms() if terms is None else terms))
    longest = max([WORD_MOST, *map(len, terms_dict)]) if terms_dict else WORD_MOST
    work = _Work(personal, sorted(personal, key=len, reverse=True), terms_dict, longest, budget_per_char(len(password)))
    total = _guesses_log10(work, password)
    return StrengthEstimate(round(total, 3), work.calls, tuple(work.findings))


def warm() -> None:
    """Load the lists (once per process: a session worker does it before forking)."""
    wordlists()
    default_terms()
    estimate("Un mot de passe pour charger les listes 2026")
