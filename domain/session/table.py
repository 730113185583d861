"""The session's state machine as data: every ``(step, intent) → handler`` in one table.

Each :class:`Transition` names the step it leaves, the intent that triggers it, the steps
it can lead to (for the diagram in ``docs/ARCHITECTURE.md``, generated from this table by
``python -m domain.session.diagram``), the handler, and the label a front end shows for
it. A handler calls one use case (:mod:`domain.usecases`, one unit of work), journals
the outcome and returns a :class:`Move`: the new trail, the messages, the fields to reset
and where the focus goes. An intent that has no row for the current step is ignored (and
journaled), never an error.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from domain import usecases
from domain.accounts import personal_words
from domain.captcha import CaptchaVerdict
from domain.policy import MESSAGES as POLICY_MESSAGES
from domain.policy import Reason, Violation
from domain.session import messages as m
from domain.session.intents import (
    Back,
    ChangeImage,
    EndSession,
    Intent,
    LogIn,
    OpenAdvice,
    OpenChange,
    OpenCoordinates,
    OpenFallback,
    OpenForgot,
    OpenHelp,
    OpenServices,
    Proceed,
    SignOut,
    SpellImage,
    SubmitAnswer,
    SubmitChange,
    SubmitEmail,
    SubmitNewPassword,
    SubmitPasswords,
    SwitchLanguage,
    Tick,
    TickNewPassword,
    length_band,
)
from domain.session.states import (
    Advice,
    ChangeCredentials,
    ChangeDone,
    Coordinates,
    Ended,
    ExpiredEmail,
    ExpiredPasswords,
    ExpiredSummary,
    ExpiryAlert,
    Fallback,
    ForgotEmail,
    ForgotNewPassword,
    ForgotQuestion,
    ForgotSummary,
    Home,
    Login,
    Procedure,
    Services,
    State,
    Step,
    Trail,
)
from domain.session.views import Note, Severity
from domain.text import looks_like_email, normalise_answer
from domain.throttle import LockScope
from domain.usecases import AnswerStatus, ChangeResult, ChangeStatus, PasswordStatus

if TYPE_CHECKING:
    from domain.session.core import SessionCore


@dataclass(frozen=True, slots=True)
class Move:
    """What a handler decides: the new trail, and what the front end shows with it."""

    trail: Trail
    notes: tuple[Note, ...] = ()
    resets: tuple[tuple[str, str], ...] = ()
    focus: str | None = None


Handler = Callable[["SessionCore", Any, Any], Move]

ANY = "*"
"""A transition from every step."""
PREVIOUS = "previous"
"""A transition back to the step below in the trail (for the diagram: every step that
leads here)."""


@dataclass(frozen=True, slots=True)
class Transition:
    source: Step | str
    intent: type[Intent]
    targets: tuple[Step | str, ...]
    handler: Handler
    label: str | None = None
    """The action's label (a message id); None for what a user does not choose (timers)."""


# Helpers shared by the handlers


def stay(core: SessionCore, state: State | None = None, **move: Any) -> Move:
    """The same step (``state`` replaces the top of the trail when given)."""
    trail = core.trail if state is None else (*core.trail[:-1], state)
    return Move(trail, **move)


def push(core: SessionCore, state: State, **move: Any) -> Move:
    return Move((*core.trail, state), **move)


def to_login(core: SessionCore, *notes: Note) -> Move:
    """Back to « Connexion », its password field empty."""
    login = core.trail[0]
    assert isinstance(login, Login)
    return Move((login,), notes=notes, resets=(("password", ""),), focus="password" if login.email else "email")


def error(text: str, *, code: str, field: str | None = None, **params: object) -> Note:
    return Note(text, tuple(params.items()), field=field, severity=Severity.ERROR, code=code)


def locked_note(core: SessionCore, until: Any, field: str | None = None, scope: LockScope | None = None) -> Note:
    """The forgot-password procedure refused until ``until``: for this email, or (scope
    ``client``) for every email from this connection."""
    local = until.astimezone(core.services.tz)
    if scope is LockScope.CLIENT:
        return error(m.LOCKED_CLIENT, code="locked_client", field=field, time=local, date=local.date())
    return error(m.LOCKED, code="locked", field=field, time=local, date=local.date())


