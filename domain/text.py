"""Normalisation of what users type, and safe display of what they typed."""

from __future__ import annotations

import re
import unicodedata

_BLANKS = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


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


def printable(text: str) -> str:
    """Replace control characters (escape sequences included) by U+FFFD for display.

    Display code must still render the result as plain text (never as markup).
    """
    return _CONTROL.sub("\N{REPLACEMENT CHARACTER}", text)


def strip_controls(text: str) -> str:
    """Remove control characters and line breaks from pasted text."""
    return _CONTROL.sub("", text)


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
