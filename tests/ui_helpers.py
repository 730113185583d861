"""Building the app for Pilot and snapshot tests, and walking it with the keyboard."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from textual.pilot import Pilot

from domain.clock import SettableClock
from domain.demo import seed_demo
from domain.services import Services, build_services
from domain.settings import Language, load_settings
from tui.app import MotDePasseApp

TODAY = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
LILA = "lila.rosemonde@orange.fr"
LILA_PASSWORD = "Glycine-Orage-Violon-2023"
NEW_PASSWORD = "Nuage-Citron-Piano-Brume-77"
REFERENCE = "TEST-0001"


def make_services(tmp_path: Path, *, captcha: str = "on", **settings: object) -> Services:
    services = build_services(
        load_settings(data_dir=tmp_path, captcha=captcha, **settings),
        clock=SettableClock(TODAY),
        seed=7,
    )
    return services


def make_app(services: Services, lang: Language = "fr") -> MotDePasseApp:
    from domain.demo import describe_demo

    with services.uow() as uow:
        from sqlmodel import select

        from domain.models import Account

        empty = uow.session.exec(select(Account)).first() is None
    accounts = seed_demo(services) if empty else describe_demo()
    return MotDePasseApp(services, language=lang, demo_accounts=accounts, reference=REFERENCE)


async def type_text(pilot: Pilot[None], text: str, *, keyboard: bool = True) -> None:
    """Type into the focused field, key by key (or, when ``keyboard`` is False, at once)."""
    if keyboard:
        await pilot.press(*text)
        return
    from textual.widgets import Input

    await pilot.pause()  # let a focus change made just before take effect
    focused = pilot.app.focused
    assert isinstance(focused, Input)
    focused.insert_text_at_cursor(text)
    await pilot.pause()


def solution(app: MotDePasseApp) -> str:
    """What a sighted user reads in the CAPTCHA image."""
    return app.core.captcha.current.solution


async def settle(pilot: Pilot[None], app: MotDePasseApp) -> None:
    """Wait until the intents sent to the session core (in worker threads) have been
    answered and their views shown (up to 10 s: a loaded machine is slow)."""
    idle = 0
    for _ in range(500):
        await pilot.pause(0.02)
        # twice in a row: an intent a screen posted just before may still be on its way
        idle = idle + 1 if not app.busy and not any(w.is_running for w in app.workers) else 0
        if idle == 2:
            await pilot.pause()
            return


async def open_forgot_from_login(pilot: Pilot[None], email: str = LILA, *, keyboard: bool = True) -> None:
    """Login screen → « Mot de passe oublié » with the keyboard only."""
    await type_text(pilot, email, keyboard=keyboard)
    await pilot.press(*["tab"] * 6, "enter")
    await settle(pilot, pilot.app)  # type: ignore[arg-type]


async def walk_to_question(pilot: Pilot[None], app: MotDePasseApp, email: str = LILA, *, keyboard: bool = True) -> None:
    await open_forgot_from_login(pilot, email, keyboard=keyboard)
    await type_text(pilot, solution(app))
    await pilot.press("enter")
    await settle(pilot, app)


async def walk_to_new_password(pilot: Pilot[None], app: MotDePasseApp, *, keyboard: bool = True) -> None:
    await walk_to_question(pilot, app, keyboard=keyboard)
    await type_text(pilot, "  PAUL ", keyboard=keyboard)
    await pilot.press("enter")
    await settle(pilot, app)


async def walk_to_summary(pilot: Pilot[None], app: MotDePasseApp, *, keyboard: bool = True) -> None:
    await walk_to_new_password(pilot, app, keyboard=keyboard)
    await type_text(pilot, NEW_PASSWORD, keyboard=keyboard)
    await pilot.press("enter")
    await settle(pilot, app)
    await type_text(pilot, NEW_PASSWORD, keyboard=keyboard)
    await pilot.press("enter")
    await settle(pilot, app)
