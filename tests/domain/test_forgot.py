"""« Mot de passe oublié » through the session core, on the demo data (SPEC §3.1, §4, §6)."""

from __future__ import annotations

import itertools
import json
import threading
import unicodedata
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import select

from domain import usecases
from domain.accounts import STANDARD_QUESTIONS
from domain.i18n import Translator
from domain.models import (
    AnswerClientFailure,
    AnswerFailure,
    JournalEvent,
    LoginFailure,
    OutboxEmail,
    PasswordCredential,
)
from domain.policy import Reason
from domain.session import SessionCore, Step, View, walk
from domain.session.intents import Back, OpenForgot, Proceed, SubmitAnswer, SubmitEmail, SubmitNewPassword
from domain.session.render import PROCEDURES
from domain.session.states import Procedure
from domain.session.views import NoDetail, QuestionDetail, SummaryDetail
from domain.strength import StrengthLevel
from domain.throttle import LockScope
from domain.usecases import PasswordStatus
from tests.domain.race import CountingHasher
from tests.domain.support import (
    HUGO,
    LILA,
    LILA_WORDS,
    NEW_PASSWORD,
    OTHER_PASSWORD,
    START,
    account,
    credentials,
    current_hash,
    outbox,
    set_status,
)

OLD_PASSWORD = "Glycine-Orage-Violon-2023"
UNKNOWN = "personne.inconnue@exemple.fr"


def codes(view: View) -> tuple[str, ...]:
    return tuple(note.code for note in view.notes)


def messages(core: SessionCore, view: View) -> tuple[str, ...]:
    """The notes of a view as the session's user reads them."""
    t = Translator(core.language)
    return tuple(note.render(t) for note in view.notes)


def locked_until(view: View) -> datetime | None:
    """The end of the lock a view announces (None: no lock)."""
    for note in view.notes:
        if note.code in ("locked", "locked_client"):
            until = dict(note.params)["time"]
            assert isinstance(until, datetime)
            return until
    return None


def looks(view: View) -> tuple[object, ...]:
    """What a user sees of a view, apart from its step's own facts (the question)."""
    return (view.step, view.notes, view.resets, view.focus, view.actions, view.progress, view.fields)


def submit_email(core: SessionCore, email: str, captcha: str | None = None) -> View:
    """« Mot de passe oublié » from the login (if there), then the email and the CAPTCHA."""
    if core.view().step is Step.LOGIN:
        walk(core, [OpenForgot(email)])
    return core.send(SubmitEmail(email, core.captcha.current.solution if captcha is None else captcha))


def answer(core: SessionCore, text: str) -> View:
    return core.send(SubmitAnswer(text))


def new_password(core: SessionCore, password: str, confirmation: str) -> View:
    return core.send(SubmitNewPassword(password, confirmation))


def start(services, email: str = LILA) -> SessionCore:
    """A new session at the security question of ``email``."""
    core = SessionCore(services)
    view = submit_email(core, email)
    assert view.step is Step.FORGOT_QUESTION and not view.notes, view.notes
    return core


def reach_new_password(services, email: str = LILA, given: str = "  PAUL ") -> SessionCore:
    core = start(services, email)
    view = answer(core, given)
    assert not view.notes, view.notes
    assert view.step is Step.FORGOT_NEW_PASSWORD
    return core


def changed(view: View) -> bool:
    return view.step is Step.FORGOT_SUMMARY and not view.notes


def valid_until(view: View) -> date | None:
    return view.detail.valid_until if isinstance(view.detail, SummaryDetail) else None


_CLIENTS = itertools.count(1)


def login(services, email: str, password: str) -> PasswordStatus:
    """One login attempt, from its own client address (per-client throttling stays out)."""
    client = f"198.51.100.{next(_CLIENTS) % 250}"
    return usecases.log_in(services, email=email, password=password, client_address=client).status


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


def journal(core: SessionCore) -> list[tuple[str, str, dict[str, object]]]:
    """(kind, name, detail) of the session's journal events so far, in order."""
    core.services.journal_writer.flush()
    with core.services.uow() as uow:
        events = uow.session.exec(select(JournalEvent).where(JournalEvent.session_reference == core.reference)).all()
    return [(e.kind, e.name, json.loads(e.detail)) for e in sorted(events, key=lambda e: e.seq)]


