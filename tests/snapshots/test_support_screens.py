"""Snapshots of the support console at 80×24."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Button, OptionList

from domain import support
from screens.support import ConfirmDialog, SupportAccountScreen, SupportSessionScreen
from tests.ui_helpers import REFERENCE, make_app, make_services, walk_to_question
from tui.support_app import SupportApp

Steps = Callable[[Pilot[None], SupportApp], Awaitable[None]]


async def wait_for(pilot: Pilot[None], condition: Callable[[], bool]) -> None:
    for _ in range(60):
        await pilot.pause(0.05)
        if condition():
            return


async def sign_in(pilot: Pilot[None], app: SupportApp) -> None:
    await pilot.pause()


async def search(pilot: Pilot[None], app: SupportApp) -> None:
    await pilot.press(*"rosemonde", "enter")
    await wait_for(pilot, lambda: bool(app.screen.query_one("#results", OptionList).option_count))


async def account(pilot: Pilot[None], app: SupportApp) -> None:
    await search(pilot, app)
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(app.screen, SupportAccountScreen))


async def session(pilot: Pilot[None], app: SupportApp) -> None:
    await account(pilot, app)
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(app.screen, SupportSessionScreen))
    await pilot.press("right", "right", "right")


async def full_view(pilot: Pilot[None], app: SupportApp) -> None:
    """The user's screen alone on the agent's terminal (« f »)."""
    await session(pilot, app)
    await pilot.press("f")


async def confirm(pilot: Pilot[None], app: SupportApp) -> None:
    """« Désactiver » asks first."""
    await account(pilot, app)
    app.screen.query_one("#toggle", Button).press()
    await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))


CASES: list[tuple[str, Steps, bool]] = [
    ("support_sign_in", sign_in, False),
    ("support_search", search, True),
    ("support_account", account, True),
    ("support_session", session, True),
    ("support_session_full", full_view, True),
    ("support_confirm", confirm, True),
]


@pytest.mark.parametrize(("name", "steps", "signed_in"), CASES, ids=[name for name, _, _ in CASES])
def test_support_screen(snap_compare, tmp_path: Path, name: str, steps: Steps, signed_in: bool) -> None:  # type: ignore[no-untyped-def]
    import asyncio

    services = make_services(tmp_path)
    user_app = make_app(services)

    async def user_session() -> None:
        async with user_app.run_test(size=(80, 24)) as pilot:
            await walk_to_question(pilot, user_app, keyboard=False)
            await pilot.pause(0.2)

    asyncio.run(user_session())
    services.journal_writer.flush()
    support.add_staff(services, "agent.martin", "Agent Martin", "Bergamote-Escalier-Nuage-31")
    identity = support.StaffIdentity("staff:agent.martin") if signed_in else None
    app = SupportApp(services, identity=identity)
    app_reference = "SUPP-0001"

    async def run_before(pilot: Pilot[None]) -> None:
        await pilot.pause()
        await steps(pilot, app)
        await pilot.pause(0.2)

    original = services.open_session

    def fixed_reference(**kwargs: object) -> object:
        kwargs["reference"] = app_reference
        return original(**kwargs)  # type: ignore[arg-type]

    services.open_session = fixed_reference  # type: ignore[method-assign]
    try:
        assert REFERENCE
        assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)
    finally:
        services.close()
