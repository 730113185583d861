"""One SSH session, in a process of its own forked by the session worker (:mod:`tui.zygote`)
on a pseudo-terminal the server made for it (one process per session, so that a crash or
a CPU burst in one never freezes the others). What the server knows of the session comes
as a typed message (:class:`tui.session_spec.SessionStart`: language, client address,
reference, front end, display, limits); its settings are the ``MOTDEPASSE_*`` variables
the server chose for its worker (never the SMTP ones).

The worker runs isolated (``python -I``: no current directory on the import path, no
``PYTHON*`` variable, no user site), in ``/``; each session under an address-space limit
(RLIMIT_AS). Its standard error is the user's terminal, so nothing but the app may write
there: tracebacks, warnings and log records go to the server's log. A crash is
journaled, and the user reads one sentence with the session reference once the terminal is
restored; the exit status is then :data:`CRASH_EXIT_STATUS` (the server logs ``end=crash``).

Signals from the server: SIGUSR1 warns of the idle timeout, SIGUSR2 of the end of the
maximum session length or of a server shutdown; SIGTERM and SIGHUP end the session cleanly
(the server kills it if that takes longer than its grace); :data:`INPUT_LIMITED` says the
server dropped input beyond the session's rate (journaled once per episode). The server
starts the process with SIGUSR1, SIGUSR2 and INPUT_LIMITED ignored, until the app handles
them: one that arrives during the start is lost rather than fatal.

The control channel (a socket to the server, see :class:`ServerControl`) carries the
session's requests (``ready`` once its first screen is drawn, ``extend``) and, just before the
server's SIGTERM or SIGHUP, why the server ends the session (``end idle``): the journal
says the true reason — idle, max_length, server_shutdown, client_closed, connection_lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import select
import signal
import socket
import sys
import threading
from collections.abc import Callable
from functools import partial
from types import FrameType, TracebackType
from typing import Any, Literal

from rich.console import RenderableType

from domain.demo import describe_demo
from domain.display import display_from
from domain.i18n import N_, Translator
from domain.services import build_services
from domain.settings import Language, Settings, load_settings
from screens.time_limit import Answer, TimeLimitDialog
from screens.widgets.textual_adapter import current_exception
from tui.app import MotDePasseApp, exception_report, panic_report
from tui.line_mode import END_WARNING, IDLE_WARNING, SERVER_SIGNALS
from tui.logs import log_to_server
from tui.session_spec import SessionStart

UPGRADING = N_(
    "The service is being updated: connect again in a moment. If this goes on, contact support "
    "and give them the session reference {ref}."
)

APOLOGY = N_(
    "Sorry, an unexpected error ended this session. If you contact support, give them the session reference {ref}."
)

CRASH_EXIT_STATUS = 70
"""EX_SOFTWARE: the session ended on an unhandled exception (the server logs ``end=crash``)."""

INPUT_LIMITED = signal.SIGRTMIN
"""The signal the server sends when it starts dropping a session's input
(``tui.ssh_server.INPUT_LIMITED`` is the same)."""

log = logging.getLogger("motdepasse.ssh_session")


class SshSessionApp(MotDePasseApp):
    """The user app, told by signals about the session's limits."""

    show_crash_report = False

    def __init__(
        self,
        *args: Any,
        warning_seconds: int = 60,
        extensions: int = 0,
        extension_seconds: int = 0,
        control: ServerControl | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self._warning_seconds = warning_seconds
        self._extensions_left = extensions
        self._extension_seconds = extension_seconds
        self._control = control

    def on_mount(self) -> None:
        self.call_after_refresh(_ready, self._control)
        listen_to_server(
            {
                signal.SIGUSR1: partial(self._warn, IDLE_WARNING),
                signal.SIGUSR2: partial(self._warn, END_WARNING),
                signal.SIGTERM: self._end,
                signal.SIGHUP: self._end,
                INPUT_LIMITED: self._input_limited,
            }
        )

    def _warn(self, message: str) -> None:
        # The signal's callback runs outside Textual's context (no active app): the
        # dialog is built from the app's own message queue.
        self.call_later(self._show_warning, message)

    def _show_warning(self, message: str) -> None:
        """A time limit is near: a dialog that takes the focus, counts down, and says
        which key keeps (idle) or extends (maximum length) the session."""
        kind: Literal["idle", "end"] = "idle" if message == IDLE_WARNING else "end"
        self.core.warned(kind, seconds=self._warning_seconds)
        if isinstance(self.screen, TimeLimitDialog):
            self.screen.on_answer = lambda _answer: None
            self.pop_screen()  # an older warning gives way to this one
        left = self._extensions_left if self._control is not None else 0
        dialog = TimeLimitDialog(
            self.frontend.t,
            kind,
            self._warning_seconds,
            extension=self._extension_seconds,
            left=left,
            on_answer=partial(self._answered, kind),
        )
        self.push_screen(dialog)

    def _answered(self, kind: str, answer: Answer) -> None:
        self.core.warning_answered(kind, answer)
        if answer == "extend" and self._control is not None and self._extensions_left > 0:
            if not self._control.send("extend"):
                return
            self._extensions_left -= 1
            self.core.journal.record("session", "extended")

    def _input_limited(self) -> None:
        if self._core is not None:
            self._core.journal.record("session", "input_limited")

    def _end(self) -> None:
        self.end_reason = (self._control.end_reason() if self._control else None) or "server"
        # The terminal may be gone (its writes then block): if a clean exit has not
        # happened within a few seconds, leave at once.
        asyncio.get_running_loop().call_later(3, os._exit, 0)
        self.exit()


class ServerControl:
    """This session's end of its control channel with the server (a socket): the session
    sends its requests (``extend``), the server says why it ends the session (``end
    idle``) just before it signals it. Never a secret on it."""

    _REASON = re.compile(rb"end ([a-z_]{1,32})")

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self._buffer = b""
        self._reason: str | None = None

    def send(self, request: str) -> bool:
        try:
            os.write(self.fd, request.encode("ascii") + b"\n")
        except OSError:
            return False
        return True

    def end_reason(self) -> str | None:
        """Why the server ends this session (None: it did not say). Never blocks."""
        with contextlib.suppress(OSError, ValueError):
            while select.select([self.fd], [], [], 0)[0]:
                data = os.read(self.fd, 256)
                if not data:
                    break
                self._buffer = (self._buffer + data)[-1024:]
        for line in self._buffer.split(b"\n"):
            match = self._REASON.fullmatch(line)
            if match:
                self._reason = match[1].decode("ascii")
        self._buffer = self._buffer[self._buffer.rfind(b"\n") + 1 :]
        return self._reason


def listen_to_server(handlers: dict[int, Callable[[], None]]) -> None:
    """Run ``handlers`` on the event loop when their signals arrive. Not with asyncio's
    ``add_signal_handler``: its wakeup pipe is the one ``call_soon_threadsafe`` writes to,
    which Textual's input thread calls for every key; under a flood of keys that pipe is full
    and the signals written to it are lost. Here Python's own handler (run by the main
    thread whatever the pipe holds) schedules the callback, and a socket only signals write
    to wakes the loop."""
    loop = asyncio.get_running_loop()
    receive, send = socket.socketpair()
    receive.setblocking(False)
    send.setblocking(False)
    loop.add_reader(receive.fileno(), _drain, receive)
    signal.set_wakeup_fd(send.fileno(), warn_on_full_buffer=False)
    _WAKEUP.extend((receive, send))  # kept open for the life of the process
    for number, callback in handlers.items():
        signal.signal(number, _deliver(loop, callback))


_WAKEUP: list[socket.socket] = []


def _deliver(loop: asyncio.AbstractEventLoop, callback: Callable[[], None]) -> Callable[[int, FrameType | None], None]:
    def handler(_number: int, _frame: FrameType | None) -> None:
        loop.call_soon_threadsafe(callback)

    return handler


def _drain(receive: socket.socket) -> None:
    with contextlib.suppress(OSError):
        while receive.recv(4096):
            pass


def _support_app() -> type[Any]:
    """The support console over SSH: its crash report goes to the log, never to the
    terminal (Textual's own shows every local variable)."""
    from tui.support_app import SupportApp

    class SshSupportApp(SupportApp):
        crashed = False

        def _fatal_error(self) -> None:
            error = current_exception()
            self._crash(type(error).__name__ if error else "unknown", exception_report(error))
            super().panic()

        def panic(self, *renderables: RenderableType) -> None:
            self._crash(*panic_report(renderables))
            super().panic()

        def _crash(self, error: str, report: str) -> None:
            log.error("support session crashed: %s\n%s", error, report)
            if not self.crashed and self.user_session is not None:
                self.user_session.journal.record("session", "crash", error=error)
            self.crashed = True

    return SshSupportApp


def _log_uncaught(kind: type[BaseException], error: BaseException, trace: TracebackType | None) -> None:
    log.error("uncaught %s", kind.__name__, exc_info=(kind, error, trace))


def _log_uncaught_in_thread(args: threading.ExceptHookArgs) -> None:
    if args.exc_value is not None:
        log.error("uncaught %s in a thread", args.exc_type.__name__, exc_info=args.exc_value)


def prepare(settings: Settings) -> None:
    """What every session would do the same way at its start, done once in the zygote
    before it forks (:mod:`tui.zygote`): the front ends' modules imported, the catalogues
    and locale data loaded, the dummy Argon2 hash at the configured parameters computed,
    the strength dictionaries loaded, and one rehearsal of the app to its first frame
    (:func:`rehearse`), which leaves the app's parsed stylesheets and Textual's caches
    behind for the sessions."""
    import datetime as dt
    import email.parser  # noqa: F401 - babel reads catalogue headers with it

    import textual.drivers.linux_driver
    import textual.scrollbar  # noqa: F401

    import tui.line_mode
    import tui.line_support
    import tui.support_app  # noqa: F401
    from domain.hashing import SecretHasher
    from domain.strength import warm
    from screens.widgets.textual_adapter import share_css_parsing

    for language in ("fr", "en"):
        Translator(language).date(dt.date(2026, 1, 1))  # type: ignore[arg-type]
    SecretHasher(
        time_cost=settings.argon2_time_cost,
        memory_kib=settings.argon2_memory_kib,
        parallelism=settings.argon2_parallelism,
    )
    warm()  # the English and French lists, AZERTY, the built-in service terms
    share_css_parsing()
    rehearse(settings)


def rehearse(settings: Settings) -> None:
    """The full-screen app run once, headless, at 80×24 to its first frame, on a throwaway
    database in a temporary directory (nothing of it is kept but what Textual and the
    app cache in the process). Logs below warnings are silenced meanwhile."""
    import secrets
    import tempfile
    from pathlib import Path

    quiet = logging.getLogger("motdepasse")
    level = quiet.level
    quiet.setLevel(logging.WARNING)
    try:
        with tempfile.TemporaryDirectory(prefix="motdepasse-rehearsal-") as folder:
            rehearsal = settings.model_copy(
                update={
                    "data_dir": Path(folder),
                    "database_url": None,
                    "secret_key": secrets.token_urlsafe(32),
                    "secret_key_file": None,
                }
            )
            services = build_services(rehearsal)
            try:
                for theme in ("standard", "contraste", "ansi"):
                    app = MotDePasseApp(services, language="fr", channel="rehearsal", theme=theme)

                    async def first_frame(app: MotDePasseApp = app) -> None:
                        async with app.run_test(headless=True, size=(80, 24)) as pilot:
                            await pilot.pause()

                    asyncio.run(first_frame())
            finally:
                services.close()
    finally:
        quiet.setLevel(level)


def session_settings(settings: Settings) -> Settings:
    """The settings of one session process. Mostly idle, it keeps one database connection
    open (a second and third only while its journal and a step write at once), so
    hundreds of sessions stay within the server's connections."""
    return settings.model_copy(
        update={
            "database_pool_size": min(settings.database_pool_size, 1),
            "database_max_overflow": min(settings.database_max_overflow, 2),
        }
    )


def _run(start: SessionStart, control: ServerControl | None, language: Language, forked: Settings | None) -> bool:
    """Run the session's app; True if it crashed. ``forked``: the settings the session
    worker read once (the same for all its sessions); else they are read here."""
    settings = forked or session_settings(load_settings())
    # A forked session opens without a round trip to the database: its server checked the
    # schema and the key (and made or upgraded a SQLite file) before its first session,
    # so the first screen shows even while the database is briefly away (the steps say so
    # until it is back). A session run on its own checks (and makes a SQLite file).
    services = build_services(settings, check_database=forked is None)
    mismatch = release_mismatch(start, services.secret_key)
    if mismatch is not None:  # the code or the key on disk changed under a running server
        log.error("session %s refused: %s", start.reference, mismatch)
        services.close()
        message = Translator(language)._(UPGRADING).format(ref=start.reference)
        with contextlib.suppress(OSError):
            sys.stdout.write(f"\r\n{message}\r\n")
            sys.stdout.flush()
        return False
    demo_accounts = describe_demo() if start.demo else ()
    try:
        if start.front == "support-line":
            from domain.support import StaffIdentity
            from tui.line_support import run_plain_console

            assert start.staff is not None
            _ready(control)
            run_plain_console(
                services,
                language=language,
                identity=StaffIdentity(start.staff),
                client_address=start.client,
                signals=SERVER_SIGNALS,
                warning_seconds=start.warning_seconds,
            )
            return False
        if start.front == "support":
            from domain.support import StaffIdentity

            assert start.staff is not None
            support_app = _support_app()(
                services,
                language=language,
                identity=StaffIdentity(start.staff),
                channel="ssh-support",
                client_address=start.client,
                reference=start.reference,
            )
            _ready(control)
            support_app.run()
            return bool(support_app.crashed)
        if start.front == "line" or start.term == "dumb":
            _ready(control)
            return _run_line_mode(services, start, start.reference, control, language, demo_accounts)
        _say_plain_hint(language)
        theme, steady = display_from(os.environ)  # the client's MOTDEPASSE_THEME, MOTDEPASSE_CURSOR
        app = SshSessionApp(
            services,
            language=language,
            demo_accounts=demo_accounts,
            channel="ssh",
            client_address=start.client,
            reference=start.reference,
            warning_seconds=start.warning_seconds,
            theme=start.theme or theme,  # the user name (contraste@) first
            steady_cursor=steady,
            extensions=start.extensions,
            extension_seconds=start.max_seconds,
            control=control,
        )
        app.run()
        if app.return_value == "plain" and not app.crashed:  # « Mode texte » on the login screen
            # a new session (a new reference, printed at its start) on the same terminal
            return _run_line_mode(services, start, None, control, language, demo_accounts)
        return app.crashed
    finally:
        services.close()


def _ready(control: ServerControl | None) -> None:
    """Tell the server this session has drawn its first screen: its start is over, the
    next waiting session may start."""
    if control is not None:
        control.send("ready")


def _say_plain_hint(language: Language) -> None:
    """One plain line before the full-screen app takes the screen: what speech users hear."""
    from tui.line_mode import PLAIN_HINT

    hint = Translator(language)._(PLAIN_HINT).format(command="ssh texte@…")
    with contextlib.suppress(OSError):
        os.write(1, (hint + "\r\n").encode("utf-8"))


def _run_line_mode(
    services: Any,
    start: SessionStart,
    reference: str | None,
    control: ServerControl | None,
    language: Language,
    demo_accounts: Any,
) -> bool:
    """The line mode on this session's terminal (user name ``texte`` or ``plain``, or
    ``TERM=dumb``); the server's signals become events the line mode handles between two
    keys (warnings as lines, the end of the session)."""
    from tui.line_mode import LineIO, LineMode

    io = LineIO(0, 1)
    line = LineMode(
        services,
        io=io,
        language=language,
        demo_accounts=demo_accounts,
        channel="ssh-line",
        client_address=start.client,
        reference=reference,
        warning_seconds=start.warning_seconds,
        server_end_reason=control.end_reason if control is not None else None,
    )
    io.listen(SERVER_SIGNALS)
    line.run()
    return False


def release_mismatch(start: SessionStart, key: bytes) -> str | None:
    """Why this session process cannot serve its server's users, or None: the code on disk
    is another release than the server's (its schema revision differs), or the secret key
    read now is not the server's (a key file changed since). Compared locally: no database
    round trip before the first screen. (A forked session runs the zygote's code, loaded
    when the server started it; the key file is read again by every session.)"""
    from domain import schema
    from domain.services import key_check_value

    if start.schema and start.schema != schema.HEAD:
        return f"this release's schema is {schema.HEAD}, the server's {start.schema}: restart the server"
    if start.key_check and start.key_check != key_check_value(key):
        return "the secret key is not the server's: restart the server"
    return None


def run(start: SessionStart, *, control: int = -1, log_fd: int = -1, settings: Settings | None = None) -> int:
    """One session, in its own process, on the terminal that is its standard streams;
    its exit status (0, or :data:`CRASH_EXIT_STATUS`). ``settings``: those the session
    worker read before forking it (its server has checked the database)."""
    if log_fd >= 0:
        log_to_server(log_fd)
    sys.excepthook = _log_uncaught
    threading.excepthook = _log_uncaught_in_thread
    language: Language = start.language
    channel = ServerControl(control) if control >= 0 else None
    try:
        crashed = _run(start, channel, language, settings)
    except Exception:  # whatever it is: the user gets a sentence, the log the traceback
        log.exception("session %s failed", start.reference)
        crashed = True
    if not crashed:
        return 0
    apology = Translator(language)._(APOLOGY).format(ref=start.reference)
    try:
        sys.stdout.write(f"\r\n{apology}\r\n")
        sys.stdout.flush()
    except OSError:  # the terminal is gone
        pass
    return CRASH_EXIT_STATUS
