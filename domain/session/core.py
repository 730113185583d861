"""The session core: one user session as a state machine that every front end drives.

A front end (the full-screen app, the line mode, the tests) sends :mod:`intents
<domain.session.intents>` and draws the :class:`~domain.session.views.View` it gets back::

    core = SessionCore(services, channel="local")
    view = core.send(SubmitEmail("lila.rosemonde@orange.fr", "K7QF92"), revision=view.revision)

:meth:`SessionCore.send` blocks (Argon2, the database): call it from a worker thread,
never on an event loop. It handles **one intent at a time**: an intent sent while another
runs is refused at once, without being counted; an intent made for a view that is gone
(``revision``) or not valid at the current step is ignored; both leave a journal line.
Whatever a use case raises (the database or the mail queue unavailable) is contained: the
user is told the service is briefly unavailable, keeps what was typed, and can try again.
Every action and outcome is journaled here, so every front end gets the same journal.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import replace

from domain import usecases
from domain.accounts import AccountCard
from domain.captcha import Captcha
from domain.hashing import usable_secret
from domain.journal import Journal
from domain.policy import MeterLevel, MeterReading
from domain.services import Services
from domain.session import messages as m
from domain.session.intents import EndSession, Intent
from domain.session.render import render
from domain.session.states import Ended, Home, Login, State, Trail
from domain.session.table import Move, error, find, to_login, violation_notes
from domain.session.typed import TypingProgress
from domain.session.views import Note, Severity, View
from domain.settings import Language
from domain.strength import StrengthLevel

log = logging.getLogger("motdepasse.session")


class SessionCore:
    """One user's session: its trail of states, its sign-in, its CAPTCHA and journal."""

    def __init__(
        self,
        services: Services,
        *,
        language: Language | None = None,
        channel: str = "local",
        client_address: str | None = None,
        size: tuple[int, int] = (80, 24),
        reference: str | None = None,
    ) -> None:
        self.services = services
        context = services.open_session(
            language=language, channel=channel, client_address=client_address, size=size, reference=reference
        )
        self.reference = context.reference
        self.language: Language = context.t.lang
        self.captcha: Captcha = context.captcha
        self.journal: Journal = context.journal
        self.client_address = client_address
        self.channel = channel
        self._signed_in: tuple[int, int] | None = None
        self._lock = threading.Lock()
        """Held while an intent runs: one intent at a time."""
        self._state = threading.Lock()
        """Held while the trail and the view change (an intent's end, or the session's)."""
        self._trail: Trail = (Login(),)
        self._revision = 0
        self._valid_from = 0
        """The oldest revision an intent may still be made for: views after it only
        changed what does not invalidate a form (a box ticked, the CAPTCHA spelled)."""
        self._view = render(self, Move(self._trail, focus="email"), revision=0)
        self._typed = TypingProgress(self.journal)
        self._meter: tuple[MeterLevel, tuple[str, ...]] | None = None
        """The meter level journaled last at this step."""
        self._captcha_serial = 0
        """The last CAPTCHA a front end showed (journaled once each)."""
        self.journal.record("screen", self._trail[-1].step.value)

    # What front ends call

    def view(self) -> View:
        """The current view (while an intent runs: the previous one, marked busy)."""
        view = self._view
        return replace(view, busy=True) if self._lock.locked() else view

    def send(self, intent: Intent, *, revision: int | None = None) -> View:
        """Handle one intent; returns the new view. Blocking: call from a worker thread."""
        self.flush_typing()  # what was typed comes before what it was typed for
        if not self._lock.acquire(blocking=False):
            if not intent.quiet:
                self.journal.record("intent", "refused_busy", intent=intent.name)
            return self.view()
        try:
            return self._handle(intent, revision)
        finally:
            self._lock.release()

    def switch_language(self) -> None:
        """The other language for the rest of the session (its screens, not the account's
        emails, which follow the account's own language)."""
        self.language = "en" if self.language == "fr" else "fr"
        self.journal.record("session", "language", lang=self.language)

    def estimate(self, password: str) -> StrengthLevel | None:
        """The strength level of ``password`` at the current step, the account's words
        counted (None: empty, or no new password here). Blocking (bounded CPU)."""
        words = getattr(self._trail[-1], "words", None)
        if not password or words is None:
            return None
        return self.services.policy.strength(password, words)

    def meter(self, password: str) -> MeterReading | None:
        """What the live strength meter shows for ``password`` at the current step (None:
        empty, or no new password here): « too short » under the minimum length, else
        the strength level, with the reasons when it is refused. Blocking (bounded CPU):
        call from a worker thread."""
        words = getattr(self._trail[-1], "words", None)
        if words is None:
            return None
        return self.services.policy.reading(password, words)

    def precheck_new_password(self, password: str) -> tuple[MeterLevel | None, tuple[Note, ...]]:
        """What the policy says of a new password typed at the current step before its
        confirmation is typed (the line mode asks for it again at once): what the meter
        shows and the refusals — the confirmation and the history aside, checked when it
        is submitted. ``(None, ())`` where no new password is typed. Blocking (bounded
        CPU): call from a worker thread on an event loop."""
        words = getattr(self._trail[-1], "words", None)
        if words is None or unusable_text_value(password):
            return None, ()
        breach = self.services.breach_verdict(password, password)
        result = self.services.policy.check(password, password, personal_words=words, breach=breach)
        return result.meter, violation_notes(result.violations)

    # What only a front end sees, journaled (never a secret, never a character typed)

    def typing(self, field: str, length: int) -> None:
        """The user typed in ``field`` of the current step: it holds ``length`` characters
        now (never which). Journaled as :class:`~domain.session.typed.TypingProgress`
        says: a count, a band for a secret, batched. Cheap: may be called on an event loop."""
        spec = self._view.get_field(field)
        if spec is not None:
            self._typed.typed(spec, length)

    def flush_typing(self) -> None:
        """Journal the typing not journaled yet."""
        self._typed.flush()

    def meter_shown(self, level: MeterLevel | None, reasons: tuple[str, ...] = ()) -> None:
        """The front end's strength meter shows ``level`` now, refused for ``reasons``
        (journaled when it changes: the level's name and the reasons' codes only, never
        a word)."""
        if level is None or (level, reasons) == self._meter:
            return
        self._meter = (level, reasons)
        self.flush_typing()
        if reasons:
            self.journal.record("shown", "meter", level=level.value, reasons=list(reasons))
        else:
            self.journal.record("shown", "meter", level=level.value)

    def captcha_shown(self) -> None:
        """A front end shows the current CAPTCHA: its lifetime counts from now, and a new
        one is journaled (its number, never its characters)."""
        self.captcha.shown()
        serial = self.captcha.current.serial
        if serial != self._captcha_serial and self.captcha.enabled:
            self._captcha_serial = serial
            self.journal.record("shown", "captcha_new", serial=serial)

    def resized(self, columns: int, rows: int) -> None:
        self.journal.record("action", "resize", columns=columns, rows=rows)

    def record_frame(self, reason: str, *, columns: int, rows: int, ansi: str) -> None:
        """The screen as the front end drew it (never while it shows a typed secret)."""
        self.flush_typing()
        self.journal.frame(reason, columns=columns, rows=rows, ansi=ansi)

    def warned(self, kind: str, *, seconds: int | None = None) -> None:
        """The front end showed a warning the server sent: ``idle`` (no activity) or
        ``end`` (the maximum length), ``seconds`` before the session closes."""
        self.flush_typing()
        facts: dict[str, object] = {"warning": kind}
        if seconds is not None:
            facts["seconds"] = seconds
        self.journal.record("outcome", "session_warning", **facts)

    def warning_answered(self, kind: str, answer: str) -> None:
        """What the user did with a warning: ``stay`` (idle), ``extend`` (maximum length),
        ``dismissed`` (closed without either), ``timeout`` (its countdown ran out)."""
        self.journal.record("outcome", "session_warning_answer", warning=kind, answer=answer)

    def crashed(self, error: str) -> None:
        """The front end failed (a bug): the journal says so, then the session ends."""
        self.journal.record("session", "crash", error=error)

    def close(self, reason: str = "quit") -> None:
        """The end of the session, once (a front end calls it when it stops), and why (see
        :meth:`domain.journal.Journal.end`). It never waits for a running intent (a front
        end may call it on its event loop as it exits): that intent's use case completes,
        but its view is discarded and no intent is taken after this."""
        self._apply(Move((Ended(reason),)))

    # What handlers use (domain.session.table)

    @property
    def trail(self) -> Trail:
        return self._trail

    @property
    def account_signed_in(self) -> int | None:
        """The account this session is signed in to (None: not signed in)."""
        return None if self._signed_in is None else self._signed_in[0]

    @property
    def signed_in(self) -> tuple[int, int]:
        """(account id, credentials version) of the sign-in."""
        assert self._signed_in is not None, "no account is signed in"
        return self._signed_in

    def outcome(self, name: str, **facts: object) -> None:
        self.journal.record("outcome", name, **facts)

    def sign_in(self, card: AccountCard) -> None:
        self._signed_in = (card.id, card.credentials_version)
        self.journal.link_account(card.id)

    def sign_out(self) -> None:
        self._signed_in = None

    def credentials_renewed(self, version: int) -> None:
        """This session changed the password: it stays signed in with the new version."""
        account_id, _old = self.signed_in
        self._signed_in = (account_id, version)

    def signed_out(self, reason: str) -> Move:
        """The sign-in no longer stands: back to « Connexion », saying why."""
        self.outcome("signed_out", reason=reason)
        self.sign_out()
        return to_login(self, Note(m.SESSION_ENDED[reason], field=None, severity=Severity.WARNING, code=reason))

    def home(self) -> Home:
        return next(state for state in self._trail if isinstance(state, Home))

    # Inside

    def _handle(self, intent: Intent, revision: int | None) -> View:
        state = self._trail[-1]
        if isinstance(state, Ended):
            return self._view
        if revision is not None and revision < self._valid_from:
            if not intent.quiet:
                self.journal.record("intent", "ignored", intent=intent.name, reason="stale", step=state.step.value)
            return self._view
        unusable = unusable_text(intent)
        if unusable is not None:
            self.journal.record("intent", "refused", intent=intent.name, reason="unusable_text", step=state.step.value)
            note = error(m.UNUSABLE_TEXT, code="unusable_text", field=unusable)
            return self._apply(Move(self._trail, notes=(note,), focus=unusable), keeps_form=True)
        transition = find(state.step, type(intent))
        if transition is None:
            if not intent.quiet:
                self.journal.record("intent", "ignored", intent=intent.name, reason="step", step=state.step.value)
            return self._view
        if not intent.quiet:
            self.journal.record("action", intent.name, step=state.step.value, **intent.facts())
        try:
            move = self._ended_elsewhere(state, intent) or transition.handler(self, state, intent)
        except Exception as failure:  # noqa: BLE001 - the error boundary of every step
            move = self._contain(failure, intent)
            if intent.quiet:
                return self._view
        if intent.quiet and move.trail == self._trail and not move.notes:
            return self._view
        return self._apply(move, keeps_form=intent.keeps_form)

    def _ended_elsewhere(self, state: State, intent: Intent) -> Move | None:
        """A signed-in session whose sign-in no longer stands ends before any intent
        (whatever step is shown: a dialog over a step of the account space too)."""
        if self._signed_in is None or isinstance(intent, EndSession):
            return None
        account_id, version = self.signed_in
        ended = usecases.ended_reason(self.services, account_id=account_id, version=version)
        return None if ended is None else self.signed_out(ended)

    def _contain(self, failure: Exception, intent: Intent) -> Move:
        """A step that failed (database, mail queue, a bug): the session goes on."""
        log.error(
            "session %s: step %s failed: %s: %s",
            self.reference,
            intent.name,
            type(failure).__name__,
            _safe_message(failure),
            exc_info=failure,
        )
        if not intent.quiet:
            self.outcome("step_failed", intent=intent.name, error=type(failure).__name__)
        return Move(self._trail, notes=(error(m.UNAVAILABLE, code="unavailable"),))

    def _apply(self, move: Move, *, keeps_form: bool = False) -> View:
        with self._state:
            if isinstance(self._trail[-1], Ended):
                return self._view  # the session ended meanwhile: this move is discarded
            previous = self._trail[-1]
            self._trail = move.trail
            self._revision += 1
            if not keeps_form:
                self._valid_from = self._revision
            current = self._trail[-1]
            if isinstance(current, Ended):
                self.flush_typing()
                self.journal.end(current.reason)
            elif current.step is not previous.step:
                self.journal.record("screen", current.step.value)
            view = render(self, move, revision=self._revision)
            self._typed.new_view(self._view, view)
            if view.step is not self._view.step:
                self._meter = None
            self._view = view
            return self._view


