"""Every use of Textual's private API, in one place.

Textual offers no public way (as of the pinned range, see ``pyproject.toml``) to:

* render the current screen as ANSI text (its own ``export_screenshot`` renders SVG from
  the same compositor call used here), and know when that screen has settled (no layout,
  scroll, repaint, deferred callback, unhandled message or animation left: ``settling``);
* replace its crash report, which prints every local variable of the failing frames
  (passwords included) with a report without locals;
* take a key before :class:`~textual.widgets.Input` handles it (``Input._on_key`` is where
  it inserts characters), or replace its paste handling (``Input._on_paste``);
* draw without any colour: under ``NO_COLOR`` Textual turns colours into greys
  (``Monochrome``, still colour codes); :func:`without_colour` swaps in its ``NoColor``
  filter (``App._filters``), so only styles (bold, underline, reverse) reach the terminal;
* keep the rules Textual parsed from the same CSS with the same variables for the next
  app of the process (``Stylesheet._parse_rules`` caches per stylesheet only): an SSH
  session worker parses them once, before it forks its sessions (:func:`share_css_parsing`);
* let the input thread sleep until a key comes: Textual's (``LinuxDriver.run_input_thread``)
  wakes ten times a second to see whether it must stop, which costs an idle session CPU
  for nothing (:class:`QuietLinuxDriver`);
* place the terminal's own (hardware) cursor, which braille displays and screen readers
  follow: Textual moves it to ``App.cursor_position`` after each update it draws
  (``App._display``), and only Input sets that position, when its selection changes —
  :class:`CursorFollowsFocus` sets it from the focused widget's current place at each
  update; and show that cursor (Textual hides it, ``?25l``, when it starts).

``tests/screens/test_textual_adapter.py`` fails when any of these changes in a Textual
release; when it does, this module is the only one to adapt.
"""

from __future__ import annotations

import contextlib
import io
import os
import selectors
import sys
import threading
from codecs import getincrementaldecoder
from typing import TYPE_CHECKING, Any

from rich.cells import cell_len
from rich.console import Console
from rich.segment import Segments
from rich.text import Text
from rich.traceback import Traceback
from textual import events
from textual._parser import ParseError
from textual._time import get_time
from textual._xterm_parser import XTermParser
from textual.containers import ScrollableContainer
from textual.css.stylesheet import Stylesheet
from textual.drivers.linux_driver import LinuxDriver
from textual.errors import NoWidget
from textual.filter import NoColor
from textual.geometry import Offset, Region, Size
from textual.reactive import Reactive
from textual.widgets import Button, Input

if TYPE_CHECKING:
    from textual.app import App
    from textual.screen import Screen
    from textual.widget import Widget


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
    compositor = app.screen._compositor
    # A full render forgets the regions still to be drawn: kept, or the terminal would
    # never get them (a message mounted but never shown to the user).
    to_draw = set(compositor._dirty_regions)
    update = compositor.render_update(full=True, screen_stack=app._background_screens)
    compositor._dirty_regions.update(to_draw)
    console.print(update)
    return console.export_text(styles=True)


def settling(app: App[Any]) -> bool:
    """Whether the screen the user sees is still to change by itself: a layout, scroll or
    repaint Textual has still to do (a resize, a class of the breakpoints, a message
    mounted), callbacks waiting for the next refresh (the deferred scrolls that bring a
    message or the focus into view), messages the app or a widget drawn has not handled
    yet (the focus to follow), an animation running (a smooth scroll), or a screen not yet
    at the terminal's size — for the active screen and, under a dialog, the screens that
    show through it. A frame captured while it settles is not what the user sees."""
    if app.animator._animations or app.message_queue_size or app._next_callbacks:
        return True
    screen = app.screen
    drawn = [screen]
    if screen.styles.background.a < 1:  # a dialog: the screens beneath show through
        drawn += app._background_screens
    for shown in drawn:
        if shown.size != app.size or shown._callbacks:
            return True
        pending = (
            shown._layout_required
            or shown._scroll_required
            or shown._recompose_required
            or shown._compositor._dirty_regions
        )
        if shown is screen and (pending or shown._repaint_required or shown._dirty_widgets):
            return True
        # Beneath a dialog, a screen keeps work pending that Textual does only at the next
        # event that reaches it (a resize): it is settling only while its update runs.
        if shown is not screen and pending and _updating(shown):
            return True
        for pump in (shown, *shown.walk_children()):
            if pump.is_running and (pump.message_queue_size or pump._next_callbacks):
                return True
    return False


def _updating(screen: Screen[Any]) -> bool:
    """Whether the timer that runs a screen's updates (layout, repaint) is on."""
    timer = getattr(screen, "_Screen__update_timer", None)
    return timer is not None and timer._active.is_set()


