"""Signing in (SPEC §3.2, §3.4, §5): an expired password never opens the account, and every
password change (forgot, expired, change) bumps credentials_version by exactly one and
signs the other sessions out."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest

from domain import usecases
from domain.i18n import Translator
from domain.session import SessionCore, Step, View, walk
from domain.session.intents import (
    LogIn,
    OpenChange,
    OpenForgot,
    Proceed,
    SignOut,
    SubmitAnswer,
    SubmitChange,
    SubmitEmail,
    SubmitNewPassword,
    SubmitPasswords,
    Tick,
)
from domain.session.views import AccountDetail, AlertDetail, NoDetail
from domain.usecases import PasswordStatus
from tests.domain.support import HUGO, LILA, NEW_PASSWORD, account, credentials, outbox

LILA_PASSWORD = "Glycine-Orage-Violon-2023"
HUGO_PASSWORD = "Cerisier-Boussole-Tambour-42"
CHLOE = "chloe.durand@example.fr"
CHLOE_PASSWORD = "Hibiscus-Lanterne-Falaise-19"
UNKNOWN = "personne.inconnue@exemple.fr"

SIGNED_IN_STEPS = (Step.EXPIRY_ALERT, Step.HOME, Step.SERVICES, Step.COORDINATES, Step.CHANGE, Step.CHANGE_DONE)

_CLIENTS = itertools.count(1)


def client() -> str:
    return f"100.90.0.{next(_CLIENTS) % 250}"


def attempt(services, email: str, password: str, *, language=None) -> tuple[SessionCore, View]:
    core = SessionCore(services, language=language, client_address=client())
    return core, core.send(LogIn(email, password, core.captcha.current.solution))


def status(view: View) -> PasswordStatus:
    """What a login view says: signed in, on to « Mot de passe expiré », or refused (why)."""
    if view.step in (Step.HOME, Step.EXPIRY_ALERT):
        return PasswordStatus.OK
    if view.step is Step.EXPIRED_EMAIL:
        return PasswordStatus.EXPIRED
    assert view.step is Step.LOGIN, view.step
    (note,) = view.notes
    return PasswordStatus(note.code)


def signed_in(services, email: str, password: str) -> SessionCore:
    """A session signed in to the account's home (past the expiry alert, if any)."""
    core, view = attempt(services, email, password)
    assert status(view) is PasswordStatus.OK, view.notes
    if view.step is Step.EXPIRY_ALERT:
        view = core.send(Proceed())
    assert view.step is Step.HOME
    return core


def still_signed_in(core: SessionCore) -> bool:
    """A Tick checks the sign-in against the database (as every intent does) and ends the
    session when it no longer stands."""
    return core.send(Tick()).step in SIGNED_IN_STEPS


def shows_an_account(view: View) -> bool:
    return isinstance(view.detail, AccountDetail | AlertDetail)


# --- an expired password never opens the account ------------------------------------------------


def test_right_but_expired_password(services, demo) -> None:
    core, view = attempt(services, CHLOE, CHLOE_PASSWORD)
    assert status(view) is PasswordStatus.EXPIRED
    assert core.account_signed_in is None
    assert not still_signed_in(core)
    assert not shows_an_account(core.view())
    # the session goes on to « Mot de passe expiré », the email kept; nothing is written
    assert view.step is Step.EXPIRED_EMAIL and ("email", CHLOE) in view.resets
    assert outbox(services) == [] and len(credentials(services, CHLOE)) == 1
    # the expiry is known to the use case behind the step
    check = usecases.log_in(services, email=CHLOE, password=CHLOE_PASSWORD, client_address=client())
    assert check.status is PasswordStatus.EXPIRED
    assert check.expiry is not None and check.expiry.expired
    assert outbox(services) == [] and len(credentials(services, CHLOE)) == 1


def test_wrong_password_on_an_expired_account(services, demo) -> None:
    for language in ("fr", "en"):
        t = Translator(language)
        _, wrong = attempt(services, CHLOE, "Hibiscus-Lanterne-Falaise-20", language=language)
        _, unknown = attempt(services, UNKNOWN, CHLOE_PASSWORD, language=language)
        _, valid = attempt(services, LILA, "Glycine-Orage-Violon-2024", language=language)
        assert status(wrong) is status(unknown) is status(valid) is PasswordStatus.INVALID
        assert wrong.notes == unknown.notes == valid.notes
        messages = [view.notes[0].render(t) for view in (wrong, unknown, valid)]
        assert messages[0] == messages[1] == messages[2] != ""
        # nothing says it is expired
        assert wrong.step is unknown.step is Step.LOGIN
        assert isinstance(wrong.detail, NoDetail) and isinstance(unknown.detail, NoDetail)