_CHECKED_SECRETS = frozenset({"password", "answer", "old"})
"""Fields whose text is checked against a stored hash: no control character either (a
new password's are the policy's to refuse, with its own message)."""


def unusable_text_value(value: str) -> bool:
    """Whether ``value`` holds a lone surrogate (text no encoder accepts)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def unusable_text(intent: Intent) -> str | None:
    """The view field of the first text of ``intent`` that cannot be used, or None: a
    lone surrogate anywhere (a broken paste, a terminal's invalid input), a control
    character in a secret that is checked (password, answer, old password). Refused
    before any lock, limit or hash, like the use cases do (an email with a control
    character is an invalid email, with its own message)."""
    for name, value in intent.texts().items():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return name
        if name in _CHECKED_SECRETS and not usable_secret(value):
            return name
    return None


def _safe_message(failure: Exception) -> str:
    """The first line of an error, for the log. Database errors come with
    ``hide_parameters`` (no values of the statement); use cases never put a secret in a
    message."""
    text = str(failure).strip().splitlines()
    return text[0][:300] if text else ""


def walk(core: SessionCore, intents: Sequence[Intent]) -> View:
    """Send intents one after the other (tests, replays); the last view."""
    view = core.view()
    for intent in intents:
        view = core.send(intent, revision=view.revision)
    return view