def without_colour(app: App[Any]) -> None:
    """No colour codes at all, only styles; the app's ``:nocolor`` CSS applies."""
    app.no_color = True
    app._filters = [NoColor()]


NARROW_BREAKPOINTS = [(0, "-narrow"), (80, "-wide")]
"""The apps' ``HORIZONTAL_BREAKPOINTS``: the screen has ``-narrow`` below 80 columns."""


def focus_point(screen: Screen[Any]) -> Offset | None:
    """Where the terminal's cursor belongs on ``screen``: the insertion point of the focused
    field, the first cell of the focused button's label, the first cell of any other focused
    widget — always inside the part of it that is visible; None when nothing is focused."""
    widget: Widget | None = screen.focused
    if widget is None or not widget.is_mounted:
        return None
    try:
        visible: Region = screen.find_widget(widget).visible_region
    except NoWidget:  # not laid out yet: the next update places it
        return None
    if not visible:
        return None
    content = widget.content_region
    if isinstance(widget, Input):
        # Not Input.cursor_screen_offset: one cell too far right when the cursor is at the
        # end (it counts the cell kept for the cursor), i.e. while typing.
        before = widget.value[: widget.cursor_position]
        cells = len(before) if widget.password else cell_len(before)
        point = Offset(content.x + cells - widget.scroll_offset.x, content.y)
    elif isinstance(widget, Button):  # its label is centred, and wraps when narrow
        lines = Text(str(widget.label)).wrap(widget.app.console, max(1, content.width))
        first = lines[0].cell_len if lines else 0
        top = max(0, (content.height - len(lines)) // 2)
        point = Offset(content.x + max(0, (content.width - first) // 2), content.y + top)
    else:  # a check box says where its label starts (after its « [x] »)
        point = content.offset + Offset(getattr(widget, "label_cell", 0), 0)
    return _clamp(visible, point)


def keep_focus_in_view(app: App[Any]) -> None:
    """Scroll the focused widget of the active screen fully into view, after the next
    refresh: after the scrolls Textual itself queued then (computed on an older layout)."""
    if app.screen_stack and app.screen.focused is not None:
        app.screen.focused.scroll_visible(animate=False)


def _clamp(region: Region, point: Offset) -> Offset:
    x = min(max(point.x, region.x), region.right - 1)
    y = min(max(point.y, region.y), region.bottom - 1)
    return Offset(x, y)


class CursorFollowsFocus:
    """For an App: the terminal's cursor on the focused widget after every update drawn
    (focus change, layout, scroll, resize, new content). ``steady_cursor`` also shows it,
    as a steady block, for braille users."""

    steady_cursor: bool = False

    _focus_place: tuple[object, ...] | None = None

    def _display(self, screen: Screen[Any], renderable: Any) -> None:
        app: Any = self
        if app._running and app.screen_stack:
            self._follow_layout(app.screen)
            point = focus_point(app.screen)
            if point is not None:
                app.cursor_position = point
        super()._display(screen, renderable)  # type: ignore[misc]

    def _follow_layout(self, screen: Screen[Any]) -> None:
        """When the focus moves, or the layout moves the focused widget (a resize, buttons
        stacking, text wrapping, a message appearing), scroll it back into view — but not
        when the user scrolls (the widget's place in the unscrolled layout is the same)."""
        widget = screen.focused
        if widget is None or not widget.is_mounted:
            return
        x, y = widget.region.offset
        views: list[Region] = []
        for ancestor in widget.ancestors:
            if isinstance(ancestor, ScrollableContainer):
                x, y = x + ancestor.scroll_offset.x, y + ancestor.scroll_offset.y
                views.append(ancestor.region)  # a viewport that grows or shrinks counts
        place = (id(widget), id(screen), x, y, widget.region.size, tuple(views))
        if place != self._focus_place:
            self._focus_place = place
            widget.call_later(keep_focus_in_view, widget.app)

    def show_steady_cursor(self) -> None:
        """Show the cursor (``?25h``), as a steady block (DECSCUSR 2)."""
        driver = getattr(self, "_driver", None)
        if driver is not None and not getattr(self, "is_headless", True):
            driver.write("\x1b[?25h\x1b[2 q")
            driver.flush()

    def reset_cursor_shape(self) -> None:
        """The terminal's own cursor shape back (DECSCUSR 0) when the app ends."""
        driver = getattr(self, "_driver", None)
        if driver is not None and not getattr(self, "is_headless", True):
            driver.write("\x1b[0 q")
            driver.flush()


def crash_without_locals(app: App[Any]) -> None:
    """Do what ``App._fatal_error`` does, with a traceback that shows no local variable
    (exception messages never hold a secret; locals may)."""
    app.bell()
    traceback = Traceback(show_locals=False, width=None)
    app._exit_renderables.append(Segments(app.console.render(traceback, app.console.options)))
    app._close_messages_no_wait()


_PARSED: dict[tuple[object, ...], Any] = {}
_PARSED_MOST = 512
_VARIABLE_SETS: dict[tuple[tuple[str, str], ...], int] = {}


def _variables_number(stylesheet: Stylesheet) -> int:
    """A number for the stylesheet's set of CSS variables (the same for equal sets),
    worked out once per variables mapping (a theme has hundreds of variables)."""
    variables = stylesheet._variables
    known = getattr(stylesheet, "_motdepasse_variables", None)
    if known is not None and known[0] is variables:
        return int(known[1])
    number = _VARIABLE_SETS.setdefault(tuple(sorted(variables.items())), len(_VARIABLE_SETS))
    stylesheet._motdepasse_variables = (variables, number)  # type: ignore[attr-defined]
    return number


def share_css_parsing() -> None:
    """From now on, the rules parsed from a CSS source with given variables (the theme's)
    are kept for every later stylesheet of this process. For processes that run one app
    at a time (an SSH session worker and its forked sessions): rules are not copied, and
    an app that changed them would change them for the next."""
    original = Stylesheet._parse_rules
    if getattr(original, "shared", False):
        return

    def parse_rules(
        self: Stylesheet,
        css: str,
        read_from: Any,
        is_default_rules: bool = False,
        tie_breaker: int = 0,
        scope: str = "",
    ) -> Any:
        key = (css, read_from, is_default_rules, tie_breaker, scope, _variables_number(self))
        rules = _PARSED.get(key)
        if rules is None:
            rules = original(self, css, read_from, is_default_rules, tie_breaker, scope)
            if len(_PARSED) < _PARSED_MOST:
                _PARSED[key] = rules
        return rules

    parse_rules.shared = True  # type: ignore[attr-defined]
    Stylesheet._parse_rules = parse_rules  # type: ignore[method-assign]


class _WakingEvent(threading.Event):
    """The input thread's stop event, which also wakes the thread (a byte on a pipe)."""

    def __init__(self, wake: int) -> None:
        super().__init__()
        self._wake = wake

    def set(self) -> None:
        super().set()
        with contextlib.suppress(OSError):  # full: it is awake already
            os.write(self._wake, b"x")


class QuietLinuxDriver(LinuxDriver):
    """Textual's Linux driver whose input thread waits for a key, or for the driver to
    stop, without a timeout — but while an escape sequence is incomplete (a lone Esc is
    told from the start of a sequence by a short wait, as Textual does)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._wake_read, self._wake_write = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        self.exit_event = _WakingEvent(self._wake_write)

    def run_input_thread(self) -> None:
        try:  # what woke an earlier input thread (the driver's pipe lives as long as it)
            while os.read(self._wake_read, 512):
                pass
        except OSError:
            pass
        selector = selectors.SelectSelector()
        selector.register(self.fileno, selectors.EVENT_READ)
        selector.register(self._wake_read, selectors.EVENT_READ)
        fileno = self.fileno
        parser = XTermParser(self._debug)
        decode = getincrementaldecoder("utf-8")().decode

        def timeout() -> float | None:
            due = parser._timeout_time
            return None if due is None else max(0.0, due - get_time())

        def process(events: list[tuple[selectors.SelectorKey, int]], final: bool = False) -> None:
            if any(key.fd == fileno and mask & selectors.EVENT_READ for key, mask in events):
                data = decode(os.read(fileno, 1024 * 4), final=final)
                for event in parser.feed(data) if data else ():
                    self.process_message(event)
            for event in parser.tick():
                self.process_message(event)

        try:
            while not self.exit_event.is_set():
                process(selector.select(timeout()))
            selector.unregister(self.fileno)
            process(selector.select(0.1), final=True)
        finally:
            selector.close()
            try:
                for _event in parser.feed(""):
                    pass
            except (EOFError, ParseError):
                pass


def current_exception() -> BaseException | None:
    return sys.exc_info()[1]


class KeyFirstInput(Input):
    """An :class:`Input` that sees each key before Input inserts it (``key_first``), and
    whose paste is handled by ``paste_text``.

    Input sets its virtual size (the width of its text) at every key, and Widget declares
    ``virtual_size`` with ``layout=True``: each character typed reflowed the whole screen
    (~7 ms of CPU per key on the login screen, most of a keystroke's cost). A field's own
    size never depends on its text here (fixed width and height), and its scrolling reads
    the virtual size directly: a repaint of the field is enough."""

    virtual_size: Reactive[Size] = Reactive(Size(0, 0), repaint=True)

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
