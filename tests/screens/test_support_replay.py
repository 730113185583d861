"""Issue 13: support sees what the user saw. The agent's path from the phone call (« my
password does not work », a reference read aloud) to the failing screen; the account card
in words; the replay that fits the agent's terminal; « depuis l'appel »."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlmodel import col, select
from textual.containers import ScrollableContainer
from textual.pilot import Pilot
from textual.widgets import Button, OptionList, Static

from domain import support
from domain.clock import SettableClock
from domain.i18n import Translator
from domain.models import StaffAudit
from domain.replay import FAILURE_OUTCOMES, Event, describe, is_failure, plain, steps
from domain.services import Services
from domain.session import SessionCore, walk
from domain.session.intents import LogIn
from screens.support import ConfirmDialog, SupportAccountScreen, SupportSearchScreen, SupportSessionScreen
from screens.widgets.textual_adapter import capture_ansi
from tests.screens.test_support_console import STAFF_PASSWORD, wait_until
from tests.screens.test_support_console import text_of as shown_text
from tests.ui_helpers import LILA, LILA_PASSWORD, TODAY, make_app, make_services, settle, type_text
from tui.support_app import SupportApp


async def refused_login(services: Services, size: tuple[int, int]) -> str:
    """A user who cannot sign in (a wrong CAPTCHA, the commonest call): the screen they
    saw last, as plain text."""
    app = make_app(services)
    async with app.run_test(size=size) as pilot:
        await settle(pilot, app)
        await type_text(pilot, LILA)
        await pilot.press("tab")
        await type_text(pilot, "Mauvais-Mot-De-Passe-2020")
        await pilot.press("tab")
        await type_text(pilot, "ZZZZZ")
        await pilot.press("enter")
        await settle(pilot, app)
        await pilot.pause(0.2)
        seen = plain(capture_ansi(app))
    services.journal_writer.flush()
    assert "Erreur" in seen
    return seen


def flat(text: str | None) -> str:
    """French typesets a no-break space before « : » and « ? »: compared as spaces."""
    return (text or "").replace("\u00a0", " ")


def text_of(app: SupportApp) -> str:
    return flat(shown_text(app))


async def sign_in(pilot: Pilot[None], app: SupportApp) -> None:
    await pilot.pause()
    await pilot.press(*"agent.martin", "tab", *STAFF_PASSWORD, "enter")
    await wait_until(pilot, lambda: isinstance(app.screen, SupportSearchScreen))


async def open_card(pilot: Pilot[None], app: SupportApp) -> None:
    """Search « rosemonde », open the account's card (the console already signed in)."""
    await pilot.pause()
    await pilot.press(*"rosemonde", "enter")
    await wait_until(pilot, lambda: bool(app.screen.query_one("#results", OptionList).option_count))
    await pilot.press("enter")
    await wait_until(pilot, lambda: isinstance(app.screen, SupportAccountScreen))


def screen_text(app: SupportApp) -> list[str]:
    return [line.rstrip() for line in plain(capture_ansi(app)).split("\n")]


async def test_from_the_reference_heard_to_the_failing_screen_in_three_keys(tmp_path: Path) -> None:
    """The user reads « TEST-0001 »; the agent types it as heard, then Enter (the session),
    n (its failure), f (the user's whole screen, alone): 3 keys after the reference, and
    what the agent sees is, line for line, what the user saw."""
    services = make_services(tmp_path)
    seen = await refused_login(services, (80, 24))
    support.add_staff(services, "agent.martin", "Agent Martin", STAFF_PASSWORD)
    app = SupportApp(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, app)
        await pilot.press(*"test ooo1")
        keys = ["enter"]
        await pilot.press(*keys)
        await wait_until(pilot, lambda: isinstance(app.screen, SupportSessionScreen))
        keys.append("n")
        await pilot.press("n")
        await pilot.pause()
        shown = text_of(app)
        assert "ÉCHEC" in shown and "Connexion refusée : les caractères saisis ne correspondaient pas" in shown
        assert "échec 1 sur 1" in shown
        keys.append("f")
        await pilot.press("f")
        await pilot.pause()
        assert screen_text(app) == [line.rstrip() for line in seen.split("\n")]
        assert len(keys) <= 8
        await pilot.press("f")  # back: where and what again
        await pilot.pause()
        assert "ÉCHEC" in text_of(app)
    services.close()


