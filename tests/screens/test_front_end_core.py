"""The full-screen app drives the session core: a key pressed twice counts once, a key
that lands after the step moved on is ignored (never a crash), and a database error
leaves the screen usable with what was typed."""

from __future__ import annotations

import json
from pathlib import Path

from sqlmodel import func, select
from textual.widgets import Input, Static

from domain.models import AnswerFailure, JournalEvent
from screens.forgot_new_password import ForgotNewPasswordScreen
from screens.forgot_question import ForgotQuestionScreen
from tests.domain.test_service_errors import locked
from tests.ui_helpers import REFERENCE, make_app, make_services, settle, type_text, walk_to_question


def failures(services) -> int:  # type: ignore[no-untyped-def]
    with services.uow() as uow:
        return int(uow.session.exec(select(func.count()).select_from(AnswerFailure)).one())


def journal(services) -> list[tuple[str, str, dict[str, object]]]:  # type: ignore[no-untyped-def]
    services.journal_writer.flush()
    with services.uow() as uow:
        rows = uow.session.exec(
            select(JournalEvent).where(JournalEvent.session_reference == REFERENCE).order_by(JournalEvent.seq)
        ).all()
    return [(r.kind, r.name, json.loads(r.detail)) for r in rows if r.kind != "frame"]


def text_of(app) -> str:  # type: ignore[no-untyped-def]
    return "\n".join(str(w.render()) for w in app.screen.query(Static))


def slow_hashing(services, seconds: float = 0.3) -> None:  # type: ignore[no-untyped-def]
    """Argon2 on a busy machine: each verification takes ``seconds`` longer."""
    import time

    verify = services.hasher.verify

    def slow(stored: str, secret: str):  # type: ignore[no-untyped-def]
        time.sleep(seconds)
        return verify(stored, secret)

    services.hasher.verify = slow