def unusable_note(field: str | None) -> Note:
    """Text a use case refused before looking at it (the core refuses it first: kept so
    that no status of a use case goes unanswered)."""
    return error(m.UNUSABLE_TEXT, code="unusable_text", field=field)


def violation_notes(violations: tuple[Violation, ...]) -> tuple[Note, ...]:
    return tuple(
        error(
            POLICY_MESSAGES[v.reason],
            code=v.reason.value,
            field="confirm" if v.reason is Reason.CONFIRMATION_MISMATCH else "new",
            **v.params,
        )
        for v in violations
    )


def check_email_and_captcha(core: SessionCore, state: State, intent: SubmitEmail) -> Move | None:
    """The first step of every procedure: a well-formed email, then a right CAPTCHA (used
    up whatever the answer). None when both pass."""
    if not looks_like_email(intent.email):
        core.outcome("email_refused", reason="invalid_email", length=len(intent.email))
        return stay(core, state, notes=(error(m.INVALID_EMAIL, code="invalid_email", field="email"),), focus="email")
    link_typed_email(core, intent.email)
    return check_captcha(core, state, intent.captcha, "captcha_refused")


def link_typed_email(core: SessionCore, email: str) -> None:
    """The session goes on the card of the account whose email was typed, even when the
    step is refused before the account is looked at (a wrong CAPTCHA): "my password does
    not work" is the commonest call."""
    account_id = usecases.account_typed(core.services, email)
    if account_id is not None:
        core.journal.link_account(account_id)


def check_captcha(core: SessionCore, state: State, typed: str, outcome: str) -> Move | None:
    """The CAPTCHA (used up whatever the answer): None when right; else a new image, its
    field empty and focused, and why — wrong, or expired (its lifetime counts from its
    display)."""
    verdict = core.captcha.verdict(typed)
    if verdict is CaptchaVerdict.RIGHT:
        return None
    code = "captcha_expired" if verdict is CaptchaVerdict.EXPIRED else "captcha_wrong"
    core.outcome(outcome, reason=code)
    message = m.CAPTCHA_EXPIRED if verdict is CaptchaVerdict.EXPIRED else m.CAPTCHA_WRONG
    return stay(core, state, notes=(error(message, code=code, field="captcha"),), focus="captcha")


def refused_password(core: SessionCore, result: ChangeResult, lengths: dict[str, str]) -> Move:
    weak = [code for v in result.violations for code in v.finding_codes]
    core.outcome("password_refused", reasons=list(result.reasons), **({"weak": weak} if weak else {}), **lengths)
    return stay(core, notes=violation_notes(result.violations), resets=(("confirm", ""),), focus="new")


def lengths(password: str, confirmation: str) -> dict[str, str]:
    return {"length": length_band(password), "confirmation_length": length_band(confirmation)}


# « Connexion »


def log_in(core: SessionCore, state: Login, intent: LogIn) -> Move:
    state = replace(state, email=intent.email)
    wrong_captcha = check_captcha(core, state, intent.captcha, "login_refused")
    if wrong_captcha is not None:
        link_typed_email(core, intent.email)
        return wrong_captcha
    check = usecases.log_in(
        core.services, email=intent.email, password=intent.password, client_address=core.client_address
    )
    if check.deactivated_days is not None:
        core.outcome("account_deactivated", reason="expired", days=check.deactivated_days)
    if check.card is not None:
        core.journal.link_account(check.card.id)
    elif check.account_id is not None:  # a wrong password for an existing account
        core.journal.link_account(check.account_id)
    refused = (("password", ""),)
    if check.status is PasswordStatus.UNUSABLE:
        core.outcome("login_refused", reason="unusable_text")
        return stay(core, state, notes=(unusable_note(check.unusable),), resets=refused, focus=check.unusable)
    if check.status is PasswordStatus.THROTTLED:
        core.outcome("login_refused", reason="throttled", wait=check.wait_seconds())
        note = error(m.THROTTLED, code="throttled", seconds=check.wait_seconds())
        return stay(core, state, notes=(note,), resets=refused, focus="password")
    if check.status is PasswordStatus.INVALID or check.card is None:
        core.outcome("login_refused", reason="invalid")
        return stay(core, state, notes=(error(m.INVALID_LOGIN, code="invalid"),), resets=refused, focus="password")
    if check.status is PasswordStatus.DEACTIVATED:
        core.outcome("login_refused", reason="deactivated")
        return stay(core, state, notes=(error(m.DEACTIVATED, code="deactivated"),), resets=refused, focus="password")
    if check.status is PasswordStatus.EXPIRED:
        core.outcome("login_refused", reason="expired")
        email = intent.email.strip()
        return Move((state, ExpiredEmail(email)), resets=(("email", email),), focus="captcha")
    assert check.expiry is not None
    core.sign_in(check.card)
    core.outcome("login_accepted", days_left=check.expiry.days_left)
    if check.expiry.expiring_soon:
        return Move((state, ExpiryAlert(check.card, check.expiry)), resets=refused)
    return Move((state, Home(check.card, check.expiry)), resets=refused)


