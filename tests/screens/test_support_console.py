"""Issue 6 (second part): the support console, keyboard only — sign-in, search, account
card (never the answer), a session replayed screen by screen, export, audit.

Issue 10: a staff member removed while their console is open (or whose SSH key is taken
out of the support keys file) is stopped at the next action, or within seconds without
one; the console keeps the session reference it is given."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import asyncssh
import pytest
from sqlmodel import col, select
from textual.pilot import Pilot
from textual.widgets import Button, Input, OptionList, Static

from domain import support
from domain.models import JournalEvent, SessionRecord, StaffAudit
from domain.services import Services
from screens.support import (
    SupportAccountScreen,
    SupportSearchScreen,
    SupportSessionScreen,
    SupportSignInScreen,
)
from tests.ui_helpers import REFERENCE, make_app, make_services, walk_to_question
from tui.support_app import STAFF_REVOKED, SupportApp

STAFF_PASSWORD = "Bergamote-Escalier-Nuage-31"


def text_of(app: SupportApp) -> str:
    return "\n".join(str(w.render()) for w in app.screen.query(Static))


async def wait_until(pilot: Pilot[None], condition: Callable[[], bool], seconds: float = 10.0) -> None:
    """Until ``condition`` holds (worker threads answer late on a loaded machine)."""
    for _ in range(int(seconds / 0.05)):
        if condition():
            return
        await pilot.pause(0.05)
    assert condition()


def actions_of(services: Services) -> list[tuple[str, str]]:
    with services.uow() as uow:
        rows = uow.session.exec(select(StaffAudit).order_by(col(StaffAudit.id))).all()
        return [(row.staff, row.action) for row in rows]


async def sign_in_and_search(pilot: Pilot[None], app: SupportApp) -> None:
    await pilot.pause()
    assert isinstance(app.screen, SupportSignInScreen)
    await pilot.press(*"agent.martin", "tab", *STAFF_PASSWORD, "enter")
    await wait_until(pilot, lambda: isinstance(app.screen, SupportSearchScreen))
    await pilot.press(*"rosemonde", "enter")
    await wait_until(pilot, lambda: bool(app.screen.query_one("#results", OptionList).option_count))


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
        for _ in range(8):  # on to the question's screen (its place depends on the frames recorded)
            if "Le prénom de votre conjoint(e) ?" in text_of(app):
                break
            await pilot.press("right")
            await pilot.pause()
        assert "Le prénom de votre conjoint(e) ?" in text_of(app)
        await pilot.press("e")
        await wait_until(pilot, lambda: (tmp_path / "exports" / f"{REFERENCE}.cast").exists())
        await wait_until(pilot, lambda: "export_session" in [a for _, a in actions_of(services)])
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
    with services.uow() as uow:
        failed = [
            json.loads(r.detail) for r in uow.session.exec(select(StaffAudit)).all() if r.action == "sign_in_failed"
        ]
    # Every failure audited, with what was typed as the user name, never the password.
    assert [(f["username"], f["reason"]) for f in failed] == [
        ("agent.martin", "removed"),
        ("personne", "unknown"),
        ("agent.martin", "removed"),
    ]
    assert not any(STAFF_PASSWORD in str(f) for f in failed)
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
    support.add_staff(services, "agent", "Agent", STAFF_PASSWORD)
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


async def test_a_staff_member_removed_while_signed_in_is_sent_back_to_sign_in(tmp_path: Path) -> None:
    """The brief's case: signed in, removed with ``motdepasse staff remove``, then a search."""
    services = await user_session(tmp_path)
    support.add_staff(services, "agent.martin", "Agent Martin", STAFF_PASSWORD)
    app = SupportApp(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in_and_search(pilot, app)
        support.remove_staff(services, "agent.martin")
        query = app.screen.query_one("#query", Input)
        query.value = "durand"
        query.focus()
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, SupportSignInScreen))
        await pilot.pause()
        assert len(app.screen_stack) == 2  # nothing of the removed agent's console below
        assert app.session.t._(STAFF_REVOKED) in text_of(app)
        assert app.identity is None
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, SupportSignInScreen)
    assert actions_of(services)[-2:] == [("staff:agent.martin", "search"), ("staff:agent.martin", "refused_revoked")]
    services.journal_writer.flush()
    with services.uow() as uow:
        names = [
            row.name
            for row in uow.session.exec(
                select(JournalEvent).where(JournalEvent.session_reference == app.session.reference)
            ).all()
        ]
    assert "staff_revoked" in names and names.count("support_sign_in") == 2
    services.close()


