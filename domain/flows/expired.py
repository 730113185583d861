"""« Mot de passe expiré » (seed 000 §3): email + CAPTCHA › old and new password › summary.

Reached from the login screen when the password was right but expired. The old password
is checked with the login's throttling; an unknown email goes on like a known one and is
refused at the password step with the login's single message.
"""

from __future__ import annotations

import enum
from datetime import date

from domain import accounts
from domain.credentials import THROTTLED, CheckStatus, check_password
from domain.flows.common import (
    DEACTIVATED,
    ChangeTarget,
    Outcome,
    change_password,
    check_email_and_captcha,
    meter_level,
)
from domain.i18n import N_
from domain.models import Account
from domain.services import UserSession
from domain.strength import StrengthLevel

WRONG_OLD = N_("The email address or the old password is wrong.")


class ExpiredStep(enum.StrEnum):
    EMAIL = "expired_email"
    PASSWORDS = "expired_passwords"
    SUMMARY = "expired_summary"


STEPS: tuple[ExpiredStep, ...] = tuple(ExpiredStep)


class ExpiredPasswordFlow:
    """Drives one expired-password procedure. Blocking methods: call from a worker thread."""

    procedure = "expired"
    title = N_("Expired password")
    step_labels = (N_("Login email address"), N_("Old and new password"), N_("Summary"))

    def __init__(self, session: UserSession, email: str = "") -> None:
        self.session = session
        self.step = ExpiredStep.EMAIL
        self.email = email.strip()
        self.valid_until: date | None = None
        self._words: tuple[str, ...] = (self.email,)

    @property
    def step_number(self) -> int:
        return STEPS.index(self.step) + 1

    def submit_email(self, email: str, captcha_answer: str) -> Outcome:
        journal = self.session.journal
        refused = check_email_and_captcha(self.session, email, captcha_answer)
        if refused is not None:
            return refused
        self.email = email.strip()
        services = self.session.services
        with services.uow() as uow:
            account = accounts.find_by_email(uow.session, self.email)
            if account is not None and account.id is not None:
                self.session.journal.link_account(account.id)
            self._words = ChangeTarget.of(account).personal_words if account else (self.email,)
        journal.record("outcome", "email_accepted")
        self.step = ExpiredStep.PASSWORDS
        return Outcome.success()

    def strength(self, password: str) -> StrengthLevel | None:
        return meter_level(self.session, password, self._words)

    def submit_passwords(self, old: str, new: str, confirmation: str) -> Outcome:
        t = self.session.t
        journal = self.session.journal
        if self.step is not ExpiredStep.PASSWORDS:
            raise RuntimeError("the email step was not completed")
        check = check_password(self.session, self.email, old)
        if check.status is CheckStatus.THROTTLED:
            journal.record("outcome", "old_password_refused", reason="throttled")
            return Outcome(
                ok=False,
                messages=(t._(THROTTLED).format(seconds=check.wait_seconds()),),
                codes=("throttled",),
            )
        if check.status is CheckStatus.INVALID or check.card is None:
            journal.record("outcome", "old_password_refused", reason="invalid", length=len(old))
            return Outcome.failure(t, "wrong_old_password", WRONG_OLD)
        if check.card.status != "active":
            journal.record("outcome", "procedure_refused", reason="deactivated")
            return Outcome.failure(t, "deactivated", DEACTIVATED)
        with self.session.services.uow() as uow:
            account = uow.session.get(Account, check.card.id)
            assert account is not None
            target = ChangeTarget.of(account)
        outcome, valid_until = change_password(self.session, target, new, confirmation, procedure=self.procedure)
        if not outcome.ok:
            return outcome
        self.valid_until = valid_until
        self.step = ExpiredStep.SUMMARY
        return outcome

    def back(self) -> ExpiredStep:
        if self.step is ExpiredStep.PASSWORDS:
            self.step = ExpiredStep.EMAIL
        self.session.journal.record("action", "back", to=self.step.value)
        return self.step