def open_forgot(core: SessionCore, state: Login, intent: OpenForgot) -> Move:
    email = intent.email.strip()
    login = replace(state, email=intent.email)
    core.captcha.refresh()  # each CAPTCHA screen its own image, its lifetime from its display
    return Move((login, ForgotEmail(email)), resets=(("email", email),), focus="captcha" if email else "email")


def open_fallback(core: SessionCore, state: State, _intent: Intent) -> Move:
    procedure = {
        Step.FORGOT_EMAIL: Procedure.FORGOT,
        Step.FORGOT_QUESTION: Procedure.FORGOT,
        Step.EXPIRED_EMAIL: Procedure.EXPIRED,
    }.get(state.step)
    return push(core, Fallback(procedure))


# The CAPTCHA


def switch_language(core: SessionCore, state: Login, _intent: SwitchLanguage) -> Move:
    core.switch_language()
    return stay(core, state, focus="email")


def change_image(core: SessionCore, _state: State, _intent: ChangeImage) -> Move:
    core.captcha.refresh()
    return stay(core, focus="captcha")


def spell_image(core: SessionCore, state: Login | ForgotEmail | ExpiredEmail, _intent: SpellImage) -> Move:
    shown = not state.spelled
    core.outcome("captcha_spelled", shown=shown)
    return stay(core, replace(state, spelled=shown))


# « Mot de passe oublié »


def forgot_email(core: SessionCore, state: ForgotEmail, intent: SubmitEmail) -> Move:
    state = replace(state, email=intent.email)
    refused = check_email_and_captcha(core, state, intent)
    if refused is not None:
        return refused
    email = intent.email.strip()
    identity = usecases.identify(core.services, email=email, client_address=core.client_address)
    if identity.unusable is not None:
        core.outcome("email_refused", reason="unusable_text")
        return stay(core, state, notes=(unusable_note("email"),), focus="email")
    if identity.locked_until is not None:
        reason = "locked_client" if identity.lock is LockScope.CLIENT else "locked"
        core.outcome("procedure_refused", reason=reason, until=identity.locked_until)
        note = locked_note(core, identity.locked_until, scope=identity.lock)
        return stay(core, state, notes=(note,), focus="email")
    if identity.account_id is not None:
        core.journal.link_account(identity.account_id)
    core.outcome("email_accepted")
    return push(core, ForgotQuestion(email, identity.question), resets=(("answer", ""),), focus="answer")


def forgot_answer(core: SessionCore, state: ForgotQuestion, intent: SubmitAnswer) -> Move:
    if not intent.answer.strip():
        core.outcome("answer_refused", reason="empty")
        return stay(core, notes=(error(m.EMPTY_ANSWER, code="empty_answer", field="answer"),), focus="answer")
    check = usecases.answer_question(
        core.services, email=state.email, answer=intent.answer, client_address=core.client_address
    )
    cleared = (("answer", ""),)
    if check.status is AnswerStatus.UNUSABLE:
        core.outcome("answer_refused", reason="unusable_text")
        return stay(core, notes=(unusable_note("answer"),), resets=cleared, focus="answer")
    if check.status is AnswerStatus.LOCKED:
        assert check.locked_until is not None
        if check.evaluated:
            core.outcome("answer_refused", reason="wrong_answer", length=length_band(intent.answer))
        else:
            reason = "locked_client" if check.lock is LockScope.CLIENT else "locked"
            core.outcome("procedure_refused", reason=reason, until=check.locked_until)
        note = locked_note(core, check.locked_until, "answer", scope=check.lock)
        return stay(core, notes=(note,), resets=cleared, focus="answer")
    if check.status is AnswerStatus.WRONG:
        core.outcome("answer_refused", reason="wrong_answer", length=length_band(intent.answer))
        note = error(m.WRONG_ANSWER, code="wrong_answer", field="answer")
        return stay(core, notes=(note,), resets=cleared, focus="answer")
    if check.status is AnswerStatus.DEACTIVATED:
        if check.deactivated_days is not None:
            core.outcome("account_deactivated", reason="expired", days=check.deactivated_days)
        core.outcome("procedure_refused", reason="deactivated")
        return stay(core, notes=(error(m.DEACTIVATED, code="deactivated"),), resets=cleared, focus="answer")
    card = check.account
    assert card is not None
    core.outcome("answer_accepted")
    words = personal_words(card, normalise_answer(intent.answer))
    new = ForgotNewPassword(state.email, state.question, card.id, card.credentials_version, words)
    return push(core, new, resets=(("new", ""), ("confirm", "")), focus="new")


