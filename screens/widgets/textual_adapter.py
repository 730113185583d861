"""Every use of Textual's private API, in one place.

Textual offers no public way (as of the pinned range, see ``pyproject.toml``) to:

* render the current screen as ANSI text (its own ``export_screenshot`` renders SVG from
  the same compositor call used here);
* replace its crash report, which prints every local variable of the failing frames
  (passwords included) with a report without locals;
* take a key before :class:`~textual.widgets.Input` handles it (``Input._on_key`` is where
  it inserts characters), or replace its paste handling (``Input._on_paste``);
* draw without any colour: under ``NO_COLOR`` Textual turns colours into greys
  (``Monochrome``, still colour codes); :func:`without_colour` swaps in its ``NoColor``
  filter (``App._filters``), so only styles (bold, underline, reverse) reach the terminal.

``tests/screens/test_textual_adapter.py`` fails when any of these changes in a Textual
release; when it does, this module is the only one to adapt.
"""

from __future__ import annotations

import io
import sys
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.segment import Segments
from rich.traceback import Traceback
from textual import events
from textual.filter import NoColor
from textual.widgets import Input

if TYPE_CHECKING:
    from textual.app import App


def capture_ansi(app: App[Any]) -> str:
    """The screen as the user sees it (the active screen and those drawn beneath it), as
    ANSI text: what Textual's own screenshot export renders, in another format."""
    # The colour depth of the live screen: Rich keeps the first ANSI codes a Style renders
    # with on the Style itself, shared with the live screen — a truecolor capture sent
    # 24-bit colour to 16-colour and monochrome terminals.
    console = Console(
        width=app.size.width,
        height=app.size.height,
        file=io.StringIO(),
        force_terminal=True,
        color_system=app.console.color_system,  # type: ignore[arg-type]
        record=True,
        legacy_windows=False,
        safe_box=False,
    )
    update = app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    console.print(update)
    return console.export_text(styles=True)


def without_colour(app: App[Any]) -> None:
    """No colour codes at all, only styles; the app's ``:nocolor`` CSS applies."""
    app.no_color = True
    app._filters = [NoColor()]


def crash_without_locals(app: App[Any]) -> None:
    """Do what ``App._fatal_error`` does, with a traceback that shows no local variable
    (exception messages never hold a secret; locals may)."""
    app.bell()
    traceback = Traceback(show_locals=False, width=None)
    app._exit_renderables.append(Segments(app.console.render(traceback, app.console.options)))
    app._close_messages_no_wait()


def current_exception() -> BaseException | None:
    return sys.exc_info()[1]


class KeyFirstInput(Input):
    """An :class:`Input` that sees each key before Input inserts it (``key_first``), and
    whose paste is handled by ``paste_text``."""

    def key_first(self, event: events.Key) -> bool:
        """True when the key was handled and Input must not see it."""
        return False

    def paste_text(self, text: str) -> None:
        """Insert pasted text (Input's own handling is replaced)."""

    async def _on_key(self, event: events.Key) -> None:
        if self.key_first(event):
            event.prevent_default()
            event.stop()

    def _on_paste(self, event: events.Paste) -> None:
        event.prevent_default()  # Input's own handler would insert the raw text too
        self.paste_text(event.text)
        event.stop()