def ignored(core: SessionCore, intent) -> None:  # type: ignore[no-untyped-def]
    """``intent`` is not valid at the current step: nothing happens, and it is journaled."""
    before = core.view()
    after = core.send(intent)
    assert after == before
    kind, name, detail = journal(core)[-1]
    assert (kind, name, detail["intent"]) == ("intent", "ignored", intent.name)


# --- the full path -----------------------------------------------------------------------------


def test_full_path(services, demo) -> None:
    core = SessionCore(services)
    view = walk(core, [OpenForgot()])
    assert view.step is Step.FORGOT_EMAIL and view.progress is not None and view.progress.number == 1
    view = submit_email(core, LILA)
    assert not view.notes
    assert view.step is Step.FORGOT_QUESTION and view.progress is not None and view.progress.number == 2
    assert view.detail == QuestionDetail(LILA, "Le prénom de votre conjoint(e) ?")
    view = answer(core, "  PAUL ")
    assert not view.notes
    assert view.step is Step.FORGOT_NEW_PASSWORD and view.progress is not None and view.progress.number == 3
    view = new_password(core, NEW_PASSWORD, NEW_PASSWORD)
    assert changed(view) and codes(view) == () and messages(core, view) == ()
    assert view.progress is not None and view.progress.number == 4
    assert valid_until(view) == date(2028, 3, 10)

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

    assert login(services, LILA, NEW_PASSWORD) is PasswordStatus.OK
    assert login(services, LILA, OLD_PASSWORD) is PasswordStatus.INVALID
    assert account(services, LILA).credentials_version == 1


def test_steps_in_order(services) -> None:
    assert PROCEDURES[Procedure.FORGOT][1] == (
        Step.FORGOT_EMAIL,
        Step.FORGOT_QUESTION,
        Step.FORGOT_NEW_PASSWORD,
        Step.FORGOT_SUMMARY,
    )
    view = walk(SessionCore(services), [OpenForgot()])
    assert view.progress is not None and view.progress.procedure is Procedure.FORGOT
    assert view.progress.total == 4 and view.progress.number == 1


def test_email_typed_with_other_case_and_blanks(services, demo) -> None:
    core = SessionCore(services)
    view = submit_email(core, "  LILA.Rosemonde@ORANGE.fr ")
    assert isinstance(view.detail, QuestionDetail)
    assert view.detail.question == "Le prénom de votre conjoint(e) ?"
    assert answer(core, "paul").step is Step.FORGOT_NEW_PASSWORD


@pytest.mark.parametrize("given", ["Paul", "  PAUL ", "paul", "Ｐａｕｌ", "pAuL"])
def test_answer_normalised(services, demo, given: str) -> None:
    core = start(services)
    view = answer(core, given)
    assert view.step is Step.FORGOT_NEW_PASSWORD and not view.notes


def test_accented_answer(services, demo) -> None:
    core = SessionCore(services)
    view = submit_email(core, HUGO)
    assert isinstance(view.detail, QuestionDetail)
    assert view.detail.question == "Le nom de votre premier animal de compagnie ?"
    assert answer(core, "medor").step is Step.FORGOT_NEW_PASSWORD


def test_outbox_email(services, demo) -> None:
    core = reach_new_password(services)
    assert changed(new_password(core, NEW_PASSWORD, NEW_PASSWORD))
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


def test_english_account_gets_an_english_email(services, demo) -> None:
    core = reach_new_password(services, HUGO, "MÉDOR")
    assert changed(new_password(core, NEW_PASSWORD, NEW_PASSWORD))
    (email,) = outbox(services)
    assert email.language == "en"
    assert email.to_address == HUGO
    assert "10 March 2028" in email.body_text
    assert email.subject == "Professional account - Password change"


def test_change_and_email_commit_together(base, services, demo, monkeypatch) -> None:
    """If the outbox row cannot be written, the password does not change either."""
    core = reach_new_password(services)
    before = current_hash(services, LILA)
    real = usecases.password_changed_email

    def broken_email(**kwargs):  # type: ignore[no-untyped-def]
        email = real(**kwargs)
        email.account_id = 999_999  # violates the foreign key at commit
        return email

    monkeypatch.setattr(usecases, "password_changed_email", broken_email)
    view = new_password(core, NEW_PASSWORD, NEW_PASSWORD)
    # the failure is contained: the user stays on the step and is told nothing was changed
    assert view.step is Step.FORGOT_NEW_PASSWORD
    assert codes(view) == ("unavailable",)
    assert journal(core)[-1][1:] == ("step_failed", {"intent": "submit_new_password", "error": "IntegrityError"})
    assert current_hash(services, LILA) == before
    assert counts(services) == base
    assert account(services, LILA).credentials_version == 0
    assert login(services, LILA, OLD_PASSWORD) is PasswordStatus.OK
    # once the queue works again, the same step goes through
    monkeypatch.undo()
    assert changed(new_password(core, NEW_PASSWORD, NEW_PASSWORD))
    assert counts(services) == added(base)


