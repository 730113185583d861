"""domain.flows.forgot.ForgotPasswordFlow on the demo data (SPEC §3.1, §4, §6)."""

from __future__ import annotations

import contextlib
import itertools
import unicodedata
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from domain import accounts
from domain.accounts import STANDARD_QUESTIONS
from domain.flows import common
from domain.flows.forgot import STEPS, ForgotPasswordFlow, ForgotStep
from domain.flows.login import LoginStatus, log_in
from domain.i18n import Translator
from domain.models import AnswerFailure, OutboxEmail, PasswordCredential
from domain.policy import Reason
from domain.strength import StrengthLevel
from tests.domain.support import (
    HUGO,
    LILA,
    NEW_PASSWORD,
    OTHER_PASSWORD,
    START,
    account,
    credentials,
    current_hash,
    outbox,
    set_status,
    solution,
)

OLD_PASSWORD = "Glycine-Orage-Violon-2023"
UNKNOWN = "personne.inconnue@exemple.fr"


def start(session, email: str = LILA) -> ForgotPasswordFlow:
    flow = ForgotPasswordFlow(session)
    outcome = flow.submit_email(email, solution(session))
    assert outcome.ok, outcome
    return flow


def reach_new_password(session, email: str = LILA, answer: str = "  PAUL ") -> ForgotPasswordFlow:
    flow = start(session, email)
    outcome = flow.submit_answer(answer)
    assert outcome.ok, outcome
    assert flow.step is ForgotStep.NEW_PASSWORD
    return flow


_CLIENTS = itertools.count(1)


def login(services, email: str, password: str) -> LoginStatus:
    """One login attempt, from its own client address (per-client throttling stays out)."""
    session = services.open_session(client_address=f"198.51.100.{next(_CLIENTS) % 250}")
    return log_in(session, email, password, solution(session)).status


@pytest.fixture
def base(services, demo) -> tuple[int, int]:
    """(password credentials, outbox emails) once the demo data is in."""
    return counts(services)


def added(base: tuple[int, int]) -> tuple[int, int]:
    """One more credential and one more email: what a password change writes."""
    return (base[0] + 1, base[1] + 1)


def counts(services) -> tuple[int, int]:
    with services.uow() as uow:
        return (
            len(uow.session.exec(select(PasswordCredential)).all()),
            len(uow.session.exec(select(OutboxEmail)).all()),
        )


# --- the full path -----------------------------------------------------------------------------


def test_full_path(services, demo, session) -> None:
    flow = ForgotPasswordFlow(session)
    assert flow.step is ForgotStep.EMAIL and flow.step_number == 1
    assert flow.submit_email(LILA, solution(session)).ok
    assert flow.step is ForgotStep.QUESTION and flow.step_number == 2
    assert flow.email == LILA
    assert flow.question == "Le prénom de votre conjoint(e) ?"
    assert flow.submit_answer("  PAUL ").ok
    assert flow.step is ForgotStep.NEW_PASSWORD and flow.step_number == 3
    outcome = flow.submit_password(NEW_PASSWORD, NEW_PASSWORD)
    assert outcome.ok and outcome.codes == () and outcome.messages == ()
    assert flow.step is ForgotStep.SUMMARY and flow.step_number == 4
    assert flow.valid_until == date(2028, 3, 10)

    rows = credentials(services, LILA)
    current = [row for row in rows if row.is_current]
    assert len(current) == 1
    assert current[0].expires_on == date(2028, 3, 10)
    assert current[0].set_at.replace(tzinfo=UTC) == START
    assert services.hasher.verify(current[0].password_hash, NEW_PASSWORD).ok
    assert len(rows) == 2

    emails = outbox(services)
    assert len(emails) == 1
    assert emails[0].account_id == account(services, LILA).id

    assert login(services, LILA, NEW_PASSWORD) is LoginStatus.OK
    assert login(services, LILA, OLD_PASSWORD) is LoginStatus.INVALID
    assert account(services, LILA).credentials_version == 1


def test_steps_in_order() -> None:
    assert STEPS == (ForgotStep.EMAIL, ForgotStep.QUESTION, ForgotStep.NEW_PASSWORD, ForgotStep.SUMMARY)


