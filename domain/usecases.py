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

What users type is checked at every entry point before anything else (no lock taken, no
limit counted, nothing hashed): text that is not valid Unicode (a lone surrogate, from a
damaged paste) anywhere, control characters in an email, C0/C1 control characters in a
password or an answer. Such input is refused as data (status ``UNUSABLE``, and the name
of the parameter in ``unusable``), like any other invalid input, never as an exception.
A new password with control characters is the policy's to refuse (``control_character``).

An unknown email looks like a known one: same question shape (a decoy drawn from the
questions in use), same cost of checking a secret (a dummy hash at the parameters of a
real account's, :mod:`domain.decoys`), same limits. Every successful check of a secret
stored with older Argon2 parameters stores it again at the current ones, in its unit of
work (passwords and answers alike), so raising the cost reaches every active account.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from domain import accounts, decoys
from domain.accounts import AccountCard, personal_words
from domain.breach import BreachVerdict
from domain.expiry import ExpiryStatus
from domain.hashing import usable_secret
from domain.mail import Recipient, SupportLine, password_changed_email, procedure_locked_email
from domain.models import Account, PasswordCredential
from domain.policy import Violation
from domain.services import Services
from domain.storage import UnitOfWork
from domain.text import email_key, normalise_answer, normalise_password
from domain.throttle import AnswerLock, AnswerThrottle, LockScope

UNUSABLE_TEXT = "unusable_text"
"""The status of input refused before it was looked at (see the module's docstring); the
same code as the session core's refusal of such text."""

_EMAIL_UNUSABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
"""Control characters, line and paragraph separators, lone surrogates."""
_SURROGATE = re.compile("[\ud800-\udfff]")


def usable_email(email: str) -> bool:
    """Whether ``email`` can be looked up: no control character, no lone surrogate."""
    return _EMAIL_UNUSABLE.search(email) is None


def _unusable(*, email: str | None = None, secrets: dict[str, str] | None = None) -> str | None:
    """The name of the first parameter whose text cannot be used, or None."""
    if email is not None and not usable_email(email):
        return "email"
    for name, text in (secrets or {}).items():
        if not usable_secret(text):
            return name
    return None


def _not_unicode(texts: dict[str, str]) -> str | None:
    """The name of the first text holding a lone surrogate, or None (new passwords: the
    policy refuses their control characters, with its own message)."""
    for name, text in texts.items():
        if _SURROGATE.search(text):
            return name
    return None


def account_typed(services: Services, email: str) -> int | None:
    """The account whose login email ``email`` is, if any: a session in which it was
    typed is listed on that account's card for support, whatever came of it (the user is
    told nothing either way)."""
    if not usable_email(email) or not email.strip():
        return None
    with services.uow() as uow:
        account = accounts.find_by_email(uow.session, email)
        return account.id if account is not None else None


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
    UNUSABLE = UNUSABLE_TEXT
    """Not checked: ``unusable`` names the text that cannot be used."""


@dataclass(frozen=True, slots=True)
class PasswordCheck:
    """A password checked for an email. Unknown emails and wrong passwords look alike."""

    status: PasswordStatus
    card: AccountCard | None = None
    expiry: ExpiryStatus | None = None
    wait: timedelta = timedelta(0)
    deactivated_days: int | None = None
    """The account was deactivated by this check: its password expired this many days ago."""
    unusable: str | None = None
    """The parameter (``email``, ``password``) whose text cannot be used (status UNUSABLE)."""
    account_id: int | None = None
    """The account the email names, also when refused: for the journal only (support finds
    the session of « my password doesn't work » on the account's card). Never shown."""

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
        like = decoys.password_hash_like(uow.session, services.secret_key, email_key(email))
        services.hasher.verify(services.hasher.dummy_like(like), secret)
        ok = False
    else:
        verification = services.hasher.verify(credential.password_hash, secret)
        ok = verification.ok
        if verification.rehash:
            credential.password_hash = verification.rehash
            uow.session.add(credential)
    if not ok:
        throttle.record_failure(uow, keys, now)
        return PasswordCheck(PasswordStatus.INVALID, account_id=account.id if account else None), None
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
    unusable = _unusable(email=email, secrets={"password": password})
    if unusable is not None:
        return PasswordCheck(PasswordStatus.UNUSABLE, unusable=unusable)
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
    UNUSABLE = UNUSABLE_TEXT
    """Not checked: ``unusable`` names the text that cannot be used."""


@dataclass(frozen=True, slots=True)
class AnswerCheck:
    status: AnswerStatus
    locked_until: datetime | None = None
    evaluated: bool = True
    """False when the attempt was refused before the answer was looked at (locked)."""
    account: AccountCard | None = None
    """The account whose answer was right (status OK)."""
    deactivated_days: int | None = None
    lock: LockScope | None = None
    """What the lock (status LOCKED) is about: this email, or this client address."""
    unusable: str | None = None
    """The parameter (``email``, ``answer``) whose text cannot be used (status UNUSABLE)."""


def _answer_locks(services: Services, email: str, client_address: str | None) -> tuple[str, str]:
    """The names that serialise answers: per email, and per client address."""
    return (f"answer:{email_digest(services, email)}", f"answer-client:{AnswerThrottle.client_key(client_address)}")


def _check_answer(
    services: Services,
    uow: UnitOfWork,
    email: str,
    answer: str,
    *,
    client_address: str | None,
    notify_lock: bool,
) -> tuple[AnswerCheck, Account | None]:
    """In the caller's serialised unit of work (``_answer_locks``): locks → verify →
    record, per email and per client address. Commits nothing."""
    throttle = services.answer_throttle
    digest = email_digest(services, email)
    now = services.clock.now()
    lock = throttle.lock(uow, digest, client_address, now)
    if lock.until is not None:
        return AnswerCheck(AnswerStatus.LOCKED, lock.until, evaluated=False, lock=lock.scope), None
    normalised = normalise_answer(answer)
    account = accounts.find_by_email(uow.session, email)
    if account is None:
        like = decoys.answer_hash_like(uow.session, services.secret_key, email_key(email))
        services.hasher.verify(services.hasher.dummy_like(like), normalised)
        ok = False
    else:
        verification = services.hasher.verify(account.security_answer_hash, normalised)
        ok = verification.ok
        if verification.rehash:
            account.security_answer_hash = verification.rehash
            uow.session.add(account)
    if not ok:
        throttle.record_failure(uow, digest, now, client=client_address)
        uow.session.flush()
        lock = throttle.lock(uow, digest, client_address, now)
        if lock.email_until is not None and account is not None and notify_lock:
            # The holder is told, in the same transaction; an unknown address never is.
            uow.session.add(
                procedure_locked_email(
                    recipient=Recipient.of(account),
                    locked_until=lock.email_until,
                    now=now,
                    client_address=client_address,
                    tz=services.tz,
                    mail_domain=services.mail_domain,
                    support=SupportLine.of(services.settings),
                )
            )
        if lock.until is None:
            return AnswerCheck(AnswerStatus.WRONG), None
        return AnswerCheck(AnswerStatus.LOCKED, lock.until, lock=lock.scope), None
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
    ``answer_max_failures`` wrong answers evaluated per email, and
    ``answer_max_failures_per_client`` per client address, within the window; one lock
    email to the holder per lock of the email."""
    unusable = _unusable(email=email, secrets={"answer": answer})
    if unusable is not None:
        return AnswerCheck(AnswerStatus.UNUSABLE, evaluated=False, unusable=unusable)
    with services.uow(locks=_answer_locks(services, email, client_address)) as uow:
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
    lock: LockScope | None = None
    """What the lock is about (``locked_until`` given): this email, or this client."""
    unusable: str | None = None
    """``email`` when its text cannot be used: nothing was looked up (no question)."""


def identify(services: Services, *, email: str, client_address: str | None = None) -> Identity:
    """A read: the account behind ``email``, its question (or a decoy drawn from the
    questions in use, :mod:`domain.decoys`), its words, and whether wrong answers lock
    the forgot-password procedure for this email — or, when ``client_address`` is given,
    for this client address."""
    if not usable_email(email):
        return Identity(None, "", (), unusable="email")
    now = services.clock.now()
    throttle = services.answer_throttle
    with services.uow() as uow:
        digest = email_digest(services, email)
        if client_address is None:
            lock = AnswerLock(throttle.locked_until(uow, digest, now), None)
        else:
            lock = throttle.lock(uow, digest, client_address, now)
        until, scope = lock.until, lock.scope
        # Drawn for known emails too: the read that refreshes the questions' counts (once
        # a minute) is not paid by unknown emails alone.
        decoy = services.questions.decoy(uow.session, services.secret_key, email_key(email))
        account = accounts.find_by_email(uow.session, email)
        if account is None:
            return Identity(None, decoy, (email.strip(),), until, scope)
        return Identity(account.id, account.security_question, personal_words(account), until, scope)


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
    UNUSABLE = UNUSABLE_TEXT
    """Nothing was checked: ``unusable`` names the text that cannot be used."""


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
    lock: LockScope | None = None
    """What the lock (status LOCKED) is about: this email, or this client address."""
    unusable: str | None = None
    """The parameter whose text cannot be used (status UNUSABLE)."""

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
    breach: BreachVerdict | None = None,
) -> ChangeResult:
    """Policy (server side, history included), then the change and its email, in the
    caller's unit of work, from ``expected_version`` only. Commits nothing. ``breach``:
    the breached-password check, asked before the unit of work (it may take a second,
    and no lock is held meanwhile)."""
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
        breach=breach,
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
        support=SupportLine.of(services.settings),
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
    unusable = _not_unicode({"password": password, "confirmation": confirmation})
    if unusable is not None:
        return ChangeResult(ChangeStatus.UNUSABLE, account_id=account_id, unusable=unusable)
    breach = services.breach_verdict(password, confirmation)
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
            breach=breach,
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
    unusable = _unusable(email=email, secrets={"old": old}) or _not_unicode({"new": new, "confirmation": confirmation})
    if unusable is not None:
        return ChangeResult(ChangeStatus.UNUSABLE, unusable=unusable)
    breach = services.breach_verdict(new, confirmation)
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
            breach=breach,
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
    answer (the forgot procedure's limits per email and per client address, and its lock
    email to the holder when an answer here reaches the email's limit), then the new
    password — one serialised unit of work. The change is made from the version the
    session signed in with, so a change made elsewhere meanwhile wins and this one signs
    out."""
    unusable = _unusable(email=email, secrets={"answer": answer}) or _not_unicode(
        {"new": new, "confirmation": confirmation}
    )
    if unusable is not None:
        return ChangeResult(ChangeStatus.UNUSABLE, account_id=account_id, evaluated=False, unusable=unusable)
    locks = (*_answer_locks(services, email, client_address), f"credentials:{account_id}")
    breach = services.breach_verdict(new, confirmation)
    with services.uow(locks=locks) as uow:
        reason = _standing(services, uow, account_id, signed_in_version)
        if reason is not None:
            return ChangeResult(ChangeStatus.SIGNED_OUT, signed_out_reason=reason, account_id=account_id)
        check, account = _check_answer(services, uow, email, answer, client_address=client_address, notify_lock=True)
        if check.status is AnswerStatus.LOCKED:
            uow.commit()
            return ChangeResult(
                ChangeStatus.LOCKED,
                locked_until=check.locked_until,
                account_id=account_id,
                evaluated=check.evaluated,
                lock=check.lock,
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
            breach=breach,
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


def ended_reason(services: Services, *, account_id: int, version: int) -> str | None:
    """Why a signed-in session must end now (None: its sign-in still stands): what
    :func:`standing` says, without reading the account's card (checked before every step
    and every few seconds of a signed-in session)."""
    with services.uow() as uow:
        return _standing(services, uow, account_id, version)


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