def test_nfd_password_is_stored_as_nfc(services, demo) -> None:
    password = "Été-à-Noël-Glycine-Chaloupe"
    core = reach_new_password(services)
    nfd = unicodedata.normalize("NFD", password)
    assert changed(new_password(core, nfd, password))
    assert login(services, LILA, password) is PasswordStatus.OK
    assert login(services, LILA, nfd) is PasswordStatus.OK


def test_validity_from_29_february(services, demo, clock) -> None:
    clock.set(datetime(2028, 2, 29, 10, 0, tzinfo=UTC))  # Lila's password expired meanwhile
    assert login(services, LILA, OLD_PASSWORD) is PasswordStatus.EXPIRED
    core = reach_new_password(services)
    view = new_password(core, NEW_PASSWORD, NEW_PASSWORD)
    assert changed(view)
    assert valid_until(view) == date(2031, 2, 28)
    assert login(services, LILA, NEW_PASSWORD) is PasswordStatus.OK


# --- unknown emails look like known ones ---------------------------------------------------------


def test_unknown_email_gets_a_decoy_question(services, demo) -> None:
    known = SessionCore(services)
    unknown = SessionCore(services)
    known_view = submit_email(known, LILA, "")
    unknown_view = submit_email(unknown, UNKNOWN, "")
    assert looks(unknown_view) == looks(known_view)
    assert unknown_view.step is known_view.step is Step.FORGOT_QUESTION
    assert isinstance(unknown_view.detail, QuestionDetail)
    question = unknown_view.detail.question
    assert question in {d.question for d in demo.values()}  # one of the questions in use
    # stable for the same email, whatever its case
    again = submit_email(SessionCore(services), "  " + UNKNOWN.upper(), "")
    assert isinstance(again.detail, QuestionDetail)
    assert again.detail.question == question
    assert question == usecases.identify(services, email=UNKNOWN).question


def test_decoy_questions_vary_between_emails(services, demo) -> None:
    questions = {usecases.identify(services, email=f"user{i}@exemple.fr").question for i in range(40)}
    assert questions == {d.question for d in demo.values()}


def test_decoy_without_any_account_is_a_standard_question(services) -> None:
    questions = {usecases.identify(services, email=f"user{i}@exemple.fr").question for i in range(40)}
    assert len(questions) > 3 and questions <= set(STANDARD_QUESTIONS)


def test_unknown_email_wrong_answer_looks_like_a_known_one(services, demo) -> None:
    known = start(services, LILA)
    unknown = start(services, UNKNOWN)
    known_view = answer(known, "Pierre")
    unknown_view = answer(unknown, "Pierre")
    assert looks(known_view) == looks(unknown_view)
    assert codes(known_view) == ("wrong_answer",)
    assert unknown_view.step is known_view.step is Step.FORGOT_QUESTION
    assert codes(answer(unknown, "Paul")) == ("wrong_answer",)


def test_unknown_email_can_never_change_a_password(base, services, demo) -> None:
    core = start(services, UNKNOWN)
    ignored(core, SubmitNewPassword(NEW_PASSWORD, NEW_PASSWORD))
    assert core.view().step is Step.FORGOT_QUESTION
    assert counts(services) == base


# --- email step -----------------------------------------------------------------------------


@pytest.mark.parametrize("email", ["", "lila", "lila@orange", "lila\x1b[0m@orange.fr"])
def test_invalid_email(services, demo, email: str) -> None:
    core = SessionCore(services)
    walk(core, [OpenForgot()])
    view = core.send(SubmitEmail(email, ""))
    assert codes(view) == ("invalid_email",)
    assert all(messages(core, view))
    assert view.step is Step.FORGOT_EMAIL