def test_email_typed_with_other_case_and_blanks(services, demo, session) -> None:
    flow = start(session, "  LILA.Rosemonde@ORANGE.fr ")
    assert flow.question == "Le prénom de votre conjoint(e) ?"
    assert flow.submit_answer("paul").ok


@pytest.mark.parametrize("answer", ["Paul", "  PAUL ", "paul", "Ｐａｕｌ", "pAuL"])
def test_answer_normalised(services, demo, session, answer: str) -> None:
    flow = start(session)
    assert flow.submit_answer(answer).ok


def test_accented_answer(services, demo, session) -> None:
    flow = start(session, HUGO)
    assert flow.question == "Le nom de votre premier animal de compagnie ?"
    assert flow.submit_answer("medor").ok


def test_outbox_email(services, demo, session) -> None:
    flow = reach_new_password(session)
    assert flow.submit_password(NEW_PASSWORD, NEW_PASSWORD).ok
    (email,) = outbox(services)
    assert email.to_address == LILA
    assert email.kind == "password_changed:forgot"
    assert email.language == "fr"
    assert email.state == "queued" and email.attempts == 0
    assert email.subject
    assert Translator("fr").date(date(2028, 3, 10)) in email.body_text  # "10 mars 2028"
    assert "Lila" in email.body_text and "ROSEMONDE" in email.body_text
    assert NEW_PASSWORD not in email.body_text and OLD_PASSWORD not in email.body_text
    assert "paul" not in email.body_text.casefold()
    assert email.message_id.startswith("<") and email.message_id.endswith(">")


def test_english_account_gets_an_english_email(services, demo, session) -> None:
    flow = reach_new_password(session, HUGO, "MÉDOR")
    assert flow.submit_password(NEW_PASSWORD, NEW_PASSWORD).ok
    (email,) = outbox(services)
    assert email.language == "en"
    assert email.to_address == HUGO
    assert "10 March 2028" in email.body_text
    assert email.subject == "Professional account - Password change"


def test_change_and_email_commit_together(base, services, demo, session, monkeypatch) -> None:
    """If the outbox row cannot be written, the password does not change either."""
    flow = reach_new_password(session)
    before = current_hash(services, LILA)
    real = common.password_changed_email

    def broken_email(**kwargs):
        email = real(**kwargs)
        email.account_id = 999_999  # violates the foreign key at commit
        return email

    monkeypatch.setattr(common, "password_changed_email", broken_email)
    with pytest.raises(IntegrityError):
        flow.submit_password(NEW_PASSWORD, NEW_PASSWORD)
    assert current_hash(services, LILA) == before
    assert counts(services) == base
    assert account(services, LILA).credentials_version == 0
    assert login(services, LILA, OLD_PASSWORD) is LoginStatus.OK


def test_nfd_password_is_stored_as_nfc(services, demo, session) -> None:
    password = "Été-à-Noël-Glycine-Chaloupe"
    flow = reach_new_password(session)
    nfd = unicodedata.normalize("NFD", password)
    assert flow.submit_password(nfd, password).ok
    assert login(services, LILA, password) is LoginStatus.OK
    assert login(services, LILA, nfd) is LoginStatus.OK


def test_validity_from_29_february(services, demo, session, clock) -> None:
    clock.set(datetime(2028, 2, 29, 10, 0, tzinfo=UTC))  # Lila's password expired meanwhile
    assert login(services, LILA, OLD_PASSWORD) is LoginStatus.EXPIRED
    flow = reach_new_password(session)
    assert flow.submit_password(NEW_PASSWORD, NEW_PASSWORD).ok
    assert flow.valid_until == date(2031, 2, 28)
    assert login(services, LILA, NEW_PASSWORD) is LoginStatus.OK


# --- unknown emails look like known ones ---------------------------------------------------------


def test_unknown_email_gets_a_decoy_question(services, demo, session) -> None:
    known = ForgotPasswordFlow(session)
    unknown = ForgotPasswordFlow(services.open_session())
    known_outcome = known.submit_email(LILA, "")
    unknown_outcome = unknown.submit_email(UNKNOWN, "")
    assert unknown_outcome == known_outcome
    assert unknown.step is known.step is ForgotStep.QUESTION
    assert unknown.question in STANDARD_QUESTIONS
    # stable for the same email, whatever its case
    again = ForgotPasswordFlow(services.open_session())
    again.submit_email("  " + UNKNOWN.upper(), "")
    assert again.question == unknown.question
    assert unknown.question == accounts.decoy_question(services.secret_key, UNKNOWN)


