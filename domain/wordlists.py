"""The word lists and keyboards the strength estimate knows, loaded once per process.

zxcvbn's own English lists (common passwords, English Wikipedia and film words, English
names) are joined by the French data vendored in ``domain/strength_data/`` (see its
``SOURCES.json`` and ``tools/strength_data.py``): French common words (OpenSubtitles),
French Wikipedia words, French first names and surnames, number words, days, months and
other word sequences, and the AZERTY keyboard.

Every list is **folded** before lookup, as passwords are: lower case, accents stripped
(é→e, ç→c, à→a), one character for one so that positions in the password are kept.
Ligatures have both forms in the lists (« cœur » and « coeur »), since œ has no 1:1
fold. All lists become one table ``word → rank`` (the best rank any list gives the
word) and ``word → list name``: one lookup per substring instead of one per list, so
more words cost memory, not time.

The service terms (impots, dgfip, urssaf…) are a list of their own, built in
(``strength_data/service_terms.txt``) or set by the operator
(``MOTDEPASSE_BANNED_TERMS_FILE``).
"""

from __future__ import annotations

import functools
import json
import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path

DATA = Path(__file__).resolve().parent / "strength_data"
FRENCH_LISTS = {
    "fr_common_words": "fr/common_words.txt",
    "fr_wikipedia": "fr/wikipedia.txt",
    "fr_first_names": "fr/first_names.txt",
    "fr_surnames": "fr/surnames.txt",
}
SERVICE_TERMS_FILE = DATA / "service_terms.txt"
SERVICE_TERMS_MOST = 10_000
"""An operator's list holds at most this many terms (each up to 64 characters)."""
_LIGATURES = {"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "ß": "ss"}


def _fold_char(char: str) -> str:
    base = "".join(c for c in unicodedata.normalize("NFD", char) if not unicodedata.combining(c))
    base = base if len(base) == 1 else char
    lower = base.lower()
    return lower if len(lower) == 1 else base


_FOLDED_RANGES = ((0x41, 0x5B), (0xC0, 0x250), (0x370, 0x530), (0x1E00, 0x1F00))
"""Latin (with its extensions), Greek and Cyrillic: the scripts of the word lists."""
_FOLD = {
    code: folded
    for start, end in _FOLDED_RANGES
    for code in range(start, end)
    if (folded := _fold_char(chr(code))) != chr(code)
}


def fold(text: str) -> str:
    """Lower case without accents, one character for one (positions are kept), for the
    scripts of the word lists; other characters are left as they are."""
    return text.translate(_FOLD)


def fold_forms(word: str) -> list[str]:
    """A list entry's folded forms: with its ligatures kept, and written out."""
    folded = fold(word)
    written = "".join(_LIGATURES.get(c, c) for c in folded)
    return [folded] if written == folded else [folded, written]


@dataclass(frozen=True, slots=True)
class Wordlists:
    ranks: dict[str, int]
    """Every folded word of every list, with the best rank a list gives it."""
    sources: dict[str, str]
    """The list that gives a word that rank."""
    azerty: dict[str, list[str | None]]
    """zxcvbn's adjacency graph of the French AZERTY keyboard."""


def _read_words(path: Path) -> list[str]:
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line]


_RANKS: dict[int, int] = {}


def shared_rank(rank: int) -> int:
    """``rank`` to two significant digits, rounded down (109 → 100, 38004 → 38000: at
    most 0.05 in log10, towards weaker), as one shared object per value. A lookup
    returns the rank, which writes its reference count: with a few hundred shared values
    instead of 140,000, a forked session writes a few pages, not megabytes."""
    if rank > 100:
        step = 10 ** (len(str(rank)) - 2)
        rank = rank // step * step
    return _RANKS.setdefault(rank, rank)


UNRANKED = frozenset({"fr_first_names", "fr_surnames"})
"""Lists in alphabetical order, not by frequency: each of their words gets the rank of
the middle of its list (abadie is no likelier than zoe)."""


def _add(ranks: dict[str, int], sources: dict[str, str], name: str, words: list[str]) -> None:
    rank = shared_rank(max(1, len(words) // 2))
    for position, word in enumerate(words, 1):
        if name not in UNRANKED and (position <= 100 or position % 10 == 0):
            rank = shared_rank(position)  # a new rank only where it can change
        plain = word.isascii() and word.islower()
        for form in (word,) if plain else fold_forms(word):
            if form not in ranks or rank < ranks[form]:
                ranks[form] = rank
                sources[form] = name


_LOADING = threading.Lock()


def wordlists() -> Wordlists:
    """English and French lists in one table, loaded once per process (a session worker
    loads them before it forks, so sessions share them); estimates arriving together
    while it loads wait for the one load."""
    with _LOADING:
        return _load()


@functools.cache
def _load() -> Wordlists:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    ranks: dict[str, int] = {}
    sources: dict[str, str] = {}
    for name, words in FREQUENCY_LISTS.items():
        _add(ranks, sources, name, list(words))
    for name, path in FRENCH_LISTS.items():
        _add(ranks, sources, name, _read_words(DATA / path))
    sequences = json.loads((DATA / "fr" / "word_sequences.json").read_text(encoding="utf-8"))
    for words in sequences.values():
        _add(ranks, sources, "fr_word_sequences", list(words))
    azerty = json.loads((DATA / "common" / "azerty.json").read_text(encoding="utf-8"))
    return Wordlists(ranks, sources, azerty)


class TermsError(ValueError):
    """An operator's service-terms file that cannot be used; the message says why."""


def parse_terms(text: str) -> tuple[str, ...]:
    """Terms, one per line; blank lines and lines starting with ``#`` are skipped. Each
    is folded, and a term of several words also counts written without its spaces
    and hyphens (« espace professionnel » → « espaceprofessionnel »)."""
    terms: list[str] = []
    for number, line in enumerate(text.splitlines(), 1):
        term = line.strip()
        if not term or term.startswith("#"):
            continue
        if len(term) > 64:
            raise TermsError(f"line {number}: a term has at most 64 characters")
        if any(unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co", "Cn") for c in term):
            raise TermsError(f"line {number}: a control or invisible character")
        for form in fold_forms(term):
            terms.append(form)
            joined = "".join(c for c in form if c not in " -_'.")
            if joined != form:
                terms.append(joined)
    unique = tuple(dict.fromkeys(t for t in terms if len(t) >= 3))
    if len(unique) > SERVICE_TERMS_MOST:
        raise TermsError(f"{len(unique)} terms: at most {SERVICE_TERMS_MOST}")
    return unique


def read_terms(path: Path | None) -> tuple[str, ...]:
    """The service terms: the operator's file, or the built-in list."""
    source = SERVICE_TERMS_FILE if path is None else path
    try:
        data = source.read_bytes()
    except OSError as error:
        raise TermsError(f"{source}: {error.strerror or error}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise TermsError(f"{source}: not UTF-8 text") from None
    try:
        return parse_terms(text)
    except TermsError as error:
        raise TermsError(f"{source}: {error}") from None


@functools.cache
def default_terms() -> tuple[str, ...]:
    return read_terms(None)


@functools.lru_cache(maxsize=16)
def ranked_terms(terms: tuple[str, ...]) -> dict[str, int]:
    return {term: 1 for term in terms}
