"""Issue 6 (second part): the support console, keyboard only — sign-in, search, account
card (never the answer), a session replayed screen by screen, export, audit."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select
from textual.widgets import Input, OptionList, Static

from domain import support
from domain.models import StaffAudit
from screens.support import (
    SupportAccountScreen,
    SupportSearchScreen,
    SupportSessionScreen,
    SupportSignInScreen,
)
from tests.ui_helpers import REFERENCE, make_app, make_services, walk_to_question
from tui.support_app import SupportApp

STAFF_PASSWORD = "Bergamote-Escalier-Nuage-31"


def text_of(app: SupportApp) -> str:
    return "\n".join(str(w.render()) for w in app.screen.query(Static))


async def user_session(tmp_path: Path):  # type: ignore[no-untyped-def]
    services = make_services(tmp_path)
    app = make_app(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await walk_to_question(pilot, app, keyboard=False)
        await pilot.pause(0.2)
    services.journal_writer.flush()
    return services


async def test_staff_finds_an_account_and_replays_its_session(tmp_path: Path) -> None:
    services = await user_session(tmp_path)
    support.add_staff(services, "agent.martin", "Agent Martin", STAFF_PASSWORD)
    app = SupportApp(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, SupportSignInScreen)
        await pilot.press(*"agent.martin", "tab", *STAFF_PASSWORD, "enter")
        for _ in range(50):
            await pilot.pause(0.05)
            if isinstance(app.screen, SupportSearchScreen):
                break
        assert isinstance(app.screen, SupportSearchScreen)
        await pilot.press(*"rosemonde", "enter")
        for _ in range(50):
            await pilot.pause(0.05)
            if app.screen.query_one("#results", OptionList).option_count:
                break
        await pilot.press("enter")
        for _ in range(50):
            await pilot.pause(0.05)
            if isinstance(app.screen, SupportAccountScreen):
                break
        assert isinstance(app.screen, SupportAccountScreen)
        shown = text_of(app)
        assert "20232990000101" in shown and "Le prénom de votre conjoint(e) ?" in shown
        assert "Paul" not in shown and "argon2" not in shown
        sessions = app.screen.query_one("#sessions", OptionList)
        assert sessions.option_count >= 1
        assert sessions.get_option_at_index(0).id == REFERENCE
        sessions.focus()
        await pilot.press("enter")
        for _ in range(50):
            await pilot.pause(0.05)
            if isinstance(app.screen, SupportSessionScreen):
                break
        assert isinstance(app.screen, SupportSessionScreen)
        assert "écran 1 sur" in text_of(app)
        assert "Connexion à mon espace professionnel" in text_of(app)
        await pilot.press("right", "right", "right")
        await pilot.pause()
        assert "Le prénom de votre conjoint(e) ?" in text_of(app)
        await pilot.press("e")
        await pilot.pause()
    assert (tmp_path / "exports" / f"{REFERENCE}.cast").exists()
    with services.uow() as uow:
        actions = [row.action for row in uow.session.exec(select(StaffAudit)).all()]
    assert actions[:5] == ["sign_in", "search", "view_account", "view_session", "export_session"]
    services.close()


async def test_a_removed_staff_account_cannot_sign_in(tmp_path: Path) -> None:
    services = make_services(tmp_path)
    support.add_staff(services, "agent.martin", "Agent Martin", STAFF_PASSWORD)
    assert support.sign_in_staff(services, "agent.martin", STAFF_PASSWORD, None) is not None
    support.remove_staff(services, "agent.martin")
    assert support.sign_in_staff(services, "agent.martin", STAFF_PASSWORD, None) is None
    assert support.sign_in_staff(services, "personne", STAFF_PASSWORD, None) is None
    app = SupportApp(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.screen.query_one("#username", Input).value = "agent.martin"
        app.screen.query_one("#password", Input).value = STAFF_PASSWORD
        app.screen.query_one("#password", Input).focus()
        await pilot.press("enter")
        for _ in range(30):
            await pilot.pause(0.05)
        assert isinstance(app.screen, SupportSignInScreen)
        assert "mot de passe erroné" in text_of(app)
    services.close()


def test_staff_passwords_follow_the_policy(tmp_path: Path) -> None:
    from domain.accounts import AccountError

    services = make_services(tmp_path)
    with pytest.raises(AccountError):
        support.add_staff(services, "agent", "Agent", "court")
    with pytest.raises(AccountError):
        support.add_staff(services, "Agent Martin", "Agent", STAFF_PASSWORD)
    services.close()


async def test_lift_locks_and_deactivate_are_audited(tmp_path: Path) -> None:
    from domain.session import SessionCore, walk
    from domain.session.intents import OpenForgot, SubmitAnswer, SubmitEmail
    from tests.ui_helpers import LILA

    services = make_services(tmp_path, captcha="off")
    make_app(services)  # seeds the demo accounts
    walk(SessionCore(services), [OpenForgot(LILA), SubmitEmail(LILA, ""), *[SubmitAnswer("Pierre")] * 5])
    staff = support.StaffIdentity("staff:agent")
    found = support.search(services, staff, "lila")
    view = support.view_account(services, staff, found[0].id)
    assert view.answer_locked_until is not None
    support.lift_locks(services, staff, found[0].id)
    assert support.view_account(services, staff, found[0].id).answer_locked_until is None
    card = support.set_account_status(services, staff, found[0].id, "deactivated")
    assert card.status == "deactivated"
    with services.uow() as uow:
        rows = uow.session.exec(select(StaffAudit)).all()
    assert {row.staff for row in rows} == {"staff:agent"}
    assert [row.action for row in rows] == ["search", "view_account", "lift_locks", "view_account", "deactivate"]
    services.close()
