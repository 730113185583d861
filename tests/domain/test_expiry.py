"""Password expiry (SPEC §2 validity, §3.2, §3.3): ExpiryStatus, the login at each boundary,
3 years of validity from each change (29 February, 5 June), and the operator's
deactivation of accounts that stay expired (deactivate_expired_after_days)."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from domain import usecases
from domain.demo import seed_demo
from domain.expiry import ExpiryStatus
from domain.i18n import Translator
from domain.session import SessionCore, Step, View, walk
from domain.session.intents import (
    LogIn,
    OpenChange,
    OpenForgot,
    Proceed,
    SubmitAnswer,
    SubmitChange,
    SubmitEmail,
    SubmitNewPassword,
    SubmitPasswords,
    Tick,
)
from domain.session.views import SummaryDetail
from domain.usecases import PasswordStatus
from tests.domain.support import (
    HUGO,
    LILA,
    NEW_PASSWORD,
    START,
    account,
    attempt,
    credentials,
    outbox,
    set_status,
)

PARIS = ZoneInfo("Europe/Paris")  # settings.timezone: users' days are Paris days
LILA_PASSWORD = "Glycine-Orage-Violon-2023"
HUGO_PASSWORD = "Cerisier-Boussole-Tambour-42"
CHLOE = "chloe.durand@example.fr"
CHLOE_PASSWORD = "Hibiscus-Lanterne-Falaise-19"
CHLOE_EXPIRES_ON = START.date() - timedelta(days=10)
"""Chloé's password expired 10 days before START (the demo data)."""

_CLIENTS = itertools.count(1)


def client() -> str:
    return f"192.0.2.{next(_CLIENTS) % 200}"


def expiry_at_login(services, email: str, password: str) -> ExpiryStatus | None:
    """The expiry the login use case finds (the view of an expired password shows none)."""
    return usecases.log_in(services, email=email, password=password, client_address=client()).expiry


def at_noon(day: date) -> datetime:
    return datetime.combine(day, time(12, 0), tzinfo=UTC)


def current(services, email: str):
    (row,) = [c for c in credentials(services, email) if c.is_current]
    return row


# --- ExpiryStatus -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days_left", "expiring_soon", "expired", "days_before_blocking"),
    [
        (400, False, False, 401),
        (61, False, False, 62),
        (60, True, False, 61),
        (59, True, False, 60),
        (1, True, False, 2),
        (0, True, False, 1),
        (-1, False, True, 0),
        (-30, False, True, 0),
    ],
)
def test_expiry_status(days_left, expiring_soon, expired, days_before_blocking) -> None:
    expires_on = date(2026, 6, 5)
    status = ExpiryStatus(expires_on, expires_on - timedelta(days=days_left))
    assert status.days_left == days_left
    assert status.expiring_soon is expiring_soon
    assert status.expired is expired
    assert status.days_before_blocking == days_before_blocking
    assert status.blocked_on == date(2026, 6, 6)
    assert status.days_expired() == max(0, -days_left)


def test_services_expiry_uses_the_clock_and_the_setting(make_services, clock) -> None:
    services = make_services(expiry_warning_days=10)
    clock.set(at_noon(date(2026, 5, 26)))
    assert services.expiry(date(2026, 6, 5)).days_left == 10
    assert services.expiry(date(2026, 6, 5)).expiring_soon
    assert not services.expiry(date(2026, 6, 6)).expiring_soon


# --- the login at each boundary (Hugo's password, a real credential) ----------------------------


def test_login_before_expiry(services, demo, clock) -> None:
    expires_on = current(services, HUGO).expires_on
    for days_left, expiring_soon, moment in [
        (61, False, time(0, 0)),
        (61, False, time(23, 59, 59)),
        (60, True, time(0, 0)),
        (60, True, time(23, 59, 59)),
        (1, True, time(12, 0)),
        (0, True, time(0, 0)),
        (0, True, time(23, 59, 59)),  # the last valid day, to its end
    ]:
        clock.set(datetime.combine(expires_on - timedelta(days=days_left), moment, tzinfo=PARIS))
        result = attempt(services, HUGO, HUGO_PASSWORD)
        assert result.status is PasswordStatus.OK
        # within 60 days: the alert first (SPEC §3.3), else the home
        assert result.view.step is (Step.EXPIRY_ALERT if expiring_soon else Step.HOME)
        assert result.core.account_signed_in == account(services, HUGO).id
        assert result.expiry is not None
        assert result.expiry.expires_on == expires_on
        assert result.expiry.days_left == days_left
        assert result.expiry.expiring_soon is expiring_soon
        assert result.expiry.days_before_blocking == days_left + 1
        assert not result.expiry.expired


