"""The password policy shared by every procedure (SPEC §2)."""

from __future__ import annotations

import enum
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

from domain.breach import BreachVerdict
from domain.i18n import N_, Translator
from domain.strength import Finding, Kind, StrengthEstimate, StrengthLevel, estimate
from domain.text import normalise_password

_STRICT = re.compile(r"[A-Za-z0-9]*")


class Reason(enum.StrEnum):
    """Why a new password is refused. The codes are stable: the journal keeps them."""

    TOO_SHORT = "too_short"
    TOO_LONG = "too_long"
    CONTROL_CHARACTER = "control_character"
    NOT_LETTERS_AND_DIGITS = "not_letters_and_digits"
    CONFIRMATION_MISMATCH = "confirmation_mismatch"
    SAME_AS_PREVIOUS = "same_as_previous"
    TOO_WEAK = "too_weak"
    BREACHED = "breached"
    BREACH_CHECK_UNAVAILABLE = "breach_check_unavailable"


MESSAGES: dict[Reason, str] = {
    Reason.TOO_SHORT: N_("The password must be at least {min} characters long (it has {length})."),
    Reason.TOO_LONG: N_("The password must be at most {max} characters long (it has {length})."),
    Reason.CONTROL_CHARACTER: N_("The password contains a control character (line break, tab, escape…)."),
    Reason.NOT_LETTERS_AND_DIGITS: N_("The password must contain only letters and digits, without spaces or accents."),
    Reason.CONFIRMATION_MISMATCH: N_("The confirmation does not match the new password."),
    Reason.SAME_AS_PREVIOUS: N_("The new password must be different from the previous one."),
    Reason.TOO_WEAK: N_("This password is too weak: {reasons}. Make it longer and less predictable."),
    Reason.BREACHED: N_("This password appears in known data breaches: choose another one."),
    Reason.BREACH_CHECK_UNAVAILABLE: N_(
        "This password cannot be checked against known data breaches right now: try again in a moment."
    ),
}

FINDING_MESSAGES: dict[Kind, str] = {
    Kind.COMMON_PASSWORD: N_("it contains a common password"),
    Kind.COMMON_WORD: N_("it contains a common word"),
    Kind.NAME: N_("it contains a first name or surname"),
    Kind.WORD_SEQUENCE: N_("it contains a day, a month or a number in words"),
    Kind.SERVICE_TERM: N_("it contains a word of the service"),
    Kind.KEYBOARD: N_("it contains a row of keyboard keys"),
    Kind.REPETITION: N_("it contains a repetition"),
    Kind.SEQUENCE: N_("it contains a sequence (abc, 123)"),
    Kind.DATE: N_("it contains a date"),
    Kind.PERSONAL_NAME: N_("it contains your name"),
    Kind.EMAIL: N_("it contains your email address"),
    Kind.SUBSCRIBER_NUMBER: N_("it contains your subscriber number"),
    Kind.PHONE: N_("it contains your phone number"),
    Kind.POSTCODE: N_("it contains your postcode"),
    Kind.ADDRESS: N_("it contains your address"),
    Kind.ANSWER: N_("it contains your security answer"),
    Kind.PERSONAL: N_("it contains your own details"),
    Kind.BREACHED: N_("it appears in known data breaches"),
}
"""Each reason in words: what was found, never the word itself."""
NO_FINDING = N_("it is too easy to guess")
REASONS_MOST = 3
"""At most this many kinds of reason at once (the first found)."""


@dataclass(frozen=True, slots=True)
class Findings:
    """The reasons a password is weak, rendered in the reader's language
    (« il contient un mot courant ; il contient une date »), never a word of it."""

    items: tuple[Finding, ...] = ()

    def render(self, t: Translator) -> str:
        if not self.items:
            return t._(NO_FINDING)
        semicolon = "\u00a0; " if t.lang == "fr" else "; "
        kinds = list(dict.fromkeys(finding.kind for finding in self.items))
        return semicolon.join(t._(FINDING_MESSAGES[kind]) for kind in kinds[:REASONS_MOST])

    @property
    def codes(self) -> tuple[str, ...]:
        """The kinds only (for the journal: never a word)."""
        return tuple(dict.fromkeys(f.kind.value for f in self.items))


