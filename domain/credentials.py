"""Checking a password (login, and the old password of « Mot de passe expiré »), with the
same throttling, timing and deactivation rules wherever it is asked for."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import timedelta

from domain import accounts
from domain.accounts import AccountCard
from domain.expiry import ExpiryStatus
from domain.i18n import N_
from domain.models import Account
from domain.services import UserSession
from domain.text import email_key, normalise_password

THROTTLED = N_("Too many attempts. Wait {seconds} seconds before trying again.")


class CheckStatus(enum.StrEnum):
    OK = "ok"
    INVALID = "invalid"
    THROTTLED = "throttled"


@dataclass(frozen=True, slots=True)
class PasswordCheck:
    status: CheckStatus
    card: AccountCard | None = None
    expiry: ExpiryStatus | None = None
    wait: timedelta = timedelta(0)

    def wait_seconds(self) -> int:
        return max(1, int(self.wait.total_seconds() + 0.999))


def check_password(session: UserSession, email: str, password: str) -> PasswordCheck:
    """Verify ``password`` for ``email``. Unknown emails cost the same time and count the
    same failures; the answer never says which of the two was wrong."""
    services = session.services
    throttle = services.login_throttle
    digest = accounts.email_digest(services.secret_key, email_key(email))
    keys = throttle.keys(digest, session.client_address)
    now = services.clock.now()
    secret = normalise_password(password)
    with services.uow() as uow:
        wait = throttle.wait(uow, keys, now)
        if wait > timedelta(0):
            return PasswordCheck(CheckStatus.THROTTLED, wait=wait)
        account = accounts.find_by_email(uow.session, email) if email.strip() else None
        credential = (
            accounts.current_credential(uow.session, account.id)
            if account is not None and account.id is not None
            else None
        )
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
            uow.commit()
            return PasswordCheck(CheckStatus.INVALID)
        assert account is not None and credential is not None
        throttle.clear(uow, keys[0])
        expiry = services.expiry(credential.expires_on)
        deactivate_if_expired_too_long(session, account, expiry)
        uow.commit()
        return PasswordCheck(CheckStatus.OK, accounts.card(uow.session, account), expiry)


def deactivate_if_expired_too_long(session: UserSession, account: Account, expiry: ExpiryStatus) -> bool:
    """Apply ``deactivate_expired_after_days`` (in the caller's transaction); True if the
    account is deactivated now."""
    limit = session.services.settings.deactivate_expired_after_days
    if limit is not None and account.status == "active" and expiry.days_expired() > limit:
        account.status = "deactivated"
        account.credentials_version += 1
        session.journal.record("outcome", "account_deactivated", reason="expired", days=expiry.days_expired())
    return account.status != "active"


def sign_in(session: UserSession, card: AccountCard) -> None:
    session.signed_in_account = card.id
    session.signed_in_version = card.credentials_version
    session.journal.link_account(card.id)


def sign_out(session: UserSession) -> None:
    session.signed_in_account = None
    session.signed_in_version = None


SESSION_ENDED: dict[str, str] = {
    "credentials_changed": N_("Your session ended because your password was changed in another session. Log in again."),
    "expired": N_("Your session ended because your password expired. Log in to define a new one."),
    "deactivated": N_("Your session ended because this account was deactivated. Contact support."),
}


def session_end(session: UserSession) -> str | None:
    """Why a signed-in session must end now, or None while it may go on: the password
    changed elsewhere, it expired, or the account was deactivated. Checked against the
    database, so it holds across server processes."""
    if session.signed_in_account is None:
        return "credentials_changed"
    with session.services.uow() as uow:
        account = uow.session.get(Account, session.signed_in_account)
        credential = accounts.current_credential(uow.session, session.signed_in_account)
    if account is None or account.status != "active":
        reason: str | None = "deactivated"
    elif account.credentials_version != session.signed_in_version or credential is None:
        reason = "credentials_changed"
    elif session.services.expiry(credential.expires_on).expired:
        reason = "expired"
    else:
        reason = None
    if reason is not None and session.signed_in_account is not None:
        session.journal.record("outcome", "signed_out", reason=reason)
        sign_out(session)
    return reason


def still_signed_in(session: UserSession) -> bool:
    return session_end(session) is None


def session_end_message(session: UserSession) -> str | None:
    """:func:`session_end`, as the message to show (None while the session goes on)."""
    reason = session_end(session)
    return None if reason is None else session.t._(SESSION_ENDED[reason])


def signed_in_card(session: UserSession) -> tuple[AccountCard | None, str | None]:
    """(the signed-in account as it is now, None) — or (None, why the session ended)."""
    ended = session_end_message(session)
    if ended is not None:
        return None, ended
    with session.services.uow() as uow:
        account = uow.session.get(Account, session.signed_in_account)
        return (None, "") if account is None else (accounts.card(uow.session, account), None)
