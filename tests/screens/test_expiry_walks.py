"""Issue 3 walks, keyboard only: expiring within 60 days (alert, home notice, change),
expired (« Mot de passe expiré »), more than 60 days (no alert, change via « Gérer les
services »), contact details, sign-out when the password changes in another session."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select
from textual.widgets import Input, Static

from domain.models import OutboxEmail
from domain.settings import Language
from screens.change_credentials import ChangeCredentialsScreen
from screens.change_done import ChangeDoneScreen
from screens.coordinates import CoordinatesScreen
from screens.email_step import EmailStepScreen
from screens.expired_passwords import ExpiredPasswordsScreen
from screens.expiry_alert import ExpiryAlertScreen
from screens.home import HomeScreen
from screens.login import LoginScreen
from screens.services import ServicesScreen
from screens.summary import SummaryScreen
from tests.ui_helpers import LILA, LILA_PASSWORD, make_app, make_services, settle, solution, type_text
from tui.app import MotDePasseApp

HUGO = "hugo.martin@example.fr"
HUGO_PASSWORD = "Cerisier-Boussole-Tambour-42"
CHLOE = "chloe.durand@example.fr"
CHLOE_PASSWORD = "Hibiscus-Lanterne-Falaise-19"
NEW = "Tulipe-Horizon-Granit-Mistral"


def text_of(app: MotDePasseApp) -> str:
    return "\n".join(str(w.render()) for w in app.screen.query(Static))


async def log_in(pilot, app: MotDePasseApp, email: str, password: str, *, keyboard: bool = True) -> None:  # type: ignore[no-untyped-def]
    """Fill the login form from an empty email field: key by key, or at once."""
    if keyboard:
        await type_text(pilot, email)
        await pilot.press("tab")
        await type_text(pilot, password)
        await pilot.press("tab")
        await type_text(pilot, solution(app))
    else:
        screen = app.screen
        screen.query_one("#email", Input).value = email
        screen.query_one("#password", Input).value = password
        screen.query_one("#captcha", Input).value = solution(app)
        screen.query_one("#captcha", Input).focus()
        await pilot.pause()
    await pilot.press("enter")
    await settle(pilot, app)


def emails(services) -> list[OutboxEmail]:  # type: ignore[no-untyped-def]
    with services.uow() as uow:
        return list(uow.session.exec(select(OutboxEmail)).all())


@pytest.mark.parametrize(
    ("lang", "alert", "notice", "done"),
    [
        (
            "fr",
            "Votre mot de passe expire le 24 décembre 2026",
            "Jours restants avant le blocage",
            "24 novembre 2029",
        ),
        ("en", "Your password expires on 24 December 2026", "Days left before access", "24 November 2029"),
    ],
)
async def test_expiring_password_alert_notice_and_change(
    tmp_path: Path, lang: Language, alert: str, notice: str, done: str
) -> None:
    services = make_services(tmp_path)
    app = make_app(services, lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await log_in(pilot, app, HUGO, HUGO_PASSWORD)
        assert isinstance(app.screen, ExpiryAlertScreen)
        assert alert in text_of(app)
        await pilot.press("enter")  # OK
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        assert notice in text_of(app)
        assert ": 31" in text_of(app)
        await pilot.press("enter")  # « Modifier le mot de passe » has the focus
        await settle(pilot, app)
        assert isinstance(app.screen, ChangeCredentialsScreen)
        await pilot.press("space")  # tick « Saisir mon nouveau mot de passe »
        await pilot.pause()
        await type_text(pilot, NEW)
        await pilot.press("enter")
        await type_text(pilot, NEW)
        await pilot.press("enter")
        await type_text(pilot, "medor")
        await pilot.press("enter")
        await settle(pilot, app)
        assert isinstance(app.screen, ChangeDoneScreen), text_of(app)
        assert done in text_of(app)
        await pilot.press("enter")
        await settle(pilot, app)
        await pilot.pause(0.2)
        assert isinstance(app.screen, HomeScreen)
        assert notice not in text_of(app)
        # the keyboard goes on from the home: something there has the focus
        assert app.focused is not None and app.focused.screen is app.screen, app.focused
    assert [e.kind for e in emails(services)] == ["password_changed:change"]
    services.close()


@pytest.mark.parametrize(("lang", "title"), [("fr", "Mot de passe expiré"), ("en", "Expired password")])
async def test_expired_password_procedure_then_login(tmp_path: Path, lang: Language, title: str) -> None:
    services = make_services(tmp_path)
    app = make_app(services, lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await log_in(pilot, app, CHLOE, CHLOE_PASSWORD)
        assert isinstance(app.screen, EmailStepScreen)
        assert title in text_of(app)
        assert app.screen.query_one("#email", Input).value == CHLOE
        await type_text(pilot, solution(app))
        await pilot.press("enter")
        await settle(pilot, app)
        assert isinstance(app.screen, ExpiredPasswordsScreen)
        await type_text(pilot, CHLOE_PASSWORD)
        await pilot.press("enter")
        await type_text(pilot, NEW)
        await pilot.press("enter")
        await type_text(pilot, NEW)
        await pilot.press("enter")
        await settle(pilot, app)
        assert isinstance(app.screen, SummaryScreen), text_of(app)
        assert "2029" in text_of(app)
        await pilot.press("enter")
        await settle(pilot, app)
        assert isinstance(app.screen, LoginScreen)
        await log_in(pilot, app, CHLOE, CHLOE_PASSWORD, keyboard=False)
        assert isinstance(app.screen, LoginScreen)
        await log_in(pilot, app, CHLOE, NEW, keyboard=False)
        assert isinstance(app.screen, HomeScreen), text_of(app)
    assert [e.kind for e in emails(services)] == ["password_changed:expired"]
    services.close()


async def test_wrong_old_password_is_refused_and_counted(tmp_path: Path) -> None:
    services = make_services(tmp_path)
    app = make_app(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await log_in(pilot, app, CHLOE, CHLOE_PASSWORD, keyboard=False)
        await type_text(pilot, solution(app), keyboard=False)
        await pilot.press("enter")
        await settle(pilot, app)
        assert isinstance(app.screen, ExpiredPasswordsScreen)
        await type_text(pilot, "pas-le-bon-ancien-mot-de-passe", keyboard=False)
        await pilot.press("enter")
        await type_text(pilot, NEW, keyboard=False)
        await pilot.press("enter")
        await type_text(pilot, NEW, keyboard=False)
        await pilot.press("enter")
        await settle(pilot, app)
        assert isinstance(app.screen, ExpiredPasswordsScreen)
        assert "ancien mot de passe est erroné" in text_of(app)
        assert app.screen.query_one("#old", Input).value == ""
    assert emails(services) == []
    services.close()


async def test_more_than_60_days_no_alert_and_change_through_services(tmp_path: Path) -> None:
    services = make_services(tmp_path)
    app = make_app(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await log_in(pilot, app, LILA, LILA_PASSWORD, keyboard=False)
        assert isinstance(app.screen, HomeScreen)
        assert not app.screen.query_one("#expiry-notice").display
        assert "Modifier le mot de passe" not in text_of(app)
        await pilot.press("enter")  # « Gérer les services » has the focus
        await pilot.pause()
        assert isinstance(app.screen, ServicesScreen)
        await pilot.press("enter")  # « Gérer votre adresse électronique de connexion / votre mot de passe »
        await settle(pilot, app)
        assert isinstance(app.screen, ChangeCredentialsScreen)
        await pilot.press("escape")
        await settle(pilot, app)
        assert isinstance(app.screen, ServicesScreen)
        await pilot.press("tab", "enter")  # « Gérer vos coordonnées »
        await pilot.pause()
        assert isinstance(app.screen, CoordinatesScreen)
        shown = text_of(app)
        assert "20232990000101" in shown and "Le prénom de votre conjoint(e) ?" in shown
        assert "Paul" not in shown
    services.close()


async def test_change_without_ticking_or_with_a_wrong_answer_changes_nothing(tmp_path: Path) -> None:
    services = make_services(tmp_path)
    app = make_app(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await log_in(pilot, app, HUGO, HUGO_PASSWORD, keyboard=False)
        await pilot.press("enter")  # alert OK
        await pilot.press("enter")  # « Modifier le mot de passe »
        await settle(pilot, app)
        assert isinstance(app.screen, ChangeCredentialsScreen)
        app.screen.query_one("#answer", Input).focus()
        await type_text(pilot, "medor", keyboard=False)
        await pilot.press("enter")
        await settle(pilot, app)
        assert "Cochez la case" in text_of(app)
        app.screen.query_one("#answer", Input).value = ""
        app.screen.query_one("#tick").focus()
        await pilot.press("space")
        await type_text(pilot, NEW, keyboard=False)
        await pilot.press("enter")
        await type_text(pilot, NEW, keyboard=False)
        await pilot.press("enter")
        await type_text(pilot, "rex", keyboard=False)
        await pilot.press("enter")
        await settle(pilot, app)
        assert isinstance(app.screen, ChangeCredentialsScreen)
        assert "ne correspond pas à la question de confiance" in text_of(app)
    assert emails(services) == []
    services.close()


async def test_a_change_elsewhere_signs_this_session_out(tmp_path: Path) -> None:
    from domain.session import SessionCore, Step, walk
    from domain.session.intents import LogIn, OpenChange, SubmitChange, TickNewPassword

    services = make_services(tmp_path)
    app = make_app(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await log_in(pilot, app, LILA, LILA_PASSWORD, keyboard=False)
        assert isinstance(app.screen, HomeScreen)
        # another session (another terminal, another server process) changes the password
        other = SessionCore(services, client_address="192.0.2.7")
        view = walk(
            other,
            [
                LogIn(LILA, LILA_PASSWORD, other.captcha.current.solution),
                OpenChange(),
                TickNewPassword(True),
                SubmitChange(True, NEW, NEW, "Paul"),
            ],
        )
        assert view.step is Step.CHANGE_DONE, view.notes
        app._tick()  # what the 5-second timer does
        await settle(pilot, app)
        await pilot.pause(0.2)
        assert isinstance(app.screen, LoginScreen)
        assert "a été modifié dans une autre session" in text_of(app)
    services.close()