def test_expired_password_never_opens_however_often(services, demo) -> None:
    """Never signed in, and the right (expired) password is not counted as a wrong one."""
    for _ in range(5):
        core, view = attempt(services, CHLOE, CHLOE_PASSWORD)
        assert status(view) is PasswordStatus.EXPIRED
        assert core.account_signed_in is None


# --- every change bumps the version by one and signs the other sessions out ---------------------


def change_forgot(services, email: str, password: str, answer: str) -> SessionCore:
    core = SessionCore(services, client_address="100.90.1.1")
    view = walk(core, [OpenForgot(email), SubmitEmail(email, core.captcha.current.solution)])
    assert view.step is Step.FORGOT_QUESTION, view.notes
    view = core.send(SubmitAnswer(answer))
    assert view.step is Step.FORGOT_NEW_PASSWORD, view.notes
    view = core.send(SubmitNewPassword(NEW_PASSWORD, NEW_PASSWORD))
    assert view.step is Step.FORGOT_SUMMARY, view.notes
    return core


def change_expired(services, email: str, password: str, answer: str) -> SessionCore:
    core = SessionCore(services, client_address="100.90.1.2")
    view = core.send(LogIn(email, password, core.captcha.current.solution))
    assert view.step is Step.EXPIRED_EMAIL, view.notes
    view = core.send(SubmitEmail(email, core.captcha.current.solution))
    assert view.step is Step.EXPIRED_PASSWORDS, view.notes
    view = core.send(SubmitPasswords(password, NEW_PASSWORD, NEW_PASSWORD))
    assert view.step is Step.EXPIRED_SUMMARY, view.notes
    return core


def change_change(services, email: str, password: str, answer: str) -> SessionCore:
    core = signed_in(services, email, password)
    view = core.send(OpenChange())
    assert view.step is Step.CHANGE, view.notes
    view = core.send(SubmitChange(ticked=True, password=NEW_PASSWORD, confirmation=NEW_PASSWORD, answer=answer))
    assert view.step is Step.CHANGE_DONE, view.notes
    return core


@pytest.mark.parametrize("procedure", [change_forgot, change_expired, change_change], ids=lambda f: f.__name__)
def test_change_signs_out_the_other_sessions(services, demo, clock, procedure) -> None:
    """Hugo signs in twice; his password then expires (for the expired procedure) and is
    changed: both earlier sessions are signed out, Lila's session is not."""
    first = signed_in(services, HUGO, HUGO_PASSWORD)
    second = signed_in(services, HUGO, HUGO_PASSWORD)
    lila = signed_in(services, LILA, LILA_PASSWORD)
    version = account(services, HUGO).credentials_version
    lila_version = account(services, LILA).credentials_version
    if procedure is change_expired:
        clock.advance(timedelta(days=31))
        assert status(attempt(services, HUGO, HUGO_PASSWORD)[1]) is PasswordStatus.EXPIRED
    changer = procedure(services, HUGO, HUGO_PASSWORD, "médor")
    assert account(services, HUGO).credentials_version == version + 1
    assert account(services, LILA).credentials_version == lila_version
    for core in (first, second):
        assert not still_signed_in(core)
        assert core.account_signed_in is None
        view = core.view()
        assert view.step is Step.LOGIN and not shows_an_account(view)
        assert [note.code for note in view.notes] == ["credentials_changed"]
    assert still_signed_in(lila)
    # only the change procedure's own session is signed in afterwards
    assert still_signed_in(changer) is (procedure is change_change)
    (email,) = outbox(services)
    assert email.kind == f"password_changed:{procedure.__name__.removeprefix('change_')}"
    after = signed_in(services, HUGO, NEW_PASSWORD)
    assert still_signed_in(after)


def test_sign_out(services, demo) -> None:
    core = signed_in(services, LILA, LILA_PASSWORD)
    view = core.send(SignOut())
    assert view.step is Step.LOGIN and view.notes == ()
    assert core.account_signed_in is None
    assert not still_signed_in(core)
    assert account(services, LILA).credentials_version == 0
