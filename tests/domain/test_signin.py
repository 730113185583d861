"""Signing in (SPEC §3.2, §3.4, §5): an expired password never opens the account, and every
password change (forgot, expired, change) bumps credentials_version by exactly one and
signs the other sessions out."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest

from domain.credentials import sign_out, signed_in_card, still_signed_in
from domain.flows.change import ChangeCredentialsFlow
from domain.flows.expired import ExpiredPasswordFlow
from domain.flows.forgot import ForgotPasswordFlow
from domain.flows.login import LoginStatus, log_in
from tests.domain.support import HUGO, LILA, NEW_PASSWORD, account, credentials, outbox, solution

LILA_PASSWORD = "Glycine-Orage-Violon-2023"
HUGO_PASSWORD = "Cerisier-Boussole-Tambour-42"
CHLOE = "chloe.durand@example.fr"
CHLOE_PASSWORD = "Hibiscus-Lanterne-Falaise-19"
UNKNOWN = "personne.inconnue@exemple.fr"

_CLIENTS = itertools.count(1)


def attempt(services, email: str, password: str, *, language=None):
    session = services.open_session(language=language, client_address=f"100.90.0.{next(_CLIENTS) % 250}")
    return session, log_in(session, email, password, solution(session))


def signed_in(services, email: str, password: str):
    session, result = attempt(services, email, password)
    assert result.status is LoginStatus.OK, result
    return session


# --- an expired password never opens the account ------------------------------------------------


def test_right_but_expired_password(services, demo) -> None:
    session, result = attempt(services, CHLOE, CHLOE_PASSWORD)
    assert result.status is LoginStatus.EXPIRED
    assert session.signed_in_account is None and session.signed_in_version is None
    assert not still_signed_in(session)
    assert signed_in_card(session)[0] is None
    # the caller goes on to « Mot de passe expiré »: the expiry is known, nothing is written
    assert result.expiry is not None and result.expiry.expired
    assert outbox(services) == [] and len(credentials(services, CHLOE)) == 1


def test_wrong_password_on_an_expired_account(services, demo) -> None:
    for language in ("fr", "en"):
        _, wrong = attempt(services, CHLOE, "Hibiscus-Lanterne-Falaise-20", language=language)
        _, unknown = attempt(services, UNKNOWN, CHLOE_PASSWORD, language=language)
        _, valid = attempt(services, LILA, "Glycine-Orage-Violon-2024", language=language)
        assert wrong.status is unknown.status is valid.status is LoginStatus.INVALID
        assert wrong.message == unknown.message == valid.message != ""
        assert wrong.card is None and wrong.expiry is None  # nothing says it is expired
        assert unknown.card is None and unknown.expiry is None


def test_expired_password_never_opens_however_often(services, demo) -> None:
    """Never signed in, and the right (expired) password is not counted as a wrong one."""
    for _ in range(5):
        session, result = attempt(services, CHLOE, CHLOE_PASSWORD)
        assert result.status is LoginStatus.EXPIRED
        assert session.signed_in_account is None


# --- every change bumps the version by one and signs the other sessions out ---------------------


def change_forgot(services, email: str, password: str, answer: str):
    session = services.open_session(client_address="100.90.1.1")
    flow = ForgotPasswordFlow(session)
    assert flow.submit_email(email, solution(session)).ok
    assert flow.submit_answer(answer).ok
    assert flow.submit_password(NEW_PASSWORD, NEW_PASSWORD).ok
    return session


def change_expired(services, email: str, password: str, answer: str):
    session = services.open_session(client_address="100.90.1.2")
    flow = ExpiredPasswordFlow(session)
    assert flow.submit_email(email, solution(session)).ok
    assert flow.submit_passwords(password, NEW_PASSWORD, NEW_PASSWORD).ok
    return session


def change_change(services, email: str, password: str, answer: str):
    session = signed_in(services, email, password)
    flow = ChangeCredentialsFlow(session)
    outcome = flow.submit(change_password_ticked=True, new=NEW_PASSWORD, confirmation=NEW_PASSWORD, answer=answer)
    assert outcome.ok, outcome
    return session


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
        assert attempt(services, HUGO, HUGO_PASSWORD)[1].status is LoginStatus.EXPIRED
    changer = procedure(services, HUGO, HUGO_PASSWORD, "médor")
    assert account(services, HUGO).credentials_version == version + 1
    assert account(services, LILA).credentials_version == lila_version
    for session in (first, second):
        assert not still_signed_in(session)
        assert session.signed_in_account is None
        assert signed_in_card(session)[0] is None
    assert still_signed_in(lila)
    # only the change flow's own session is signed in afterwards
    assert still_signed_in(changer) is (procedure is change_change)
    (email,) = outbox(services)
    assert email.kind == f"password_changed:{procedure.__name__.removeprefix('change_')}"
    after = signed_in(services, HUGO, NEW_PASSWORD)
    assert still_signed_in(after)


def test_sign_out(services, demo) -> None:
    session = signed_in(services, LILA, LILA_PASSWORD)
    sign_out(session)
    assert not still_signed_in(session)
    assert account(services, LILA).credentials_version == 0
