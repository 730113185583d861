"""Issue 12, every screen usable at 60×20 and 40×15 (a small window, a zoomed terminal):
nothing cut, and the focused widget always fully visible. Each screen of the snapshot
walk is reached at that size and its geometry asserted — widgets inside the screen's
width, button labels whole (wrapped inside the button when they must), the title and the
session reference whole, the CAPTCHA image never wrapped or cut (the spelled form shown
when no drawing fits) — then every focus stop is visited with Tab, the focused widget
fully inside the visible part of the screen each time."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from rich.cells import cell_len
from rich.text import Text
from textual.widget import Widget
from textual.widgets import Button, Input, Static

from domain.settings import Language
from screens.widgets.captcha_view import CaptchaView
from tests.snapshots.test_screens import CASES, Steps
from tests.ui_helpers import make_app, make_services
from tui.app import MotDePasseApp

SIZES = [(60, 20), (40, 15)]
WALKS = [(name, lang, steps) for name, lang, steps in CASES if lang == "fr" or name == "login"]


def leaves(app: MotDePasseApp) -> list[Widget]:
    return [
        widget
        for widget in app.screen.walk_children(Widget)
        if widget.display and widget.visible and not widget.children and widget.region.area
    ]


def problems(app: MotDePasseApp) -> list[str]:
    width = app.size.width
    found = []
    for widget in leaves(app):
        region = widget.region
        name = f"{type(widget).__name__}#{widget.id or ''}.{'.'.join(widget.classes)}"
        if region.x < 0 or region.right > width:
            found.append(f"{name} outside the screen's {width} columns: {region}")
        content = widget.content_region
        if isinstance(widget, Button):
            lines = Text(str(widget.label)).wrap(app.console, max(1, content.width))
            if len(lines) > content.height or any(line.cell_len > content.width for line in lines):
                found.append(f"{name} label {str(widget.label)!r} cut in {content}")
        elif isinstance(widget, Static) and widget.has_class("captcha-image"):
            image = str(widget.render())
            widest = max((cell_len(line) for line in image.splitlines()), default=0)
            if widest > content.width:
                found.append(f"CAPTCHA image {widest} columns wide in {content.width}")
        elif isinstance(widget, Static) and (widget.has_class("title") or widget.has_class("session-ref")):
            text = str(widget.render())
            lines = Text(text).wrap(app.console, max(1, content.width))
            if len(lines) > content.height:
                found.append(f"{name} {text!r} cut to {content.width}×{content.height}")
    for view in app.screen.query(CaptchaView):
        image = view.query_one(".captcha-image")
        spelled = view.query_one(".captcha-spelled")
        if not image.display and not (spelled.display and str(spelled.render()).strip()):
            found.append("neither the CAPTCHA image nor its spelling is shown")
    return found


def focus_hidden(app: MotDePasseApp) -> str | None:
    widget = app.screen.focused
    if widget is None:
        return None
    visible = app.screen.find_widget(widget).visible_region
    if visible != widget.region:
        return f"{type(widget).__name__}#{widget.id} at {widget.region}, visible {visible}"
    return None


async def settled_focus(pilot: Any, app: Any, seconds: float = 3.0) -> str | None:
    """What of the focused widget is hidden, once the scroll to it has settled: awaited
    (up to ``seconds``), not a fixed number of pauses, which a loaded machine outran
    (CI: the new-password field still scrolling in after Tab wrapped round at 40×15)."""
    deadline = time.monotonic() + seconds
    hidden = focus_hidden(app)
    while hidden is not None and time.monotonic() < deadline:
        await pilot.pause(0.05)
        hidden = focus_hidden(app)
    return hidden


@pytest.mark.parametrize(("columns", "rows"), SIZES, ids=[f"{c}x{r}" for c, r in SIZES])
@pytest.mark.parametrize(("name", "lang", "steps"), WALKS, ids=[f"{n}-{lang}" for n, lang, _ in WALKS])
async def test_nothing_cut_and_the_focus_always_visible(
    tmp_path: Path, name: str, lang: Language, steps: Steps, columns: int, rows: int
) -> None:
    services = make_services(tmp_path)
    app = make_app(services, lang)
    try:
        async with app.run_test(size=(columns, rows)) as pilot:
            await pilot.pause()
            await steps(pilot, app)
            await pilot.pause()
            assert problems(app) == []
            seen: set[int] = set()
            for _ in range(24):
                if isinstance(app.focused, Input) and app.focused.value and app.focused.id == "captcha":
                    break
                hidden = await settled_focus(pilot, app)
                assert hidden is None, f"focused widget not fully visible: {hidden}"
                if app.focused is not None:
                    if id(app.focused) in seen:
                        break
                    seen.add(id(app.focused))
                await pilot.press("tab")
                await pilot.pause()
                await pilot.pause()  # the scroll to the focused widget
    finally:
        services.close()


async def test_the_login_screen_at_80x24_shows_the_whole_form(tmp_path: Path) -> None:
    services = make_services(tmp_path)
    app = make_app(services, "fr")
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            for button in ("#login", "#forgot", "#help"):
                widget = app.screen.query_one(button)
                assert app.screen.find_widget(widget).visible_region == widget.region, button
    finally:
        services.close()


async def test_after_a_resize_the_cursor_is_on_the_focused_widget(tmp_path: Path) -> None:
    """What the app tells the terminal (Pilot never moves a real cursor): after each
    resize the cursor position is inside the focused widget, which is fully visible."""
    from screens.widgets.textual_adapter import focus_point

    services = make_services(tmp_path)
    app = make_app(services, "fr")
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            await pilot.press("tab", "tab", "tab", "tab")  # a button of the CAPTCHA row
            for columns, rows in [(60, 20), (40, 15), (80, 24)]:
                await pilot.resize_terminal(columns, rows)
                for _ in range(3):
                    await pilot.pause()
                assert focus_hidden(app) is None
                point = focus_point(app.screen)
                assert point is not None and app.focused is not None
                assert app.screen.find_widget(app.focused).visible_region.contains_point(point)
                assert app.cursor_position == point
    finally:
        services.close()


async def test_the_display_button_goes_through_the_themes_and_its_label_stays_whole(tmp_path: Path) -> None:
    """« Affichage : standard » → « … contraste élevé » → « … couleurs du terminal »: a
    longer label widens (or wraps) its button, never cut (Textual kept the old size)."""
    from textual.widgets import Button

    services = make_services(tmp_path)
    app = make_app(services, "fr")
    try:
        async with app.run_test(size=(40, 15)) as pilot:
            await pilot.pause()
            themes = []
            for _ in range(3):
                app.screen.query_one("#display", Button).press()
                for _ in range(3):
                    await pilot.pause()
                themes.append(app.theme)
                assert problems(app) == []
            assert themes == ["motdepasse-contraste", "motdepasse-ansi", "motdepasse-standard"]
            assert str(app.screen.query_one("#display", Button).label) == "Affichage\xa0: standard"
    finally:
        services.close()


def error_places(app: MotDePasseApp) -> list[tuple[int, int, bool]]:
    """For each message under a field: (the field's last row + 1, the message's first row,
    both fully on screen)."""
    found = []
    screen = app.screen.region
    for error in app.screen.query(".field-error"):
        field = app.screen.query_one(f"#{error.field_name}", Widget)  # type: ignore[attr-defined]
        visible = screen.contains_region(error.region) and screen.contains_region(field.region)
        found.append((field.region.bottom, error.region.y, visible))
    return found


@pytest.mark.parametrize("size", [(80, 24), *SIZES])
@pytest.mark.parametrize("case", ["wrong answer", "new password too short"])
async def test_an_error_is_within_two_lines_of_its_field_and_in_view(
    tmp_path: Path, size: tuple[int, int], case: str
) -> None:
    """Issue 12: an error is shown directly under the field it is about — within two
    lines of it — and both are in view, at every size."""
    from tests.ui_helpers import settle, type_text, walk_to_new_password, walk_to_question

    services = make_services(tmp_path)
    app = make_app(services)
    async with app.run_test(size=size) as pilot:
        if case == "wrong answer":
            await walk_to_question(pilot, app)
            typed = ["Mauvaise réponse"]
        else:
            await walk_to_new_password(pilot, app)
            typed = ["Court-1", "Court-1"]  # the new password, then its confirmation
        for text in typed:
            await type_text(pilot, text)
            await pilot.press("enter")
            await settle(pilot, app)
        await pilot.pause(0.1)
        shown = error_places(app)
        assert shown, f"no message under the field ({case})"
        assert all(0 <= top - bottom < 2 and visible for bottom, top, visible in shown), shown
    services.close()