async def test_a_removed_staff_member_cannot_lift_locks_from_an_open_card(tmp_path: Path) -> None:
    services = await user_session(tmp_path)
    support.add_staff(services, "agent.martin", "Agent Martin", STAFF_PASSWORD)
    app = SupportApp(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in_and_search(pilot, app)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, SupportAccountScreen))
        support.remove_staff(services, "agent.martin")
        app.screen.query_one("#lift", Button).press()
        await wait_until(pilot, lambda: isinstance(app.screen, SupportSignInScreen))
        await pilot.pause()
        assert len(app.screen_stack) == 2
        assert "20232990000101" not in text_of(app)
    assert actions_of(services)[-1] == ("staff:agent.martin", "refused_revoked")
    assert ("staff:agent.martin", "lift_locks") not in actions_of(services)
    services.close()


async def test_an_idle_console_is_closed_when_its_staff_member_is_removed(tmp_path: Path) -> None:
    """No action needed: the console checks on its own (every ``recheck_seconds``), so a
    removed agent does not keep reading the card or the replay on screen."""
    services = await user_session(tmp_path)
    support.add_staff(services, "agent.martin", "Agent Martin", STAFF_PASSWORD)
    app = SupportApp(services, recheck_seconds=0.2)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in_and_search(pilot, app)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, SupportAccountScreen))
        support.remove_staff(services, "agent.martin")
        await wait_until(pilot, lambda: isinstance(app.screen, SupportSignInScreen))
        assert len(app.screen_stack) == 2
    assert actions_of(services)[-1] == ("staff:agent.martin", "refused_revoked")
    services.close()


def support_key(services: Services) -> tuple[support.StaffIdentity, Path]:
    key = asyncssh.generate_private_key("ssh-ed25519")
    path = support.support_keys_path(services.settings)
    path.write_text(key.export_public_key("openssh").decode("ascii"))
    return support.StaffIdentity("ssh-key:" + key.get_fingerprint("sha256")), path


async def test_a_removed_support_key_ends_its_ssh_console(tmp_path: Path) -> None:
    services = await user_session(tmp_path)
    identity, keys_file = support_key(services)
    app = SupportApp(services, identity=identity, channel="ssh-support", client_address="192.0.2.9")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, SupportSearchScreen)
        keys_file.write_text("# key withdrawn\n")
        await pilot.press(*"rosemonde", "enter")
        await wait_until(pilot, lambda: app.return_code is not None)
        assert not app.screen.query("#results") or not app.screen.query_one("#results", OptionList).option_count
    assert app.identity is None
    assert actions_of(services) == [(identity.label, "sign_in"), (identity.label, "refused_revoked")]
    services.journal_writer.flush()
    with services.uow() as uow:
        record = uow.session.get(SessionRecord, app.session.reference)
        assert record is not None and record.ended_at is not None
        ends = [
            json.loads(row.detail)
            for row in uow.session.exec(
                select(JournalEvent).where(
                    JournalEvent.session_reference == app.session.reference, JournalEvent.name == "end"
                )
            ).all()
        ]
    assert ends == [{"reason": "staff_revoked"}]
    services.close()