def forgot_new_password(core: SessionCore, state: ForgotNewPassword, intent: SubmitNewPassword) -> Move:
    result = usecases.set_forgotten_password(
        core.services,
        account_id=state.account_id,
        expected_version=state.version,
        password=intent.password,
        confirmation=intent.confirmation,
        words=state.words,
        client_address=core.client_address,
    )
    facts = lengths(intent.password, intent.confirmation)
    if result.status is ChangeStatus.UNUSABLE:
        core.outcome("password_refused", reasons=["unusable_text"], **facts)
        field = "confirm" if result.unusable == "confirmation" else "new"
        return stay(core, notes=(unusable_note(field),), focus=field)
    if result.status is ChangeStatus.STALE:
        core.outcome("password_refused", reasons=["stale"], **facts)
        note = error(m.STALE, code="stale")
        return Move((core.trail[0], ForgotEmail(state.email)), notes=(note,), resets=(("email", state.email),))
    if not result.changed:
        return refused_password(core, result, facts)
    assert result.valid_until is not None
    core.outcome("password_changed", valid_until=result.valid_until)
    return Move((core.trail[0], ForgotSummary(result.valid_until)))


# « Mot de passe expiré »


def expired_email(core: SessionCore, state: ExpiredEmail, intent: SubmitEmail) -> Move:
    state = replace(state, email=intent.email)
    refused = check_email_and_captcha(core, state, intent)
    if refused is not None:
        return refused
    email = intent.email.strip()
    identity = usecases.identify(core.services, email=email)
    if identity.unusable is not None:
        core.outcome("email_refused", reason="unusable_text")
        return stay(core, state, notes=(unusable_note("email"),), focus="email")
    if identity.account_id is not None:
        core.journal.link_account(identity.account_id)
    core.outcome("email_accepted")
    cleared = (("old", ""), ("new", ""), ("confirm", ""))
    return push(core, ExpiredPasswords(email, identity.words), resets=cleared, focus="old")


def expired_passwords(core: SessionCore, state: ExpiredPasswords, intent: SubmitPasswords) -> Move:
    result = usecases.change_expired_password(
        core.services,
        email=state.email,
        old=intent.old,
        new=intent.new,
        confirmation=intent.confirmation,
        client_address=core.client_address,
    )
    facts = lengths(intent.new, intent.confirmation)
    cleared = (("old", ""),)
    if result.status is ChangeStatus.UNUSABLE:
        core.outcome("password_refused", reasons=["unusable_text"], **facts)
        field = "confirm" if result.unusable == "confirmation" else result.unusable
        return stay(core, notes=(unusable_note(field),), resets=cleared, focus=field)
    if result.status is ChangeStatus.THROTTLED:
        core.outcome("old_password_refused", reason="throttled", wait=result.wait_seconds())
        note = error(m.THROTTLED, code="throttled", seconds=result.wait_seconds())
        return stay(core, notes=(note,), resets=cleared, focus="old")
    if result.status is ChangeStatus.WRONG_OLD:
        core.outcome("old_password_refused", reason="invalid", length=length_band(intent.old))
        return stay(core, notes=(error(m.WRONG_OLD, code="wrong_old_password"),), resets=cleared, focus="old")
    if result.status is ChangeStatus.DEACTIVATED:
        if result.deactivated_days is not None:
            core.outcome("account_deactivated", reason="expired", days=result.deactivated_days)
        core.outcome("procedure_refused", reason="deactivated")
        return stay(core, notes=(error(m.DEACTIVATED, code="deactivated"),), resets=cleared, focus="old")
    if result.account_id is not None:
        core.journal.link_account(result.account_id)
    if result.status is ChangeStatus.STALE:
        core.outcome("password_refused", reasons=["stale"], **facts)
        return stay(core, notes=(error(m.STALE, code="stale"),), resets=cleared, focus="old")
    if not result.changed:
        return refused_password(core, result, facts)
    assert result.valid_until is not None
    core.outcome("password_changed", valid_until=result.valid_until)
    return Move((core.trail[0], ExpiredSummary(result.valid_until)))


