"""Normalisation of what users type, the characters stored text may hold, and safe
display of stored and typed text."""

from __future__ import annotations

import re
import unicodedata

_BLANKS = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_REPLACEMENT = "\N{REPLACEMENT CHARACTER}"

_UNSAFE_TO_SHOW = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
"""Categories ``printable`` replaces: controls (C0 with ESC, tab and newline, DEL, C1 with
CSI, DCS, OSC), format characters (bidi overrides, embeddings, isolates and marks, zero-width
characters, soft hyphen, tags), lone surrogates, line and paragraph separators."""

_REFUSED_IN_FIELDS = _UNSAFE_TO_SHOW | {"Co", "Cn"}
"""Categories a stored one-line field may not hold: what ``printable`` replaces, and code
points with no agreed meaning (private use, unassigned), which each terminal and font
draws its own way."""


def normalise_password(password: str) -> str:
    """NFC form: the same password typed as NFC or NFD is the same password."""
    return unicodedata.normalize("NFC", password)


def normalise_answer(answer: str) -> str:
    """NFKC, case-folded, accents removed, blanks trimmed and collapsed (SPEC §1)."""
    text = unicodedata.normalize("NFKC", answer).casefold()
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _BLANKS.sub(" ", unicodedata.normalize("NFC", stripped)).strip()


def email_key(email: str) -> str:
    """The form under which login emails are unique: trimmed, NFC, case-folded."""
    return unicodedata.normalize("NFC", email.strip()).casefold()


def printable(text: str, *, lines: bool = False) -> str:
    """``text`` made safe to show, one character for one: every control character (ESC
    and C1 included, so no terminal sequence can start), bidi control, zero-width or
    other format character, line separator and lone surrogate becomes U+FFFD. With
    ``lines``, line feeds and tabs are kept (multi-line text such as an email).

    The one function through which every front end — the app, the support console, every
    command line — shows stored or typed text. Display code must still render the result
    as plain text (never as markup).
    """
    if text.isprintable():  # no C*, Z* but the space: nothing to replace
        return text
    return "".join(
        char if unicodedata.category(char) not in _UNSAFE_TO_SHOW or (lines and char in "\n\t") else _REPLACEMENT
        for char in text
    )


def strip_controls(text: str) -> str:
    """Remove control characters and line breaks from pasted text."""
    return _CONTROL.sub("", text)


def forbidden_character(text: str) -> str | None:
    """The first character a stored one-line field (a name, an address, a question…) may
    not hold, as ``U+XXXX`` — never the character itself —, or None.

    Refused: controls (C0 with tab and newline, DEL, C1), line and paragraph separators,
    format characters (bidi overrides, embeddings, isolates and marks, zero-width
    characters, soft hyphen, tags), lone surrogates, private-use and unassigned code
    points. What is stored is then shown the same way in every terminal and every email.
    """
    for char in text:
        if unicodedata.category(char) in _REFUSED_IN_FIELDS:
            return f"U+{ord(char):04X}"
    return None


def encodable(text: str) -> bool:
    """Whether ``text`` can be encoded (as UTF-8, for a database or a hash): False when it
    holds a lone surrogate (a broken paste, invalid bytes decoded with surrogateescape)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


_EMAIL = re.compile(
    r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)
"""ASCII addresses as RFC 5321 mailboxes (dot-atoms): no comments, quotes, brackets or
spaces, so the address shown is the address mail goes to."""


def looks_like_email(email: str) -> bool:
    """A syntactic check, enough to tell a typo from an address."""
    email = email.strip()
    local = email.partition("@")[0]
    return len(email) <= 254 and len(local) <= 64 and _EMAIL.match(email) is not None
