"""The session core walked with intents only, no Textual: every procedure, the account
space, stale and misplaced intents, and the state diagram kept in step with the table."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlmodel import select

from domain.i18n import Translator
from domain.models import JournalEvent, OutboxEmail
from domain.session import SessionCore, Step, diagram, walk
from domain.session.intents import (
    ALL_INTENTS,
    Back,
    ChangeImage,
    EndSession,
    LogIn,
    OpenAdvice,
    OpenChange,
    OpenCoordinates,
    OpenFallback,
    OpenForgot,
    OpenHelp,
    OpenServices,
    Proceed,
    SignOut,
    SpellImage,
    SubmitAnswer,
    SubmitChange,
    SubmitEmail,
    SubmitNewPassword,
    SubmitPasswords,
    Tick,
    TickNewPassword,
)
from domain.session.states import Procedure
from domain.session.table import TRANSITIONS
from domain.session.views import (
    AccountDetail,
    AdviceDetail,
    AlertDetail,
    ChangeDetail,
    FallbackDetail,
    QuestionDetail,
    SummaryDetail,
    View,
)
from domain.strength import StrengthLevel
from tests.domain.support import HUGO, LILA, NEW_PASSWORD, OTHER_PASSWORD, current_hash, set_status

LILA_PASSWORD = "Glycine-Orage-Violon-2023"
HUGO_PASSWORD = "Cerisier-Boussole-Tambour-42"
CHLOE = "chloe.durand@example.fr"
CHLOE_PASSWORD = "Hibiscus-Lanterne-Falaise-19"
UNKNOWN = "personne.inconnue@exemple.fr"


def codes(view: View) -> list[str]:
    return [note.code for note in view.notes]


def events(services, core: SessionCore) -> list[tuple[str, str, dict[str, object]]]:
    services.journal_writer.flush()
    with services.uow() as uow:
        rows = uow.session.exec(
            select(JournalEvent).where(JournalEvent.session_reference == core.reference).order_by(JournalEvent.seq)
        ).all()
    return [(row.kind, row.name, json.loads(row.detail)) for row in rows]


def outcomes(services, core: SessionCore) -> list[str]:
    return [name for kind, name, _ in events(services, core) if kind == "outcome"]


def emails(services) -> list[OutboxEmail]:
    with services.uow() as uow:
        return list(uow.session.exec(select(OutboxEmail).order_by(OutboxEmail.id)).all())


def log_in(core: SessionCore, email: str, password: str) -> View:
    return walk(core, [LogIn(email, password, core.captcha.current.solution)])


# « Mot de passe oublié »


def test_forgot_password_known_email_walk(captcha_services, captcha_demo) -> None:
    services = captcha_services
    core = SessionCore(services, client_address="192.0.2.10")
    view = core.view()
    assert view.step is Step.LOGIN and view.trail == (Step.LOGIN,)
    assert [f.name for f in view.fields] == ["email", "password", "captcha"]
    assert view.can("forgot_password") and view.captcha is not None and not view.test_mode

    view = walk(core, [OpenForgot(LILA)])
    assert view.step is Step.FORGOT_EMAIL and view.trail == (Step.LOGIN, Step.FORGOT_EMAIL)
    assert dict(view.resets)["email"] == LILA and view.focus == "captcha"
    assert view.progress is not None and (view.progress.number, view.progress.total) == (1, 4)

    view = walk(core, [SubmitEmail(LILA, "ZZZZZZ")])
    assert view.step is Step.FORGOT_EMAIL and codes(view) == ["captcha_wrong"]
    assert view.notes[0].field == "captcha" and view.focus == "captcha"

    view = walk(core, [SubmitEmail(LILA, core.captcha.current.solution.lower())])
    assert view.step is Step.FORGOT_QUESTION and view.progress is not None and view.progress.number == 2
    assert view.detail == QuestionDetail(LILA, "Le prénom de votre conjoint(e) ?")

    view = walk(core, [SubmitAnswer("Pierre")])
    assert codes(view) == ["wrong_answer"] and ("answer", "") in view.resets
    assert view.notes[0].render(Translator("fr")).startswith("La réponse")

    view = walk(core, [SubmitAnswer("  PAUL ")])
    assert view.step is Step.FORGOT_NEW_PASSWORD and view.meter and view.rules is not None
    assert core.estimate("lila.rosemonde@orange.fr!!") is StrengthLevel.FAIBLE  # the account's words
    assert core.estimate("Paul Rosemonde 20232990000101") is StrengthLevel.FAIBLE  # and its answer
    assert core.estimate(NEW_PASSWORD) is not StrengthLevel.FAIBLE
    assert core.estimate("") is None

    view = walk(core, [SubmitNewPassword(LILA_PASSWORD, LILA_PASSWORD)])
    assert codes(view) == ["same_as_previous"] and ("confirm", "") in view.resets
    view = walk(core, [SubmitNewPassword(NEW_PASSWORD, NEW_PASSWORD + "x")])
    assert codes(view) == ["confirmation_mismatch"] and view.notes[0].field == "confirm"

    view = walk(core, [SubmitNewPassword(NEW_PASSWORD, NEW_PASSWORD)])
    assert view.step is Step.FORGOT_SUMMARY and view.trail == (Step.LOGIN, Step.FORGOT_SUMMARY)
    assert isinstance(view.detail, SummaryDetail) and view.detail.valid_until.year == 2028
    assert [e.kind for e in emails(services)] == ["password_changed:forgot"]

    view = walk(core, [Proceed()])
    assert view.step is Step.LOGIN and ("password", "") in view.resets
    assert log_in(core, LILA, LILA_PASSWORD).step is Step.LOGIN
    assert log_in(core, LILA, NEW_PASSWORD).step is Step.HOME

    assert outcomes(services, core) == [
        "captcha_refused",
        "email_accepted",
        "answer_refused",
        "answer_accepted",
        "password_refused",
        "password_refused",
        "password_changed",
        "login_refused",
        "login_accepted",
    ]


def test_forgot_password_unknown_email_goes_on_like_a_known_one(services, demo) -> None:
    known, unknown = SessionCore(services), SessionCore(services)
    views = [walk(core, [OpenForgot(), SubmitEmail(email, "")]) for core, email in ((known, LILA), (unknown, UNKNOWN))]
    assert [v.step for v in views] == [Step.FORGOT_QUESTION, Step.FORGOT_QUESTION]
    assert isinstance(views[1].detail, QuestionDetail) and views[1].detail.question.endswith("?")
    after = [walk(core, [SubmitAnswer("Pierre")]) for core in (known, unknown)]
    assert [codes(v) for v in after] == [["wrong_answer"], ["wrong_answer"]]
    kept = ("outcome", "screen")  # the actions' facts hold the email's length, which differs here
    journal = [[entry for entry in events(services, core) if entry[0] in kept] for core in (known, unknown)]
    assert journal[0] == journal[1]
    # the unknown address can never get further
    assert walk(unknown, [SubmitAnswer("Paul")]).step is Step.FORGOT_QUESTION


def french(message: str) -> str:
    """The French of ``message`` with plain spaces (the catalogue's are no-break before « : »)."""
    return Translator("fr")._(message).replace("\u00a0", " ")


def test_the_fallback_speaks_of_what_each_procedure_needs(services, demo) -> None:
    """Issue 12: in « Mot de passe expiré », « Je ne peux pas mener à bien cette procédure »
    speaks of the old password, not the security answer, and names « Mot de passe oublié »
    as the way out (seed 000 §1.5, §3); the forgotten password's keeps its sheet's words
    (seed 001 §1.5)."""
    core = SessionCore(services)
    view = walk(core, [LogIn(CHLOE, CHLOE_PASSWORD, core.captcha.current.solution)])
    assert view.step is Step.EXPIRED_EMAIL, view.notes
    expired = walk(core, [OpenFallback()]).detail
    assert isinstance(expired, FallbackDetail) and expired.procedure is Procedure.EXPIRED
    assert "ancien mot de passe" in french(expired.needs)
    assert "question de confiance" not in french(expired.needs)
    assert expired.other_way is not None
    assert "la procédure « Mot de passe oublié »" in french(expired.other_way)
    assert "réponse à la question de confiance" in french(expired.other_way)
    assert '"Forgot password"' in expired.other_way

    core = SessionCore(services)
    forgot = walk(core, [OpenForgot(LILA), OpenFallback()]).detail
    assert isinstance(forgot, FallbackDetail) and forgot.procedure is Procedure.FORGOT
    assert "la réponse à votre question de confiance" in french(forgot.needs)
    assert "ancien mot de passe" not in french(forgot.needs)
    assert forgot.other_way is None
    assert forgot.steps == expired.steps and forgot.support == expired.support  # the last resort is the same
    assert forgot.needs != expired.needs and forgot.if_not != expired.if_not


def test_the_advice_is_the_sheets_in_full(services, demo) -> None:
    """Issue 12: the « ? » gives the sheet's recommendations in full (seed 003): never
    written down on any medium, file or paper; the sentence technique, for a long
    password; the browser advice."""
    core = SessionCore(services)
    view = walk(core, [OpenForgot(LILA), SubmitEmail(LILA, ""), SubmitAnswer("Paul"), OpenAdvice()])
    assert view.step is Step.ADVICE
    detail = view.detail
    assert isinstance(detail, AdviceDetail)
    assert french(view.title) == "Recommandations pour prévenir des usurpations"
    assert [french(point) for point in detail.points] == [
        "1 mot de passe différent pour chaque site (limitation des effets en cas d'interception) ;",
        "1 mot de passe différent de ceux utilisés précédemment ;",
        "ne l'envoyez pas par courriel (les messageries électroniques sont cibles de nombreuses tentatives "
        "de piratage) ;",
        "ne l'écrivez jamais sur quelque support que ce soit (ni fichier ni papier) ;",
        "renouvelez vos mots de passe régulièrement (notamment en cas de changement de collaborateur) ;",
    ]
    assert "la technique de la phrase « Un tien vaut mieux que deux tu l'auras » : 1tvmq2t1'A" in french(
        detail.sentence
    )
    assert detail.min_length == services.policy.min_length == 20
    assert "au moins {min}" in french(detail.memorable) and "phrase plus longue" in french(detail.memorable)
    assert french(detail.browser) == (
        "Par ailleurs, il est conseillé de configurer votre navigateur pour qu'il ne se souvienne pas "
        "des mots de passe saisis."
    )
    assert "never write it down on any medium whatsoever (neither in a file nor on paper);" in detail.points


def test_back_keeps_the_trail_and_the_fallback_returns_where_it_was_opened(services, demo) -> None:
    core = SessionCore(services)
    view = walk(core, [OpenForgot(LILA), SubmitEmail(LILA, ""), SubmitAnswer("Paul")])
    assert view.trail == (Step.LOGIN, Step.FORGOT_EMAIL, Step.FORGOT_QUESTION, Step.FORGOT_NEW_PASSWORD)
    view = walk(core, [OpenAdvice()])
    assert view.step is Step.ADVICE
    assert walk(core, [Back()]).step is Step.FORGOT_NEW_PASSWORD
    assert walk(core, [Back()]).step is Step.FORGOT_QUESTION
    view = walk(core, [OpenFallback()])
    assert isinstance(view.detail, FallbackDetail) and view.detail.support.phone == "0809 400 210"
    assert walk(core, [Back()]).step is Step.FORGOT_QUESTION
    view = walk(core, [Back()])
    assert view.step is Step.FORGOT_EMAIL and view.focus == "captcha"
    view = walk(core, [Back()])
    assert view.step is Step.LOGIN and view.trail == (Step.LOGIN,)
    assert walk(core, [OpenHelp()]).step is Step.FALLBACK
    assert walk(core, [Back()]).step is Step.LOGIN


def test_captcha_image_changes_and_spells(captcha_services, captcha_demo) -> None:
    core = SessionCore(captcha_services)
    first = core.view()
    assert first.captcha is not None and not first.captcha.spelled_shown
    view = walk(core, [ChangeImage()])
    assert view.captcha is not None and view.captcha.serial > first.captcha.serial and view.focus == "captcha"
    view = walk(core, [SpellImage()])
    assert view.captcha is not None and view.captcha.spelled_shown
    assert len(view.captcha.spelled) == len(core.captcha.current.solution)
    assert walk(core, [SpellImage()]).captcha.spelled_shown is False  # type: ignore[union-attr]
    assert "solution" not in repr(view) and core.captcha.current.solution not in repr(view)


def test_answers_lock_after_five_and_the_holder_is_told_once(services, demo) -> None:
    core = SessionCore(services, client_address="192.0.2.44")
    walk(core, [OpenForgot(LILA), SubmitEmail(LILA, "")])
    results = [codes(walk(core, [SubmitAnswer(f"Pierre{i}")])) for i in range(7)]
    assert results == [["wrong_answer"]] * 4 + [["locked"]] * 3
    assert codes(walk(core, [SubmitAnswer("Paul")])) == ["locked"]
    assert [e.kind for e in emails(services)] == ["procedure_locked"]
    # the login is never locked by wrong answers
    assert log_in(SessionCore(services), LILA, LILA_PASSWORD).step is Step.HOME
    # a new procedure for the same address is refused at the first step while locked
    other = SessionCore(services)
    assert codes(walk(other, [OpenForgot(LILA), SubmitEmail(LILA, "")])) == ["locked"]


# « Mot de passe expiré »


def test_expired_password_walk(services, demo) -> None:
    core = SessionCore(services)
    view = log_in(core, CHLOE, CHLOE_PASSWORD)
    assert view.step is Step.EXPIRED_EMAIL and dict(view.resets)["email"] == CHLOE
    assert view.progress is not None and view.progress.total == 3
    view = walk(core, [SubmitEmail(CHLOE, "")])
    assert view.step is Step.EXPIRED_PASSWORDS and [f.name for f in view.fields] == ["old", "new", "confirm"]
    assert codes(walk(core, [SubmitPasswords("wrong-old-password", NEW_PASSWORD, NEW_PASSWORD)])) == [
        "wrong_old_password"
    ]
    assert codes(walk(core, [SubmitPasswords(CHLOE_PASSWORD, "short", "short")])) == ["too_short", "too_weak"]
    view = walk(core, [SubmitPasswords(CHLOE_PASSWORD, NEW_PASSWORD, NEW_PASSWORD)])
    assert view.step is Step.EXPIRED_SUMMARY and isinstance(view.detail, SummaryDetail)
    assert [e.kind for e in emails(services)] == ["password_changed:expired"]
    assert walk(core, [Proceed()]).step is Step.LOGIN
    assert log_in(core, CHLOE, NEW_PASSWORD).step is Step.HOME


# Expiring within 60 days, the account space


def test_expiring_password_alert_home_and_change(services, demo) -> None:
    core = SessionCore(services)
    view = log_in(core, HUGO, HUGO_PASSWORD)
    assert view.step is Step.EXPIRY_ALERT and isinstance(view.detail, AlertDetail)
    assert view.detail.expiry.days_left == 30
    view = walk(core, [Proceed()])
    assert view.step is Step.HOME and view.trail == (Step.LOGIN, Step.HOME)
    assert isinstance(view.detail, AccountDetail) and view.detail.expiry is not None
    assert view.detail.expiry.expiring_soon and view.focus == "change-password"

    view = walk(core, [OpenChange()])
    assert view.step is Step.CHANGE and isinstance(view.detail, ChangeDetail) and not view.detail.ticked
    assert codes(walk(core, [SubmitChange(False, "", "", "Médor")])) == ["nothing_to_change"]
    assert walk(core, [TickNewPassword(True)]).detail == ChangeDetail(
        HUGO, "Le nom de votre premier animal de compagnie ?", True
    )
    assert codes(walk(core, [SubmitChange(True, NEW_PASSWORD, NEW_PASSWORD, "")])) == ["empty_answer"]
    assert codes(walk(core, [SubmitChange(True, NEW_PASSWORD, NEW_PASSWORD, "Rex")])) == ["wrong_answer"]
    assert codes(walk(core, [SubmitChange(True, "médor-médor-médor-médor", "médor-médor-médor-médor", "medor")])) == [
        "too_weak"
    ]
    view = walk(core, [SubmitChange(True, NEW_PASSWORD, NEW_PASSWORD, "medor")])
    assert view.step is Step.CHANGE_DONE and isinstance(view.detail, SummaryDetail)
    view = walk(core, [Proceed()])
    assert view.step is Step.HOME and isinstance(view.detail, AccountDetail)
    assert view.detail.expiry is not None and not view.detail.expiry.expiring_soon
    # the session that changed the password stays signed in
    assert walk(core, [Tick(), OpenServices()]).step is Step.SERVICES
    assert [e.kind for e in emails(services)] == ["password_changed:change"]


def test_services_coordinates_and_sign_out(services, demo) -> None:
    core = SessionCore(services)
    assert log_in(core, LILA, LILA_PASSWORD).step is Step.HOME  # no alert: 695 days left
    view = walk(core, [OpenServices(), OpenCoordinates()])
    assert view.step is Step.COORDINATES and view.trail[-3:] == (Step.HOME, Step.SERVICES, Step.COORDINATES)
    assert isinstance(view.detail, AccountDetail) and view.detail.card.subscriber_number == "20232990000101"
    assert walk(core, [Back()]).step is Step.SERVICES
    assert walk(core, [OpenChange()]).step is Step.CHANGE
    assert walk(core, [Back()]).step is Step.SERVICES
    assert walk(core, [Back()]).step is Step.HOME
    view = walk(core, [SignOut()])
    assert view.step is Step.LOGIN and view.trail == (Step.LOGIN,) and view.focus == "password"
    assert walk(core, [OpenServices()]).step is Step.LOGIN  # not an intent of the login


def test_a_change_elsewhere_signs_the_session_out(services, demo) -> None:
    mine, other = SessionCore(services), SessionCore(services)
    assert log_in(mine, LILA, LILA_PASSWORD).step is Step.HOME
    log_in(other, LILA, LILA_PASSWORD)
    view = walk(other, [OpenChange(), TickNewPassword(True), SubmitChange(True, NEW_PASSWORD, NEW_PASSWORD, "Paul")])
    assert view.step is Step.CHANGE_DONE
    view = walk(mine, [Tick()])
    assert view.step is Step.LOGIN and codes(view) == ["credentials_changed"]
    assert "autre session" in view.notes[0].render(Translator("fr"))
    assert ("outcome", "signed_out", {"reason": "credentials_changed"}) in events(services, mine)


def test_an_expired_or_deactivated_account_signs_out(services, demo, clock) -> None:
    core = SessionCore(services)
    log_in(core, LILA, LILA_PASSWORD)
    set_status(services, LILA, "deactivated")
    assert codes(walk(core, [OpenServices()])) == ["deactivated"]
    assert codes(log_in(core, LILA, LILA_PASSWORD)) == ["deactivated"]
    set_status(services, LILA, "active")
    assert log_in(core, LILA, LILA_PASSWORD).step is Step.HOME
    clock.advance(timedelta(days=700))
    view = walk(core, [Tick()])
    assert view.step is Step.LOGIN and codes(view) == ["expired"]


def test_login_throttling_and_deactivated_account(services, demo) -> None:
    core = SessionCore(services, client_address="192.0.2.99")
    results = [codes(log_in(core, LILA, f"wrong-{i}")) for i in range(5)]
    assert results == [["invalid"]] * 3 + [["throttled"]] * 2
    assert codes(log_in(core, LILA, LILA_PASSWORD)) == ["throttled"]  # even the right one waits
    note = log_in(core, LILA, LILA_PASSWORD).notes[0]
    assert "secondes" in note.render(Translator("fr"))
    set_status(services, HUGO, "deactivated")
    assert codes(log_in(SessionCore(services), HUGO, HUGO_PASSWORD)) == ["deactivated"]


def test_race_of_two_sessions_one_wins(services, demo) -> None:
    first, second = SessionCore(services), SessionCore(services)
    for core in (first, second):
        walk(core, [OpenForgot(LILA), SubmitEmail(LILA, ""), SubmitAnswer("Paul")])
    assert walk(first, [SubmitNewPassword(NEW_PASSWORD, NEW_PASSWORD)]).step is Step.FORGOT_SUMMARY
    view = walk(second, [SubmitNewPassword(OTHER_PASSWORD, OTHER_PASSWORD)])
    assert codes(view) == ["stale"] and view.step is Step.FORGOT_EMAIL
    assert services.hasher.verify(current_hash(services, LILA), NEW_PASSWORD).ok
    assert [e.kind for e in emails(services)] == ["password_changed:forgot"]


# Intents out of place, one at a time


def test_intents_out_of_place_are_ignored_with_a_journal_line(services, demo) -> None:
    core = SessionCore(services)
    before = core.view()
    assert walk(core, [SubmitAnswer("Paul")]) == before  # not a step of the login
    view = walk(core, [OpenForgot(LILA)])
    stale = core.send(SubmitEmail(LILA, ""), revision=before.revision)  # made for the login view
    assert stale == view and stale.step is Step.FORGOT_EMAIL
    assert ("intent", "ignored", {"intent": "submit_answer", "reason": "step", "step": "login"}) in events(
        services, core
    )
    assert ("intent", "ignored", {"intent": "submit_email", "reason": "stale", "step": "forgot_email"}) in events(
        services, core
    )


def test_an_intent_while_another_runs_is_refused_and_not_counted(services, demo) -> None:
    import threading

    core = SessionCore(services)
    view = walk(core, [OpenForgot(LILA), SubmitEmail(LILA, "")])
    started, release = threading.Event(), threading.Event()
    verify = services.hasher.verify

    def slow_verify(stored: str, secret: str):  # type: ignore[no-untyped-def]
        started.set()
        release.wait(5)
        return verify(stored, secret)

    services.hasher.verify = slow_verify  # type: ignore[method-assign]
    try:
        worker = threading.Thread(target=core.send, args=(SubmitAnswer("Pierre"),), kwargs={"revision": view.revision})
        worker.start()
        assert started.wait(5)
        assert core.view().busy
        refused = core.send(SubmitAnswer("Jacques"), revision=view.revision)
        assert refused.busy and refused.revision == view.revision
        release.set()
        worker.join(5)
    finally:
        services.hasher.verify = verify  # type: ignore[method-assign]
    after = core.view()
    assert codes(after) == ["wrong_answer"] and not after.busy
    assert outcomes(services, core).count("answer_refused") == 1
    assert ("intent", "refused_busy", {"intent": "submit_answer"}) in events(services, core)


def test_the_session_ends_once(services, demo) -> None:
    core = SessionCore(services)
    view = walk(core, [EndSession("idle")])
    assert view.ended and view.step is Step.ENDED
    assert walk(core, [OpenForgot(LILA)]).ended
    core.close("quit")
    names = [(k, n, d) for k, n, d in events(services, core) if k == "session"]
    assert names[-1] == ("session", "end", {"reason": "idle"})
    assert [n for _k, n, _d in names].count("end") == 1


def test_secrets_never_in_intents_reprs_or_the_journal(captcha_services, captcha_demo) -> None:
    services = captcha_services
    core = SessionCore(services)
    solution = core.captcha.current.solution
    intents = [
        LogIn(LILA, "Secret-Password-Typed-1", solution),
        SubmitAnswer("Secret answer"),
        SubmitNewPassword("Secret-Password-Typed-2", "Secret-Password-Typed-3"),
        SubmitPasswords("Secret-Password-Typed-4", "Secret-Password-Typed-5", "Secret-Password-Typed-6"),
        SubmitChange(True, "Secret-Password-Typed-7", "Secret-Password-Typed-8", "Secret answer"),
        SubmitEmail(LILA, solution),
    ]
    for intent in intents:
        assert "Secret" not in repr(intent) and solution not in repr(intent)
    walk(core, intents)
    journal = json.dumps(events(services, core))
    assert "Secret" not in journal and solution not in journal and LILA not in journal


def test_every_intent_type_has_a_row_in_the_table() -> None:
    used = {transition.intent for transition in TRANSITIONS}
    assert used == set(ALL_INTENTS)


def test_the_state_diagram_in_the_documentation_is_generated_from_the_table() -> None:
    assert diagram.main(["--check"]) == 0, "run: uv run python -m domain.session.diagram"
    text = diagram.DOCUMENT.read_text(encoding="utf-8")
    for transition in TRANSITIONS:
        assert f"`{transition.intent.__name__}`" in text


@pytest.mark.parametrize("step", list(Step))
def test_every_step_has_a_title_and_reachable_rows(step: Step) -> None:
    from domain.session.render import TITLES

    assert step in TITLES
    if step not in (Step.LOGIN, Step.ENDED):
        assert any(step in t.targets for t in TRANSITIONS), step


# Found in review: each is a rule the core keeps


def test_the_end_of_a_session_discards_an_intent_still_running(services, demo) -> None:
    import threading

    core = SessionCore(services)
    view = walk(core, [OpenForgot(LILA), SubmitEmail(LILA, "")])
    started, release = threading.Event(), threading.Event()
    verify = services.hasher.verify

    def slow(stored: str, secret: str):  # type: ignore[no-untyped-def]
        started.set()
        release.wait(5)
        return verify(stored, secret)

    services.hasher.verify = slow  # type: ignore[method-assign]
    worker = threading.Thread(target=core.send, args=(SubmitAnswer("Paul"),), kwargs={"revision": view.revision})
    worker.start()
    assert started.wait(5)
    core.close("quit")  # never waits for the running intent
    assert core.view().ended
    release.set()
    worker.join(5)
    services.hasher.verify = verify  # type: ignore[method-assign]
    after = core.view()
    assert after.ended and after.trail == (Step.ENDED,)
    assert walk(core, [SubmitNewPassword(NEW_PASSWORD, NEW_PASSWORD)]).ended
    assert services.hasher.verify(current_hash(services, LILA), LILA_PASSWORD).ok  # nothing changed after the end


def test_ticking_the_box_does_not_invalidate_the_form(services, demo) -> None:
    core = SessionCore(services)
    log_in(core, LILA, LILA_PASSWORD)
    view = walk(core, [OpenChange()])
    ticked = core.send(TickNewPassword(True))  # sent without a revision, as the app does
    assert ticked.focus is None
    done = core.send(SubmitChange(True, NEW_PASSWORD, NEW_PASSWORD, "Paul"), revision=view.revision)
    assert done.step is Step.CHANGE_DONE, done.notes


def test_a_dialog_over_the_account_space_is_signed_out_too(services, demo) -> None:
    mine, other = SessionCore(services), SessionCore(services)
    log_in(mine, LILA, LILA_PASSWORD)
    assert walk(mine, [OpenChange(), OpenAdvice()]).step is Step.ADVICE
    log_in(other, LILA, LILA_PASSWORD)
    walk(other, [OpenChange(), SubmitChange(True, NEW_PASSWORD, NEW_PASSWORD, "Paul")])
    view = walk(mine, [Tick()])
    assert view.step is Step.LOGIN and codes(view) == ["credentials_changed"]


@pytest.mark.parametrize(
    ("intents", "field"),
    [
        ([LogIn(LILA, "\ud800password", "")], "password"),
        ([OpenForgot(LILA), SubmitEmail("lila\udcff@orange.fr", "")], "email"),
        ([OpenForgot(LILA), SubmitEmail(LILA, ""), SubmitAnswer("Pa\udc80ul")], "answer"),
        ([LogIn(LILA, "pass\x1b[31mword", "")], "password"),
        ([OpenForgot(LILA), SubmitEmail(LILA, ""), SubmitAnswer("Pa\x9bul")], "answer"),
    ],
)
def test_text_that_cannot_be_used_is_refused_not_counted(services, demo, intents, field) -> None:
    from domain.models import AnswerFailure, LoginFailure

    core = SessionCore(services)
    view = walk(core, intents)
    assert codes(view) == ["unusable_text"] and view.notes[0].field == field and view.focus == field
    with services.uow() as uow:
        assert not uow.session.exec(select(AnswerFailure)).all()
        assert not uow.session.exec(select(LoginFailure)).all()
    assert ("intent", "refused", {"intent": intents[-1].name, "reason": "unusable_text", "step": view.step.value}) in (
        events(services, core)
    )


def test_a_lock_reached_on_the_change_screen_tells_the_holder(services, demo) -> None:
    attacker = SessionCore(services, client_address="203.0.113.9")
    walk(attacker, [OpenForgot(LILA), SubmitEmail(LILA, ""), *[SubmitAnswer(f"Pierre{i}") for i in range(4)]])
    holder = SessionCore(services)
    log_in(holder, LILA, LILA_PASSWORD)
    view = walk(holder, [OpenChange(), SubmitChange(True, NEW_PASSWORD, NEW_PASSWORD, "Paule")])
    assert codes(view) == ["locked"]
    assert [e.kind for e in emails(services)] == ["procedure_locked"]
    assert ("outcome", "change_refused", {"reason": "wrong_answer", "length": "1-7"}) in events(services, holder)
    assert codes(walk(holder, [SubmitChange(True, NEW_PASSWORD, NEW_PASSWORD, "Paul")])) == ["locked"]
    assert [e.kind for e in emails(services)] == ["procedure_locked"]


def test_an_expired_captcha_is_told_apart_from_a_wrong_one(captcha_services, captcha_demo, clock) -> None:
    core = SessionCore(captcha_services)
    core.captcha.shown()
    view = core.send(LogIn(LILA, LILA_PASSWORD, "FAUX"))
    assert codes(view) == ["captcha_wrong"] and view.focus == "captcha"
    core.captcha.shown()
    clock.advance(timedelta(seconds=captcha_services.settings.captcha_ttl_seconds + 1))
    view = core.send(LogIn(LILA, LILA_PASSWORD, core.captcha.current.solution), revision=view.revision)
    assert codes(view) == ["captcha_expired"] and view.notes[0].field == "captcha"
    assert ("outcome", "login_refused", {"reason": "captcha_expired"}) in events(captcha_services, core)


def test_a_session_of_refused_logins_is_on_the_accounts_card(services, demo) -> None:
    """Issue 13, the most common call (« my password doesn't work »): a session with only
    wrong passwords for an existing account is linked to it, so support finds it on the
    card; an unknown email links nothing."""
    from domain.models import Account, SessionRecord

    core = SessionCore(services, client_address="192.0.2.10")
    walk(core, [LogIn(LILA, "pas-le-bon-mot-de-passe", "x")])
    other = SessionCore(services, client_address="192.0.2.11")
    walk(other, [LogIn("personne@example.fr", "pas-le-bon-mot-de-passe", "x")])
    services.journal_writer.flush()
    with services.uow() as uow:
        lila = uow.session.exec(select(Account).where(Account.email == LILA)).one()
        assert uow.session.get(SessionRecord, core.reference).account_id == lila.id
        assert uow.session.get(SessionRecord, other.reference).account_id is None


def test_the_journal_keeps_a_band_of_each_secrets_length_never_the_count(services, demo) -> None:
    """Issue 13: every agent reads the journal; « password_length=18 » narrowed a guess."""
    from domain.session.intents import length_band

    assert [length_band("x" * n) for n in (0, 1, 7, 8, 19, 20, 39, 40, 500)] == [
        "0", "1-7", "1-7", "8-19", "8-19", "20-39", "20-39", "40+", "40+",
    ]  # fmt: skip
    core = SessionCore(services)
    walk(core, [LogIn(LILA, "x" * 18, "x")])
    services.journal_writer.flush()
    login = [detail for kind, name, detail in events(services, core) if (kind, name) == ("action", "login")]
    assert login == [{"step": "login", "email_length": len(LILA), "password_length": "8-19"}]
