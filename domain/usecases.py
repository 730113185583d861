"""The use cases of a user session, Cosmic Python style: each takes primitives and the
process's services, runs in **one** unit of work, and returns what happened as data. The
session core (:mod:`domain.session`) calls them and journals their results.

A use case that checks a limit (wrong answers, wrong passwords) checks it, verifies the
secret and records the outcome in one *serialised* unit of work
(:class:`domain.storage.UnitOfWork` with ``locks``): however many attempts arrive at the
same moment, from threads or processes, no more than the allowed number is evaluated, and
the lock they reach is reached once (one lock email). A password change is made only from
the credentials version it started from (a conditional UPDATE): of two simultaneous
changes exactly one wins, and only the winner's email is written.

No use case keeps a secret beyond its call, puts one in an exception, or returns one.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from domain import accounts
from domain.accounts import AccountCard, personal_words
from domain.expiry import ExpiryStatus
from domain.mail import Recipient, password_changed_email, procedure_locked_email
from domain.models import Account, PasswordCredential
from domain.policy import Violation
from domain.services import Services
from domain.storage import UnitOfWork
from domain.text import email_key, normalise_answer, normalise_password


def email_digest(services: Services, email: str) -> str:
    """The keyed hash under which limits about ``email`` (known or not) are kept."""
    return accounts.email_digest(services.secret_key, email_key(email))


def _deactivate_if_expired_too_long(services: Services, account: Account, expiry: ExpiryStatus) -> int | None:
    """Apply ``deactivate_expired_after_days`` in the caller's transaction; the days the
    password has been expired when this call deactivates the account, else None."""
    limit = services.settings.deactivate_expired_after_days
    if limit is not None and account.status == "active" and expiry.days_expired() > limit:
        account.status = "deactivated"
        account.credentials_version += 1
        return expiry.days_expired()
    return None


# Checking a password: the login, and the old password of « Mot de passe expiré »


class PasswordStatus(enum.StrEnum):
    OK = "ok"
    INVALID = "invalid"
    THROTTLED = "throttled"
    DEACTIVATED = "deactivated"
    EXPIRED = "expired"


@dataclass(frozen=True, slots=True)
class PasswordCheck:
    """A password checked for an email. Unknown emails and wrong passwords look alike."""

    status: PasswordStatus
    card: AccountCard | None = None
    expiry: ExpiryStatus | None = None
    wait: timedelta = timedelta(0)
    deactivated_days: int | None = None
    """The account was deactivated by this check: its password expired this many days ago."""

    def wait_seconds(self) -> int:
        return max(1, int(self.wait.total_seconds() + 0.999))


def _login_locks(services: Services, email: str, client_address: str | None) -> tuple[str, ...]:
    return services.login_throttle.keys(email_digest(services, email), client_address)


def _check_password(
    services: Services, uow: UnitOfWork, email: str, password: str, client_address: str | None
) -> tuple[PasswordCheck, Account | None]:
    """In the caller's serialised unit of work: wait → verify → record. Commits nothing."""
    throttle = services.login_throttle
    keys = _login_locks(services, email, client_address)
    now = services.clock.now()
    wait = throttle.wait(uow, keys, now)
    if wait > timedelta(0):
        return PasswordCheck(PasswordStatus.THROTTLED, wait=wait), None
    secret = normalise_password(password)
    account = accounts.find_by_email(uow.session, email) if email.strip() else None
    credential = accounts.current_credential(uow.session, account.id) if account and account.id else None
    if account is None or credential is None:
        services.hasher.verify_dummy(secret)
        ok = False
    else:
        verification = services.hasher.verify(credential.password_hash, secret)
        ok = verification.ok
        if verification.rehash:
            credential.password_hash = verification.rehash
            uow.session.add(credential)
    if not ok:
        throttle.record_failure(uow, keys, now)
        return PasswordCheck(PasswordStatus.INVALID), None
    assert account is not None and credential is not None
    throttle.clear(uow, keys[0])
    expiry = services.expiry(credential.expires_on)
    deactivated_days = _deactivate_if_expired_too_long(services, account, expiry)
    card = accounts.card(uow.session, account)
    if account.status != "active":
        status = PasswordStatus.DEACTIVATED
    elif expiry.expired:
        status = PasswordStatus.EXPIRED
    else:
        status = PasswordStatus.OK
    return PasswordCheck(status, card, expiry, deactivated_days=deactivated_days), account


