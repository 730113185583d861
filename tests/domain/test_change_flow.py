"""« Modifiez vos identifiants » (SPEC §3.3, §5, §6): the CHANGE step of the session core
for a signed-in session, and the sign-out of the other sessions, across processes too."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

from domain.i18n import Translator
from domain.policy import Reason
from domain.services import build_services
from domain.session import SessionCore, Step, View, walk
from domain.session import messages as m
from domain.session.intents import (
    LogIn,
    OpenChange,
    OpenForgot,
    Proceed,
    SubmitChange,
    SubmitEmail,
    Tick,
)
from domain.session.views import AccountDetail, SummaryDetail
from tests.domain.support import (
    HUGO,
    LILA,
    NEW_PASSWORD,
    account,
    credentials,
    outbox,
)

LILA_PASSWORD = "Glycine-Orage-Violon-2023"
HUGO_PASSWORD = "Cerisier-Boussole-Tambour-42"

SIGNED_IN_STEPS = (Step.EXPIRY_ALERT, Step.HOME, Step.SERVICES, Step.COORDINATES, Step.CHANGE, Step.CHANGE_DONE)

_CLIENTS = itertools.count(1)


def client() -> str:
    return f"100.80.0.{next(_CLIENTS) % 250}"


def log_in(services, email: str, password: str, address: str | None = None) -> View:
    core = SessionCore(services, client_address=address or client())
    return core.send(LogIn(email, password, core.captcha.current.solution))


def signed_in(services, email: str = LILA, password: str = LILA_PASSWORD, *, language=None) -> SessionCore:
    """A session signed in to the account's home (past the expiry alert, if any)."""
    core = SessionCore(services, language=language, client_address=client())
    view = core.send(LogIn(email, password, core.captcha.current.solution))
    if view.step is Step.EXPIRY_ALERT:
        view = core.send(Proceed())
    assert view.step is Step.HOME, view.notes
    return core


def change_screen(core: SessionCore) -> SessionCore:
    """« Modifier le mot de passe »: the session at « Modifiez vos identifiants »."""
    view = core.send(OpenChange())
    assert view.step is Step.CHANGE, view.notes
    return core


def still_signed_in(core: SessionCore) -> bool:
    """A Tick checks the sign-in against the database (as every intent does) and ends the
    session when it no longer stands."""
    return core.send(Tick()).step in SIGNED_IN_STEPS


def written(services, email: str = LILA) -> tuple[int, int, int]:
    """(credential rows, outbox emails, credentials version)."""
    return (
        len(credentials(services, email)),
        len(outbox(services)),
        account(services, email).credentials_version,
    )


def codes(view: View) -> tuple[str, ...]:
    return tuple(note.code for note in view.notes)


def messages(core: SessionCore, view: View) -> tuple[str, ...]:
    t = Translator(core.language)
    return tuple(note.render(t) for note in view.notes)


def submit(
    core: SessionCore,
    *,
    ticked: bool = True,
    new: str = NEW_PASSWORD,
    confirmation=None,
    answer="Paul",
) -> View:
    """« Valider les modifications »."""
    return core.send(
        SubmitChange(
            ticked=ticked,
            password=new,
            confirmation=new if confirmation is None else confirmation,
            answer=answer,
        )
    )


def test_needs_a_signed_in_session(services, demo) -> None:
    """Without a sign-in there is no « Modifiez vos identifiants »: its intents are ignored."""
    before = written(services)
    core = SessionCore(services, client_address=client())
    login = core.view()
    for intent in (
        OpenChange(),
        SubmitChange(ticked=True, password=NEW_PASSWORD, confirmation=NEW_PASSWORD, answer="Paul"),
    ):
        view = core.send(intent)
        assert view.step is Step.LOGIN and view.revision == login.revision and view.notes == ()
    assert written(services) == before


def test_not_ticked(services, demo) -> None:
    before = written(services)
    core = change_screen(signed_in(services))
    view = submit(core, ticked=False)
    assert view.step is Step.CHANGE
    assert codes(view) == ("nothing_to_change",) and messages(core, view)[0]
    assert written(services) == before


def test_wrong_answer_writes_nothing(services, demo) -> None:
    before = written(services)
    core = change_screen(signed_in(services))
    for answer in ("Pierre", "Paulo"):
        view = submit(core, answer=answer)
        assert view.step is Step.CHANGE
        assert codes(view) == ("wrong_answer",) and messages(core, view)[0]
        assert written(services) == before
    assert still_signed_in(core)


