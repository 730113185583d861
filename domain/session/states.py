"""Where a user is in a session: one frozen dataclass per documented step, holding what
was learnt or typed so far that is not secret.

The session keeps a **trail** of states (the step shown last): going on pushes or
replaces a state, « Étape précédente » pops one, and the end of a procedure goes back to
the login. A front end can mirror the trail (a stack of screens), so that going back shows
the previous step as it was left.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date
from typing import ClassVar

from domain.accounts import AccountCard
from domain.expiry import ExpiryStatus


class Step(enum.StrEnum):
    """Every step of a session. The values name the screens in the journal."""

    LOGIN = "login"
    FORGOT_EMAIL = "forgot_email"
    FORGOT_QUESTION = "forgot_question"
    FORGOT_NEW_PASSWORD = "forgot_new_password"
    FORGOT_SUMMARY = "forgot_summary"
    EXPIRED_EMAIL = "expired_email"
    EXPIRED_PASSWORDS = "expired_passwords"
    EXPIRED_SUMMARY = "expired_summary"
    FALLBACK = "fallback"
    ADVICE = "advice"
    EXPIRY_ALERT = "expiry_alert"
    HOME = "home"
    SERVICES = "services"
    COORDINATES = "coordinates"
    CHANGE = "change_credentials"
    CHANGE_DONE = "change_done"
    ENDED = "ended"


class Procedure(enum.StrEnum):
    FORGOT = "forgot"
    EXPIRED = "expired"
    CHANGE = "change"


@dataclass(frozen=True, slots=True)
class State:
    step: ClassVar[Step]
    signed_in: ClassVar[bool] = False
    """A step of the account space: it needs a sign-in that still stands."""


@dataclass(frozen=True, slots=True)
class Login(State):
    step: ClassVar[Step] = Step.LOGIN
    email: str = ""
    """The email typed last (not a secret): kept when the user comes back here."""
    spelled: bool = False


@dataclass(frozen=True, slots=True)
class ForgotEmail(State):
    step: ClassVar[Step] = Step.FORGOT_EMAIL
    email: str = ""
    spelled: bool = False


@dataclass(frozen=True, slots=True)
class ForgotQuestion(State):
    step: ClassVar[Step] = Step.FORGOT_QUESTION
    email: str
    question: str


@dataclass(frozen=True, slots=True)
class ForgotNewPassword(State):
    step: ClassVar[Step] = Step.FORGOT_NEW_PASSWORD
    email: str
    question: str
    account_id: int
    version: int
    """The credentials version the change must start from."""
    words: tuple[str, ...] = field(repr=False)
    """The account's own words and the (normalised) answer just given, for the strength
    estimate: the one secret a state keeps, for as long as this step lasts; never in a
    view, the journal or a repr."""


@dataclass(frozen=True, slots=True)
class ForgotSummary(State):
    step: ClassVar[Step] = Step.FORGOT_SUMMARY
    valid_until: date


@dataclass(frozen=True, slots=True)
class ExpiredEmail(State):
    step: ClassVar[Step] = Step.EXPIRED_EMAIL
    email: str = ""
    spelled: bool = False


@dataclass(frozen=True, slots=True)
class ExpiredPasswords(State):
    step: ClassVar[Step] = Step.EXPIRED_PASSWORDS
    email: str
    words: tuple[str, ...] = field(repr=False)


@dataclass(frozen=True, slots=True)
class ExpiredSummary(State):
    step: ClassVar[Step] = Step.EXPIRED_SUMMARY
    valid_until: date


@dataclass(frozen=True, slots=True)
class Fallback(State):
    """What to do when the procedure cannot be completed (or « Aide » at login)."""

    step: ClassVar[Step] = Step.FALLBACK
    procedure: Procedure | None = None


@dataclass(frozen=True, slots=True)
class Advice(State):
    """The advice against identity theft, over the step it was opened from."""

    step: ClassVar[Step] = Step.ADVICE


@dataclass(frozen=True, slots=True)
class ExpiryAlert(State):
    """At login, when the password expires within 60 days: « OK » opens the home."""

    step: ClassVar[Step] = Step.EXPIRY_ALERT
    signed_in: ClassVar[bool] = True
    card: AccountCard
    expiry: ExpiryStatus


@dataclass(frozen=True, slots=True)
class Home(State):
    step: ClassVar[Step] = Step.HOME
    signed_in: ClassVar[bool] = True
    card: AccountCard
    expiry: ExpiryStatus | None


@dataclass(frozen=True, slots=True)
class Services(State):
    step: ClassVar[Step] = Step.SERVICES
    signed_in: ClassVar[bool] = True


@dataclass(frozen=True, slots=True)
class Coordinates(State):
    step: ClassVar[Step] = Step.COORDINATES
    signed_in: ClassVar[bool] = True
    card: AccountCard


@dataclass(frozen=True, slots=True)
class ChangeCredentials(State):
    step: ClassVar[Step] = Step.CHANGE
    signed_in: ClassVar[bool] = True
    email: str
    question: str
    words: tuple[str, ...] = field(repr=False)
    ticked: bool = False


@dataclass(frozen=True, slots=True)
class ChangeDone(State):
    step: ClassVar[Step] = Step.CHANGE_DONE
    signed_in: ClassVar[bool] = True
    valid_until: date


@dataclass(frozen=True, slots=True)
class Ended(State):
    step: ClassVar[Step] = Step.ENDED
    reason: str = "quit"


Trail = tuple[State, ...]
