"""The full-screen front end: one instance per user session. It holds no navigation: it
sends the screens' intents to the session core (:mod:`domain.session`) off the event loop,
one at a time, and shows the view that comes back, keeping a stack of screens that
mirrors the core's trail (so going back shows a step as it was left)."""

from __future__ import annotations

import asyncio
import io
import logging
import os
import time
import traceback
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import ClassVar

from rich.console import Console, RenderableType
from rich.traceback import Traceback
from textual import events
from textual.app import App
from textual.binding import Binding, BindingType
from textual.driver import Driver
from textual.drivers.linux_driver import LinuxDriver
from textual.widgets import Input

from domain.demo import DemoAccount
from domain.i18n import N_, Translator
from domain.services import Services
from domain.session import SessionCore, View
from domain.session.intents import EndSession, Intent, OpenAdvice, Tick
from domain.settings import Language
from domain.strength import warm as warm_strength
from screens import SCREENS
from screens.base import Frontend, IntentWanted, ScreenResized, StepDialog, StepScreen, StepScreenMixin
from screens.demo_accounts import DemoAccountsScreen
from screens.demo_mailbox import DemoMailboxScreen
from screens.time_limit import TimeLimitDialog
from screens.widgets.new_password import NewPasswordFields
from screens.widgets.safe_input import SafeInput
from screens.widgets.strength_meter import StrengthMeter
from screens.widgets.textual_adapter import (
    NARROW_BREAKPOINTS,
    CursorFollowsFocus,
    QuietLinuxDriver,
    capture_ansi,
    crash_without_locals,
    current_exception,
    settling,
    without_colour,
)
from screens.widgets.themes import install_themes

TICK_SECONDS = 5.0
"""How often a signed-in session asks the core whether its sign-in still stands."""

FRAME_SETTLE_SECONDS = 2.0
"""The longest a frame waits for the screen to settle (a smooth scroll takes up to 1 s);
a screen still changing then is recorded as it is."""

log = logging.getLogger("motdepasse.app")


def exception_report(error: BaseException | None) -> str:
    """A crash's traceback for the log: Python's own, without local variables (they may
    hold what the user typed; exception messages never do)."""
    if error is None:
        return "(no exception)"
    return "".join(traceback.format_exception(error)).rstrip("\n")


def panic_report(renderables: Sequence[RenderableType]) -> tuple[str, str]:
    """What Textual's ``panic`` was given (the traceback of its input thread, an exception
    that renders itself), as (error name, plain text for the log)."""
    name = "unknown"
    for renderable in renderables:
        if isinstance(renderable, Traceback) and renderable.trace.stacks:
            name = renderable.trace.stacks[0].exc_type
            break
        if isinstance(renderable, BaseException):
            name = type(renderable).__name__
            break
    buffer = io.StringIO()
    console = Console(file=buffer, width=120, color_system=None, force_terminal=False, legacy_windows=False)
    for renderable in renderables:
        if isinstance(renderable, Traceback):  # never the locals, whatever it was told
            renderable = Traceback(trace=renderable.trace, width=120, show_locals=False)
        console.print(renderable)
    return name, buffer.getvalue().rstrip("\n")


QUIT_HINT = N_("To quit, press Ctrl+Q.")

MONOCHROME_TERMS = frozenset({"vt100", "vt102", "vt220", "vt320", "xterm-mono", "linux-m", "ansi-mono"})


def monochrome(environ: Mapping[str, str]) -> bool:
    """No colour at all: ``NO_COLOR`` set to anything but the empty string (no-color.org),
    or a terminal that shows none (``TERM=vt100``, ``xterm-mono``, ``…-mono``, ``…-m``).
    Focus and states are then shown by shapes and styles (see ``App:nocolor`` in app.tcss)."""
    term = environ.get("TERM", "")
    return bool(environ.get("NO_COLOR")) or term in MONOCHROME_TERMS or term.endswith(("-mono", "-m"))


