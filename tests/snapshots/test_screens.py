"""One snapshot per screen at 80×24 (French, plus English for the steps)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot

from domain.settings import Language
from tests.ui_helpers import (
    make_app,
    make_services,
    settle,
    type_text,
    walk_to_new_password,
    walk_to_question,
    walk_to_summary,
)
from tui.app import MotDePasseApp

Steps = Callable[[Pilot[None], MotDePasseApp], Awaitable[None]]


async def login(pilot: Pilot[None], app: MotDePasseApp) -> None:
    await pilot.pause()


async def forgot_email(pilot: Pilot[None], app: MotDePasseApp) -> None:
    await pilot.press(*["tab"] * 6, "enter")
    await settle(pilot, app)


async def forgot_email_spelled(pilot: Pilot[None], app: MotDePasseApp) -> None:
    await forgot_email(pilot, app)
    await pilot.press("tab", "tab", "tab", "tab", "enter")
    await settle(pilot, app)


async def question(pilot: Pilot[None], app: MotDePasseApp) -> None:
    await walk_to_question(pilot, app, keyboard=False)


async def new_password(pilot: Pilot[None], app: MotDePasseApp) -> None:
    await walk_to_new_password(pilot, app, keyboard=False)
    await type_text(pilot, "aaaaaaaaaaaaaaaaaaaaaa", keyboard=False)
    await pilot.press("enter")
    await type_text(pilot, "bbb", keyboard=False)
    await pilot.press("enter")
    await settle(pilot, app)
    await pilot.pause(0.3)


async def recommendations(pilot: Pilot[None], app: MotDePasseApp) -> None:
    await walk_to_new_password(pilot, app, keyboard=False)
    await pilot.press("f1")
    await settle(pilot, app)


async def summary(pilot: Pilot[None], app: MotDePasseApp) -> None:
    await walk_to_summary(pilot, app, keyboard=False)


async def fallback(pilot: Pilot[None], app: MotDePasseApp) -> None:
    await pilot.press(*["tab"] * 7, "enter")
    await settle(pilot, app)


async def demo_accounts(pilot: Pilot[None], app: MotDePasseApp) -> None:
    await pilot.press("f2")
    await settle(pilot, app)


async def home(pilot: Pilot[None], app: MotDePasseApp) -> None:
    from tests.ui_helpers import LILA, LILA_PASSWORD, solution

    await type_text(pilot, LILA, keyboard=False)
    await pilot.press("tab")
    await type_text(pilot, LILA_PASSWORD, keyboard=False)
    await pilot.press("tab")
    await type_text(pilot, solution(app), keyboard=False)
    await pilot.press("enter")
    await settle(pilot, app)


async def wrong_login(pilot: Pilot[None], app: MotDePasseApp) -> None:
    from tests.ui_helpers import LILA, solution

    await type_text(pilot, LILA, keyboard=False)
    await pilot.press("tab")
    await type_text(pilot, "pas-le-bon-mot-de-passe", keyboard=False)
    await pilot.press("tab")
    await type_text(pilot, solution(app), keyboard=False)
    await pilot.press("enter")
    await settle(pilot, app)


async def _login_as(pilot: Pilot[None], app: MotDePasseApp, email: str, password: str) -> None:
    from textual.widgets import Input

    from tests.ui_helpers import solution

    screen = app.screen
    screen.query_one("#email", Input).value = email
    screen.query_one("#password", Input).value = password
    screen.query_one("#captcha", Input).value = solution(app)
    screen.query_one("#captcha", Input).focus()
    await pilot.pause()
    await pilot.press("enter")
    await settle(pilot, app)


HUGO = ("hugo.martin@example.fr", "Cerisier-Boussole-Tambour-42")
CHLOE = ("chloe.durand@example.fr", "Hibiscus-Lanterne-Falaise-19")


async def expiry_alert(pilot: Pilot[None], app: MotDePasseApp) -> None:
    await _login_as(pilot, app, *HUGO)


async def home_expiring(pilot: Pilot[None], app: MotDePasseApp) -> None:
    await _login_as(pilot, app, *HUGO)
    await pilot.press("enter")
    await settle(pilot, app)


async def services_screen(pilot: Pilot[None], app: MotDePasseApp) -> None:
    await home_expiring(pilot, app)
    await pilot.press("tab", "enter")
    await settle(pilot, app)


async def coordinates(pilot: Pilot[None], app: MotDePasseApp) -> None:
    await home_expiring(pilot, app)
    await pilot.press("tab", "tab", "enter")
    await settle(pilot, app)


async def change_credentials(pilot: Pilot[None], app: MotDePasseApp) -> None:
    await home_expiring(pilot, app)
    await pilot.press("enter")
    await settle(pilot, app)
    await pilot.press("space")
    await type_text(pilot, "Tulipe-Horizon-Granit-Mistral", keyboard=False)
    await settle(pilot, app)
    await pilot.pause(0.3)


async def change_done(pilot: Pilot[None], app: MotDePasseApp) -> None:
    await change_credentials(pilot, app)
    await pilot.press("enter")
    await type_text(pilot, "Tulipe-Horizon-Granit-Mistral", keyboard=False)
    await pilot.press("enter")
    await type_text(pilot, "Médor", keyboard=False)
    await pilot.press("enter")
    await settle(pilot, app)


async def expired_email(pilot: Pilot[None], app: MotDePasseApp) -> None:
    await _login_as(pilot, app, *CHLOE)


async def expired_passwords(pilot: Pilot[None], app: MotDePasseApp) -> None:
    from tests.ui_helpers import solution

    await expired_email(pilot, app)
    await type_text(pilot, solution(app), keyboard=False)
    await pilot.press("enter")
    await settle(pilot, app)
    await type_text(pilot, CHLOE[1], keyboard=False)
    await pilot.press("enter")
    await type_text(pilot, "Tulipe-Horizon-Granit-Mistral", keyboard=False)
    await settle(pilot, app)
    await pilot.pause(0.3)


async def expired_summary(pilot: Pilot[None], app: MotDePasseApp) -> None:
    await expired_passwords(pilot, app)
    await pilot.press("enter")
    await type_text(pilot, "Tulipe-Horizon-Granit-Mistral", keyboard=False)
    await pilot.press("enter")
    await settle(pilot, app)


async def demo_mailbox(pilot: Pilot[None], app: MotDePasseApp) -> None:
    await summary(pilot, app)
    await pilot.press("f3")
    await settle(pilot, app)
    await pilot.pause(0.2)


CASES: list[tuple[str, Language, Steps]] = [
    ("login", "fr", login),
    ("login_wrong", "fr", wrong_login),
    ("demo_accounts", "fr", demo_accounts),
    ("forgot_email", "fr", forgot_email),
    ("forgot_email_spelled", "fr", forgot_email_spelled),
    ("forgot_question", "fr", question),
    ("forgot_new_password", "fr", new_password),
    ("recommendations", "fr", recommendations),
    ("forgot_summary", "fr", summary),
    ("fallback", "fr", fallback),
    ("home", "fr", home),
    ("expiry_alert", "fr", expiry_alert),
    ("home_expiring", "fr", home_expiring),
    ("services", "fr", services_screen),
    ("coordinates", "fr", coordinates),
    ("change_credentials", "fr", change_credentials),
    ("change_done", "fr", change_done),
    ("expired_email", "fr", expired_email),
    ("expired_passwords", "fr", expired_passwords),
    ("expired_summary", "fr", expired_summary),
    ("demo_mailbox", "fr", demo_mailbox),
    ("login", "en", login),
    ("expiry_alert", "en", expiry_alert),
    ("home_expiring", "en", home_expiring),
    ("change_credentials", "en", change_credentials),
    ("expired_passwords", "en", expired_passwords),
    ("forgot_email", "en", forgot_email),
    ("forgot_question", "en", question),
    ("forgot_new_password", "en", new_password),
    ("forgot_summary", "en", summary),
]


@pytest.mark.parametrize(("name", "lang", "steps"), CASES, ids=[f"{n}-{lang}" for n, lang, _ in CASES])
def test_screen(snap_compare, tmp_path: Path, name: str, lang: Language, steps: Steps) -> None:  # type: ignore[no-untyped-def]
    assert compare(snap_compare, tmp_path, lang, steps)


def compare(snap_compare, tmp_path: Path, lang: Language, steps: Steps, theme: str | None = None) -> bool:  # type: ignore[no-untyped-def]
    """The screen ``steps`` lead to, at 80×24, against its snapshot."""
    services = make_services(tmp_path)
    app = make_app(services, lang)
    if theme is not None:
        app.choose_theme(theme)

    async def run_before(pilot: Pilot[None]) -> None:
        await pilot.pause()
        await steps(pilot, app)
        await pilot.pause()

    try:
        return bool(snap_compare(app, terminal_size=(80, 24), run_before=run_before))
    finally:
        services.close()


THEMED = [(name, steps) for name, lang, steps in CASES if lang == "fr"]


@pytest.mark.parametrize("theme", ["contraste", "ansi"])
@pytest.mark.parametrize(("name", "steps"), THEMED, ids=[name for name, _ in THEMED])
def test_screen_in_theme(snap_compare, tmp_path: Path, name: str, steps: Steps, theme: str) -> None:  # type: ignore[no-untyped-def]
    """Issue 12: each screen in the high-contrast and the terminal-palette themes."""
    assert compare(snap_compare, tmp_path, "fr", steps, theme)