def log_in(services: Services, *, email: str, password: str, client_address: str | None) -> PasswordCheck:
    """« Connexion »: one serialised unit of work per attempt (per account and client)."""
    with services.uow(locks=_login_locks(services, email, client_address)) as uow:
        check, _account = _check_password(services, uow, email, password, client_address)
        uow.commit()
    return check


# The answer to the security question


class AnswerStatus(enum.StrEnum):
    OK = "ok"
    WRONG = "wrong"
    LOCKED = "locked"
    DEACTIVATED = "deactivated"


@dataclass(frozen=True, slots=True)
class AnswerCheck:
    status: AnswerStatus
    locked_until: datetime | None = None
    evaluated: bool = True
    """False when the attempt was refused before the answer was looked at (locked)."""
    account: AccountCard | None = None
    """The account whose answer was right (status OK)."""
    deactivated_days: int | None = None


def _check_answer(
    services: Services,
    uow: UnitOfWork,
    email: str,
    answer: str,
    *,
    client_address: str | None,
    notify_lock: bool,
) -> tuple[AnswerCheck, Account | None]:
    """In the caller's serialised unit of work: lock → verify → record. Commits nothing."""
    throttle = services.answer_throttle
    digest = email_digest(services, email)
    now = services.clock.now()
    until = throttle.locked_until(uow, digest, now)
    if until is not None:
        return AnswerCheck(AnswerStatus.LOCKED, until, evaluated=False), None
    normalised = normalise_answer(answer)
    account = accounts.find_by_email(uow.session, email)
    if account is None:
        services.hasher.verify_dummy(normalised)
        ok = False
    else:
        ok = services.hasher.verify(account.security_answer_hash, normalised).ok
    if not ok:
        throttle.record_failure(uow, digest, now)
        uow.session.flush()
        until = throttle.locked_until(uow, digest, now)
        if until is not None and account is not None and notify_lock:
            # The holder is told, in the same transaction; an unknown address never is.
            uow.session.add(
                procedure_locked_email(
                    recipient=Recipient.of(account),
                    locked_until=until,
                    now=now,
                    client_address=client_address,
                    tz=services.tz,
                    mail_domain=services.mail_domain,
                )
            )
        status = AnswerStatus.WRONG if until is None else AnswerStatus.LOCKED
        return AnswerCheck(status, until), None
    assert account is not None and account.id is not None
    credential = accounts.current_credential(uow.session, account.id)
    days = None
    if credential is not None:
        days = _deactivate_if_expired_too_long(services, account, services.expiry(credential.expires_on))
    if account.status != "active":
        return AnswerCheck(AnswerStatus.DEACTIVATED, deactivated_days=days), None
    throttle.clear(uow, digest)
    return AnswerCheck(AnswerStatus.OK, account=accounts.card(uow.session, account)), account


def answer_question(services: Services, *, email: str, answer: str, client_address: str | None) -> AnswerCheck:
    """« Réponse à la question de confiance » of « Mot de passe oublié »: at most
    ``answer_max_failures`` wrong answers evaluated per email and window, one lock email
    to the holder per lock."""
    with services.uow(locks=(f"answer:{email_digest(services, email)}",)) as uow:
        check, _account = _check_answer(services, uow, email, answer, client_address=client_address, notify_lock=True)
        uow.commit()
    return check


# Identifying the account of a procedure


@dataclass(frozen=True, slots=True)
class Identity:
    """What the first step of a procedure learns from an email (known or not)."""

    account_id: int | None
    question: str
    """The account's question, or a decoy that looks exactly like one."""
    words: tuple[str, ...]
    locked_until: datetime | None = None


def identify(services: Services, *, email: str) -> Identity:
    """A read: the account behind ``email``, its question (or a decoy), its words, and
    whether wrong answers lock the forgot-password procedure for this email."""
    now = services.clock.now()
    with services.uow() as uow:
        until = services.answer_throttle.locked_until(uow, email_digest(services, email), now)
        account = accounts.find_by_email(uow.session, email)
        if account is None:
            question = accounts.decoy_question(services.secret_key, email_key(email))
            return Identity(None, question, (email.strip(),), until)
        return Identity(account.id, account.security_question, personal_words(account), until)