def summary_done(core: SessionCore, _state: State, _intent: Proceed) -> Move:
    """« Accédez à vos services en ligne »: the login (never an automatic sign-in)."""
    return to_login(core)


# Going back, overlays


def back(core: SessionCore, _state: State, _intent: Back) -> Move:
    trail = core.trail[:-1]
    if isinstance(trail[-1], Login | ForgotEmail | ExpiredEmail):
        core.captcha.refresh()  # back on a CAPTCHA screen: a new image
    if len(trail) == 1:
        return to_login(core)
    return Move(trail, focus="captcha" if isinstance(trail[-1], ForgotEmail | ExpiredEmail) else None)


def open_advice(core: SessionCore, _state: State, _intent: OpenAdvice) -> Move:
    return push(core, Advice())


# The account space


def alert_ok(core: SessionCore, state: ExpiryAlert, _intent: Proceed) -> Move:
    return Move((*core.trail[:-1], Home(state.card, state.expiry)), focus="change-password")


def open_change(core: SessionCore, _state: State, _intent: OpenChange) -> Move:
    home = core.home()
    card = home.card
    words = personal_words(card)
    cleared = (("new", ""), ("confirm", ""), ("answer", ""))
    return push(core, ChangeCredentials(card.email, card.security_question, words), resets=cleared, focus="tick")


def open_services(core: SessionCore, _state: State, _intent: OpenServices) -> Move:
    return push(core, Services())


def open_coordinates(core: SessionCore, _state: State, _intent: OpenCoordinates) -> Move:
    return push(core, Coordinates(core.home().card))


def sign_out(core: SessionCore, _state: State, _intent: SignOut) -> Move:
    core.sign_out()
    return to_login(core)


def tick_new_password(core: SessionCore, state: ChangeCredentials, intent: TickNewPassword) -> Move:
    """The front end shows the password fields at once; the core only records the choice."""
    return stay(core, replace(state, ticked=intent.ticked))


def submit_change(core: SessionCore, state: ChangeCredentials, intent: SubmitChange) -> Move:
    if not intent.ticked:
        core.outcome("change_refused", reason="nothing_to_change")
        note = error(m.NOTHING_TO_CHANGE, code="nothing_to_change", field="tick")
        return stay(core, replace(state, ticked=False), notes=(note,), focus="tick")
    state = replace(state, ticked=True)
    if not intent.answer.strip():
        core.outcome("change_refused", reason="empty_answer")
        return stay(core, state, notes=(error(m.EMPTY_ANSWER, code="empty_answer", field="answer"),), focus="answer")
    account_id, version = core.signed_in
    result = usecases.change_signed_in_password(
        core.services,
        account_id=account_id,
        email=state.email,
        signed_in_version=version,
        answer=intent.answer,
        new=intent.password,
        confirmation=intent.confirmation,
        client_address=core.client_address,
    )
    cleared = (("answer", ""),)
    if result.status is ChangeStatus.UNUSABLE:
        core.outcome("change_refused", reason="unusable_text")
        field = {"confirmation": "confirm", "password": "new"}.get(result.unusable or "", result.unusable)
        return stay(core, state, notes=(unusable_note(field),), resets=cleared, focus=field)
    if result.status is ChangeStatus.SIGNED_OUT:
        return core.signed_out(result.signed_out_reason or "credentials_changed")
    if result.status in (ChangeStatus.STALE, ChangeStatus.DEACTIVATED):
        if result.deactivated_days is not None:
            core.outcome("account_deactivated", reason="expired", days=result.deactivated_days)
        return core.signed_out("deactivated" if result.status is ChangeStatus.DEACTIVATED else "credentials_changed")
    if result.status is ChangeStatus.LOCKED:
        if result.evaluated:
            core.outcome("change_refused", reason="wrong_answer", length=length_band(intent.answer))
        else:
            core.outcome("change_refused", reason="locked")
        assert result.locked_until is not None
        note = locked_note(core, result.locked_until, "answer", scope=result.lock)
        return stay(core, state, notes=(note,), resets=cleared, focus="answer")
    if result.status is ChangeStatus.WRONG_ANSWER:
        core.outcome("change_refused", reason="wrong_answer", length=length_band(intent.answer))
        note = error(m.WRONG_ANSWER, code="wrong_answer", field="answer")
        return stay(core, state, notes=(note,), resets=cleared, focus="answer")
    if not result.changed:
        move = refused_password(core, result, lengths(intent.password, intent.confirmation))
        return replace(move, trail=(*core.trail[:-1], state))
    assert result.valid_until is not None and result.new_version is not None
    core.outcome("password_changed", valid_until=result.valid_until)
    core.credentials_renewed(result.new_version)
    return Move((*core.trail[:-1], ChangeDone(result.valid_until)))