def test_wrong_captcha_refused(captcha_services, captcha_demo) -> None:
    core = SessionCore(captcha_services)
    walk(core, [OpenForgot()])
    shown = core.captcha.current
    wrong = "".join("2" if c != "2" else "3" for c in shown.solution)
    view = core.send(SubmitEmail(LILA, wrong))
    assert codes(view) == ("captcha_wrong",)
    assert view.step is Step.FORGOT_EMAIL
    assert core.captcha.current.serial != shown.serial  # a new image
    assert view.captcha is not None and view.captcha.serial == core.captcha.current.serial
    assert codes(core.send(SubmitEmail(LILA, shown.solution))) == ("captcha_wrong",)  # the old one is spent
    view = core.send(SubmitEmail(LILA, " ".join(core.captcha.current.solution.lower())))
    assert not view.notes
    assert view.step is Step.FORGOT_QUESTION


def test_expired_captcha_refused(captcha_services, captcha_demo, clock) -> None:
    core = SessionCore(captcha_services)
    walk(core, [OpenForgot()])
    text = core.captcha.current.solution
    clock.advance(timedelta(seconds=captcha_services.settings.captcha_ttl_seconds + 1))
    assert codes(core.send(SubmitEmail(LILA, text))) == ("captcha_expired",)
    assert submit_email(core, LILA).step is Step.FORGOT_QUESTION


# --- lockout ---------------------------------------------------------------------------------


@pytest.mark.parametrize("email", [LILA, UNKNOWN])
def test_five_wrong_answers_lock_the_procedure(services, demo, clock, email: str) -> None:
    core = start(services, email)
    for attempt in range(4):
        view = answer(core, f"Pierre{attempt}")
        assert codes(view) == ("wrong_answer",)
        assert locked_until(view) is None
    fifth = answer(core, "Jacques")
    assert fifth.step is Step.FORGOT_QUESTION
    assert codes(fifth) == ("locked",)
    until = locked_until(fifth)
    assert until == START + timedelta(minutes=15)
    assert "10:15" in messages(core, fifth)[0]  # Paris time (UTC+1 in March)
    # even the right answer is refused now
    assert codes(answer(core, "Paul")) == ("locked",)
    assert core.view().step is Step.FORGOT_QUESTION
    # a new procedure for the same address is refused at the first step
    other = SessionCore(services)
    refused = submit_email(other, email.upper(), "")
    assert codes(refused) == ("locked",)
    assert locked_until(refused) == until
    assert refused.step is Step.FORGOT_EMAIL
    # the lock ends after the lockout
    assert until is not None
    clock.set(until - timedelta(seconds=1))
    assert codes(submit_email(SessionCore(services), email, "")) == ("locked",)
    clock.set(until + timedelta(seconds=1))
    after = start(services, email)
    if email == LILA:
        assert answer(after, "Paul").step is Step.FORGOT_NEW_PASSWORD
    else:
        assert codes(answer(after, "Paul")) == ("wrong_answer",)


def test_locked_and_unknown_outcomes_look_alike(services, demo) -> None:
    outcomes = []
    for email in (LILA, UNKNOWN):
        core = start(services, email)
        for _ in range(5):
            view = answer(core, "Pierre")
        outcomes.append(looks(view))
    assert outcomes[0] == outcomes[1]


@pytest.mark.parametrize("email", [LILA, UNKNOWN])
def test_lock_lasts_until_the_announced_time(services, demo, clock, email: str) -> None:
    core = start(services, email)
    for attempt in range(4):
        assert codes(answer(core, f"Pierre{attempt}")) == ("wrong_answer",)
        clock.advance(timedelta(minutes=1))
    fifth = answer(core, "Jacques")  # at 09:04 UTC
    assert codes(fifth) == ("locked",)
    assert locked_until(fifth) == START + timedelta(minutes=19)
    assert "10:19" in messages(core, fifth)[0]
    clock.set(START + timedelta(minutes=15, seconds=1))
    assert codes(submit_email(SessionCore(services), email, "")) == ("locked",)
    assert codes(answer(core, "Paul")) == ("locked",)


def test_lock_never_prevents_logging_in(services, demo) -> None:
    core = start(services)
    for _ in range(5):
        answer(core, "Pierre")
    assert codes(answer(core, "Paul")) == ("locked",)
    assert login(services, LILA, OLD_PASSWORD) is PasswordStatus.OK


def test_lock_is_per_address_and_case_insensitive(services, demo, clock) -> None:
    for variant in ["lila.rosemonde@orange.fr", "LILA.ROSEMONDE@ORANGE.FR", "Lila.Rosemonde@Orange.fr"] * 2:
        view = answer(start(services, variant), "Pierre")
        if codes(view) == ("locked",):
            break
    assert codes(view) == ("locked",)
    assert answer(start(services, HUGO), "Médor").step is Step.FORGOT_NEW_PASSWORD
    # throttling rows keep a keyed hash, never the address
    with services.uow() as uow:
        digests = {row.email_digest for row in uow.session.exec(select(AnswerFailure)).all()}
    assert len(digests) == 1
    assert not any("lila" in digest for digest in digests)