def test_login_on_the_day_after_the_last_valid_day(services, demo, clock) -> None:
    expires_on = current(services, HUGO).expires_on
    for moment in (time(0, 0), time(12, 0), time(23, 59, 59)):
        clock.set(datetime.combine(expires_on + timedelta(days=1), moment, tzinfo=PARIS))
        result = attempt(services, HUGO, HUGO_PASSWORD)
        assert result.status is PasswordStatus.EXPIRED
        assert result.core.account_signed_in is None
        assert result.card is None
        expiry = expiry_at_login(services, HUGO, HUGO_PASSWORD)
        assert expiry is not None and expiry.days_left == -1
        assert expiry.expired and not expiry.expiring_soon
        assert expiry.days_before_blocking == 0


def test_demo_cases(services, demo) -> None:
    """Lila valid for ~695 days, Hugo expiring in 30, Chloé expired 10 days ago."""
    lila = attempt(services, LILA, LILA_PASSWORD)
    hugo = attempt(services, HUGO, HUGO_PASSWORD)
    chloe = attempt(services, CHLOE, CHLOE_PASSWORD)
    assert lila.status is PasswordStatus.OK and lila.expiry is not None
    assert lila.expiry.days_left == 695 and not lila.expiry.expiring_soon
    assert hugo.status is PasswordStatus.OK and hugo.expiry is not None
    assert hugo.expiry.days_left == 30 and hugo.expiry.expiring_soon
    assert chloe.status is PasswordStatus.EXPIRED
    chloe_expiry = expiry_at_login(services, CHLOE, CHLOE_PASSWORD)
    assert chloe_expiry is not None and chloe_expiry.days_left == -10
    assert current(services, CHLOE).expires_on == CHLOE_EXPIRES_ON


# --- 3 years from each change ---------------------------------------------------------------------


@pytest.fixture
def demo_on(services, clock):
    """Seed the demo accounts on a chosen day (so their passwords are older than it)."""

    def seed(day: date):
        clock.set(at_noon(day))
        return {a.email: a for a in seed_demo(services)}

    return seed


def summary_day(view: View) -> date | None:
    return view.detail.valid_until if isinstance(view.detail, SummaryDetail) else None


def change_by_change_flow(services, email: str, password: str, answer: str) -> date | None:
    core = SessionCore(services, client_address="192.0.2.201")
    view = core.send(LogIn(email, password, core.captcha.current.solution))
    assert view.step in (Step.HOME, Step.EXPIRY_ALERT), view.notes
    if view.step is Step.EXPIRY_ALERT:
        view = core.send(Proceed())
    assert core.send(OpenChange()).step is Step.CHANGE
    view = core.send(SubmitChange(ticked=True, password=NEW_PASSWORD, confirmation=NEW_PASSWORD, answer=answer))
    assert view.step is Step.CHANGE_DONE, view.notes
    return summary_day(view)


def change_by_forgot_flow(services, email: str, password: str, answer: str) -> date | None:
    core = SessionCore(services, client_address="192.0.2.202")
    view = walk(core, [OpenForgot(email), SubmitEmail(email, core.captcha.current.solution)])
    assert view.step is Step.FORGOT_QUESTION, view.notes
    assert core.send(SubmitAnswer(answer)).step is Step.FORGOT_NEW_PASSWORD
    view = core.send(SubmitNewPassword(NEW_PASSWORD, NEW_PASSWORD))
    assert view.step is Step.FORGOT_SUMMARY, view.notes
    return summary_day(view)


def at_expired_passwords(services, email: str, password: str, address: str, *, language=None) -> SessionCore:
    """« Mot de passe expiré », reached from « Connexion » by the right but expired password,
    at its second step (old and new password)."""
    core = SessionCore(services, language=language, client_address=address)
    view = core.send(LogIn(email, password, core.captcha.current.solution))
    assert view.step is Step.EXPIRED_EMAIL, view.notes
    view = core.send(SubmitEmail(email, core.captcha.current.solution))
    assert view.step is Step.EXPIRED_PASSWORDS, view.notes
    return core


