"""screens/widgets/textual_adapter.py is the only module that touches Textual's private
API. These tests fail first when a Textual release changes what it relies on (the
behaviours themselves are tested in test_forgot_walk.py: the crash report without
locals, pasted text, keys typed ahead; and in test_replay.py: the captured frames)."""

from __future__ import annotations

import importlib.metadata
import inspect
from pathlib import Path

from textual._animator import Animator
from textual.app import App
from textual.geometry import Region
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Input, Static

from domain.replay import plain
from screens.widgets.textual_adapter import capture_ansi, settling
from tests.ui_helpers import make_app, make_services


def test_textual_is_in_the_range_the_adapter_was_tested_on() -> None:
    major, minor, *_ = (int(part) for part in importlib.metadata.version("textual").split(".")[:3])
    assert (major, minor) == (8, 2), "re-check screens/widgets/textual_adapter.py, then move the pin in pyproject.toml"


def test_the_private_names_the_adapter_uses_exist() -> None:
    for name in ("_background_screens", "_exit_renderables", "_close_messages_no_wait", "_fatal_error"):
        assert hasattr(App, name) or name in App.__init__.__code__.co_names, name
    assert "_on_key" in vars(Input) and "_on_paste" in vars(Input)
    # what ``settling`` looks at
    screen = Screen()
    names = ("_layout_required", "_scroll_required", "_repaint_required", "_recompose_required", "_dirty_widgets")
    for name in (*names, "_callbacks", "_next_callbacks"):
        assert hasattr(screen, name), name
    assert hasattr(screen._compositor, "_dirty_regions")
    assert hasattr(screen, "_Screen__update_timer") and "_active" in vars(Timer)
    assert "_animations" in Animator.__init__.__code__.co_names
    # what ``share_css_parsing`` wraps
    from textual.css.stylesheet import Stylesheet

    parameters = list(inspect.signature(Stylesheet._parse_rules).parameters)
    assert parameters == ["self", "css", "read_from", "is_default_rules", "tie_breaker", "scope"], parameters
    assert isinstance(Stylesheet()._variables, dict)


async def test_capture_is_the_screen_as_drawn(tmp_path: Path) -> None:
    services = make_services(tmp_path)
    app = make_app(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert hasattr(app.screen, "_compositor")
        text = plain(capture_ansi(app))
        lines = text.rstrip("\n").split("\n")
        assert len(lines) == 24 and all(len(line) <= 80 for line in lines)
        assert "Connexion à mon espace professionnel" in lines[0]
        assert "TEST-0001" in lines[0]
    services.close()


async def test_a_capture_leaves_what_is_still_to_be_drawn(tmp_path: Path) -> None:
    """A full render forgets the regions waiting to be drawn: a frame captured then kept
    the terminal from ever getting them (over SSH at 60×20, an error never shown)."""
    services = make_services(tmp_path)
    app = make_app(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        compositor = app.screen._compositor
        waiting = Region(0, 3, 40, 2)
        compositor._dirty_regions.add(waiting)
        capture_ansi(app)
        assert waiting in compositor._dirty_regions
    services.close()


async def test_the_screen_settles_after_a_change(tmp_path: Path) -> None:
    """``settling``: true while Textual has a widget to mount and lay out, false once the
    screen is drawn as it will stay."""
    services = make_services(tmp_path)
    app = make_app(services)

    async def settled() -> bool:
        for _ in range(200):  # a blinking cursor makes it settle again every 0.5 s
            if not settling(app):
                return True
            await pilot.pause(0.01)
        return False

    async with app.run_test(size=(80, 24)) as pilot:
        assert await settled()
        app.screen.mount(Static("Une ligne de plus"))
        assert settling(app)
        assert await settled()
        assert "Une ligne de plus" in plain(capture_ansi(app))
    services.close()