def test_wrong_answers_spread_over_more_than_the_window_do_not_lock(services, demo, clock) -> None:
    core = start(services)
    for _ in range(6):
        assert codes(answer(core, "Pierre")) == ("wrong_answer",)
        clock.advance(timedelta(minutes=4))
    assert answer(core, "Paul").step is Step.FORGOT_NEW_PASSWORD


def test_right_answer_clears_failures(services, demo) -> None:
    core = start(services)
    for _ in range(4):
        answer(core, "Pierre")
    assert answer(core, "Paul").step is Step.FORGOT_NEW_PASSWORD
    again = start(services)
    for _ in range(4):
        assert codes(answer(again, "Pierre")) == ("wrong_answer",)


def test_empty_answers_are_not_failures(services, demo) -> None:
    core = start(services)
    for _ in range(8):
        view = answer(core, "   ")
        assert codes(view) == ("empty_answer",)
    assert answer(core, "Paul").step is Step.FORGOT_NEW_PASSWORD


# --- new password ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "confirmation", "reasons"),
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
    base, services, demo, password: str, confirmation: str, reasons: tuple[Reason, ...]
) -> None:
    core = reach_new_password(services)
    before_hash = current_hash(services, LILA)
    view = new_password(core, password, confirmation)
    assert codes(view) == reasons
    assert len(messages(core, view)) == len(reasons) and all(messages(core, view))
    assert view.step is Step.FORGOT_NEW_PASSWORD
    assert view.detail == NoDetail() and valid_until(view) is None
    assert counts(services) == base
    assert current_hash(services, LILA) == before_hash
    assert account(services, LILA).credentials_version == 0
    # the user can try again on the same screen
    assert changed(new_password(core, NEW_PASSWORD, NEW_PASSWORD))
    assert counts(services) == added(base)


def test_the_security_answer_counts_as_a_personal_word(services, demo) -> None:
    password = "MedorMedor-Tambour7591"  # Moyen in general, Faible for the owner of Médor
    assert services.policy.strength(password) is not StrengthLevel.FAIBLE
    core = reach_new_password(services, HUGO, "Médor")
    assert core.estimate(password) is StrengthLevel.FAIBLE
    assert codes(new_password(core, password, password)) == (Reason.TOO_WEAK,)


def test_meter(services, demo) -> None:
    core = reach_new_password(services)
    assert core.estimate("") is None
    assert core.estimate("LilaRosemondePaul2023") is StrengthLevel.FAIBLE
    assert core.estimate(NEW_PASSWORD) in (StrengthLevel.MOYEN, StrengthLevel.FORT)


def test_history(services, demo, clock) -> None:
    assert changed(new_password(reach_new_password(services), NEW_PASSWORD, NEW_PASSWORD))
    clock.advance(timedelta(days=1))
    core = reach_new_password(services)
    assert codes(new_password(core, NEW_PASSWORD, NEW_PASSWORD)) == (Reason.SAME_AS_PREVIOUS,)
    assert codes(new_password(core, OLD_PASSWORD, OLD_PASSWORD)) == (Reason.SAME_AS_PREVIOUS,)
    assert changed(new_password(core, OTHER_PASSWORD, OTHER_PASSWORD))
    assert login(services, LILA, OTHER_PASSWORD) is PasswordStatus.OK
    assert len(outbox(services)) == 2


def test_history_depth_one(make_services, clock) -> None:
    from domain.demo import seed_demo

    services = make_services(password_history_depth=1)
    seed_demo(services)
    passwords = [OLD_PASSWORD, NEW_PASSWORD, OTHER_PASSWORD]
    for password in passwords[1:]:
        clock.advance(timedelta(days=1))
        assert changed(new_password(reach_new_password(services), password, password))
    assert len(credentials(services, LILA)) == 2  # the current one and one previous
    clock.advance(timedelta(days=1))
    core = reach_new_password(services)
    assert codes(new_password(core, OTHER_PASSWORD, OTHER_PASSWORD)) == (Reason.SAME_AS_PREVIOUS,)
    assert codes(new_password(core, NEW_PASSWORD, NEW_PASSWORD)) == (Reason.SAME_AS_PREVIOUS,)
    assert changed(new_password(core, OLD_PASSWORD, OLD_PASSWORD))  # out of history