def test_success(services, demo) -> None:
    before = written(services)
    core = change_screen(signed_in(services))
    other = signed_in(services)  # another session, signed in before the change
    view = submit(core, answer="  PAUL ")
    assert view.step is Step.CHANGE_DONE and view.notes == ()
    assert view.detail == SummaryDetail(date(2028, 3, 10))  # START + 3 years
    (current,) = [c for c in credentials(services, LILA) if c.is_current]
    assert current.expires_on == date(2028, 3, 10)
    assert written(services) == (before[0] + 1, before[1] + 1, before[2] + 1)
    (email,) = outbox(services)
    assert email.kind == "password_changed:change"
    assert email.to_address == LILA
    # this session stays signed in, the other one is signed out
    assert still_signed_in(core)
    home = core.send(Proceed())
    assert home.step is Step.HOME and isinstance(home.detail, AccountDetail)
    assert home.detail.card.password_expires_on == date(2028, 3, 10)
    assert not still_signed_in(other)
    ended = other.view()
    assert ended.step is Step.LOGIN and not isinstance(ended.detail, AccountDetail)
    assert codes(ended) == ("credentials_changed",)
    assert ended.notes[0].text == m.SESSION_ENDED["credentials_changed"]
    assert other.send(OpenChange()).step is Step.LOGIN
    # a session opened after the change stays signed in
    later = signed_in(services, LILA, NEW_PASSWORD)
    assert still_signed_in(later) and still_signed_in(core)
    # the old password is gone
    refused = log_in(services, LILA, LILA_PASSWORD, "100.80.1.1")
    assert refused.step is Step.LOGIN and codes(refused) == ("invalid",)


def test_other_process_is_signed_out(services, demo, clock) -> None:
    """Two front ends on one database: the sign-out is read from credentials_version."""
    elsewhere = build_services(services.settings, clock=clock, seed=1)
    try:
        assert elsewhere.secret_key == services.secret_key
        other = signed_in(elsewhere)
        unrelated = signed_in(elsewhere, HUGO, HUGO_PASSWORD)
        core = change_screen(signed_in(services))
        assert submit(core).step is Step.CHANGE_DONE
        assert still_signed_in(core)
        assert not still_signed_in(other)
        assert codes(other.view()) == ("credentials_changed",)
        assert still_signed_in(unrelated)
        # and the other way round
        again = change_screen(signed_in(elsewhere, LILA, NEW_PASSWORD))
        clock.advance(timedelta(minutes=1))
        assert submit(again, new="Quartz-Pelican-Tisane-1987").step is Step.CHANGE_DONE
        assert still_signed_in(again)
        assert not still_signed_in(core)
        assert account(services, LILA).credentials_version == 2
    finally:
        elsewhere.close()


def test_signed_out_session_cannot_change(services, demo) -> None:
    core = change_screen(signed_in(services))
    assert submit(change_screen(signed_in(services))).step is Step.CHANGE_DONE
    before = written(services)
    view = submit(core, new="Quartz-Pelican-Tisane-1987")
    assert view.step is Step.LOGIN
    assert codes(view) == ("credentials_changed",)
    assert view.notes[0].text == m.SESSION_ENDED["credentials_changed"]
    assert written(services) == before


def test_refused_passwords_write_nothing(services, demo) -> None:
    before = written(services)
    core = change_screen(signed_in(services))
    for new, confirmation, reason in [
        ("Paul-Paul-Paul-Paul-Paul", None, Reason.TOO_WEAK),
        (LILA_PASSWORD, None, Reason.SAME_AS_PREVIOUS),
        (NEW_PASSWORD, "Horizon-Luciole-Chaloupe-88", Reason.CONFIRMATION_MISMATCH),
    ]:
        view = submit(core, new=new, confirmation=confirmation)
        assert view.step is Step.CHANGE and reason in codes(view), (new, codes(view))
        assert written(services) == before
        assert still_signed_in(core)
    assert submit(core).step is Step.CHANGE_DONE


def test_five_wrong_answers_lock_the_change(services, demo, clock) -> None:
    before = written(services)
    core = change_screen(signed_in(services))
    seen = [codes(submit(core, answer=f"Pierre{i}")) for i in range(5)]
    assert seen[:4] == [("wrong_answer",)] * 4
    assert seen[4] in (("wrong_answer",), ("locked",))
    view = submit(core)  # the right answer, now refused
    assert view.step is Step.CHANGE and codes(view) == ("locked",)
    params = dict(view.notes[0].params)
    assert params["time"] is not None and params["date"] is not None and messages(core, view)[0]
    rows, emails, version = before
    assert written(services) == (rows, emails + 1, version)  # nothing changed; the holder is told, once
    assert [e.kind for e in outbox(services)][-1] == "procedure_locked"
    # the same lock as the forgot procedure, for this address
    forgot = SessionCore(services, client_address="100.80.2.1")
    refused = walk(forgot, [OpenForgot(LILA), SubmitEmail(LILA, forgot.captcha.current.solution)])
    assert refused.step is Step.FORGOT_EMAIL and codes(refused) == ("locked",)
    # the login itself is not locked out (SPEC §6)
    assert signed_in(services) is not None
    # and the lock ends
    clock.advance(timedelta(minutes=services.settings.answer_lockout_minutes + 1))
    assert submit(core).step is Step.CHANGE_DONE


def test_fifth_wrong_answer_says_locked(services, demo) -> None:
    core = change_screen(signed_in(services))
    for i in range(4):
        assert codes(submit(core, answer=f"Pierre{i}")) == ("wrong_answer",)
    assert codes(submit(core, answer="Pierre4")) == ("locked",)
