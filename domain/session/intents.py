"""What a front end sends to the session core: small frozen dataclasses, one per thing a
user can do. A front end turns keys, clicks or typed lines into intents.

Secret fields (passwords, answers, CAPTCHA solutions) are left out of ``repr`` and never
journaled: :meth:`Intent.facts` says what the journal may keep of an intent (lengths at
most).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar


@dataclass(frozen=True, slots=True)
class Intent:
    name: ClassVar[str] = "intent"
    """The intent's name in the journal and in the transition table."""

    quiet: ClassVar[bool] = False
    """Quiet intents (timers) are journaled only when they change something."""

    keeps_form: ClassVar[bool] = False
    """True for an intent that changes nothing a form was filled against (a box ticked,
    the CAPTCHA spelled out): an intent made for the view before it still counts."""

    def facts(self) -> dict[str, object]:
        """What the journal may keep of this intent: never a secret, at most its length band."""
        return {}

    def texts(self) -> dict[str, str]:
        """What was typed, by the name of the view's field it was typed in."""
        return {}


def length_band(secret: str) -> str:
    """How long a secret was, as the journal keeps it: a band (``0``, ``1-7``, ``8-19``,
    ``20-39``, ``40+``), never the exact count — every support agent reads the journal, and
    an exact length narrows a guess. Enough to tell « nothing typed », « far too short » or
    « a paste of something else » on the phone."""
    return band(len(secret))


def band(n: int) -> str:
    """The band of a secret ``n`` characters long (see :func:`length_band`)."""
    if n == 0:
        return "0"
    for upper, band in ((7, "1-7"), (19, "8-19"), (39, "20-39")):
        if n <= upper:
            return band
    return "40+"


# « Connexion »


@dataclass(frozen=True, slots=True)
class LogIn(Intent):
    name: ClassVar[str] = "login"
    email: str
    password: str = field(repr=False)
    captcha: str = field(repr=False)

    def facts(self) -> dict[str, object]:
        return {"email_length": len(self.email), "password_length": length_band(self.password)}

    def texts(self) -> dict[str, str]:
        return {"email": self.email, "password": self.password, "captcha": self.captcha}


@dataclass(frozen=True, slots=True)
class OpenForgot(Intent):
    """« Mot de passe oublié », with the email typed so far (kept for the next step)."""

    name: ClassVar[str] = "forgot_password"
    email: str = ""

    def texts(self) -> dict[str, str]:
        return {"email": self.email}


@dataclass(frozen=True, slots=True)
class OpenHelp(Intent):
    """« Aide » on the login screen."""

    name: ClassVar[str] = "help"


@dataclass(frozen=True, slots=True)
class SwitchLanguage(Intent):
    """« English » / « Français » on the login screen: the other language, what was typed
    kept."""

    name: ClassVar[str] = "language"
    keeps_form: ClassVar[bool] = True


# The CAPTCHA of the login and of the first step of each procedure


@dataclass(frozen=True, slots=True)
class ChangeImage(Intent):
    name: ClassVar[str] = "captcha_refresh"


@dataclass(frozen=True, slots=True)
class SpellImage(Intent):
    """« Épeler les caractères »: show (or hide) the characters spelled out in words."""

    name: ClassVar[str] = "captcha_spelled"
    keeps_form: ClassVar[bool] = True


# The steps of the procedures


@dataclass(frozen=True, slots=True)
class SubmitEmail(Intent):
    name: ClassVar[str] = "submit_email"
    email: str
    captcha: str = field(repr=False)

    def facts(self) -> dict[str, object]:
        return {"email_length": len(self.email)}

    def texts(self) -> dict[str, str]:
        return {"email": self.email, "captcha": self.captcha}


@dataclass(frozen=True, slots=True)
class SubmitAnswer(Intent):
    name: ClassVar[str] = "submit_answer"
    answer: str = field(repr=False)

    def facts(self) -> dict[str, object]:
        return {"answer_length": length_band(self.answer)}

    def texts(self) -> dict[str, str]:
        return {"answer": self.answer}


@dataclass(frozen=True, slots=True)
class SubmitNewPassword(Intent):
    name: ClassVar[str] = "submit_new_password"
    password: str = field(repr=False)
    confirmation: str = field(repr=False)

    def facts(self) -> dict[str, object]:
        return {"length": length_band(self.password), "confirmation_length": length_band(self.confirmation)}

    def texts(self) -> dict[str, str]:
        return {"new": self.password, "confirm": self.confirmation}