class MotDePasseApp(CursorFollowsFocus, App[None]):
    """Receives its services (dependency injection): the CLI, the SSH server and the
    tests build them with :func:`domain.services.build_services`."""

    CSS_PATH = "app.tcss"
    TITLE = "motdepasse"
    ENABLE_COMMAND_PALETTE = False  # English only, and nothing in it a user needs
    HORIZONTAL_BREAKPOINTS = NARROW_BREAKPOINTS

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f1", "advice", show=False),
        Binding("f2", "demo_accounts", show=False),
        Binding("f3", "demo_mailbox", show=False),
        Binding("ctrl+q", "quit", show=False, priority=True),
    ]

    show_crash_report: ClassVar[bool] = True
    """A local session prints the crash report (without locals) on its terminal once
    Textual has restored it; a session over SSH (``tui.ssh_session``) sends it to the
    server's log only, and tells its user in one sentence."""

    def __init__(
        self,
        services: Services,
        *,
        language: Language | None = None,
        demo_accounts: Sequence[DemoAccount] = (),
        channel: str = "local",
        client_address: str | None = None,
        reference: str | None = None,
        theme: str = "standard",
        steady_cursor: bool = False,
    ) -> None:
        super().__init__()
        install_themes(self, theme)
        self.steady_cursor = steady_cursor
        if monochrome(os.environ):
            without_colour(self)
        self.services = services
        self.language = language
        self.demo_accounts = tuple(demo_accounts)
        self._channel = channel
        self._client_address = client_address
        self._reference = reference
        self._core: SessionCore | None = None
        self._view: View | None = None
        self._sending = asyncio.Lock()
        self._pending = 0
        self.end_reason = "quit"
        """How the session ends when the app exits (a subclass may say why)."""
        self.crashed = False
        """The session ended on an unhandled exception (journaled as a crash)."""
        self._logged_size: tuple[int, int] | None = None
        self._resize_frame_due = False
        self._frame_due: str | None = None
        """The reason of the frame waiting for the screen to settle."""
        self._frame_deadline = 0.0
        self._ticking: asyncio.Task[None] | None = None

    @property
    def core(self) -> SessionCore:
        assert self._core is not None, "the session starts when the app is mounted"
        return self._core

    @property
    def view(self) -> View:
        assert self._view is not None
        return self._view

    @property
    def busy(self) -> bool:
        """An intent is being checked by the core."""
        return self._pending > 0

    def on_mount(self) -> None:
        self._core = SessionCore(
            self.services,
            language=self.language,
            channel=self._channel,
            client_address=self._client_address,
            size=(self.size.width, self.size.height),
            reference=self._reference,
        )
        self.frontend = Frontend(
            Translator(self.core.language), self.core.meter, self.demo_accounts, self.core.captcha_shown
        )
        self._logged_size = (self.size.width, self.size.height)  # the session's start says it
        self.show(self.core.view())
        self.set_interval(TICK_SECONDS, self._tick)
        # the word lists load off the event loop, long before a new password is typed
        # (at once in a session forked from the worker, which loaded them before)
        self.run_worker(asyncio.to_thread(warm_strength), group="warm", exit_on_error=False)
        if self.steady_cursor:
            self.call_after_refresh(self.show_steady_cursor)

    def action_help_quit(self) -> None:
        """Ctrl+C: say how to quit, in the session's language (Textual's says it in English)."""
        t = self.frontend.t if self._core is not None else Translator(self.language or "fr")
        self.notify(t._(QUIT_HINT), severity="information")

    def choose_theme(self, name: str) -> None:
        """Another theme, at once (the « Affichage » button, tests)."""
        install_themes(self, name)

    def on_unmount(self) -> None:
        if self.steady_cursor:
            self.reset_cursor_shape()
        if self._core is not None:
            # « Mode texte » on the login screen exits with "plain": the launcher goes on
            # in the line mode (a new session of the same user).
            self._core.close("line_mode" if self.return_value == "plain" else self.end_reason)

    # Intents up, views down

    def on_intent_wanted(self, message: IntentWanted) -> None:
        message.stop()
        self.submit(message.intent, check_revision=message.check_revision)

    def submit(self, intent: Intent, *, check_revision: bool = True) -> None:
        """Send ``intent`` to the core in a worker thread. Intents are sent one after the
        other; each carries the revision of the view it was made for, so a key pressed
        twice, or a key that lands after the step moved on, is ignored by the core."""
        revision = self.view.revision if check_revision else None
        if not intent.quiet:
            self._pending += 1
            self._set_busy()
        self.run_worker(self._send(intent, revision), group="intent")

    async def _send(self, intent: Intent, revision: int | None) -> None:
        try:
            async with self._sending:
                view = await asyncio.to_thread(self.core.send, intent, revision=revision)
        finally:
            if not intent.quiet:
                self._pending -= 1
        if not self.screen_stack:  # the app closed while the step ran: nothing to show
            return
        if view.revision > self.view.revision:
            self.show(view)
        self._set_busy()

    def get_driver_class(self) -> type[Driver]:
        """Textual's driver for this terminal; on Linux, one whose input thread sleeps
        until a key comes (an idle session costs no CPU)."""
        driver = super().get_driver_class()
        return QuietLinuxDriver if driver is LinuxDriver else driver

    def _tick(self) -> None:
        """Whether the sign-in still stands (the password changed in another session, the
        account deactivated): asked every few seconds of a signed-in session only."""
        if self._core is None or self._core.account_signed_in is None:
            return
        if self._view is not None and not self._view.ended and not self._sending.locked() and self._ticking is None:
            # a plain task, not a Textual worker: this runs every few seconds of every idle
            # signed-in session, and a worker costs more than the check itself
            self._ticking = asyncio.get_running_loop().create_task(self._send(Tick(), None))
            self._ticking.add_done_callback(self._ticked)

    def _ticked(self, task: asyncio.Task[None]) -> None:
        self._ticking = None
        error = None if task.cancelled() else task.exception()
        if error is not None:

            def fail() -> None:  # raised in the app's own loop: its crash path, as a worker's error
                raise error

            self.call_next(fail)

    def show(self, view: View) -> None:
        """Show ``view``: the screen stack follows the core's trail (each step screen
        knows its depth in the trail), and the top screen draws the view."""
        previous = self._view
        self._view = view
        if view.ended:
            self.exit()
            return
        if previous is not None and view.language != self.frontend.t.lang:
            self._switch_language(view)
            return
        changed = previous is None or previous.step is not view.step or previous.trail != view.trail
        steps = self._step_screens()
        if not changed and steps and steps[-1].depth == len(view.trail) - 1:
            steps[-1].apply(view)  # the same step (a demo dialog may stay open over it)
            self.call_after_refresh(self.record_frame, "outcome")
            return
        warnings: list[TimeLimitDialog] = []
        while not isinstance(self.screen, StepScreenMixin) and len(self.screen_stack) > 1:
            if isinstance(self.screen, TimeLimitDialog):
                warnings.append(self.screen.again())  # shown again over the new step
            self.pop_screen()  # a demo dialog open over a step that is left
        kept = 0
        for screen in self._step_screens():
            if screen.depth >= len(view.trail) or view.trail[screen.depth] is not screen.step:
                break
            kept += 1
        for _screen in self._step_screens()[kept:]:
            self.pop_screen()
        top = self.screen
        depth = len(view.trail) - 1
        if isinstance(top, StepScreenMixin) and kept and top.depth == depth:
            top.apply(view)
        else:
            if isinstance(top, StepScreenMixin):
                top.covered()
            screen = SCREENS[view.step](view, self.frontend)
            screen.depth = depth
            self.push_screen(screen)
        for warning in warnings:  # a time limit still runs: its warning stays on top
            self.push_screen(warning)
        self.call_after_refresh(self.record_frame, "screen" if changed else "outcome")

    def _switch_language(self, view: View) -> None:
        """The same step drawn again in the other language, with what was typed (the
        language switch of the login screen)."""
        while not isinstance(self.screen, StepScreenMixin) and len(self.screen_stack) > 1:
            self.pop_screen()  # a demo dialog over the login screen (F2 while switching)
        self.frontend = replace(self.frontend, t=Translator(view.language))
        old = self.screen
        if not isinstance(old, StepScreen):
            return
        typed = {field.id: field.value for field in old.query(Input) if field.id}
        screen = SCREENS[view.step](view, self.frontend)
        screen.depth = old.depth

        def restore() -> None:
            for name, value in typed.items():
                for field in screen.query(f"#{name}").results(Input):
                    field.value = value
            for button in screen.query("#language"):
                button.focus()

        self.switch_screen(screen)
        screen.call_after_refresh(restore)
        self.call_after_refresh(self.record_frame, "screen")

    def _step_screens(self) -> list[StepScreenMixin]:
        return [screen for screen in self.screen_stack if isinstance(screen, StepScreenMixin)]

    def _set_busy(self) -> None:
        """The step on top says it is being checked; the steps beneath never do."""
        top = self.screen
        for screen in self.screen_stack:
            if isinstance(screen, StepScreen | StepDialog):
                screen.set_busy(self.busy and screen is top)

    # What only the front end sees: the frames, the size, typing, the meter

    def on_safe_input_typed(self, message: SafeInput.Typed) -> None:
        """Typing progress for the journal: a count (a band for a secret), never a
        character; the core batches it."""
        message.stop()
        if self._core is not None:
            self._core.typing(message.field, message.length)

    def on_strength_meter_changed(self, message: StrengthMeter.Changed) -> None:
        message.stop()
        if self._core is not None:
            self._core.meter_shown(message.level, message.reasons)

    def on_resize(self, event: events.Resize) -> None:
        """The journal says the new size (``self.size`` may still be the old one here);
        the frame is recorded once the screen has its new layout (:class:`ScreenResized`)."""
        size = (event.size.width, event.size.height)
        if self._core is not None and size != self._logged_size:
            self._logged_size = size
            self._core.resized(*size)

    def on_screen_resized(self, message: ScreenResized) -> None:
        message.stop()
        if not self._resize_frame_due:  # one frame for the screens a resize reaches
            self._resize_frame_due = True
            self.call_after_refresh(self._record_resize)

    def _record_resize(self) -> None:
        self._resize_frame_due = False
        self.record_frame("resize")

    def capture(self) -> str:
        """The screen as the user sees it, as ANSI text."""
        return capture_ansi(self)

    def record_frame(self, reason: str) -> None:
        """Journal the frame once the screen has settled (:func:`settling`: an error seen
        only after the scroll that brings it into view, a resize's new layout), one frame
        for the requests made meanwhile."""
        if self._frame_due is not None and time.monotonic() < self._frame_deadline:
            if reason == "screen":  # a new step shown while an outcome's frame waited
                self._frame_due = reason
            return
        self._frame_due = reason
        self._frame_deadline = time.monotonic() + FRAME_SETTLE_SECONDS
        self._settle_frame()

    def _settle_frame(self) -> None:
        """Called after a refresh: look once the other callbacks of that refresh (a scroll
        into view) have run."""
        self.call_next(self._record_settled_frame)

    def _record_settled_frame(self) -> None:
        """Journal the current frame, unless a CAPTCHA field holds typed characters (an
        unused CAPTCHA solution is a secret); password fields are drawn as bullets."""
        if self._frame_due is None:
            return
        if self.is_running and settling(self) and time.monotonic() < self._frame_deadline:
            self.call_after_refresh(self._settle_frame)
            return
        reason, self._frame_due = self._frame_due, None
        if self._core is None or not self.is_running or not isinstance(self.screen, StepScreenMixin):
            return
        for screen in self.screen_stack:  # a dialog shows the screens beneath it
            typed = any(field.value for field in screen.query("#captcha").results(Input))
            if typed and self._core.captcha.enabled:  # (disabled: any text, no secret)
                return
        self._core.record_frame(reason, columns=self.size.width, rows=self.size.height, ansi=self.capture())

    def _fatal_error(self) -> None:
        """Textual's crash report shows every local variable, passwords included: keep
        the traceback (exception messages never hold a secret) but without the locals."""
        error = current_exception()
        self._crash(type(error).__name__ if error else "unknown", exception_report(error))
        if self.show_crash_report:
            crash_without_locals(self)
        else:
            super().panic()  # end at once, with nothing to print

    def panic(self, *renderables: RenderableType) -> None:
        """Textual's other way to crash: its input thread failed (it passes that
        traceback, without locals), or an exception that renders itself."""
        name, report = panic_report(renderables)
        self._crash(name, report)
        super().panic(*(renderables if self.show_crash_report else ()))

    def _crash(self, error: str, report: str) -> None:
        """Log the crash (with its traceback) and journal it, once."""
        log.error("session crashed: %s\n%s", error, report)
        if self.crashed:
            return
        self.crashed = True
        if self._core is not None:
            self._core.crashed(error)
            self.end_reason = "crash"

    # Keys of the whole app

    def on_new_password_fields_help_requested(self, _message: NewPasswordFields.HelpRequested) -> None:
        self.action_advice()

    def action_advice(self) -> None:
        """F1 or « ? » next to a new password: the advice against identity theft."""
        if self._view is not None and self._view.can(OpenAdvice.name):
            self.submit(OpenAdvice())

    def action_demo_mailbox(self) -> None:
        """F3 (demo only): the emails the demo sent. Not a step of the session."""
        if self.demo_accounts and not isinstance(self.screen, DemoMailboxScreen):
            self.push_screen(DemoMailboxScreen(self.services, self.frontend.t))

    def action_demo_accounts(self) -> None:
        """F2 (demo only): the demo's accounts and their secrets. Never recorded."""
        if self.demo_accounts and not isinstance(self.screen, DemoAccountsScreen):
            self.push_screen(DemoAccountsScreen(self.frontend.t, self.demo_accounts))

    def end_session(self, reason: str) -> None:
        """The server ends the session (idle, maximum length, shutdown)."""
        self.end_reason = reason
        self.submit(EndSession(reason), check_revision=False)