# Changing the password


class ChangeStatus(enum.StrEnum):
    CHANGED = "changed"
    REFUSED = "refused"
    """The new password breaks a rule (``violations``)."""
    STALE = "stale"
    """Another change got there first: this one changed nothing."""
    WRONG_OLD = "wrong_old"
    THROTTLED = "throttled"
    WRONG_ANSWER = "wrong_answer"
    LOCKED = "locked"
    DEACTIVATED = "deactivated"
    SIGNED_OUT = "signed_out"
    """The session's sign-in no longer stands (``signed_out_reason``)."""


@dataclass(frozen=True, slots=True)
class ChangeResult:
    status: ChangeStatus
    violations: tuple[Violation, ...] = ()
    valid_until: date | None = None
    new_version: int | None = None
    account_id: int | None = None
    wait: timedelta = timedelta(0)
    locked_until: datetime | None = None
    signed_out_reason: str | None = None
    deactivated_days: int | None = None
    evaluated: bool = True
    """False for an answer refused before it was looked at (the procedure locked)."""

    @property
    def changed(self) -> bool:
        return self.status is ChangeStatus.CHANGED

    @property
    def reasons(self) -> tuple[str, ...]:
        return tuple(v.reason.value for v in self.violations)

    def wait_seconds(self) -> int:
        return max(1, int(self.wait.total_seconds() + 0.999))


def _apply_new_password(
    services: Services,
    uow: UnitOfWork,
    *,
    account_id: int,
    expected_version: int,
    password: str,
    confirmation: str,
    words: tuple[str, ...],
    procedure: str,
    client_address: str | None,
) -> ChangeResult:
    """Policy (server side, history included), then the change and its email, in the
    caller's unit of work, from ``expected_version`` only. Commits nothing."""
    account = uow.session.get(Account, account_id)
    if account is None or account.credentials_version != expected_version:
        return ChangeResult(ChangeStatus.STALE, account_id=account_id)
    policy = services.policy
    previous = accounts.recent_hashes(uow.session, account_id, policy.history_depth)
    result = policy.check(
        password,
        confirmation,
        personal_words=words,
        is_previous=lambda text: any(services.hasher.verify(h, text).ok for h in previous),
    )
    if not result.accepted:
        return ChangeResult(ChangeStatus.REFUSED, result.violations, account_id=account_id)
    now = services.clock.now()
    valid_until = policy.expires_on(services.local_day(now))
    email = password_changed_email(
        recipient=Recipient.of(account),
        valid_until=valid_until,
        changed_at=now,
        procedure=procedure,
        client_address=client_address,
        tz=services.tz,
        mail_domain=services.mail_domain,
    )
    try:
        accounts.replace_password(
            uow.session,
            account_id=account_id,
            expected_version=expected_version,
            password_hash=services.hasher.hash(normalise_password(password)),
            now=now,
            expires_on=valid_until,
            history_depth=policy.history_depth,
            email=email,
        )
    except accounts.StaleCredentials:
        return ChangeResult(ChangeStatus.STALE, account_id=account_id)
    return ChangeResult(
        ChangeStatus.CHANGED, valid_until=valid_until, new_version=expected_version + 1, account_id=account_id
    )


def set_forgotten_password(
    services: Services,
    *,
    account_id: int,
    expected_version: int,
    password: str,
    confirmation: str,
    words: tuple[str, ...],
    client_address: str | None,
) -> ChangeResult:
    """« Nouveau mot de passe » of « Mot de passe oublié », after a right answer."""
    with services.uow(locks=(f"credentials:{account_id}",)) as uow:
        result = _apply_new_password(
            services,
            uow,
            account_id=account_id,
            expected_version=expected_version,
            password=password,
            confirmation=confirmation,
            words=words,
            procedure="forgot",
            client_address=client_address,
        )
        if result.changed:
            uow.commit()
    return result


