"""« Connexion à mon espace professionnel » (SPEC §3.4)."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from domain.accounts import AccountCard
from domain.credentials import THROTTLED, CheckStatus, check_password, sign_in
from domain.expiry import ExpiryStatus
from domain.flows.common import CAPTCHA_WRONG, DEACTIVATED
from domain.i18n import N_
from domain.services import UserSession

INVALID = N_("The email address or the password is wrong.")


class LoginStatus(enum.StrEnum):
    OK = "ok"
    INVALID = "invalid"
    EXPIRED = "expired"
    CAPTCHA = "captcha"
    DEACTIVATED = "deactivated"
    THROTTLED = "throttled"


@dataclass(frozen=True, slots=True)
class LoginResult:
    status: LoginStatus
    message: str = ""
    card: AccountCard | None = None
    expiry: ExpiryStatus | None = None


def log_in(session: UserSession, email: str, password: str, captcha_answer: str) -> LoginResult:
    """Check the credentials. Blocking (Argon2): call from a worker thread.

    A right but expired password never opens the account: the caller goes on to
    « Mot de passe expiré ».
    """
    t = session.t
    journal = session.journal
    if not session.captcha.check(captcha_answer):
        journal.record("outcome", "login_refused", reason="captcha_wrong")
        return LoginResult(LoginStatus.CAPTCHA, t._(CAPTCHA_WRONG))
    check = check_password(session, email, password)
    if check.status is CheckStatus.THROTTLED:
        journal.record("outcome", "login_refused", reason="throttled", wait=check.wait_seconds())
        return LoginResult(LoginStatus.THROTTLED, t._(THROTTLED).format(seconds=check.wait_seconds()))
    if check.status is CheckStatus.INVALID or check.card is None:
        journal.record("outcome", "login_refused", reason="invalid")
        return LoginResult(LoginStatus.INVALID, t._(INVALID))
    if check.card.status != "active":
        journal.record("outcome", "login_refused", reason="deactivated")
        return LoginResult(LoginStatus.DEACTIVATED, t._(DEACTIVATED))
    if check.expiry is not None and check.expiry.expired:
        journal.record("outcome", "login_refused", reason="expired")
        return LoginResult(LoginStatus.EXPIRED, card=check.card, expiry=check.expiry)
    sign_in(session, check.card)
    journal.record(
        "outcome",
        "login_accepted",
        days_left=check.expiry.days_left if check.expiry else None,
    )
    return LoginResult(LoginStatus.OK, card=check.card, expiry=check.expiry)