def test_decoy_questions_vary_between_emails(services, demo) -> None:
    questions = {accounts.decoy_question(services.secret_key, f"user{i}@exemple.fr") for i in range(40)}
    assert len(questions) > 3
    assert questions <= set(STANDARD_QUESTIONS)


def test_unknown_email_wrong_answer_looks_like_a_known_one(services, demo, session) -> None:
    known = start(session, LILA)
    unknown = start(services.open_session(), UNKNOWN)
    known_outcome = known.submit_answer("Pierre")
    unknown_outcome = unknown.submit_answer("Pierre")
    assert known_outcome == unknown_outcome
    assert known_outcome.codes == ("wrong_answer",)
    assert unknown.step is known.step is ForgotStep.QUESTION
    assert unknown.submit_answer("Paul").codes == ("wrong_answer",)


def test_unknown_email_can_never_change_a_password(base, services, demo, session) -> None:
    flow = start(session, UNKNOWN)
    with pytest.raises(RuntimeError):
        flow.submit_password(NEW_PASSWORD, NEW_PASSWORD)
    assert counts(services) == base


# --- email step -----------------------------------------------------------------------------


@pytest.mark.parametrize("email", ["", "lila", "lila@orange", "lila\x1b[0m@orange.fr"])
def test_invalid_email(services, demo, session, email: str) -> None:
    flow = ForgotPasswordFlow(session)
    outcome = flow.submit_email(email, "")
    assert not outcome.ok
    assert outcome.codes == ("invalid_email",)
    assert outcome.messages
    assert flow.step is ForgotStep.EMAIL


def test_wrong_captcha_refused(captcha_services, captcha_demo, captcha_session) -> None:
    session = captcha_session
    flow = ForgotPasswordFlow(session)
    shown = session.captcha.current
    wrong = "".join("2" if c != "2" else "3" for c in shown.solution)
    outcome = flow.submit_email(LILA, wrong)
    assert not outcome.ok
    assert outcome.codes == ("captcha_wrong",)
    assert flow.step is ForgotStep.EMAIL
    assert session.captcha.current.serial != shown.serial  # a new image
    assert not flow.submit_email(LILA, shown.solution).ok  # the old one is spent
    assert flow.submit_email(LILA, " ".join(solution(session).lower())).ok
    assert flow.step is ForgotStep.QUESTION


def test_expired_captcha_refused(captcha_services, captcha_demo, captcha_session, clock) -> None:
    flow = ForgotPasswordFlow(captcha_session)
    text = solution(captcha_session)
    clock.advance(timedelta(seconds=captcha_services.settings.captcha_ttl_seconds + 1))
    assert flow.submit_email(LILA, text).codes == ("captcha_wrong",)
    assert flow.submit_email(LILA, solution(captcha_session)).ok


# --- lockout ---------------------------------------------------------------------------------


@pytest.mark.parametrize("email", [LILA, UNKNOWN])
def test_five_wrong_answers_lock_the_procedure(services, demo, session, clock, email: str) -> None:
    flow = start(session, email)
    for attempt in range(4):
        outcome = flow.submit_answer(f"Pierre{attempt}")
        assert outcome.codes == ("wrong_answer",)
        assert outcome.locked_until is None
    fifth = flow.submit_answer("Jacques")
    assert not fifth.ok
    assert fifth.codes == ("locked",)
    assert fifth.locked_until == START + timedelta(minutes=15)
    assert "10:15" in fifth.messages[0]  # Paris time (UTC+1 in March)
    # even the right answer is refused now
    assert flow.submit_answer("Paul").codes == ("locked",)
    assert flow.step is ForgotStep.QUESTION
    # a new procedure for the same address is refused at the first step
    other = ForgotPasswordFlow(services.open_session())
    refused = other.submit_email(email.upper(), "")
    assert refused.codes == ("locked",)
    assert refused.locked_until == fifth.locked_until
    assert other.step is ForgotStep.EMAIL
    # the lock ends after the lockout
    clock.set(fifth.locked_until - timedelta(seconds=1))
    assert ForgotPasswordFlow(services.open_session()).submit_email(email, "").codes == ("locked",)
    clock.set(fifth.locked_until + timedelta(seconds=1))
    after = start(services.open_session(), email)
    if email == LILA:
        assert after.submit_answer("Paul").ok
    else:
        assert after.submit_answer("Paul").codes == ("wrong_answer",)