def change_by_expired_flow(services, email: str, password: str, answer: str) -> date | None:
    core = at_expired_passwords(services, email, password, "192.0.2.203")
    view = core.send(SubmitPasswords(password, NEW_PASSWORD, NEW_PASSWORD))
    assert view.step is Step.EXPIRED_SUMMARY, view.notes
    return summary_day(view)


CHANGES = {
    "change": change_by_change_flow,
    "forgot": change_by_forgot_flow,
    "expired": change_by_expired_flow,
}


@pytest.mark.parametrize(
    ("procedure", "changed_on", "valid_until"),
    [
        ("change", date(2024, 2, 29), date(2027, 2, 28)),
        ("forgot", date(2023, 6, 5), date(2026, 6, 5)),
    ],
)
def test_three_years_from_a_change(services, demo_on, clock, procedure, changed_on, valid_until) -> None:
    demo_on(changed_on - timedelta(days=100))
    clock.set(datetime.combine(changed_on, time(9, 30), tzinfo=UTC))
    assert CHANGES[procedure](services, LILA, LILA_PASSWORD, "Paul") == valid_until
    row = current(services, LILA)
    assert row.expires_on == valid_until
    assert row.set_at.date() == changed_on
    (email,) = outbox(services)
    assert email.kind == f"password_changed:{procedure}"
    # valid on the last day, expired the day after
    clock.set(datetime.combine(valid_until, time(23, 0), tzinfo=PARIS))
    result = attempt(services, LILA, NEW_PASSWORD)
    assert result.status is PasswordStatus.OK
    assert result.expiry is not None and result.expiry.days_left == 0
    clock.set(datetime.combine(valid_until + timedelta(days=1), time(1, 0), tzinfo=PARIS))
    assert attempt(services, LILA, NEW_PASSWORD).status is PasswordStatus.EXPIRED


def test_expired_procedure_on_29_february(services, demo_on, clock) -> None:
    """Chloé's password expired; she renews it on 29 February 2024."""
    demo_on(date(2024, 2, 29))  # Chloé expired on 19 February 2024
    clock.set(datetime.combine(date(2024, 2, 29), time(14, 0), tzinfo=UTC))
    assert attempt(services, CHLOE, CHLOE_PASSWORD).status is PasswordStatus.EXPIRED
    assert change_by_expired_flow(services, CHLOE, CHLOE_PASSWORD, "") == date(2027, 2, 28)
    assert current(services, CHLOE).expires_on == date(2027, 2, 28)


def test_seeded_and_registered_passwords_follow_the_same_rule(services, demo) -> None:
    for email in (LILA, HUGO, CHLOE):
        row = current(services, email)
        assert row.expires_on == services.policy.expires_on(row.set_at.date())


def test_days_are_the_users_days(services, demo_on, clock) -> None:
    demo_on(date(2023, 3, 1))
    clock.set(datetime(2023, 6, 5, 23, 30, tzinfo=UTC))  # 6 June 2023, 01:30 in Paris
    valid_until = change_by_change_flow(services, LILA, LILA_PASSWORD, "Paul")
    (email,) = outbox(services)
    assert "06 juin 2023" in email.body_text  # the day the user made the change
    assert valid_until == date(2026, 6, 6)


def test_expired_from_midnight_in_the_users_time_zone(services, demo_on, clock) -> None:
    demo_on(date(2023, 3, 1))
    clock.set(datetime(2023, 6, 5, 9, 30, tzinfo=UTC))
    assert change_by_change_flow(services, LILA, LILA_PASSWORD, "Paul") == date(2026, 6, 5)
    clock.set(datetime(2026, 6, 5, 22, 30, tzinfo=UTC))  # 6 June 2026, 00:30 in Paris
    assert attempt(services, LILA, NEW_PASSWORD).status is PasswordStatus.EXPIRED


NEW_YEAR_EVE = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)
"""1 January 2027, 00:30 in Paris: the UTC date is still 31 December."""