async def test_a_support_key_removed_before_the_console_opens_ends_it_at_once(tmp_path: Path) -> None:
    services = make_services(tmp_path)
    identity, keys_file = support_key(services)
    keys_file.unlink()
    app = SupportApp(services, identity=identity, channel="ssh-support")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.return_code is not None)
        assert not isinstance(app.screen, SupportSearchScreen)
    assert actions_of(services) == [(identity.label, "refused_revoked")]
    services.close()


async def test_the_console_uses_the_session_reference_it_is_given(tmp_path: Path) -> None:
    """The SSH server names the session in its log; the console's journal names the same."""
    services = make_services(tmp_path)
    app = SupportApp(services, channel="ssh-support", client_address="192.0.2.9", reference="SUPP-0042")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.session.reference == "SUPP-0042"
        assert "SUPP-0042" in text_of(app)
    services.journal_writer.flush()
    with services.uow() as uow:
        record = uow.session.get(SessionRecord, "SUPP-0042")
        events = uow.session.exec(select(JournalEvent).where(JournalEvent.session_reference == "SUPP-0042")).all()
    assert record is not None and record.channel == "ssh-support" and record.client_address == "192.0.2.9"
    assert [(e.kind, e.name) for e in events][:3] == [
        ("session", "start"),
        ("screen", "support_sign_in"),
        ("session", "end"),
    ]
    services.close()


async def test_results_that_arrive_after_their_screen_is_gone_are_dropped(tmp_path: Path) -> None:
    """A worker that resumes after its screen was taken down (the console went back to
    its sign-in meanwhile) must not query widgets that are gone: the session would crash."""
    services = await user_session(tmp_path)
    support.add_staff(services, "agent.martin", "Agent Martin", STAFF_PASSWORD)
    app = SupportApp(services, identity=support.StaffIdentity("staff:agent.martin"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        searching = app.screen
        assert isinstance(searching, SupportSearchScreen)
        await pilot.press(*"rosemonde", "enter")
        await wait_until(pilot, lambda: bool(searching.query_one("#results", OptionList).option_count))
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, SupportAccountScreen))
        card = app.screen
        assert isinstance(card, SupportAccountScreen)
        await app.pop_screen()
        await app.switch_screen(SupportSignInScreen(app.console_context))
        await wait_until(pilot, lambda: not searching.query("#results") and not card.query("#card"))
        # The ends of the workers, now that their screens are gone:
        await searching._find("rosemonde")
        await card._act(lambda: None)
        await pilot.pause()
        assert isinstance(app.screen, SupportSignInScreen)
        assert app.is_running
    services.close()


@pytest.mark.parametrize("heard", ["test-0001", "TEST0001", "test 0001", "TEST-OOO1", "test ooo l", "T.E.S.T.0.0.0.I"])
def test_a_reference_is_found_however_it_was_heard(heard: str) -> None:
    """Issue 13: lower case, no hyphen, spaces, O for 0, I or L for 1 (the alphabet,
    Crockford's base 32, has no O, I, L: they can only be 0 and 1)."""
    from domain.journal import normalize_reference

    assert normalize_reference(heard) == REFERENCE


@pytest.mark.parametrize("not_one", ["", "TEST-001", "TEST-00011", "TEST-000U", "durand", "TEST-000\u00e9"])
def test_what_cannot_be_a_reference(not_one: str) -> None:
    from domain.journal import normalize_reference

    assert normalize_reference(not_one) is None


async def test_the_search_box_opens_a_session_by_its_reference_as_heard(tmp_path: Path) -> None:
    """The agent types in the one box they see first what the user reads on the phone."""
    services = await user_session(tmp_path)
    support.add_staff(services, "agent.martin", "Agent Martin", STAFF_PASSWORD)
    app = SupportApp(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press(*"agent.martin", "tab", *STAFF_PASSWORD, "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, SupportSearchScreen))
        await pilot.press(*"test ooo1", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, SupportSessionScreen))
        assert "Connexion à mon espace professionnel" in text_of(app)
    assert ("agent.martin", "view_session") in [(s.split(":")[-1], a) for s, a in actions_of(services)]
    services.close()