LEVEL_NAMES: dict[StrengthLevel, str] = {
    StrengthLevel.FAIBLE: N_("Weak"),
    StrengthLevel.MOYEN: N_("Medium"),
    StrengthLevel.FORT: N_("Strong"),
}


class MeterLevel(enum.StrEnum):
    """What the strength meter shows, in every front end: « Trop court » while the
    password is under the minimum length (refused whatever its strength: a 16-character
    password is never « Moyen (accepté) »), else its strength level. The values are the
    journal's codes."""

    TOO_SHORT = "too_short"
    FAIBLE = "faible"
    MOYEN = "moyen"
    FORT = "fort"

    @classmethod
    def of(cls, level: StrengthLevel, *, too_short: bool) -> MeterLevel:
        return cls.TOO_SHORT if too_short else cls[level.name]

    @property
    def accepted(self) -> bool:
        """Whether the policy accepts a password at this level (as far as the meter knows:
        the confirmation and the history are checked when it is submitted)."""
        return self in (MeterLevel.MOYEN, MeterLevel.FORT)

    @property
    def label(self) -> str:
        """The level in words (a message id)."""
        return METER_NAMES[self]


METER_NAMES: dict[MeterLevel, str] = {
    MeterLevel.TOO_SHORT: N_("Too short"),
    **{MeterLevel[level.name]: name for level, name in LEVEL_NAMES.items()},
}


@dataclass(frozen=True, slots=True)
class MeterReading:
    """What the meter shows: the level and, when it refuses, why (:class:`Findings`)."""

    level: MeterLevel
    reasons: Findings | None = None


@dataclass(frozen=True, slots=True)
class Violation:
    reason: Reason
    params: dict[str, object] = field(default_factory=dict)
    """Numbers, or the :class:`Findings` of a weak password (``reasons``)."""

    def message(self, t: Translator) -> str:
        return t.format(MESSAGES[self.reason], **self.params)

    @property
    def finding_codes(self) -> tuple[str, ...]:
        """Why a password is too weak, as codes (for the journal: never a word)."""
        reasons = self.params.get("reasons")
        return reasons.codes if isinstance(reasons, Findings) else ()


@dataclass(frozen=True, slots=True)
class PolicyResult:
    violations: tuple[Violation, ...]
    level: StrengthLevel | None
    findings: tuple[Finding, ...] = ()
    """What the estimate found weak in the password (words only from public lists)."""

    @property
    def accepted(self) -> bool:
        return not self.violations

    @property
    def reasons(self) -> tuple[Reason, ...]:
        return tuple(v.reason for v in self.violations)

    @property
    def meter(self) -> MeterLevel | None:
        """What the meter says of the password checked (None: too long to be estimated)."""
        if Reason.TOO_SHORT in self.reasons:
            return MeterLevel.TOO_SHORT
        return None if self.level is None else MeterLevel.of(self.level, too_short=False)


_REFUSED_CATEGORIES = frozenset({"Cc", "Cs", "Cn", "Zl", "Zp"})


def is_printable_password(text: str) -> bool:
    """Every character a keyboard or a password manager may type is allowed, spaces
    (no-break spaces included) and the joiners inside emoji too; control characters,
    line and paragraph separators, surrogates and unassigned code points are not."""
    return not any(unicodedata.category(char) in _REFUSED_CATEGORIES for char in text)


