"""What every screen shares: the session bar, the test-mode banner, the error area, and
the navigation messages the app acts on ("attributes down, messages up")."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Input, Static

from domain.accounts import AccountCard
from domain.expiry import ExpiryStatus
from domain.services import UserSession


class Navigate(Message):
    """Base of the navigation requests a screen sends up to the app."""


@dataclass
class ForgotRequested(Navigate):
    """« Mot de passe oublié » was chosen on the login screen."""

    email: str = ""


@dataclass
class FlowAdvanced(Navigate):
    """The flow moved on a step: the app shows the screen of its new step."""


@dataclass
class FlowBack(Navigate):
    """« Étape précédente »: the app goes back to the previous screen, as it was left."""


@dataclass
class ShowFallback(Navigate):
    """« Je ne peux pas mener à bien cette procédure »: the information screen."""


@dataclass
class SignedIn(Navigate):
    card: AccountCard
    expiry: ExpiryStatus | None = None


@dataclass
class ExpiredLogin(Navigate):
    """A right but expired password: « Mot de passe expiré » starts."""

    email: str = ""


@dataclass
class Go(Navigate):
    """Open a screen of the account space: ``services``, ``coordinates`` or ``change``."""

    destination: str


@dataclass
class SignedOut(Navigate):
    """The session was signed out (password changed elsewhere): back to login, with why."""

    message: str = ""


@dataclass
class BackToLogin(Navigate):
    """Back to « Connexion » (after the summary, or on « Déconnexion »)."""


@dataclass
class FrameWanted(Message):
    """Ask the app to record the screen as the user sees it now (journal, replay)."""

    reason: str = "screen"


class BaseScreen(Screen[None]):
    """A screen of the procedure: title, session reference, body, errors, footer."""

    screen_name: ClassVar[str] = "screen"
    """Stable name of the screen in the journal."""

    def __init__(self, session: UserSession) -> None:
        super().__init__()
        self.session = session
        self.t = session.t
        self._ = session.t._

    def title_text(self) -> str:
        """The title at the top left; every screen names itself."""
        return "motdepasse"

    def key_hints(self) -> str:
        """The keys of this screen, in words, on the last line (translated)."""
        return self._("Tab: next field · Enter: confirm · Esc: previous step")

    def compose_body(self) -> ComposeResult:
        yield from ()

    def compose(self) -> ComposeResult:
        _ = self._
        with Horizontal(classes="title-bar"):
            yield Static(Text(self.title_text()), markup=False, classes="title")
            yield Static(
                Text(_("Session ref. {ref}").format(ref=self.session.reference)),
                markup=False,
                classes="session-ref",
            )
        if not self.session.captcha.enabled:
            yield Static(
                Text(
                    _(
                        "⚠ TEST MODE: the CAPTCHA is disabled (MOTDEPASSE_CAPTCHA=off). "
                        "Never use this setting in production."
                    )
                ),
                markup=False,
                classes="test-banner",
            )
        with VerticalScroll(classes="body", can_focus=False):
            yield from self.compose_body()
            yield Static("", markup=False, classes="errors", id="errors")
        hints = self.key_hints()
        if getattr(self.app, "demo_accounts", None):
            hints += " · " + self._("F2: demo accounts · F3: demo mailbox")
        yield Static(Text(hints), markup=False, classes="key-hints")

    def on_screen_resume(self) -> None:
        # Textual calls this handler of every class in the screen's MRO: subclasses add
        # their own on_screen_resume/on_mount and never call super() for these.
        self.session.journal.record("screen", self.screen_name)
        self.call_after_refresh(self.post_message, FrameWanted("screen"))

    def show_errors(self, messages: Iterable[str]) -> None:
        """Show messages as plain text (never markup), each marked « Erreur : »."""
        lines = list(messages)
        errors = self.query_one("#errors", Static)
        if not lines:
            errors.update("")
            errors.remove_class("-shown")
            return
        text = Text()
        for index, line in enumerate(lines):
            if index:
                text.append("\n")
            text.append(self._("Error: "), style="bold")
            text.append(line)
        errors.update(text)
        errors.add_class("-shown")
        errors.scroll_visible()
        self.call_after_refresh(self.post_message, FrameWanted("outcome"))

    def enter_pressed(self) -> bool:
        """Enter in a text field of this screen (called by the field itself, so the keys
        typed before Enter are in, and the focus moves before the keys typed after it are
        taken: a password typed ahead never lands in the field that had the focus). False
        lets the field post Input.Submitted as usual."""
        return False

    def next_empty_or_submit(self, inputs: list[Input]) -> bool:
        """Enter moves to the next empty field (at once); True when every field is filled."""
        for field in inputs:
            if not field.value:
                self.set_focus(field)
                return False
        return True

    def password_rules(self) -> str:
        """The rules of a new password, as the policy sets them, in words."""
        _ = self._
        policy = self.session.services.policy
        rules = _(
            "At least {min} characters, different from your previous password. "
            "Level Weak is refused; Medium and Strong are accepted."
        ).format(min=policy.min_length)
        if policy.strict_charset:
            rules += " " + _("Letters and digits only: no spaces, no accented letters.")
        return rules

    def set_busy(self, busy: bool) -> None:
        for button in self.query("Button.submit"):
            button.disabled = busy
