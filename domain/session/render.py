"""From a state to the view a front end draws (:class:`domain.session.views.View`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from domain.captcha import SPELLING
from domain.session import messages as m
from domain.session.states import (
    Advice,
    ChangeCredentials,
    ChangeDone,
    Coordinates,
    Ended,
    ExpiredSummary,
    ExpiryAlert,
    Fallback,
    ForgotQuestion,
    ForgotSummary,
    Home,
    Procedure,
    State,
    Step,
)
from domain.session.table import Move, actions
from domain.session.views import (
    AccountDetail,
    Action,
    AdviceDetail,
    AlertDetail,
    CaptchaPicture,
    ChangeDetail,
    Detail,
    EndedDetail,
    FallbackDetail,
    FieldKind,
    FieldSpec,
    NoDetail,
    PasswordRules,
    Progress,
    QuestionDetail,
    SummaryDetail,
    SupportContact,
    View,
)

if TYPE_CHECKING:
    from domain.session.core import SessionCore

TITLES: dict[Step, str] = {
    Step.LOGIN: m.LOGIN_TITLE,
    Step.FORGOT_EMAIL: m.FORGOT_TITLE,
    Step.FORGOT_QUESTION: m.FORGOT_TITLE,
    Step.FORGOT_NEW_PASSWORD: m.FORGOT_TITLE,
    Step.FORGOT_SUMMARY: m.FORGOT_TITLE,
    Step.EXPIRED_EMAIL: m.EXPIRED_TITLE,
    Step.EXPIRED_PASSWORDS: m.EXPIRED_TITLE,
    Step.EXPIRED_SUMMARY: m.EXPIRED_TITLE,
    Step.FALLBACK: m.FALLBACK_TITLE,
    Step.ADVICE: m.ADVICE_TITLE,
    Step.EXPIRY_ALERT: m.ALERT_TITLE,
    Step.HOME: m.HOME_TITLE,
    Step.SERVICES: m.SERVICES_TITLE,
    Step.COORDINATES: m.COORDINATES_TITLE,
    Step.CHANGE: m.CHANGE_TITLE,
    Step.CHANGE_DONE: m.CHANGE_TITLE,
    Step.ENDED: m.ENDED_TITLE,
}

PROCEDURES: dict[Procedure, tuple[str, tuple[Step, ...], tuple[str, ...]]] = {
    Procedure.FORGOT: (
        m.FORGOT_TITLE,
        (Step.FORGOT_EMAIL, Step.FORGOT_QUESTION, Step.FORGOT_NEW_PASSWORD, Step.FORGOT_SUMMARY),
        (m.EMAIL_LABEL, m.ANSWER_STEP_LABEL, m.NEW_PASSWORD_LABEL, m.SUMMARY_LABEL),
    ),
    Procedure.EXPIRED: (
        m.EXPIRED_TITLE,
        (Step.EXPIRED_EMAIL, Step.EXPIRED_PASSWORDS, Step.EXPIRED_SUMMARY),
        (m.EMAIL_LABEL, m.OLD_AND_NEW_LABEL, m.SUMMARY_LABEL),
    ),
}
"""The documented steps of each procedure, as the step indicator shows them."""

EMAIL = FieldSpec("email", m.EMAIL_LABEL, FieldKind.TEXT, 254)
CAPTCHA = FieldSpec("captcha", m.CAPTCHA_LABEL, FieldKind.CAPTCHA, 20)
PASSWORD = FieldSpec("password", m.PASSWORD_LABEL, FieldKind.SECRET, 1024)
ANSWER = FieldSpec("answer", m.ANSWER_LABEL, FieldKind.SECRET, 200)
OLD = FieldSpec("old", m.OLD_PASSWORD_LABEL, FieldKind.SECRET, 1024)
TICK = FieldSpec("tick", m.TICK_LABEL, FieldKind.CHECKBOX, 1)


def _new_password_fields(core: SessionCore) -> tuple[FieldSpec, FieldSpec]:
    # one more than the maximum, so that a password too long is refused with its reason
    limit = core.services.policy.max_length + 1
    return (
        FieldSpec("new", m.NEW_PASSWORD_LABEL, FieldKind.SECRET, limit),
        FieldSpec("confirm", m.CONFIRM_LABEL, FieldKind.SECRET, limit),
    )


def _fields(core: SessionCore, step: Step) -> tuple[FieldSpec, ...]:
    if step is Step.LOGIN:
        return (EMAIL, PASSWORD, CAPTCHA)
    if step in (Step.FORGOT_EMAIL, Step.EXPIRED_EMAIL):
        return (EMAIL, CAPTCHA)
    if step is Step.FORGOT_QUESTION:
        return (ANSWER,)
    if step is Step.FORGOT_NEW_PASSWORD:
        return _new_password_fields(core)
    if step is Step.EXPIRED_PASSWORDS:
        return (OLD, *_new_password_fields(core))
    if step is Step.CHANGE:
        return (TICK, *_new_password_fields(core), ANSWER)
    return ()


def _progress(step: Step) -> Progress | None:
    for procedure, (title, steps, labels) in PROCEDURES.items():
        if step in steps:
            return Progress(procedure, title, labels, steps.index(step) + 1)
    return None


def _detail(core: SessionCore, state: State) -> Detail:
    match state:
        case ForgotQuestion(email=email, question=question):
            return QuestionDetail(email, question)
        case ForgotSummary(valid_until=day) | ExpiredSummary(valid_until=day) | ChangeDone(valid_until=day):
            return SummaryDetail(day)
        case Home(card=card, expiry=expiry):
            return AccountDetail(card, expiry)
        case Coordinates(card=card):
            return AccountDetail(card, None)
        case ExpiryAlert(card=card, expiry=expiry):
            return AlertDetail(card, expiry)
        case ChangeCredentials(email=email, question=question, ticked=ticked):
            return ChangeDetail(email, question, ticked)
        case Fallback(procedure=procedure):
            settings = core.services.settings
            support = SupportContact(
                settings.support_phone,
                {"fr": settings.support_hours_fr, "en": settings.support_hours_en},
                {"fr": settings.support_form_fr, "en": settings.support_form_en},
            )
            if procedure is Procedure.EXPIRED:
                return FallbackDetail(
                    procedure,
                    support,
                    needs=m.FALLBACK_NEEDS_EXPIRED,
                    other_way=m.FALLBACK_OTHER_WAY_EXPIRED,
                    if_not=m.FALLBACK_IF_NOT_EXPIRED,
                    steps=m.FALLBACK_STEPS,
                )
            return FallbackDetail(
                procedure,
                support,
                needs=m.FALLBACK_NEEDS_FORGOT,
                other_way=None,
                if_not=m.FALLBACK_IF_NOT_FORGOT,
                steps=m.FALLBACK_STEPS,
            )
        case Advice():
            return AdviceDetail(
                m.ADVICE_POINTS,
                m.ADVICE_SENTENCE,
                m.ADVICE_LONG,
                m.ADVICE_BROWSER,
                core.services.policy.min_length,
            )
        case Ended(reason=reason):
            return EndedDetail(reason)
    return NoDetail()


def _captcha(core: SessionCore, state: State) -> CaptchaPicture | None:
    spelled = getattr(state, "spelled", None)
    if spelled is None:
        return None
    challenge = core.captcha.current
    if not core.captcha.enabled:
        return CaptchaPicture(challenge.serial, "", (), False, enabled=False)
    image, *narrower = challenge.images()
    return CaptchaPicture(
        challenge.serial,
        image,
        tuple(SPELLING[c] for c in challenge.solution),
        bool(spelled),
        lifetime_seconds=int(core.services.settings.captcha_ttl_seconds),
        narrower=tuple(narrower),
    )


def render(core: SessionCore, move: Move, *, revision: int) -> View:
    state = move.trail[-1]
    step = state.step
    fields = _fields(core, step)
    policy = core.services.policy
    new_password = any(f.name == "new" for f in fields)
    return View(
        revision=revision,
        reference=core.reference,
        language=core.language,
        step=step,
        trail=tuple(s.step for s in move.trail),
        title=TITLES[step],
        progress=_progress(step),
        fields=fields,
        notes=move.notes,
        resets=move.resets,
        focus=move.focus,
        actions=tuple(Action(intent, label) for intent, label in actions(step)),
        captcha=_captcha(core, state),
        rules=PasswordRules(policy.min_length, policy.max_length, policy.strict_charset) if new_password else None,
        meter=new_password,
        detail=_detail(core, state),
        test_mode=not core.captcha.enabled,
    )