def test_history_is_trimmed(services, demo, clock) -> None:
    depth = services.policy.history_depth
    for index in range(depth + 2):
        clock.advance(timedelta(days=1))
        password = f"Horizon-Luciole-Chaloupe-{index:02d}x"
        view = new_password(reach_new_password(services), password, password)
        assert changed(view), (index, view.notes)
    rows = credentials(services, LILA)
    assert len(rows) == depth + 1
    assert sum(row.is_current for row in rows) == 1


def test_stale_change(base, services, demo) -> None:
    first = reach_new_password(services)
    second = reach_new_password(services)
    assert changed(new_password(first, NEW_PASSWORD, NEW_PASSWORD))
    view = new_password(second, OTHER_PASSWORD, OTHER_PASSWORD)
    assert codes(view) == ("stale",)
    assert view.step is Step.FORGOT_EMAIL  # "Start again."
    assert counts(services) == added(base)
    assert login(services, LILA, NEW_PASSWORD) is PasswordStatus.OK
    assert login(services, LILA, OTHER_PASSWORD) is PasswordStatus.INVALID


def test_no_password_before_the_answer(base, services, demo) -> None:
    core = SessionCore(services)
    ignored(core, SubmitNewPassword(NEW_PASSWORD, NEW_PASSWORD))  # at the login
    walk(core, [OpenForgot()])
    ignored(core, SubmitNewPassword(NEW_PASSWORD, NEW_PASSWORD))  # at the email step
    core = start(services)
    ignored(core, SubmitNewPassword(NEW_PASSWORD, NEW_PASSWORD))
    answer(core, "Pierre")
    ignored(core, SubmitNewPassword(NEW_PASSWORD, NEW_PASSWORD))
    assert core.view().step is Step.FORGOT_QUESTION
    assert counts(services) == base


def test_no_second_change_from_the_summary(base, services, demo) -> None:
    core = reach_new_password(services)
    assert changed(new_password(core, NEW_PASSWORD, NEW_PASSWORD))
    ignored(core, SubmitNewPassword(OTHER_PASSWORD, OTHER_PASSWORD))
    assert core.view().step is Step.FORGOT_SUMMARY
    assert counts(services) == added(base)


def test_deactivated_account(services, demo) -> None:
    set_status(services, LILA, "deactivated")
    core = start(services)
    assert codes(answer(core, "Pierre")) == ("wrong_answer",)  # nothing revealed
    view = answer(core, "Paul")
    assert codes(view) == ("deactivated",)
    assert view.step is Step.FORGOT_QUESTION
    ignored(core, SubmitNewPassword(NEW_PASSWORD, NEW_PASSWORD))


# --- back --------------------------------------------------------------------------------------


def test_back_goes_one_step_back(base, services, demo) -> None:
    core = SessionCore(services)
    walk(core, [OpenForgot()])
    assert core.send(Back()).step is Step.LOGIN  # nothing before the first step: the login
    assert submit_email(core, LILA, "").step is Step.FORGOT_QUESTION
    assert core.send(Back()).step is Step.FORGOT_EMAIL
    assert submit_email(core, LILA, "").step is Step.FORGOT_QUESTION
    assert answer(core, "Paul").step is Step.FORGOT_NEW_PASSWORD
    assert core.send(Back()).step is Step.FORGOT_QUESTION
    ignored(core, SubmitNewPassword(NEW_PASSWORD, NEW_PASSWORD))  # the answer must be given again
    assert answer(core, "Paul").step is Step.FORGOT_NEW_PASSWORD
    assert changed(new_password(core, NEW_PASSWORD, NEW_PASSWORD))
    ignored(core, Back())  # no way back from the summary
    assert core.view().step is Step.FORGOT_SUMMARY
    assert core.send(Proceed()).step is Step.LOGIN  # only on, to the login
    assert counts(services) == added(base)


def test_back_then_other_email(services, demo) -> None:
    core = start(services, LILA)
    core.send(Back())
    view = submit_email(core, HUGO, "")
    assert view.step is Step.FORGOT_QUESTION
    assert isinstance(view.detail, QuestionDetail)
    assert view.detail.question == "Le nom de votre premier animal de compagnie ?"
    assert codes(answer(core, "Paul")) == ("wrong_answer",)
    assert answer(core, "Médor").step is Step.FORGOT_NEW_PASSWORD
    assert changed(new_password(core, NEW_PASSWORD, NEW_PASSWORD))
    assert login(services, HUGO, NEW_PASSWORD) is PasswordStatus.OK
    assert login(services, LILA, OLD_PASSWORD) is PasswordStatus.OK


