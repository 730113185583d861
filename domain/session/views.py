"""What the session core gives a front end to draw: a frozen :class:`View` per state.

A view says which step it is, its number and total, the fields with their labels and
limits, the messages (each tied to a field or to the step, with a severity), what can be
done next, the CAPTCHA to show, the password rules, and the step's own facts. Texts are
message ids (English), translated by the front end with :meth:`Note.render` or
``Translator._``: the same view serves French and English, the full-screen app and the
line mode. A view never holds a secret.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date

from domain.accounts import AccountCard
from domain.expiry import ExpiryStatus
from domain.i18n import N_, Translator
from domain.session.states import Procedure, Step
from domain.settings import Language


class Severity(enum.StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True, slots=True)
class Note:
    """A message: a message id and its parameters (dates and times are formatted in the
    reader's language), tied to a field (``field``) or to the step (None)."""

    text: str
    params: tuple[tuple[str, object], ...] = ()
    field: str | None = None
    severity: Severity = Severity.ERROR
    code: str = ""
    """A stable code for the journal and for tests (``wrong_answer``, ``too_short``…)."""

    def render(self, t: Translator) -> str:
        return t.format(self.text, **dict(self.params))


class FieldKind(enum.StrEnum):
    TEXT = "text"
    SECRET = "secret"
    """Typed without echo; a front end never shows it back."""
    CAPTCHA = "captcha"
    CHECKBOX = "checkbox"


@dataclass(frozen=True, slots=True)
class FieldSpec:
    name: str
    """The field's name: the key of the intent's value, and the widget's id."""
    label: str
    kind: FieldKind = FieldKind.TEXT
    max_length: int = 254


@dataclass(frozen=True, slots=True)
class Progress:
    """« Étape 2 sur 4 » and the labels of every step of the procedure."""

    procedure: Procedure
    title: str
    labels: tuple[str, ...]
    number: int

    @property
    def total(self) -> int:
        return len(self.labels)


@dataclass(frozen=True, slots=True)
class Action:
    """Something the user can do at this step: an intent's name and its label."""

    intent: str
    label: str


@dataclass(frozen=True, slots=True)
class CaptchaPicture:
    serial: int
    """Changes with every new challenge: a front end clears the CAPTCHA field then."""
    image: str = field(repr=False)
    """The characters drawn as FIGlet art (plain text, several lines)."""
    spelled: tuple[str, ...] = field(repr=False)
    """Each character spelled out in words (message ids)."""
    spelled_shown: bool = False
    enabled: bool = True
    lifetime_seconds: int = 0
    """How long a code may take to be typed, counted from its display (stated on screen)."""
    narrower: tuple[str, ...] = field(default=(), repr=False)
    """The same drawing in narrower forms, widest first: a front end shows the widest
    form that fits its width, and the spelling when none fits."""


@dataclass(frozen=True, slots=True)
class PasswordRules:
    min_length: int
    max_length: int
    letters_and_digits_only: bool


@dataclass(frozen=True, slots=True)
class SupportContact:
    phone: str
    hours: dict[str, str]
    """By language (``fr``, ``en``)."""
    form: dict[str, str]


# What each kind of step shows besides its fields


@dataclass(frozen=True, slots=True)
class NoDetail:
    pass


@dataclass(frozen=True, slots=True)
class QuestionDetail:
    email: str
    question: str


@dataclass(frozen=True, slots=True)
class SummaryDetail:
    valid_until: date


@dataclass(frozen=True, slots=True)
class AccountDetail:
    """The home and the contact details."""

    card: AccountCard
    expiry: ExpiryStatus | None


def coordinates(card: AccountCard) -> tuple[tuple[str, str], ...]:
    """« Vos coordonnées »: (label message id, value) in the order every front end shows
    them. Never the answer to the security question."""
    return (
        (N_("Last name"), card.last_name),
        (N_("First name"), card.first_name),
        (N_("Subscriber number"), card.subscriber_number),
        (N_("Phone"), card.phone),
        (N_("Login email address"), card.email),
        (N_("Postal address"), card.postal_address),
        (N_("Security question"), card.security_question),
    )


@dataclass(frozen=True, slots=True)
class AlertDetail:
    card: AccountCard
    expiry: ExpiryStatus


@dataclass(frozen=True, slots=True)
class ChangeDetail:
    email: str
    question: str
    ticked: bool


@dataclass(frozen=True, slots=True)
class FallbackDetail:
    """« Je ne peux pas mener à bien cette procédure », by procedure (message ids): what
    the procedure needs, another procedure the sheet names as the way out (the expired
    password: « Mot de passe oublié »), the last resort and the support."""

    procedure: Procedure | None
    support: SupportContact
    needs: str
    other_way: str | None
    if_not: str
    steps: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AdviceDetail:
    """« Recommandations pour prévenir des usurpations » (seed 003), message ids:
    ``memorable`` takes ``{min}``, the policy's minimum length."""

    points: tuple[str, ...]
    sentence: str
    memorable: str
    browser: str
    min_length: int


@dataclass(frozen=True, slots=True)
class EndedDetail:
    reason: str


Detail = (
    NoDetail
    | QuestionDetail
    | SummaryDetail
    | AccountDetail
    | AlertDetail
    | ChangeDetail
    | FallbackDetail
    | AdviceDetail
    | EndedDetail
)


@dataclass(frozen=True, slots=True)
class View:
    revision: int
    """Grows with every intent the core handles; a front end sends it back with the next
    intent, so an intent made for a view that is gone is ignored."""
    reference: str
    language: Language
    step: Step
    trail: tuple[Step, ...]
    """The steps from the login to this one, as a front end can stack them."""
    title: str
    progress: Progress | None = None
    fields: tuple[FieldSpec, ...] = ()
    notes: tuple[Note, ...] = ()
    resets: tuple[tuple[str, str], ...] = ()
    """Fields the front end sets to a value (``""`` clears a refused password)."""
    focus: str | None = None
    """The field (or action) that should take the focus."""
    actions: tuple[Action, ...] = ()
    captcha: CaptchaPicture | None = None
    rules: PasswordRules | None = None
    meter: bool = False
    """A new password is typed here: the front end shows the live strength meter."""
    detail: Detail = field(default_factory=NoDetail)
    test_mode: bool = False
    """The CAPTCHA is disabled (test environments only): show a warning."""
    busy: bool = False
    """An intent is being checked: the front end says so and sends nothing more."""

    @property
    def ended(self) -> bool:
        return self.step is Step.ENDED

    def get_field(self, name: str) -> FieldSpec | None:
        return next((f for f in self.fields if f.name == name), None)

    def can(self, intent: str) -> bool:
        return any(action.intent == intent for action in self.actions)
