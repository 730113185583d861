"""« Connexion » (SPEC §3.2, §3.4): the LogIn intent of the session core and the
domain.usecases.log_in use case behind it."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from domain import usecases
from domain.hashing import SecretHasher
from domain.i18n import Translator
from domain.models import LoginFailure, PasswordCredential
from domain.session import SessionCore, Step
from domain.session.intents import LogIn
from domain.session.views import NoDetail
from domain.usecases import PasswordStatus
from tests.domain.support import HUGO, LILA, account, attempt, credentials, set_status

PARIS = ZoneInfo("Europe/Paris")  # settings.timezone: users' days are Paris days

LILA_PASSWORD = "Glycine-Orage-Violon-2023"
HUGO_PASSWORD = "Cerisier-Boussole-Tambour-42"


_CLIENTS = itertools.count(1)


def test_right_password(services, demo) -> None:
    result = attempt(services, LILA, LILA_PASSWORD)
    assert result.status is PasswordStatus.OK
    assert result.view.step is Step.HOME  # valid for long: no alert
    assert result.card is not None and result.card.email == LILA
    assert result.card.password_expires_on is not None
    assert result.core.account_signed_in == account(services, LILA).id


def test_email_case_and_blanks(services, demo) -> None:
    result = attempt(services, "  LILA.Rosemonde@Orange.FR ", LILA_PASSWORD)
    assert result.status is PasswordStatus.OK


@pytest.mark.parametrize("language", ["fr", "en"])
def test_wrong_password_and_unknown_email_same_message(services, demo, language) -> None:
    wrong = attempt(services, LILA, "Glycine-Orage-Violon-2024", language=language)
    unknown = attempt(services, "personne@exemple.fr", LILA_PASSWORD, language=language)
    empty = attempt(services, "", LILA_PASSWORD, language=language)
    other = attempt(services, HUGO, LILA_PASSWORD, language=language)
    assert wrong.status is unknown.status is empty.status is other.status is PasswordStatus.INVALID
    assert wrong.view.notes == unknown.view.notes == empty.view.notes == other.view.notes
    assert wrong.message == unknown.message == empty.message == other.message
    assert wrong.message
    assert wrong.card is None and unknown.card is None
    assert isinstance(wrong.view.detail, NoDetail) and isinstance(unknown.view.detail, NoDetail)
    assert wrong.core.account_signed_in is None


def test_password_is_case_sensitive(services, demo) -> None:
    assert attempt(services, LILA, LILA_PASSWORD.lower()).status is PasswordStatus.INVALID
    assert attempt(services, LILA, " " + LILA_PASSWORD).status is PasswordStatus.INVALID


def test_expired_password(services, demo, clock) -> None:
    card = attempt(services, LILA, LILA_PASSWORD).card
    assert card is not None and card.password_expires_on is not None
    expires_on = card.password_expires_on
    clock.set(datetime.combine(expires_on, time(23, 59), tzinfo=PARIS))
    assert attempt(services, LILA, LILA_PASSWORD).status is PasswordStatus.OK  # last valid day
    clock.set(datetime.combine(expires_on + timedelta(days=1), time(0, 1), tzinfo=PARIS))
    result = attempt(services, LILA, LILA_PASSWORD)
    assert result.status is PasswordStatus.EXPIRED
    assert result.core.account_signed_in is None  # never opens the account space
    # a wrong password on an expired account is just wrong
    assert attempt(services, LILA, "nope").status is PasswordStatus.INVALID


def test_expired_after_three_years(services, demo, clock) -> None:
    (hugo,) = credentials(services, HUGO)
    assert hugo.expires_on == services.policy.expires_on(hugo.set_at.date())
    clock.set(datetime.combine(hugo.expires_on, time(12, 0), tzinfo=UTC))
    assert attempt(services, HUGO, HUGO_PASSWORD).status is PasswordStatus.OK
    clock.advance(timedelta(days=1))
    assert attempt(services, HUGO, HUGO_PASSWORD).status is PasswordStatus.EXPIRED


def test_wrong_captcha(captcha_services, captcha_demo) -> None:
    core = SessionCore(captcha_services)
    wrong = "".join("2" if c != "2" else "3" for c in core.captcha.current.solution)
    view = core.send(LogIn(LILA, LILA_PASSWORD, wrong))
    assert view.step is Step.LOGIN
    (note,) = view.notes
    assert note.code == "captcha_wrong" and note.render(Translator(core.language))
    assert isinstance(view.detail, NoDetail)
    assert core.account_signed_in is None
    view = core.send(LogIn(LILA, LILA_PASSWORD, core.captcha.current.solution.lower()))
    assert view.step is Step.HOME


def test_deactivated(services, demo) -> None:
    set_status(services, LILA, "deactivated")
    right = attempt(services, LILA, LILA_PASSWORD)
    assert right.status is PasswordStatus.DEACTIVATED
    assert right.card is None and right.core.account_signed_in is None
    wrong = attempt(services, LILA, "nope")
    assert wrong.status is PasswordStatus.INVALID  # nothing revealed without the password


def test_login_rehashes_old_parameters(services, demo) -> None:
    old = SecretHasher(time_cost=3, memory_kib=19456, parallelism=1).hash(LILA_PASSWORD)
    account_id = account(services, LILA).id
    with services.uow() as uow:
        row = uow.session.exec(select(PasswordCredential).where(PasswordCredential.account_id == account_id)).one()
        row.password_hash = old
        uow.session.add(row)
        uow.commit()
    assert attempt(services, LILA, LILA_PASSWORD).status is PasswordStatus.OK
    (row,) = credentials(services, LILA)
    assert row.password_hash != old
    assert row.password_hash.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert attempt(services, LILA, LILA_PASSWORD).status is PasswordStatus.OK


@pytest.mark.parametrize("bad", ["\ud800", "\udfff", "\x00", "\x1b[2J"])
def test_unusable_text_is_refused_before_anything_is_checked(services, demo, bad: str) -> None:
    """A lone surrogate (a damaged paste) anywhere, a control character in the email or
    the password: refused as such, not counted, for known and unknown emails alike."""
    client = "192.0.2.30"
    cases = [
        (LILA + bad, LILA_PASSWORD, "email"),
        ("personne" + bad + "@exemple.fr", LILA_PASSWORD, "email"),
        (LILA, LILA_PASSWORD + bad, "password"),
        ("personne@exemple.fr", bad, "password"),
        (bad, bad, "email"),
    ]
    for email, password, field in cases:
        check = usecases.log_in(services, email=email, password=password, client_address=client)
        assert check.status is PasswordStatus.UNUSABLE and check.unusable == field, (email, password)
        assert check.card is None
    with services.uow() as uow:
        assert uow.session.exec(select(LoginFailure)).all() == []
    # the limits are where they were: three wrong passwords are still free
    for _ in range(3):
        assert (
            usecases.log_in(services, email=LILA, password="nope", client_address=client).status
            is PasswordStatus.INVALID
        )
    assert attempt(services, LILA, LILA_PASSWORD, client).status is PasswordStatus.THROTTLED
