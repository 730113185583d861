"""What every procedure shares: outcomes and the password change itself."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from domain import accounts
from domain.i18n import N_, Translator
from domain.mail import Recipient, password_changed_email
from domain.models import Account
from domain.policy import PolicyResult
from domain.services import UserSession
from domain.strength import StrengthLevel
from domain.text import email_key, looks_like_email, normalise_password


@dataclass(frozen=True, slots=True)
class Outcome:
    """The result of one step: messages in the session's language, codes for the journal."""

    ok: bool
    messages: tuple[str, ...] = ()
    codes: tuple[str, ...] = ()
    locked_until: datetime | None = None

    @classmethod
    def success(cls) -> Outcome:
        return cls(ok=True)

    @classmethod
    def failure(cls, t: Translator, code: str, message: str, **params: object) -> Outcome:
        return cls(ok=False, messages=(t._(message).format(**params),), codes=(code,))


CAPTCHA_WRONG = N_(
    "The characters typed do not match the image, or the image expired. A new image is shown: type its characters."
)
DEACTIVATED = N_("This account is deactivated. Contact support to reactivate it.")
STALE = N_("The password of this account was changed in another session. Start again.")


LOCKED = N_(
    "Too many wrong answers. This procedure is refused for this address until {time} "
    "({date}). You can still log in with your current password."
)


INVALID_EMAIL = N_("Type a valid email address, for example prenom.nom@exemple.fr.")


def check_email_and_captcha(session: UserSession, email: str, captcha_answer: str) -> Outcome | None:
    """The first step of every procedure: a well-formed email, then a right CAPTCHA (used
    up whatever the answer). None when both pass."""
    t = session.t
    if not looks_like_email(email):
        session.journal.record("outcome", "email_refused", reason="invalid_email", length=len(email))
        return Outcome.failure(t, "invalid_email", INVALID_EMAIL)
    if not session.captcha.check(captcha_answer):
        session.journal.record("outcome", "captcha_refused", reason="captcha_wrong")
        return Outcome.failure(t, "captcha_wrong", CAPTCHA_WRONG)
    return None


def answers_locked(session: UserSession, email: str) -> Outcome | None:
    """The refusal to show while wrong security answers lock ``email`` (known or not)."""
    services = session.services
    digest = accounts.email_digest(services.secret_key, email_key(email))
    with services.uow() as uow:
        until = services.answer_throttle.locked_until(uow, digest, services.clock.now())
    if until is None:
        return None
    t = session.t
    local = until.astimezone(services.tz)
    return Outcome(
        ok=False,
        messages=(t._(LOCKED).format(time=t.time(local), date=t.date(local.date())),),
        codes=("locked",),
        locked_until=until,
    )


def recipient_of(account: Account) -> Recipient:
    assert account.id is not None
    return Recipient(account.id, account.email, account.first_name, account.last_name, account.language)


@dataclass
class ChangeTarget:
    """The account a procedure is changing, as read when the procedure identified it."""

    account_id: int
    credentials_version: int
    personal_words: tuple[str, ...]

    @classmethod
    def of(cls, account: Account, *extra_words: str) -> ChangeTarget:
        assert account.id is not None
        return cls(
            account_id=account.id,
            credentials_version=account.credentials_version,
            personal_words=(
                account.last_name,
                account.first_name,
                account.email,
                account.subscriber_number,
                account.phone,
                *extra_words,
            ),
        )


def meter_level(session: UserSession, password: str, words: Iterable[str]) -> StrengthLevel | None:
    """The level the meter shows while typing; None for an empty field."""
    if not password:
        return None
    return session.services.policy.strength(password, words)


def change_password(
    session: UserSession,
    target: ChangeTarget,
    password: str,
    confirmation: str,
    *,
    procedure: str,
) -> tuple[Outcome, date | None]:
    """Check the policy (server side), then change the password and queue its email in
    one transaction. Returns the outcome and, on success, the last valid day. The
    outcome is journaled here, for every procedure (lengths only, never the text)."""
    outcome, valid_until = _change_password(session, target, password, confirmation, procedure=procedure)
    if outcome.ok:
        session.journal.record("outcome", "password_changed", valid_until=valid_until)
    else:
        session.journal.record(
            "outcome",
            "password_refused",
            reasons=list(outcome.codes),
            length=len(password),
            confirmation_length=len(confirmation),
        )
    return outcome, valid_until


def _change_password(
    session: UserSession,
    target: ChangeTarget,
    password: str,
    confirmation: str,
    *,
    procedure: str,
) -> tuple[Outcome, date | None]:
    services = session.services
    policy = services.policy
    t = session.t
    with services.uow() as uow:
        previous = accounts.recent_hashes(uow.session, target.account_id, policy.history_depth)

    def is_previous(text: str) -> bool:
        return any(services.hasher.verify(h, text).ok for h in previous)

    result: PolicyResult = policy.check(
        password, confirmation, personal_words=target.personal_words, is_previous=is_previous
    )
    if not result.accepted:
        return (
            Outcome(
                ok=False,
                messages=tuple(v.message(t) for v in result.violations),
                codes=tuple(result.reasons),
            ),
            None,
        )
    new_hash = services.hasher.hash(normalise_password(password))
    now = services.clock.now()
    valid_until = policy.expires_on(services.local_day(now))
    with services.uow() as uow:
        account = uow.session.get(Account, target.account_id)
        if account is None:
            return Outcome.failure(t, "stale", STALE), None
        email = password_changed_email(
            recipient=recipient_of(account),
            valid_until=valid_until,
            changed_at=now,
            procedure=procedure,
            client_address=session.client_address,
            tz=services.tz,
            mail_domain=services.mail_domain,
        )
        try:
            accounts.replace_password(
                uow.session,
                account_id=target.account_id,
                expected_version=target.credentials_version,
                password_hash=new_hash,
                now=now,
                expires_on=valid_until,
                history_depth=policy.history_depth,
                email=email,
            )
        except accounts.StaleCredentials:
            return Outcome.failure(t, "stale", STALE), None
        uow.commit()
    target.credentials_version += 1
    session.journal.link_account(target.account_id)
    return Outcome.success(), valid_until