def change_expired_password(
    services: Services,
    *,
    email: str,
    old: str,
    new: str,
    confirmation: str,
    client_address: str | None,
) -> ChangeResult:
    """« Mot de passe expiré »: the old password (with the login's throttling), then the
    new one, in one serialised unit of work."""
    with services.uow(locks=_login_locks(services, email, client_address)) as uow:
        check, account = _check_password(services, uow, email, old, client_address)
        if check.status is PasswordStatus.THROTTLED:
            return ChangeResult(ChangeStatus.THROTTLED, wait=check.wait)
        if check.status is PasswordStatus.INVALID or account is None or account.id is None:
            uow.commit()
            return ChangeResult(ChangeStatus.WRONG_OLD)
        if check.status is PasswordStatus.DEACTIVATED:
            uow.commit()
            days = check.deactivated_days
            return ChangeResult(ChangeStatus.DEACTIVATED, account_id=account.id, deactivated_days=days)
        result = _apply_new_password(
            services,
            uow,
            account_id=account.id,
            expected_version=account.credentials_version,
            password=new,
            confirmation=confirmation,
            words=personal_words(account),
            procedure="expired",
            client_address=client_address,
        )
        uow.commit()  # the right old password clears its failures, even when the new one is refused
    return result


def change_signed_in_password(
    services: Services,
    *,
    account_id: int,
    email: str,
    signed_in_version: int,
    answer: str,
    new: str,
    confirmation: str,
    client_address: str | None,
) -> ChangeResult:
    """« Modifiez vos identifiants »: the session must still stand, then the security
    answer (the forgot procedure's limit per email, and its lock email to the holder when
    an answer here reaches the limit), then the new password — one
    serialised unit of work. The change is made from the version the session signed in
    with, so a change made elsewhere meanwhile wins and this one signs out."""
    digest = email_digest(services, email)
    with services.uow(locks=(f"answer:{digest}", f"credentials:{account_id}")) as uow:
        reason = _standing(services, uow, account_id, signed_in_version)
        if reason is not None:
            return ChangeResult(ChangeStatus.SIGNED_OUT, signed_out_reason=reason, account_id=account_id)
        check, account = _check_answer(services, uow, email, answer, client_address=client_address, notify_lock=True)
        if check.status is AnswerStatus.LOCKED:
            uow.commit()
            return ChangeResult(
                ChangeStatus.LOCKED, locked_until=check.locked_until, account_id=account_id, evaluated=check.evaluated
            )
        if check.status is AnswerStatus.WRONG:
            uow.commit()
            return ChangeResult(ChangeStatus.WRONG_ANSWER, account_id=account_id)
        if check.status is AnswerStatus.DEACTIVATED or account is None:
            uow.commit()
            days = check.deactivated_days
            return ChangeResult(ChangeStatus.DEACTIVATED, account_id=account_id, deactivated_days=days)
        result = _apply_new_password(
            services,
            uow,
            account_id=account_id,
            expected_version=signed_in_version,
            password=new,
            confirmation=confirmation,
            words=personal_words(account, normalise_answer(answer)),
            procedure="change",
            client_address=client_address,
        )
        uow.commit()  # a right answer clears the failures, even when the new password is refused
    return result


# A signed-in session


def _standing(services: Services, uow: UnitOfWork, account_id: int, version: int) -> str | None:
    account = uow.session.get(Account, account_id)
    credential: PasswordCredential | None = accounts.current_credential(uow.session, account_id)
    if account is None or account.status != "active":
        return "deactivated"
    if account.credentials_version != version or credential is None:
        return "credentials_changed"
    if services.expiry(credential.expires_on).expired:
        return "expired"
    return None


@dataclass(frozen=True, slots=True)
class Standing:
    """A signed-in session as it stands now: its account, or why it must end."""

    ended: str | None
    card: AccountCard | None = None
    expiry: ExpiryStatus | None = None


def standing(services: Services, *, account_id: int, version: int) -> Standing:
    """Checked against the database, so it holds across server processes: the password
    changed elsewhere, it expired, or the account was deactivated."""
    with services.uow() as uow:
        reason = _standing(services, uow, account_id, version)
        if reason is not None:
            return Standing(reason)
        account = uow.session.get(Account, account_id)
        assert account is not None
        card = accounts.card(uow.session, account)
    expiry = services.expiry(card.password_expires_on) if card.password_expires_on else None
    return Standing(None, card, expiry)
