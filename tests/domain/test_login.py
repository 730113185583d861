"""domain.flows.login.log_in (SPEC §3.2, §3.4)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from domain.flows.login import LoginStatus, log_in
from domain.hashing import SecretHasher
from domain.models import PasswordCredential
from tests.domain.support import HUGO, LILA, account, credentials, set_status, solution

PARIS = ZoneInfo("Europe/Paris")  # settings.timezone: users' days are Paris days

LILA_PASSWORD = "Glycine-Orage-Violon-2023"
HUGO_PASSWORD = "Cerisier-Boussole-Tambour-42"


_CLIENTS = itertools.count(1)


def attempt(services, email: str, password: str, *, language=None):
    """One login attempt, from its own client address (per-client throttling stays out)."""
    session = services.open_session(language=language, client_address=f"203.0.113.{next(_CLIENTS) % 250}")
    return session, log_in(session, email, password, solution(session))


def test_right_password(services, demo) -> None:
    session, result = attempt(services, LILA, LILA_PASSWORD)
    assert result.status is LoginStatus.OK
    assert result.card is not None and result.card.email == LILA
    assert result.card.password_expires_on is not None
    assert session.signed_in_account == account(services, LILA).id


def test_email_case_and_blanks(services, demo) -> None:
    _, result = attempt(services, "  LILA.Rosemonde@Orange.FR ", LILA_PASSWORD)
    assert result.status is LoginStatus.OK


@pytest.mark.parametrize("language", ["fr", "en"])
def test_wrong_password_and_unknown_email_same_message(services, demo, language) -> None:
    wrong_session, wrong = attempt(services, LILA, "Glycine-Orage-Violon-2024", language=language)
    _, unknown = attempt(services, "personne@exemple.fr", LILA_PASSWORD, language=language)
    _, empty = attempt(services, "", LILA_PASSWORD, language=language)
    _, other = attempt(services, HUGO, LILA_PASSWORD, language=language)
    assert wrong.status is unknown.status is empty.status is other.status is LoginStatus.INVALID
    assert wrong.message == unknown.message == empty.message == other.message
    assert wrong.message
    assert wrong.card is None and unknown.card is None
    assert wrong_session.signed_in_account is None


def test_password_is_case_sensitive(services, demo) -> None:
    assert attempt(services, LILA, LILA_PASSWORD.lower())[1].status is LoginStatus.INVALID
    assert attempt(services, LILA, " " + LILA_PASSWORD)[1].status is LoginStatus.INVALID


def test_expired_password(services, demo, clock) -> None:
    card = attempt(services, LILA, LILA_PASSWORD)[1].card
    assert card is not None and card.password_expires_on is not None
    expires_on = card.password_expires_on
    clock.set(datetime.combine(expires_on, time(23, 59), tzinfo=PARIS))
    assert attempt(services, LILA, LILA_PASSWORD)[1].status is LoginStatus.OK  # last valid day
    clock.set(datetime.combine(expires_on + timedelta(days=1), time(0, 1), tzinfo=PARIS))
    session, result = attempt(services, LILA, LILA_PASSWORD)
    assert result.status is LoginStatus.EXPIRED
    assert session.signed_in_account is None  # never opens the account space
    # a wrong password on an expired account is just wrong
    assert attempt(services, LILA, "nope")[1].status is LoginStatus.INVALID


def test_expired_after_three_years(services, demo, clock) -> None:
    (hugo,) = credentials(services, HUGO)
    assert hugo.expires_on == services.policy.expires_on(hugo.set_at.date())
    clock.set(datetime.combine(hugo.expires_on, time(12, 0), tzinfo=UTC))
    assert attempt(services, HUGO, HUGO_PASSWORD)[1].status is LoginStatus.OK
    clock.advance(timedelta(days=1))
    assert attempt(services, HUGO, HUGO_PASSWORD)[1].status is LoginStatus.EXPIRED


def test_wrong_captcha(captcha_services, captcha_demo) -> None:
    session = captcha_services.open_session()
    wrong = "".join("2" if c != "2" else "3" for c in solution(session))
    result = log_in(session, LILA, LILA_PASSWORD, wrong)
    assert result.status is LoginStatus.CAPTCHA
    assert result.message and result.card is None
    assert session.signed_in_account is None
    result = log_in(session, LILA, LILA_PASSWORD, solution(session).lower())
    assert result.status is LoginStatus.OK


def test_deactivated(services, demo) -> None:
    set_status(services, LILA, "deactivated")
    _, right = attempt(services, LILA, LILA_PASSWORD)
    assert right.status is LoginStatus.DEACTIVATED
    assert right.card is None
    _, wrong = attempt(services, LILA, "nope")
    assert wrong.status is LoginStatus.INVALID  # nothing revealed without the password


def test_login_rehashes_old_parameters(services, demo) -> None:
    old = SecretHasher(time_cost=3, memory_kib=19456, parallelism=1).hash(LILA_PASSWORD)
    account_id = account(services, LILA).id
    with services.uow() as uow:
        row = uow.session.exec(select(PasswordCredential).where(PasswordCredential.account_id == account_id)).one()
        row.password_hash = old
        uow.session.add(row)
        uow.commit()
    assert attempt(services, LILA, LILA_PASSWORD)[1].status is LoginStatus.OK
    (row,) = credentials(services, LILA)
    assert row.password_hash != old
    assert row.password_hash.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert attempt(services, LILA, LILA_PASSWORD)[1].status is LoginStatus.OK