def test_submit_email_out_of_order_cannot_retarget_a_verified_flow(services, demo) -> None:
    # the attacker locks the victim's procedure (anyone can: 5 wrong answers)
    locker = start(services, LILA)
    for _ in range(5):
        answer(locker, "Pierre")
    # the attacker verifies their own account (Hugo), then retargets
    core = reach_new_password(services, HUGO, "Médor")
    ignored(core, SubmitEmail(LILA, ""))
    victim_hash = current_hash(services, LILA)
    new_password(core, OTHER_PASSWORD, OTHER_PASSWORD)
    assert current_hash(services, LILA) == victim_hash
    assert login(services, LILA, OTHER_PASSWORD) is PasswordStatus.INVALID


def test_abandoned_reset_leaves_the_current_password(base, services, demo) -> None:
    core = reach_new_password(services)
    assert core.estimate(NEW_PASSWORD) is not None
    assert login(services, LILA, OLD_PASSWORD) is PasswordStatus.OK
    assert counts(services) == base


# --- the limit per client address ------------------------------------------------------------

CLIENT = "203.0.113.66"


def answer_from(services, email: str, text: str, client: str = CLIENT) -> usecases.AnswerCheck:
    return usecases.answer_question(services, email=email, answer=text, client_address=client)


def test_wrong_answers_from_one_client_over_many_emails_lock_that_client(services, demo, clock) -> None:
    limit = services.settings.answer_max_failures_per_client
    assert limit == 20
    emails = [HUGO] + [f"inconnu{i}@exemple.fr" for i in range(limit)]  # one wrong answer each
    core = SessionCore(services, client_address=CLIENT)
    assert submit_email(core, LILA, "").step is Step.FORGOT_QUESTION  # before the lock
    for email in emails[: limit - 1]:
        assert answer_from(services, email, "Pierre").status is usecases.AnswerStatus.WRONG
    reached = answer_from(services, emails[limit - 1], "Pierre")
    assert reached.status is usecases.AnswerStatus.LOCKED and reached.evaluated
    assert reached.lock is LockScope.CLIENT
    until = START + timedelta(minutes=services.settings.answer_lockout_minutes)
    assert reached.locked_until == until
    # the 21st, for yet another email and even right, is refused without being looked at
    refused = answer_from(services, LILA, "Paul")
    assert refused.status is usecases.AnswerStatus.LOCKED and not refused.evaluated
    assert refused.locked_until == until
    assert usecases.identify(services, email=LILA, client_address=CLIENT).locked_until == until
    # the session says the refusal is about its connection, not about this email
    view = answer(core, "Paul")
    assert codes(view) == ("locked_client",) and locked_until(view) == until
    # and a new forgot-password walk from that connection stops at the email step
    other = SessionCore(services, client_address=CLIENT)
    refused = submit_email(other, HUGO, "")
    assert refused.step is Step.FORGOT_EMAIL and codes(refused) == ("locked_client",)
    # no holder is told (no email was locked), no email's count moved
    assert outbox(services) == []
    with services.uow() as uow:
        assert len(uow.session.exec(select(AnswerFailure)).all()) == limit
    # another address goes on, for the same emails
    assert answer_from(services, LILA, "Paul", "198.51.100.67").status is usecases.AnswerStatus.OK
    assert usecases.identify(services, email=HUGO, client_address="198.51.100.67").locked_until is None
    # and the address itself after the lockout
    clock.set(until + timedelta(seconds=1))
    assert answer_from(services, HUGO, "Médor").status is usecases.AnswerStatus.OK


def test_right_answers_do_not_clear_the_client_count(services, demo) -> None:
    for index in range(19):
        assert answer_from(services, f"inconnu{index}@exemple.fr", "Pierre").status is usecases.AnswerStatus.WRONG
    assert answer_from(services, LILA, "Paul").status is usecases.AnswerStatus.OK  # one's own answer
    assert answer_from(services, "autre@exemple.fr", "Pierre").status is usecases.AnswerStatus.LOCKED