def test_locked_and_unknown_outcomes_look_alike(services, demo) -> None:
    outcomes = []
    for email in (LILA, UNKNOWN):
        flow = start(services.open_session(), email)
        for _ in range(5):
            outcome = flow.submit_answer("Pierre")
        outcomes.append(outcome)
    assert outcomes[0] == outcomes[1]


@pytest.mark.parametrize("email", [LILA, UNKNOWN])
def test_lock_lasts_until_the_announced_time(services, demo, session, clock, email: str) -> None:
    flow = start(session, email)
    for attempt in range(4):
        assert flow.submit_answer(f"Pierre{attempt}").codes == ("wrong_answer",)
        clock.advance(timedelta(minutes=1))
    fifth = flow.submit_answer("Jacques")  # at 09:04 UTC
    assert fifth.codes == ("locked",)
    assert fifth.locked_until == START + timedelta(minutes=19)
    assert "10:19" in fifth.messages[0]
    clock.set(START + timedelta(minutes=15, seconds=1))
    assert ForgotPasswordFlow(services.open_session()).submit_email(email, "").codes == ("locked",)
    assert flow.submit_answer("Paul").codes == ("locked",)


def test_lock_never_prevents_logging_in(services, demo, session) -> None:
    flow = start(session)
    for _ in range(5):
        flow.submit_answer("Pierre")
    assert flow.submit_answer("Paul").codes == ("locked",)
    assert login(services, LILA, OLD_PASSWORD) is LoginStatus.OK


def test_lock_is_per_address_and_case_insensitive(services, demo, clock) -> None:
    for variant in ["lila.rosemonde@orange.fr", "LILA.ROSEMONDE@ORANGE.FR", "Lila.Rosemonde@Orange.fr"] * 2:
        flow = start(services.open_session(), variant)
        outcome = flow.submit_answer("Pierre")
        if outcome.codes == ("locked",):
            break
    assert outcome.codes == ("locked",)
    assert start(services.open_session(), HUGO).submit_answer("Médor").ok
    # throttling rows keep a keyed hash, never the address
    with services.uow() as uow:
        digests = {row.email_digest for row in uow.session.exec(select(AnswerFailure)).all()}
    assert len(digests) == 1
    assert not any("lila" in digest for digest in digests)


def test_wrong_answers_spread_over_more_than_the_window_do_not_lock(services, demo, session, clock) -> None:
    flow = start(session)
    for _ in range(6):
        assert flow.submit_answer("Pierre").codes == ("wrong_answer",)
        clock.advance(timedelta(minutes=4))
    assert flow.submit_answer("Paul").ok


def test_right_answer_clears_failures(services, demo, session) -> None:
    flow = start(session)
    for _ in range(4):
        flow.submit_answer("Pierre")
    assert flow.submit_answer("Paul").ok
    again = start(services.open_session())
    for _ in range(4):
        assert again.submit_answer("Pierre").codes == ("wrong_answer",)


def test_empty_answers_are_not_failures(services, demo, session) -> None:
    flow = start(session)
    for _ in range(8):
        outcome = flow.submit_answer("   ")
        assert outcome.codes == ("empty_answer",)
    assert flow.submit_answer("Paul").ok


