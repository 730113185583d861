"""What the strength estimate finds weak in a password, and the account's own words it
looks for: plain data, with no word list loaded (``domain.accounts`` uses it)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any


class Kind(enum.StrEnum):
    """What the estimate found in a password: the reason it gives, in words, when it
    refuses one. The codes are stable: the journal keeps them (never the words)."""

    COMMON_PASSWORD = "common_password"
    COMMON_WORD = "common_word"
    NAME = "name"
    WORD_SEQUENCE = "word_sequence"
    SERVICE_TERM = "service_term"
    KEYBOARD = "keyboard"
    REPETITION = "repetition"
    SEQUENCE = "sequence"
    DATE = "date"
    PERSONAL_NAME = "personal_name"
    EMAIL = "email"
    SUBSCRIBER_NUMBER = "subscriber_number"
    PHONE = "phone"
    POSTCODE = "postcode"
    ADDRESS = "address"
    ANSWER = "answer"
    PERSONAL = "personal"
    BREACHED = "breached"


class PersonalWord(str):
    """One of the account's own words, with what it is (a name, the phone…): the reason
    a refusal gives says « your phone number », never the number."""

    kind: Kind

    def __new__(cls, value: str, kind: Kind) -> PersonalWord:
        word = super().__new__(cls, value)
        word.kind = kind
        return word

    def __reduce__(self) -> tuple[Any, ...]:
        return (PersonalWord, (str(self), self.kind))


@dataclass(frozen=True, slots=True)
class Finding:
    """A weak part of a password, by its kind only: never the word found, which is part of
    the password (the screen is recorded for support and the line mode's transcript is
    journaled)."""

    kind: Kind