def add_years(day: date, years: int) -> date:
    """Same day ``years`` later; 29 February maps to 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


@dataclass(frozen=True, slots=True)
class PasswordPolicy:
    """Every rule a new password must pass. The strength meter is guidance; this decides."""

    min_length: int = 20
    max_length: int = 128
    strict_charset: bool = False
    history_depth: int = 5
    validity_years: int = 3
    moyen_log10: float = 15.0
    fort_log10: float = 24.0
    terms: tuple[str, ...] | None = None
    """The service terms (folded): the operator's list, or None for the built-in one."""

    def expires_on(self, changed_on: date) -> date:
        """The last valid day of a password changed on ``changed_on``."""
        return add_years(changed_on, self.validity_years)

    def length(self, password: str) -> int:
        return len(normalise_password(password))

    def strength(self, password: str, personal_words: Iterable[str] = ()) -> StrengthLevel:
        return self.estimate(password, personal_words).level(self.moyen_log10, self.fort_log10)

    def reading(self, password: str, personal_words: Iterable[str] = ()) -> MeterReading | None:
        """What the live meter shows for ``password`` (None: nothing typed): the level,
        and the reasons when it is refused. Under the minimum length it is « too short »,
        without estimating its strength."""
        if not password:
            return None
        if self.length(password) < self.min_length:
            return MeterReading(MeterLevel.TOO_SHORT)
        result = self.estimate(password, personal_words)
        level = MeterLevel.of(result.level(self.moyen_log10, self.fort_log10), too_short=False)
        return MeterReading(level, Findings(result.findings) if not level.accepted else None)

    def meter(self, password: str, personal_words: Iterable[str] = ()) -> MeterLevel | None:
        """What the live meter shows for ``password`` (None: nothing typed). Under the
        minimum length it is « too short », without estimating its strength."""
        if not password:
            return None
        if self.length(password) < self.min_length:
            return MeterLevel.TOO_SHORT
        return MeterLevel.of(self.strength(password, personal_words), too_short=False)

    def estimate(self, password: str, personal_words: Iterable[str] = ()) -> StrengthEstimate:
        """Bounded-cost estimate; inputs over the maximum length are cut to it first."""
        text = normalise_password(password)[: self.max_length]
        return estimate(text, tuple(personal_words), terms=self.terms)

    def check(
        self,
        password: str,
        confirmation: str,
        *,
        personal_words: Iterable[str] = (),
        is_previous: Callable[[str], bool] = lambda _: False,
        breach: BreachVerdict | None = None,
    ) -> PolicyResult:
        """Check a new password. ``is_previous`` tells whether the (NFC) password matches
        one kept in history; it is only called when every cheaper rule passed. ``breach``
        is what the breached-password check said (asked before: it may take a second)."""
        text = normalise_password(password)
        violations: list[Violation] = []
        length = len(text)
        if length < self.min_length:
            violations.append(Violation(Reason.TOO_SHORT, {"min": self.min_length, "length": length}))
        if length > self.max_length:
            violations.append(Violation(Reason.TOO_LONG, {"max": self.max_length, "length": length}))
        if not is_printable_password(text):
            violations.append(Violation(Reason.CONTROL_CHARACTER))
        elif self.strict_charset and not _STRICT.fullmatch(text):
            violations.append(Violation(Reason.NOT_LETTERS_AND_DIGITS))
        if text != normalise_password(confirmation):
            violations.append(Violation(Reason.CONFIRMATION_MISMATCH))
        level: StrengthLevel | None = None
        findings: tuple[Finding, ...] = ()
        if length <= self.max_length:
            estimated = self.estimate(text, personal_words)
            level, findings = estimated.level(self.moyen_log10, self.fort_log10), estimated.findings
            if level is StrengthLevel.FAIBLE:
                violations.append(Violation(Reason.TOO_WEAK, {"reasons": Findings(findings)}))
        if not violations and breach is BreachVerdict.BREACHED:
            violations.append(Violation(Reason.BREACHED))
            findings = (Finding(Kind.BREACHED), *findings)
        elif not violations and breach is BreachVerdict.UNAVAILABLE:
            violations.append(Violation(Reason.BREACH_CHECK_UNAVAILABLE))
        if not violations and is_previous(text):
            violations.append(Violation(Reason.SAME_AS_PREVIOUS))
        return PolicyResult(tuple(violations), level, findings)