def test_today_is_the_users_day_not_the_utc_date(services, demo, clock) -> None:
    """Issue 13: "today" was the UTC date. At 23:30 UTC on 31 December it is 1 January for
    the users: days left, the 60-day alert, the end of validity and the reminders count
    from that day, and a clock gives no other "today"."""
    from domain import admin
    from domain.clock import users_day
    from domain.reminders import send_reminders

    clock.set(NEW_YEAR_EVE)
    assert users_day(NEW_YEAR_EVE, PARIS) == date(2027, 1, 1)
    assert users_day(NEW_YEAR_EVE.replace(tzinfo=None), PARIS) == date(2027, 1, 1)  # SQLite gives naive UTC
    assert services.today() == date(2027, 1, 1)
    assert not hasattr(clock, "today")  # a clock gives instants, never a day
    # 60 days after 1 January (61 after 31 December): the alert, with the users' count
    admin.set_expiry(services, account(services, HUGO).subscriber_number, date(2027, 3, 2))
    result = attempt(services, HUGO, HUGO_PASSWORD)
    assert result.view.step is Step.EXPIRY_ALERT
    assert result.expiry is not None and result.expiry.days_left == 60
    assert result.expiry.days_before_blocking == 61
    # a password valid until 31 December is expired on 1 January
    admin.set_expiry(services, account(services, LILA).subscriber_number, date(2026, 12, 31))
    assert attempt(services, LILA, LILA_PASSWORD).status is PasswordStatus.EXPIRED
    # reminders: 30 days left on the users' day (31 on the UTC date): the 30-day one
    admin.set_expiry(services, account(services, HUGO).subscriber_number, date(2027, 1, 31))
    reminders = [(r.threshold, r.days_left) for r in send_reminders(services) if r.email == HUGO]
    assert reminders == [(30, 30)]


# --- deactivation of accounts that stay expired --------------------------------------------------


def test_no_deactivation_by_default(services, demo, clock) -> None:
    assert services.settings.deactivate_expired_after_days is None
    clock.set(at_noon(CHLOE_EXPIRES_ON + timedelta(days=400)))
    result = attempt(services, CHLOE, CHLOE_PASSWORD)
    assert result.status is PasswordStatus.EXPIRED
    assert result.core.account_signed_in is None
    assert account(services, CHLOE).status == "active"
    # the expired procedure still works after 400 days
    assert change_by_expired_flow(services, CHLOE, CHLOE_PASSWORD, "") is not None
    assert attempt(services, CHLOE, NEW_PASSWORD).status is PasswordStatus.OK


@pytest.fixture
def deactivating(make_services, clock):
    """Services deactivating accounts expired more than 20 days, with the demo data."""
    services = make_services(deactivate_expired_after_days=20)
    seed_demo(services)
    return services


def test_deactivation_after_n_days(deactivating, clock) -> None:
    services = deactivating
    clock.set(at_noon(CHLOE_EXPIRES_ON + timedelta(days=20)))  # N days expired
    result = attempt(services, CHLOE, CHLOE_PASSWORD)
    assert result.status is PasswordStatus.EXPIRED
    assert account(services, CHLOE).status == "active"
    clock.set(at_noon(CHLOE_EXPIRES_ON + timedelta(days=21)))  # N + 1
    # a wrong password reveals nothing and deactivates nothing
    assert attempt(services, CHLOE, "Hibiscus-Lanterne-Falaise-20").status is PasswordStatus.INVALID
    assert account(services, CHLOE).status == "active"
    result = attempt(services, CHLOE, CHLOE_PASSWORD)
    assert result.status is PasswordStatus.DEACTIVATED
    assert result.core.account_signed_in is None
    assert account(services, CHLOE).status == "deactivated"
    # accounts not expired are untouched
    assert attempt(services, LILA, LILA_PASSWORD).status is PasswordStatus.OK
    assert account(services, LILA).status == "active"


def test_deactivation_at_zero_days(make_services, clock) -> None:
    services = make_services(deactivate_expired_after_days=0)
    seed_demo(services)
    expires_on = current(services, HUGO).expires_on
    clock.set(at_noon(expires_on))  # last valid day: not expired at all
    assert attempt(services, HUGO, HUGO_PASSWORD).status is PasswordStatus.OK
    clock.set(at_noon(expires_on + timedelta(days=1)))
    assert attempt(services, HUGO, HUGO_PASSWORD).status is PasswordStatus.DEACTIVATED
    assert account(services, HUGO).status == "deactivated"


LANGUAGES = (("fr", "assistance"), ("en", "support"))