def back_home(core: SessionCore, _state: State, _intent: Intent) -> Move:
    """To the home, showing the account as it is now."""
    index = next(i for i, s in enumerate(core.trail) if isinstance(s, Home))
    standing = usecases.standing(core.services, account_id=core.signed_in[0], version=core.signed_in[1])
    if standing.ended is not None or standing.card is None:
        return core.signed_out(standing.ended or "credentials_changed")
    return Move((*core.trail[:index], Home(standing.card, standing.expiry)), focus="services")


def tick(core: SessionCore, _state: State, _intent: Tick) -> Move:
    """Nothing to do here: a signed-in session's standing is checked before every intent
    (see :meth:`SessionCore.send`)."""
    return stay(core)


def end(core: SessionCore, _state: State, intent: EndSession) -> Move:
    return Move((Ended(intent.reason),))


CAPTCHA_STEPS = (Step.LOGIN, Step.FORGOT_EMAIL, Step.EXPIRED_EMAIL)
NEW_PASSWORD_STEPS = (Step.FORGOT_NEW_PASSWORD, Step.EXPIRED_PASSWORDS, Step.CHANGE)


def _each(sources: tuple[Step, ...], intent: type[Intent], handler: Handler, label: str) -> tuple[Transition, ...]:
    return tuple(Transition(source, intent, (source,), handler, label) for source in sources)


