"""« Connexion à mon espace professionnel » (SPEC §3.4)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date

from domain import accounts
from domain.accounts import AccountCard
from domain.flows.common import CAPTCHA_WRONG, DEACTIVATED
from domain.i18n import N_
from domain.services import UserSession
from domain.text import normalise_password

INVALID = N_("The email address or the password is wrong.")
EXPIRED = N_(
    "Your password expired on {date}. Define a new one with the procedure "
    "« Mot de passe oublié » (forgot password)."
)


class LoginStatus(enum.StrEnum):
    OK = "ok"
    INVALID = "invalid"
    EXPIRED = "expired"
    CAPTCHA = "captcha"
    DEACTIVATED = "deactivated"


@dataclass(frozen=True, slots=True)
class LoginResult:
    status: LoginStatus
    message: str = ""
    card: AccountCard | None = None
    expires_on: date | None = None


def log_in(session: UserSession, email: str, password: str, captcha_answer: str) -> LoginResult:
    """Check the credentials. Blocking (Argon2): call from a worker thread."""
    services = session.services
    t = session.t
    journal = session.journal
    if not session.captcha.check(captcha_answer):
        journal.record("outcome", "login_refused", reason="captcha_wrong")
        return LoginResult(LoginStatus.CAPTCHA, t._(CAPTCHA_WRONG))
    secret = normalise_password(password)
    with services.uow() as uow:
        account = accounts.find_by_email(uow.session, email) if email.strip() else None
        credential = (
            accounts.current_credential(uow.session, account.id)
            if account is not None and account.id is not None
            else None
        )
        if account is None or credential is None:
            services.hasher.verify_dummy(secret)
            journal.record("outcome", "login_refused", reason="invalid")
            return LoginResult(LoginStatus.INVALID, t._(INVALID))
        check = services.hasher.verify(credential.password_hash, secret)
        if not check.ok:
            journal.record("outcome", "login_refused", reason="invalid")
            return LoginResult(LoginStatus.INVALID, t._(INVALID))
        if check.rehash:
            credential.password_hash = check.rehash
            uow.session.add(credential)
            uow.commit()
        if account.status != "active":
            journal.record("outcome", "login_refused", reason="deactivated")
            return LoginResult(LoginStatus.DEACTIVATED, t._(DEACTIVATED))
        if services.clock.today() > credential.expires_on:
            journal.record("outcome", "login_refused", reason="expired")
            return LoginResult(
                LoginStatus.EXPIRED,
                t._(EXPIRED).format(date=t.date(credential.expires_on)),
                expires_on=credential.expires_on,
            )
        view = accounts.card(uow.session, account)
    session.signed_in_account = view.id
    journal.record("outcome", "login_accepted")
    return LoginResult(LoginStatus.OK, card=view, expires_on=view.password_expires_on)