def test_simultaneous_wrong_answers_from_one_client_over_many_emails(services, demo) -> None:
    attempts = 30
    limit = services.settings.answer_max_failures_per_client
    cores = []
    for index in range(attempts):
        core = SessionCore(services, client_address=CLIENT)
        assert submit_email(core, f"inconnu{index}@exemple.fr", "").step is Step.FORGOT_QUESTION
        cores.append(core)
    counter = CountingHasher(services)
    barrier = threading.Barrier(attempts)
    results: list[tuple[str, ...]] = [() for _ in cores]

    def send(index: int) -> None:
        barrier.wait(30)
        results[index] = codes(answer(cores[index], f"Pierre-{index}"))

    threads = [threading.Thread(target=send, args=(index,)) for index in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert counter.count == limit, results
    assert results.count(("wrong_answer",)) == limit - 1
    assert results.count(("locked_client",)) == attempts - limit + 1
    with services.uow() as uow:
        assert len(uow.session.exec(select(AnswerClientFailure)).all()) == limit
    assert answer_from(services, LILA, "Paul", "198.51.100.68").status is usecases.AnswerStatus.OK


# --- what users type, at every entry point ---------------------------------------------------

UNUSABLE = ["\ud800", "\udfff", "\x00", "\x1b[2J"]


@pytest.mark.parametrize("bad", UNUSABLE)
def test_every_entry_point_refuses_unusable_text(base, services, demo, bad: str) -> None:
    """Lone surrogates anywhere, control characters in an email, an answer or a password
    that is checked: refused as data before anything is looked up, counted or hashed. In
    a new password, control characters are the policy's to refuse."""
    unusable = usecases.UNUSABLE_TEXT
    lila = account(services, LILA)
    assert lila.id is not None
    version, client = lila.credentials_version, "192.0.2.40"
    surrogate = bad.startswith(("\ud800", "\udfff"))

    identity = usecases.identify(services, email=LILA + bad)
    assert identity.unusable == "email" and identity.account_id is None and identity.question == ""
    for email, text, field in ((LILA + bad, "Paul", "email"), (LILA, "Paul" + bad, "answer"), (bad, bad, "email")):
        check = usecases.answer_question(services, email=email, answer=text, client_address=client)
        assert (check.status, check.unusable, check.evaluated) == (unusable, field, False)

    forgotten = usecases.set_forgotten_password(
        services,
        account_id=lila.id,
        expected_version=version,
        password=NEW_PASSWORD + bad,
        confirmation=NEW_PASSWORD + bad,
        words=LILA_WORDS,
        client_address=client,
    )
    if surrogate:
        assert (forgotten.status, forgotten.unusable) == (unusable, "password")
    else:
        assert forgotten.reasons == (Reason.CONTROL_CHARACTER.value,)

    def expired(email: str, old: str, new: str) -> usecases.ChangeResult:
        return usecases.change_expired_password(
            services, email=email, old=old, new=new, confirmation=new, client_address=client
        )

    for email, old, field in ((LILA + bad, OLD_PASSWORD, "email"), (LILA, OLD_PASSWORD + bad, "old")):
        result = expired(email, old, NEW_PASSWORD)
        assert (result.status, result.unusable) == (unusable, field)
    result = expired(LILA, OLD_PASSWORD, NEW_PASSWORD + bad)
    if surrogate:
        assert (result.status, result.unusable) == (unusable, "new")
    else:
        assert result.reasons == (Reason.CONTROL_CHARACTER.value,)

    def change(answer: str, new: str) -> usecases.ChangeResult:
        assert lila.id is not None
        return usecases.change_signed_in_password(
            services,
            account_id=lila.id,
            email=LILA,
            signed_in_version=version,
            answer=answer,
            new=new,
            confirmation=new,
            client_address=client,
        )

    result = change("Paul" + bad, NEW_PASSWORD)
    assert (result.status, result.unusable, result.evaluated) == (unusable, "answer", False)
    result = change("Paul", NEW_PASSWORD + bad)
    if surrogate:
        assert (result.status, result.unusable) == (unusable, "new")
    else:
        assert result.reasons == (Reason.CONTROL_CHARACTER.value,)

    # nothing was counted, nothing changed, no email
    assert counts(services) == base
    with services.uow() as uow:
        assert uow.session.exec(select(AnswerFailure)).all() == []
        assert uow.session.exec(select(AnswerClientFailure)).all() == []
        assert uow.session.exec(select(LoginFailure)).all() == []
    assert account(services, LILA).credentials_version == version