async def test_a_larger_user_screen_is_scrolled_by_keyboard(tmp_path: Path) -> None:
    """A user at 100x30, an agent at 80x24: the right part and the bottom are reached by
    keys (Shift+→, ↓), not cut."""
    services = make_services(tmp_path)
    await refused_login(services, (100, 30))
    support.add_staff(services, "agent.martin", "Agent Martin", STAFF_PASSWORD)
    app = SupportApp(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, app)
        await pilot.press(*"TEST-0001", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, SupportSessionScreen))
        await pilot.press("n", "f")
        await pilot.pause()
        replay = app.screen.query_one("#replay", ScrollableContainer)
        assert replay.max_scroll_x == 20 and replay.max_scroll_y == 6
        assert "Réf. session TEST-0001" not in "\n".join(screen_text(app))  # at column 79 and beyond
        await pilot.press("shift+right", "shift+right", "shift+right")
        await pilot.pause()
        assert replay.scroll_x == 20
        assert "TEST-0001" in "\n".join(screen_text(app))
        for _ in range(6):
            await pilot.press("down")
        await pilot.pause()
        assert replay.scroll_y == 6
    services.close()


async def test_the_card_in_words_in_the_users_time_zone(tmp_path: Path) -> None:
    """Status in words, one time zone (Paris), the days the user is told, last login,
    failure counts, each session's outcome, the latest emails and their state."""
    services = make_services(tmp_path, captcha="off")
    make_app(services)  # the demo accounts
    walk(SessionCore(services), [LogIn(LILA, LILA_PASSWORD, "")])
    assert isinstance(services.clock, SettableClock)
    services.clock.advance(timedelta(minutes=5))
    walk(SessionCore(services), [LogIn(LILA, "Pas-Le-Bon-Mot-De-Passe-42", "")])
    services.journal_writer.flush()
    support.add_staff(services, "agent.martin", "Agent Martin", STAFF_PASSWORD)
    app = SupportApp(services, identity=support.StaffIdentity("staff:agent.martin"))
    async with app.run_test(size=(100, 40)) as pilot:
        await open_card(pilot, app)
        card = flat(str(app.screen.query_one("#card", Static).render()))
        agent = support.StaffIdentity("staff:agent.martin")
        expires_on = support.view_account(services, agent, 1).card.password_expires_on
        assert expires_on is not None
        expiry = services.expiry(expires_on)
        assert "Heures de Europe/Paris." in card
        assert "Statut : actif" in card and "active" not in card
        assert f"jours restants avant le blocage de l'accès : {expiry.days_before_blocking}" in card
        assert "Dernière connexion : 24/11/2026 10:30" in card  # 09:30 UTC
        assert "Mots de passe erronés à la connexion : 1" in card
        assert "Mauvaises réponses à la question : 0 sur 5 — pas de blocage" in card
        sessions = app.screen.query_one("#sessions", OptionList)
        lines = [flat(str(sessions.get_option_at_index(i).prompt)) for i in range(sessions.option_count)]
        assert len(lines) == 2
        assert "Connexion refusée : adresse électronique ou mot de passe erroné" in lines[0]
        assert "10:35" in lines[0] and "échecs : 1" in lines[0]
        assert "Connecté" in lines[1] and "10:30" in lines[1] and "échecs" not in lines[1]
    services.close()


async def test_deactivating_asks_first(tmp_path: Path) -> None:
    services = make_services(tmp_path, captcha="off")
    make_app(services)
    support.add_staff(services, "agent.martin", "Agent Martin", STAFF_PASSWORD)
    app = SupportApp(services, identity=support.StaffIdentity("staff:agent.martin"))

    def status() -> str:
        return support.view_account(services, support.StaffIdentity("staff:agent.martin"), 1).card.status

    async with app.run_test(size=(100, 40)) as pilot:
        await open_card(pilot, app)
        card = app.screen
        card.query_one("#toggle", Button).press()
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        assert "Désactiver le compte de Lila ROSEMONDE (lila.rosemonde@orange.fr) ?" in text_of(app)
        await wait_until(pilot, lambda: app.focused is not None and app.focused.id == "cancel")
        await pilot.press("enter")  # « Annuler », focused first
        await wait_until(pilot, lambda: app.screen is card)
        assert status() == "active"
        card.query_one("#toggle", Button).press()
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await wait_until(pilot, lambda: app.focused is not None and app.focused.id == "cancel")
        await pilot.press("shift+tab")
        await wait_until(pilot, lambda: app.focused is not None and app.focused.id == "confirm")
        await pilot.press("enter")  # « Désactiver »
        await wait_until(pilot, lambda: status() == "deactivated")
    with services.uow() as uow:
        actions = [row.action for row in uow.session.exec(select(StaffAudit).order_by(col(StaffAudit.id))).all()]
    assert actions.count("deactivate") == 1
    services.close()