# --- new password ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "confirmation", "codes"),
    [
        ("motdepassemotdepasse", "motdepassemotdepasse", (Reason.TOO_WEAK,)),
        ("LilaRosemondePaul2023", "LilaRosemondePaul2023", (Reason.TOO_WEAK,)),
        ("Kq9vLz2pWm7Rt4xNb8H", "Kq9vLz2pWm7Rt4xNb8H", (Reason.TOO_SHORT,)),
        (OLD_PASSWORD, OLD_PASSWORD, (Reason.SAME_AS_PREVIOUS,)),
        (NEW_PASSWORD, NEW_PASSWORD + "!", (Reason.CONFIRMATION_MISMATCH,)),
        ("Horizon\tLuciole-Chaloupe-87", "Horizon\tLuciole-Chaloupe-87", (Reason.CONTROL_CHARACTER,)),
        ("x" * 129, "x" * 129, (Reason.TOO_LONG,)),
    ],
)
def test_refused_passwords_write_nothing(
    base, services, demo, session, password: str, confirmation: str, codes: tuple[Reason, ...]
) -> None:
    flow = reach_new_password(session)
    before_hash = current_hash(services, LILA)
    outcome = flow.submit_password(password, confirmation)
    assert not outcome.ok
    assert outcome.codes == codes
    assert len(outcome.messages) == len(codes) and all(outcome.messages)
    assert flow.step is ForgotStep.NEW_PASSWORD
    assert flow.valid_until is None
    assert counts(services) == base
    assert current_hash(services, LILA) == before_hash
    assert account(services, LILA).credentials_version == 0
    # the user can try again on the same screen
    assert flow.submit_password(NEW_PASSWORD, NEW_PASSWORD).ok
    assert counts(services) == added(base)


def test_the_security_answer_counts_as_a_personal_word(services, demo, session) -> None:
    password = "MedorMedor-Tambour75"  # Moyen in general, Faible for the owner of Médor
    assert services.policy.strength(password) is not StrengthLevel.FAIBLE
    flow = reach_new_password(session, HUGO, "Médor")
    assert flow.strength(password) is StrengthLevel.FAIBLE
    assert flow.submit_password(password, password).codes == (Reason.TOO_WEAK,)


def test_meter(services, demo, session) -> None:
    flow = reach_new_password(session)
    assert flow.strength("") is None
    assert flow.strength("LilaRosemondePaul2023") is StrengthLevel.FAIBLE
    assert flow.strength(NEW_PASSWORD) in (StrengthLevel.MOYEN, StrengthLevel.FORT)


def test_history(services, demo, session, clock) -> None:
    assert reach_new_password(session).submit_password(NEW_PASSWORD, NEW_PASSWORD).ok
    clock.advance(timedelta(days=1))
    flow = reach_new_password(services.open_session())
    assert flow.submit_password(NEW_PASSWORD, NEW_PASSWORD).codes == (Reason.SAME_AS_PREVIOUS,)
    assert flow.submit_password(OLD_PASSWORD, OLD_PASSWORD).codes == (Reason.SAME_AS_PREVIOUS,)
    assert flow.submit_password(OTHER_PASSWORD, OTHER_PASSWORD).ok
    assert login(services, LILA, OTHER_PASSWORD) is LoginStatus.OK
    assert len(outbox(services)) == 2


def test_history_depth_one(make_services, clock) -> None:
    from domain.demo import seed_demo

    services = make_services(password_history_depth=1)
    seed_demo(services)
    passwords = [OLD_PASSWORD, NEW_PASSWORD, OTHER_PASSWORD]
    for password in passwords[1:]:
        clock.advance(timedelta(days=1))
        assert reach_new_password(services.open_session()).submit_password(password, password).ok
    assert len(credentials(services, LILA)) == 2  # the current one and one previous
    clock.advance(timedelta(days=1))
    flow = reach_new_password(services.open_session())
    assert flow.submit_password(OTHER_PASSWORD, OTHER_PASSWORD).codes == (Reason.SAME_AS_PREVIOUS,)
    assert flow.submit_password(NEW_PASSWORD, NEW_PASSWORD).codes == (Reason.SAME_AS_PREVIOUS,)
    assert flow.submit_password(OLD_PASSWORD, OLD_PASSWORD).ok  # out of history


def test_history_is_trimmed(services, demo, clock) -> None:
    depth = services.policy.history_depth
    for index in range(depth + 2):
        clock.advance(timedelta(days=1))
        password = f"Horizon-Luciole-Chaloupe-{index:02d}x"
        flow = reach_new_password(services.open_session())
        assert flow.submit_password(password, password).ok, index
    rows = credentials(services, LILA)
    assert len(rows) == depth + 1
    assert sum(row.is_current for row in rows) == 1


def test_stale_change(base, services, demo) -> None:
    first = reach_new_password(services.open_session())
    second = reach_new_password(services.open_session())
    assert first.submit_password(NEW_PASSWORD, NEW_PASSWORD).ok
    outcome = second.submit_password(OTHER_PASSWORD, OTHER_PASSWORD)
    assert outcome.codes == ("stale",)
    assert counts(services) == added(base)
    assert login(services, LILA, NEW_PASSWORD) is LoginStatus.OK
    assert login(services, LILA, OTHER_PASSWORD) is LoginStatus.INVALID