def test_deactivated_account_is_refused_everywhere(deactivating, clock) -> None:
    services = deactivating
    # « Mot de passe expiré » is reached from a login with the right but expired password:
    # sessions that reached its second step on day N, while the account was still active
    clock.set(at_noon(CHLOE_EXPIRES_ON + timedelta(days=20)))
    expired_steps = {
        language: at_expired_passwords(services, CHLOE, CHLOE_PASSWORD, f"192.0.2.20{i}", language=language)
        for i, (language, _) in enumerate(LANGUAGES, start=5)
    }
    clock.set(at_noon(CHLOE_EXPIRES_ON + timedelta(days=21)))
    assert attempt(services, CHLOE, CHLOE_PASSWORD).status is PasswordStatus.DEACTIVATED
    versions = account(services, CHLOE).credentials_version
    for language, word in LANGUAGES:
        refused_everywhere(services, clock, expired_steps[language], language, word)
    # nothing was changed or sent
    assert len(credentials(services, CHLOE)) == 1
    assert outbox(services) == []
    assert account(services, CHLOE).credentials_version == versions
    assert account(services, CHLOE).status == "deactivated"


def refused_everywhere(services, clock, expired: SessionCore, language: str, word: str) -> None:
    t = Translator(language)
    # later logins with the right password
    clock.advance(timedelta(days=3))
    result = attempt(services, CHLOE, CHLOE_PASSWORD, language=language)
    assert result.status is PasswordStatus.DEACTIVATED
    assert word in result.message.lower()
    assert result.card is None and result.core.account_signed_in is None
    # the expired procedure
    view = expired.send(SubmitPasswords(CHLOE_PASSWORD, NEW_PASSWORD, NEW_PASSWORD))
    assert view.step is Step.EXPIRED_PASSWORDS
    assert [note.code for note in view.notes] == ["deactivated"]
    assert word in view.notes[0].render(t).lower()
    # the forgot procedure
    core = SessionCore(services, language=language, client_address="192.0.2.211")
    view = walk(core, [OpenForgot(CHLOE), SubmitEmail(CHLOE, core.captcha.current.solution)])
    assert view.step is Step.FORGOT_QUESTION, view.notes
    view = core.send(SubmitAnswer("Quimper"))
    assert view.step is Step.FORGOT_QUESTION
    assert [note.code for note in view.notes] == ["deactivated"]
    assert word in view.notes[0].render(t).lower()


def test_expired_procedure_deactivates_too(deactivating, clock) -> None:
    """Going on with « Mot de passe expiré » N + 1 days after expiry is refused too (the
    procedure was reached on day N, when the login still led to it)."""
    services = deactivating
    clock.set(at_noon(CHLOE_EXPIRES_ON + timedelta(days=20)))
    core = at_expired_passwords(services, CHLOE, CHLOE_PASSWORD, "192.0.2.212")
    clock.set(at_noon(CHLOE_EXPIRES_ON + timedelta(days=21)))
    view = core.send(SubmitPasswords(CHLOE_PASSWORD, NEW_PASSWORD, NEW_PASSWORD))
    assert view.step is Step.EXPIRED_PASSWORDS
    assert [note.code for note in view.notes] == ["deactivated"]
    assert account(services, CHLOE).status == "deactivated"
    assert len(credentials(services, CHLOE)) == 1 and outbox(services) == []


def test_deactivated_session_is_signed_out(services, demo) -> None:
    other = attempt(services, LILA, LILA_PASSWORD)
    assert other.status is PasswordStatus.OK and other.card is not None
    set_status(services, LILA, "deactivated")
    view = other.core.send(Tick())
    assert view.step is Step.LOGIN
    assert [note.code for note in view.notes] == ["deactivated"]
    assert other.core.account_signed_in is None


def test_forgot_procedure_applies_the_deactivation(deactivating, clock) -> None:
    services = deactivating
    clock.set(at_noon(CHLOE_EXPIRES_ON + timedelta(days=21)))
    core = SessionCore(services, client_address="192.0.2.214")
    view = walk(core, [OpenForgot(CHLOE), SubmitEmail(CHLOE, core.captcha.current.solution)])
    assert view.step is Step.FORGOT_QUESTION, view.notes
    view = core.send(SubmitAnswer("Quimper"))
    if view.step is Step.FORGOT_NEW_PASSWORD:  # show what the bug lets through
        assert core.send(SubmitNewPassword(NEW_PASSWORD, NEW_PASSWORD)).step is Step.FORGOT_SUMMARY
    assert [note.code for note in view.notes] == ["deactivated"]
    assert account(services, CHLOE).status == "deactivated"
    assert outbox(services) == []