async def test_since_the_call_follows_the_users_new_attempts(tmp_path: Path) -> None:
    """« Depuis l'appel » (d on the card): the latest session at its latest screen, and
    the sessions the user opens while on the phone, as they come."""
    services = make_services(tmp_path)
    await refused_login(services, (80, 24))
    support.add_staff(services, "agent.martin", "Agent Martin", STAFF_PASSWORD)
    app = SupportApp(services, identity=support.StaffIdentity("staff:agent.martin"))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_card(pilot, app)
        await pilot.press("d")
        await wait_until(pilot, lambda: isinstance(app.screen, SupportSessionScreen))
        replay = app.screen
        assert isinstance(replay, SupportSessionScreen)
        assert replay.reference == "TEST-0001" and replay.index == len(replay.frames) - 1
        assert "Suivi du compte depuis l'appel" in text_of(app)
        # The user, on the phone, tries again in a new session.
        assert isinstance(services.clock, SettableClock)
        services.clock.advance(timedelta(minutes=2))
        core = SessionCore(services, reference="NEWS-0002")
        walk(core, [LogIn(LILA, "Encore-Un-Mauvais-Essai-2021", "")])
        core.record_frame("outcome", columns=80, rows=24, ansi="second attempt refused")
        services.journal_writer.flush()
        await wait_until(pilot, lambda: replay.reference == "NEWS-0002")
        await pilot.pause()
        assert "second attempt refused" in text_of(app)
        assert replay.index == len(replay.frames) - 1
    with services.uow() as uow:
        audited = uow.session.exec(select(StaffAudit).where(StaffAudit.action == "follow_session")).all()
    assert [row.session_reference for row in audited] == ["TEST-0001", "NEWS-0002"]
    services.close()


def test_every_failure_has_words_in_both_languages() -> None:
    """No code reaches the agent: every refusal the session core journals is described,
    in French in a French console."""
    reasons = {
        "login_refused": ["captcha_wrong", "captcha_expired", "invalid", "throttled", "deactivated", "expired"],
        "captcha_refused": ["captcha_wrong", "captcha_expired"],
        "email_refused": ["invalid_email", "unusable_text"],
        "answer_refused": ["wrong_answer", "empty", "unusable_text"],
        "change_refused": ["wrong_answer", "empty_answer", "locked", "nothing_to_change", "unusable_text"],
        "old_password_refused": ["invalid", "throttled"],
        "procedure_refused": ["deactivated", "locked", "locked_client"],
        "account_deactivated": ["expired"],
    }
    assert set(reasons) | {"password_refused"} == FAILURE_OUTCOMES
    fr, en = Translator("fr"), Translator("en")
    tz = make_tz()
    detail = {"wait": 30, "until": "2026-11-24 10:00:00+00:00", "days": 12}
    for name, codes in reasons.items():
        for code in codes:
            event = Event(1, TODAY, "outcome", name, {"reason": code, **detail})
            assert is_failure(event)
            english, french = describe(event, en, tz), describe(event, fr, tz)
            assert english and french and english != french, (name, code)
            assert code not in french and name not in french, (name, code)
            assert "{" not in french, french
    refused = Event(1, TODAY, "outcome", "password_refused", {"reasons": ["too_short", "same_as_previous"]})
    assert flat(describe(refused, fr, tz)) == "Nouveau mot de passe refusé : trop court, identique au précédent"
    locked = Event(1, TODAY, "outcome", "procedure_refused", {"reason": "locked", "until": "2026-11-24 10:00:00+00:00"})
    assert flat(describe(locked, fr, tz)) == "Refus : « mot de passe oublié » bloqué jusqu'au 24 novembre 2026 11:00"


def make_tz():  # type: ignore[no-untyped-def]
    from zoneinfo import ZoneInfo

    return ZoneInfo("Europe/Paris")


def test_each_frame_goes_with_the_events_that_led_to_it() -> None:
    from domain.replay import Frame

    events = [
        Event(1, TODAY, "session", "start", {}),
        Event(3, TODAY, "outcome", "login_refused", {"reason": "invalid"}),
        Event(5, TODAY, "session", "end", {"how": "idle"}),
    ]
    frames = [Frame(2, TODAY, "screen", 80, 24, "a"), Frame(4, TODAY, "outcome", 80, 24, "b")]
    found = steps(events, frames)
    assert [len(step.events) for step in found] == [1, 2]
    assert [step.failed for step in found] == [False, True]