async def test_enter_twice_in_the_answer_field_counts_one_attempt(tmp_path: Path) -> None:
    services = make_services(tmp_path)
    app = make_app(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await walk_to_question(pilot, app)
        slow_hashing(services)
        await type_text(pilot, "Pierre")
        await pilot.press("enter")
        await pilot.pause(0.03)
        assert app.busy and app.screen.query_one("#status").display  # « Vérification en cours… »
        await pilot.press("enter")
        await settle(pilot, app)
        assert isinstance(app.screen, ForgotQuestionScreen)
        assert "ne correspond pas" in text_of(app)
    assert failures(services) == 1
    events = journal(services)
    assert [name for kind, name, _ in events if kind == "outcome"].count("answer_refused") == 1
    assert any(kind == "intent" and detail.get("reason") == "stale" for kind, _name, detail in events)
    services.close()


async def test_an_enter_after_the_step_moved_on_is_ignored(tmp_path: Path) -> None:
    services = make_services(tmp_path)
    app = make_app(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await walk_to_question(pilot, app)
        slow_hashing(services)
        await type_text(pilot, "Paul")
        await pilot.press("enter", "enter", "enter")
        await settle(pilot, app)
        assert isinstance(app.screen, ForgotNewPasswordScreen)
        assert app.is_running
    assert failures(services) == 0
    assert [name for kind, name, _ in journal(services) if kind == "outcome"].count("answer_accepted") == 1
    services.close()


async def test_a_locked_database_shows_a_message_and_keeps_the_answer(tmp_path: Path) -> None:
    services = make_services(tmp_path, database_busy_timeout_seconds=0.3)
    app = make_app(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await walk_to_question(pilot, app)
        await type_text(pilot, "Paul")
        with locked(services):
            await pilot.press("enter")
            await settle(pilot, app)
        assert isinstance(app.screen, ForgotQuestionScreen)
        assert "momentanément indisponible" in text_of(app)
        assert app.screen.query_one("#answer", Input).value == "Paul"
        await pilot.press("enter")
        await settle(pilot, app)
        assert isinstance(app.screen, ForgotNewPasswordScreen)
    services.close()


async def test_a_demo_dialog_stays_open_when_the_step_answers(tmp_path: Path) -> None:
    from screens.demo_accounts import DemoAccountsScreen

    services = make_services(tmp_path)
    app = make_app(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await walk_to_question(pilot, app)
        slow_hashing(services)
        await type_text(pilot, "Pierre")
        await pilot.press("enter")
        await pilot.press("f2")
        await settle(pilot, app)
        assert isinstance(app.screen, DemoAccountsScreen)
        await pilot.press("escape")  # closes the dialog, not the step
        await pilot.pause()
        assert isinstance(app.screen, ForgotQuestionScreen)
        assert "ne correspond pas" in text_of(app)
    services.close()


async def test_the_login_keeps_no_password_beneath_the_account_space(tmp_path: Path) -> None:
    from screens.login import LoginScreen
    from tests.ui_helpers import LILA, LILA_PASSWORD, solution

    services = make_services(tmp_path)
    app = make_app(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await type_text(pilot, LILA, keyboard=False)
        await pilot.press("tab")
        await type_text(pilot, LILA_PASSWORD, keyboard=False)
        await pilot.press("tab")
        await type_text(pilot, solution(app), keyboard=False)
        await pilot.press("enter")
        await settle(pilot, app)
        [login] = [s for s in app.screen_stack if isinstance(s, LoginScreen)]
        assert app.screen is not login
        assert login.query_one("#password", Input).value == ""
        assert login.query_one("#captcha", Input).value == ""
    services.close()


async def test_a_burst_of_tabs_and_enter_reaches_the_buttons(tmp_path: Path) -> None:
    """Keys of one read (a fast link, auto-type) all queued for the email field: those
    that arrive after the focus left it still move the focus and press the button."""
    from textual import events

    from screens.email_step import EmailStepScreen

    services = make_services(tmp_path)
    app = make_app(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await type_text(pilot, "lila.rosemonde@orange.fr", keyboard=False)
        field = app.screen.query_one("#email", Input)
        for key in ["tab"] * 6 + ["enter"]:  # Tab order: … CAPTCHA, Connexion, image, spell, forgot
            field.post_message(events.Key(key, "\t" if key == "tab" else "\r"))
        await settle(pilot, app)
        await pilot.pause(0.2)
        assert isinstance(app.screen, EmailStepScreen)
    services.close()


async def test_a_meter_estimate_that_ends_after_its_fields_is_harmless(tmp_path: Path) -> None:
    """Escape right after a key in the new password: the screen is taken down while the
    meter's estimate still runs in its thread (seen in CI: the session crashed)."""
    from screens.widgets.new_password import NewPasswordFields
    from tests.ui_helpers import walk_to_new_password

    services = make_services(tmp_path)
    app = make_app(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await walk_to_new_password(pilot, app, keyboard=False)
        fields = app.screen.query_one(NewPasswordFields)
        await fields.remove_children()  # what the teardown does first
        await fields._update_meter("Partiel")  # the estimate's end, now
        assert app.is_running
    services.close()


async def test_the_login_offers_the_line_mode_first_in_the_focus_order(tmp_path: Path) -> None:
    """« Mode texte » is the first focus stop (Shift+Tab twice from the email, where the
    login starts, past « Affichage »); pressing
    it ends this session (journaled reason=line_mode) and the app exits with "plain", which
    the launchers (tui/cli.py, tui/ssh_session.py) turn into the line mode."""
    services = make_services(tmp_path)
    app = make_app(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        assert app.focused is not None and app.focused.id == "email"
        assert app.screen.focus_chain[0].id == "line-mode"
        await pilot.press("shift+tab", "shift+tab")  # past « Affichage »
        assert app.focused is not None and app.focused.id == "line-mode"
        await pilot.press("enter")
        await settle(pilot, app)
    assert app.return_value == "plain"
    services.journal_writer.flush()
    assert ("session", "end", {"reason": "line_mode"}) in journal(services)
    services.close()


async def test_ctrl_c_says_how_to_quit_in_french_and_no_english_palette_opens(tmp_path: Path) -> None:
    """Textual's Ctrl+C notice and its command palette (Ctrl+P) are in English: the notice
    is the session's own, the palette is off."""
    services = make_services(tmp_path)
    app = make_app(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        screens = len(app.screen_stack)
        await pilot.press("ctrl+c")
        await pilot.press("ctrl+p")
        await settle(pilot, app)
        assert app.is_running and len(app.screen_stack) == screens
        messages = [notification.message for notification in app._notifications]
        assert messages == ["Pour quitter, appuyez sur Ctrl+Q."]
    services.close()


async def test_the_language_switch_keeps_what_was_typed(tmp_path: Path) -> None:
    """Issue 12: « English » on the login screen redraws it in English, the email and the
    password typed kept; « Français » brings French back."""
    from textual.widgets import Button, Input

    from tests.ui_helpers import make_app, make_services, settle

    services = make_services(tmp_path)
    app = make_app(services, "fr")
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            screen = app.screen
            screen.query_one("#email", Input).value = "lila.rosemonde@orange.fr"
            screen.query_one("#password", Input).value = "un-mot-de-passe-tape"
            screen.query_one("#language", Button).press()
            await settle(pilot, app)
            await pilot.pause()
            assert app.screen is not screen
            assert str(app.screen.query_one("#login", Button).label) == "Log in"
            assert str(app.screen.query_one("#language", Button).label) == "Français"
            assert app.screen.query_one("#email", Input).value == "lila.rosemonde@orange.fr"
            assert app.screen.query_one("#password", Input).value == "un-mot-de-passe-tape"
            assert app.focused is app.screen.query_one("#language", Button)
            app.screen.query_one("#language", Button).press()
            await settle(pilot, app)
            await pilot.pause()
            assert str(app.screen.query_one("#login", Button).label) == "Connexion"
            assert app.core.language == "fr"
    finally:
        services.close()


async def test_a_time_limit_warning_stays_on_top_when_the_step_changes(tmp_path: Path) -> None:
    """A step that ends while the maximum length's warning is up (a slow Argon2 step) must
    not take the warning away: the user would never get to extend the session."""
    from textual.widgets import Button

    from domain.session.intents import OpenForgot
    from screens.time_limit import TimeLimitDialog
    from tests.ui_helpers import make_app, make_services, settle

    services = make_services(tmp_path)
    app = make_app(services, "fr")
    answers: list[str] = []
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot, app)
            app.push_screen(
                TimeLimitDialog(app.frontend.t, "end", 60, extension=1800, left=2, on_answer=answers.append)
            )
            await pilot.pause()
            app.submit(OpenForgot(""), check_revision=False)
            await settle(pilot, app)
            assert isinstance(app.screen, TimeLimitDialog)
            assert type(app.screen_stack[-2]).__name__ == "EmailStepScreen"
            app.screen.query_one("#act", Button).press()
            await settle(pilot, app)
            assert answers == ["extend"]
            assert type(app.screen).__name__ == "EmailStepScreen"
    finally:
        services.close()