def test_no_password_before_the_answer(base, services, demo, session) -> None:
    flow = ForgotPasswordFlow(session)
    with pytest.raises(RuntimeError):
        flow.submit_password(NEW_PASSWORD, NEW_PASSWORD)
    flow = start(session)
    with pytest.raises(RuntimeError):
        flow.submit_password(NEW_PASSWORD, NEW_PASSWORD)
    flow.submit_answer("Pierre")
    with pytest.raises(RuntimeError):
        flow.submit_password(NEW_PASSWORD, NEW_PASSWORD)
    assert counts(services) == base


def test_no_second_change_from_the_summary(base, services, demo, session) -> None:
    flow = reach_new_password(session)
    assert flow.submit_password(NEW_PASSWORD, NEW_PASSWORD).ok
    with pytest.raises(RuntimeError):
        flow.submit_password(OTHER_PASSWORD, OTHER_PASSWORD)
    assert counts(services) == added(base)


def test_deactivated_account(services, demo, session) -> None:
    set_status(services, LILA, "deactivated")
    flow = start(session)
    assert flow.submit_answer("Pierre").codes == ("wrong_answer",)  # nothing revealed
    outcome = flow.submit_answer("Paul")
    assert outcome.codes == ("deactivated",)
    assert flow.step is ForgotStep.QUESTION
    with pytest.raises(RuntimeError):
        flow.submit_password(NEW_PASSWORD, NEW_PASSWORD)


# --- back --------------------------------------------------------------------------------------


def test_back_goes_one_step_back(base, services, demo, session) -> None:
    flow = ForgotPasswordFlow(session)
    assert flow.back() is ForgotStep.EMAIL  # nothing before the first step
    assert flow.submit_email(LILA, "").ok
    assert flow.back() is ForgotStep.EMAIL
    assert flow.submit_email(LILA, "").ok
    assert flow.submit_answer("Paul").ok
    assert flow.back() is ForgotStep.QUESTION
    with pytest.raises(RuntimeError):
        flow.submit_password(NEW_PASSWORD, NEW_PASSWORD)  # the answer must be given again
    assert flow.submit_answer("Paul").ok
    assert flow.submit_password(NEW_PASSWORD, NEW_PASSWORD).ok
    assert flow.back() is ForgotStep.SUMMARY  # no way back from the summary
    assert counts(services) == added(base)


def test_back_then_other_email(services, demo, session) -> None:
    flow = start(session, LILA)
    flow.back()
    assert flow.submit_email(HUGO, "").ok
    assert flow.question == "Le nom de votre premier animal de compagnie ?"
    assert flow.submit_answer("Paul").codes == ("wrong_answer",)
    assert flow.submit_answer("Médor").ok
    assert flow.submit_password(NEW_PASSWORD, NEW_PASSWORD).ok
    assert login(services, HUGO, NEW_PASSWORD) is LoginStatus.OK
    assert login(services, LILA, OLD_PASSWORD) is LoginStatus.OK


def test_submit_email_out_of_order_cannot_retarget_a_verified_flow(services, demo, session) -> None:
    # the attacker locks the victim's procedure (anyone can: 5 wrong answers)
    locker = start(services.open_session(), LILA)
    for _ in range(5):
        locker.submit_answer("Pierre")
    # the attacker verifies their own account (Hugo), then retargets
    flow = reach_new_password(session, HUGO, "Médor")
    with pytest.raises(RuntimeError):
        flow.submit_email(LILA, "")
    victim_hash = current_hash(services, LILA)
    with contextlib.suppress(RuntimeError):
        flow.submit_password(OTHER_PASSWORD, OTHER_PASSWORD)
    assert current_hash(services, LILA) == victim_hash
    assert login(services, LILA, OTHER_PASSWORD) is LoginStatus.INVALID


def test_abandoned_reset_leaves_the_current_password(base, services, demo, session) -> None:
    flow = reach_new_password(session)
    assert flow.strength(NEW_PASSWORD) is not None
    assert login(services, LILA, OLD_PASSWORD) is LoginStatus.OK
    assert counts(services) == base