TRANSITIONS: tuple[Transition, ...] = (
    # « Connexion »
    Transition(Step.LOGIN, LogIn, (Step.HOME, Step.EXPIRY_ALERT, Step.EXPIRED_EMAIL), log_in, m.LOG_IN),
    *_each(CAPTCHA_STEPS, ChangeImage, change_image, m.CHANGE_IMAGE),
    *_each(CAPTCHA_STEPS, SpellImage, spell_image, m.SPELL_IMAGE),
    Transition(Step.LOGIN, OpenForgot, (Step.FORGOT_EMAIL,), open_forgot, m.FORGOT),
    Transition(Step.LOGIN, OpenHelp, (Step.FALLBACK,), open_fallback, m.HELP),
    Transition(Step.LOGIN, SwitchLanguage, (Step.LOGIN,), switch_language, m.OTHER_LANGUAGE),
    # « Mot de passe oublié »
    Transition(Step.FORGOT_EMAIL, SubmitEmail, (Step.FORGOT_QUESTION,), forgot_email, m.CONTINUE),
    Transition(Step.FORGOT_EMAIL, Back, (Step.LOGIN,), back, m.BACK_TO_LOGIN),
    Transition(Step.FORGOT_EMAIL, OpenFallback, (Step.FALLBACK,), open_fallback, m.CANNOT_COMPLETE),
    Transition(Step.FORGOT_QUESTION, SubmitAnswer, (Step.FORGOT_NEW_PASSWORD,), forgot_answer, m.CONTINUE),
    Transition(Step.FORGOT_QUESTION, Back, (Step.FORGOT_EMAIL,), back, m.PREVIOUS_STEP),
    Transition(Step.FORGOT_QUESTION, OpenFallback, (Step.FALLBACK,), open_fallback, m.CANNOT_COMPLETE),
    Transition(
        Step.FORGOT_NEW_PASSWORD,
        SubmitNewPassword,
        (Step.FORGOT_SUMMARY, Step.FORGOT_EMAIL),
        forgot_new_password,
        m.CONFIRM,
    ),
    Transition(Step.FORGOT_NEW_PASSWORD, Back, (Step.FORGOT_QUESTION,), back, m.PREVIOUS_STEP),
    Transition(Step.FORGOT_SUMMARY, Proceed, (Step.LOGIN,), summary_done, m.TO_SERVICES),
    # « Mot de passe expiré »
    Transition(Step.EXPIRED_EMAIL, SubmitEmail, (Step.EXPIRED_PASSWORDS,), expired_email, m.CONTINUE),
    Transition(Step.EXPIRED_EMAIL, Back, (Step.LOGIN,), back, m.BACK_TO_LOGIN),
    Transition(Step.EXPIRED_EMAIL, OpenFallback, (Step.FALLBACK,), open_fallback, m.CANNOT_COMPLETE),
    Transition(Step.EXPIRED_PASSWORDS, SubmitPasswords, (Step.EXPIRED_SUMMARY,), expired_passwords, m.CONFIRM),
    Transition(Step.EXPIRED_PASSWORDS, Back, (Step.EXPIRED_EMAIL,), back, m.PREVIOUS_STEP),
    Transition(Step.EXPIRED_SUMMARY, Proceed, (Step.LOGIN,), summary_done, m.TO_SERVICES),
    # Information over a step
    Transition(Step.FALLBACK, Back, (PREVIOUS,), back, m.BACK),
    *(Transition(source, OpenAdvice, (Step.ADVICE,), open_advice, m.ADVICE) for source in NEW_PASSWORD_STEPS),
    Transition(Step.ADVICE, Back, (PREVIOUS,), back, m.CLOSE),
    # The account space
    Transition(Step.EXPIRY_ALERT, Proceed, (Step.HOME,), alert_ok, m.OK),
    Transition(Step.HOME, OpenChange, (Step.CHANGE,), open_change, m.CHANGE_PASSWORD),
    Transition(Step.SERVICES, OpenChange, (Step.CHANGE,), open_change, m.MANAGE_CREDENTIALS),
    Transition(Step.HOME, OpenServices, (Step.SERVICES,), open_services, m.MANAGE_SERVICES),
    Transition(Step.HOME, OpenCoordinates, (Step.COORDINATES,), open_coordinates, m.MANAGE_COORDINATES),
    Transition(Step.SERVICES, OpenCoordinates, (Step.COORDINATES,), open_coordinates, m.MANAGE_COORDINATES),
    Transition(Step.HOME, SignOut, (Step.LOGIN,), sign_out, m.LOG_OUT),
    Transition(Step.SERVICES, Back, (Step.HOME,), back, m.BACK),
    Transition(Step.COORDINATES, Back, (PREVIOUS,), back, m.BACK),
    Transition(Step.CHANGE, TickNewPassword, (Step.CHANGE,), tick_new_password, m.TICK_LABEL),
    Transition(Step.CHANGE, SubmitChange, (Step.CHANGE_DONE, Step.LOGIN), submit_change, m.CONFIRM_CHANGES),
    Transition(Step.CHANGE, Back, (PREVIOUS,), back, m.CANCEL),
    Transition(Step.CHANGE_DONE, Proceed, (Step.HOME,), back_home, m.BACK_HOME),
    Transition(Step.CHANGE_DONE, Back, (Step.HOME,), back_home, None),
    # Every step
    Transition(ANY, Tick, (), tick),
    Transition(ANY, EndSession, (Step.ENDED,), end),
)
"""Read top to bottom, this is the whole session. A signed-in step whose sign-in no
longer stands (password changed elsewhere, expired, account deactivated) goes back to
« Connexion » with the reason, before any intent is handled (see the diagram's note)."""


def find(step: Step, intent: type[Intent]) -> Transition | None:
    for transition in TRANSITIONS:
        if transition.intent is intent and transition.source in (step, ANY):
            return transition
    return None


def actions(step: Step) -> tuple[tuple[str, str], ...]:
    """(intent name, label) of what a user can choose at ``step``, in the table's order."""
    return tuple((t.intent.name, t.label) for t in TRANSITIONS if t.source == step and t.label is not None)