@dataclass(frozen=True, slots=True)
class SubmitPasswords(Intent):
    """« Mot de passe expiré »: the old password, the new one and its confirmation."""

    name: ClassVar[str] = "submit_passwords"
    old: str = field(repr=False)
    new: str = field(repr=False)
    confirmation: str = field(repr=False)

    def facts(self) -> dict[str, object]:
        return {
            "old_length": length_band(self.old),
            "length": length_band(self.new),
            "confirmation_length": length_band(self.confirmation),
        }

    def texts(self) -> dict[str, str]:
        return {"old": self.old, "new": self.new, "confirm": self.confirmation}


@dataclass(frozen=True, slots=True)
class Back(Intent):
    """« Étape précédente », « Retour », « Annuler », Escape: one step back."""

    name: ClassVar[str] = "back"


@dataclass(frozen=True, slots=True)
class Proceed(Intent):
    """The one way on from a step without a form: « OK », « Accédez à vos services en
    ligne », « Retour à l'accueil »."""

    name: ClassVar[str] = "proceed"


@dataclass(frozen=True, slots=True)
class OpenFallback(Intent):
    """« Je ne peux pas mener à bien cette procédure »."""

    name: ClassVar[str] = "fallback_info"


@dataclass(frozen=True, slots=True)
class OpenAdvice(Intent):
    """« ? » or F1 beside a new password: the advice against identity theft."""

    name: ClassVar[str] = "advice"


# The account space


@dataclass(frozen=True, slots=True)
class OpenServices(Intent):
    name: ClassVar[str] = "open_services"


@dataclass(frozen=True, slots=True)
class OpenCoordinates(Intent):
    name: ClassVar[str] = "open_coordinates"


@dataclass(frozen=True, slots=True)
class OpenChange(Intent):
    """« Modifier le mot de passe » (home notice) or « Gérer votre adresse électronique de
    connexion / votre mot de passe » (services)."""

    name: ClassVar[str] = "open_change"


@dataclass(frozen=True, slots=True)
class TickNewPassword(Intent):
    """« Saisir mon nouveau mot de passe » ticked or not."""

    name: ClassVar[str] = "tick_new_password"
    keeps_form: ClassVar[bool] = True
    ticked: bool

    def facts(self) -> dict[str, object]:
        return {"ticked": self.ticked}


@dataclass(frozen=True, slots=True)
class SubmitChange(Intent):
    """« Valider les modifications »."""

    name: ClassVar[str] = "submit_change"
    ticked: bool
    password: str = field(repr=False)
    confirmation: str = field(repr=False)
    answer: str = field(repr=False)

    def facts(self) -> dict[str, object]:
        return {
            "ticked": self.ticked,
            "length": length_band(self.password),
            "confirmation_length": length_band(self.confirmation),
            "answer_length": length_band(self.answer),
        }

    def texts(self) -> dict[str, str]:
        return {"new": self.password, "confirm": self.confirmation, "answer": self.answer}


@dataclass(frozen=True, slots=True)
class SignOut(Intent):
    """« Déconnexion »."""

    name: ClassVar[str] = "logout"


# Time and the session's end


@dataclass(frozen=True, slots=True)
class Tick(Intent):
    """A front end's timer (every few seconds): a signed-in session checks it still
    stands (password changed elsewhere, expired, account deactivated)."""

    name: ClassVar[str] = "tick"
    quiet: ClassVar[bool] = True


@dataclass(frozen=True, slots=True)
class EndSession(Intent):
    """The session ends: the user quits, the server stops it (idle, maximum length,
    shutdown), or the terminal is gone."""

    name: ClassVar[str] = "end"
    reason: str = "quit"

    def facts(self) -> dict[str, object]:
        return {"reason": self.reason}

    def texts(self) -> dict[str, str]:
        return {"reason": self.reason}


ALL_INTENTS: tuple[type[Intent], ...] = (
    LogIn,
    OpenForgot,
    OpenHelp,
    SwitchLanguage,
    ChangeImage,
    SpellImage,
    SubmitEmail,
    SubmitAnswer,
    SubmitNewPassword,
    SubmitPasswords,
    Back,
    Proceed,
    OpenFallback,
    OpenAdvice,
    OpenServices,
    OpenCoordinates,
    OpenChange,
    TickNewPassword,
    SubmitChange,
    SignOut,
    Tick,
    EndSession,
)
