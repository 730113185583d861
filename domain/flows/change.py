"""« Modifiez vos identifiants » (seed 000 §2): a signed-in user ticks « Saisir mon nouveau
mot de passe », types and confirms it, confirms with the security answer, and validates."""

from __future__ import annotations

from datetime import date

from domain import accounts
from domain.credentials import session_end_message
from domain.flows.common import ChangeTarget, Outcome, answers_locked, change_password, meter_level
from domain.flows.forgot import EMPTY_ANSWER, WRONG_ANSWER
from domain.i18n import N_
from domain.models import Account
from domain.services import UserSession
from domain.strength import StrengthLevel
from domain.text import email_key, normalise_answer

NOTHING_TO_CHANGE = N_('Tick "Enter my new password" to change your password.')


class ChangeCredentialsFlow:
    """The change of password of a signed-in account. Blocking methods: worker thread."""

    procedure = "change"

    def __init__(self, session: UserSession) -> None:
        if session.signed_in_account is None:
            raise RuntimeError("no account is signed in")
        self.session = session
        self.account_id = session.signed_in_account
        self.valid_until: date | None = None
        with session.services.uow() as uow:
            account = uow.session.get(Account, self.account_id)
            assert account is not None
            self.email = account.email
            self._words = ChangeTarget.of(account).personal_words

    def strength(self, password: str) -> StrengthLevel | None:
        return meter_level(self.session, password, self._words)

    def submit(self, *, change_password_ticked: bool, new: str, confirmation: str, answer: str) -> Outcome:
        """« Valider les modifications »."""
        session = self.session
        t = session.t
        journal = session.journal
        services = session.services
        ended = session_end_message(session)
        if ended is not None:
            return Outcome(ok=False, messages=(ended,), codes=("signed_out",))
        if not change_password_ticked:
            journal.record("outcome", "change_refused", reason="nothing_to_change")
            return Outcome.failure(t, "nothing_to_change", NOTHING_TO_CHANGE)
        if not answer.strip():
            journal.record("outcome", "change_refused", reason="empty_answer")
            return Outcome.failure(t, "empty_answer", EMPTY_ANSWER)
        digest = accounts.email_digest(services.secret_key, email_key(self.email))
        throttle = services.answer_throttle
        locked = answers_locked(session, self.email)
        if locked is not None:
            journal.record("outcome", "change_refused", reason="locked")
            return locked
        normalised = normalise_answer(answer)
        with services.uow() as uow:
            account = uow.session.get(Account, self.account_id)
            assert account is not None
            target = ChangeTarget.of(account, normalised)
            answer_ok = services.hasher.verify(account.security_answer_hash, normalised).ok
            if not answer_ok:
                throttle.record_failure(uow, digest, services.clock.now())
                uow.commit()
        if not answer_ok:
            journal.record("outcome", "change_refused", reason="wrong_answer", length=len(answer))
            return answers_locked(session, self.email) or Outcome.failure(t, "wrong_answer", WRONG_ANSWER)
        outcome, valid_until = change_password(session, target, new, confirmation, procedure=self.procedure)
        if not outcome.ok:
            return outcome
        session.signed_in_version = target.credentials_version
        self.valid_until = valid_until
        return outcome
