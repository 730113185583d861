"""« Mot de passe oublié » (seeds 001 and 003) as a state machine.

Email + CAPTCHA › security question › new password › summary. An unknown email goes on
to a decoy question exactly like a known one, and the answer is checked against a dummy
hash so the timing is the same (SPEC §6).
"""

from __future__ import annotations

import enum
from datetime import date

from domain import accounts
from domain.credentials import deactivate_if_expired_too_long
from domain.flows.common import (
    DEACTIVATED,
    ChangeTarget,
    Outcome,
    answers_locked,
    change_password,
    check_email_and_captcha,
    meter_level,
    recipient_of,
)
from domain.i18n import N_
from domain.mail import procedure_locked_email
from domain.models import Account
from domain.services import UserSession
from domain.strength import StrengthLevel
from domain.text import email_key, normalise_answer

WRONG_ANSWER = N_("The answer does not match the security question. Check it and try again.")
EMPTY_ANSWER = N_("Type the answer to your security question.")


class ForgotStep(enum.StrEnum):
    EMAIL = "email"
    QUESTION = "question"
    NEW_PASSWORD = "new_password"
    SUMMARY = "summary"


STEPS: tuple[ForgotStep, ...] = tuple(ForgotStep)


class ForgotPasswordFlow:
    """Drives one forgot-password procedure. Methods block (hashing, database): call them
    from a worker thread, never on an event loop."""

    procedure = "forgot"
    title = N_("Forgot password")
    step_labels = (
        N_("Login email address"),
        N_("Answer to the security question"),
        N_("New password"),
        N_("Summary"),
    )

    def __init__(self, session: UserSession) -> None:
        self.session = session
        self.step = ForgotStep.EMAIL
        self.email = ""
        """The email as typed (display it with :func:`domain.text.printable`, as text)."""
        self.question = ""
        self.valid_until: date | None = None
        self._target: ChangeTarget | None = None
        self._answer_words: tuple[str, ...] = ()
        self._throttle = session.services.answer_throttle

    @property
    def step_number(self) -> int:
        return STEPS.index(self.step) + 1

    def _digest(self) -> str:
        return accounts.email_digest(self.session.services.secret_key, email_key(self.email))

    def _locked(self) -> Outcome | None:
        return answers_locked(self.session, self.email)

    def submit_email(self, email: str, captcha_answer: str) -> Outcome:
        if self.step is not ForgotStep.EMAIL:
            raise RuntimeError("the email can only be submitted at the first step")
        journal = self.session.journal
        refused = check_email_and_captcha(self.session, email, captcha_answer)
        if refused is not None:
            return refused
        self.email = email.strip()
        self._target = None
        self._answer_words = ()
        self.question = ""
        locked = self._locked()
        if locked:
            journal.record("outcome", "procedure_refused", reason="locked", until=locked.locked_until)
            return locked
        services = self.session.services
        with services.uow() as uow:
            account = accounts.find_by_email(uow.session, self.email)
            if account is not None:
                self._target = ChangeTarget.of(account)
                self.question = account.security_question
                assert account.id is not None
                self.session.journal.link_account(account.id)
            else:
                self.question = accounts.decoy_question(services.secret_key, email_key(self.email))
        journal.record("outcome", "email_accepted")
        self.step = ForgotStep.QUESTION
        return Outcome.success()

    def submit_answer(self, answer: str) -> Outcome:
        if self.step is not ForgotStep.QUESTION:
            raise RuntimeError("the answer can only be submitted at the question step")
        t = self.session.t
        journal = self.session.journal
        services = self.session.services
        if not answer.strip():
            journal.record("outcome", "answer_refused", reason="empty")
            return Outcome.failure(t, "empty_answer", EMPTY_ANSWER)
        locked = self._locked()
        if locked:
            journal.record("outcome", "procedure_refused", reason="locked", until=locked.locked_until)
            return locked
        normalised = normalise_answer(answer)
        target = self._target
        account = None
        if target is not None:
            with services.uow() as uow:
                account = uow.session.get(Account, target.account_id)
        if account is None:
            services.hasher.verify_dummy(normalised)
            ok = False
        else:
            ok = services.hasher.verify(account.security_answer_hash, normalised).ok
        if not ok:
            with services.uow() as uow:
                now = services.clock.now()
                self._throttle.record_failure(uow, self._digest(), now)
                uow.session.flush()
                until = self._throttle.locked_until(uow, self._digest(), now)
                if until is not None and account is not None:
                    # The holder is told, in the same transaction; an unknown address never is.
                    uow.session.add(
                        procedure_locked_email(
                            recipient=recipient_of(account),
                            locked_until=until,
                            now=now,
                            client_address=self.session.client_address,
                            tz=services.tz,
                            mail_domain=services.mail_domain,
                        )
                    )
                uow.commit()
            locked = self._locked()
            journal.record("outcome", "answer_refused", reason="wrong_answer", length=len(answer))
            return locked or Outcome.failure(t, "wrong_answer", WRONG_ANSWER)
        assert account is not None
        with services.uow() as uow:
            fresh = uow.session.get(Account, account.id)
            credential = accounts.current_credential(uow.session, account.id) if account.id else None
            deactivated = fresh is None or (
                deactivate_if_expired_too_long(self.session, fresh, services.expiry(credential.expires_on))
                if credential is not None
                else fresh.status != "active"
            )
            if not deactivated:
                self._throttle.clear(uow, self._digest())
            uow.commit()
        if deactivated:
            journal.record("outcome", "procedure_refused", reason="deactivated")
            return Outcome.failure(t, "deactivated", DEACTIVATED)
        self._target = ChangeTarget.of(account)
        self._answer_words = (normalised,)
        journal.record("outcome", "answer_accepted")
        self.step = ForgotStep.NEW_PASSWORD
        return Outcome.success()

    def strength(self, password: str) -> StrengthLevel | None:
        words = (self._target.personal_words if self._target else (self.email,)) + self._answer_words
        return meter_level(self.session, password, words)

    def submit_password(self, password: str, confirmation: str) -> Outcome:
        if self.step is not ForgotStep.NEW_PASSWORD or self._target is None:
            raise RuntimeError("the security answer was not verified")
        target = ChangeTarget(
            self._target.account_id,
            self._target.credentials_version,
            self._target.personal_words + self._answer_words,
        )
        outcome, valid_until = change_password(self.session, target, password, confirmation, procedure=self.procedure)
        if not outcome.ok:
            return outcome
        self.valid_until = valid_until
        self._answer_words = ()
        self.step = ForgotStep.SUMMARY
        return outcome

    def back(self) -> ForgotStep:
        """« Étape précédente »: one step back (not from the summary)."""
        if self.step is ForgotStep.QUESTION:
            self.step = ForgotStep.EMAIL
        elif self.step is ForgotStep.NEW_PASSWORD:
            self.step = ForgotStep.QUESTION
            self._answer_words = ()
        self.session.journal.record("action", "back", to=self.step.value)
        return self.step
