"""``motdepasse serve``: the app over SSH, with asyncssh.

Isolation: each session runs in its own process on a pseudo-terminal the server creates;
the server only relays bytes between the SSH channel and the PTY. A crash or a CPU burst in
one session cannot freeze another, and a session's memory goes back to the system when it
ends. Session processes are forked by the session worker (:mod:`tui.zygote`), which has
imported everything once: a session starts in a fraction of the time and memory a new
Python would take (docs/PERFORMANCE.md). The worker runs isolated: ``python -I`` (no current
directory on the import path, no ``PYTHON*`` variable, no user site) on the package this
server runs from, in ``/``, with only the settings a session needs (never
``MOTDEPASSE_SMTP_*``); each session gets the secret key created before the server serves,
and an address-space limit. What the server knows of a session reaches it as a typed
message (:class:`tui.session_spec.SessionStart`). At most ``ssh_session_starts_at_once``
sessions start together; the others wait their turn with « Connexion en cours… » on their
terminal. If the worker dies, the server starts another; the sessions it forked go on.

Any user name reaches the user app without SSH authentication, as public SSH
applications do; the user name ``support`` must authenticate with a key listed in the
support authorized-keys file and reaches the support console. Everything else a client
can ask for (no PTY, exec commands, subsystems such as SFTP, port, agent and X11
forwarding) is refused with a one-line message.

Since anyone who reaches the port gets this far, everything a client can make the server
hold is bounded (settings in :class:`domain.settings.Settings`):

* connections: ``ssh_max_connections`` in total and ``ssh_max_connections_per_client`` per
  address are open at once; beyond, a connection is closed as soon as it is made. A
  connection beyond ``ssh_connections_per_minute`` for its address is told so if it asks
  for a session, and closed a second later (after 10 s if it asks for none). A connection with no session running for
  ``ssh_session_open_timeout_seconds`` (after it was made, or after its last session
  ended) is closed. Each connection's end is one ``closed`` log line (client, duration, how).
* sessions: ``ssh_max_sessions`` in total, ``ssh_max_sessions_per_client`` per address,
  ``ssh_idle_timeout_seconds`` without input, ``ssh_max_session_seconds`` at most. The
  terminal size (PTY request and window changes) is clamped to ``ssh_max_columns`` x
  ``ssh_max_rows`` before anything is counted (logged once per session); every resource a
  session takes (its places in the counts, PTY, log descriptor, process, relay tasks) is
  released in one ``finally``.
* input: a token bucket per session, ``ssh_input_burst_bytes`` at once refilled at
  ``ssh_input_bytes_per_second``; reads beyond it are dropped (one ``input_limited`` log
  line per episode, and a journal line in the session); input is decoded as UTF-8 with
  replacement before it reaches the session (invalid bytes become U+FFFD). While the session
  does not read its terminal, the relay stops reading the channel: the client waits.
* a session process: ``ssh_session_memory_mib`` of address space (RLIMIT_AS); asked to end
  (client gone, idle, maximum length), it is told why on its control channel first (its
  journal gives the same reason as the ``disconnect`` log line), and killed (SIGKILL) if it
  has not exited after ``ssh_session_kill_grace_seconds``. A crash is logged with its traceback here, journaled,
  and shown to the user as one sentence with the session reference (``end=crash``).
* the accept loop: out of descriptors (EMFILE, ENFILE…), asyncio pauses accepting for a
  second and retries; that is one ``accept_failed`` log line per episode (failures less than
  a minute apart), not a traceback per attempt.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import errno
import fcntl
import json
import logging
import os
import re
import signal
import socket
import struct
import termios
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncssh

from domain import schema, support
from domain.display import CURSOR_CHOICES, THEME_NAMES, THEME_USERS
from domain.i18n import N_, Translator, parse_language
from domain.journal import new_reference
from domain.services import key_check_value, load_secret_key
from domain.settings import Settings
from tui.logs import log_to_stderr
from tui.session_spec import Front, SessionStart
from tui.zygote import Worker, Zygote, become_subreaper

log = logging.getLogger("motdepasse.ssh")

SUPPORT_USER = "support"
SUPPORT_LINE_USER = "support-texte"
"""The support console in line mode, with the same support keys."""
SUPPORT_USERS = frozenset({SUPPORT_USER, SUPPORT_LINE_USER})
LINE_MODE_USERS = frozenset({"texte", "plain"})

"""User names that open the line mode (screen readers, braille): environment variables
such as ACCESSIBLE rarely reach an SSH server, a user name always does."""

REFUSED_NO_PTY = N_("motdepasse needs an interactive terminal: connect with ssh -t.")
REFUSED_COMMAND = N_("motdepasse runs no commands: connect without a command.")
REFUSED_SUBSYSTEM = N_("motdepasse offers no subsystem (no SFTP).")
REFUSED_BUSY = N_("Too many sessions at the moment. Try again in a few minutes.")
REFUSED_CLIENT_BUSY = N_("Too many sessions from your address. Close one and try again.")
REFUSED_RATE = N_("Too many connections from your address. Wait a minute and try again.")
CONNECTING = N_("Connecting…")
"""The one line a session waiting its turn to start shows (never a blank screen)."""
ENDED = {
    "idle": N_("Session closed after {duration} without activity."),
    "max_length": N_("Session closed: it reached its maximum length of {duration}."),
    "server_shutdown": N_("The server is stopping: session closed. Please reconnect in a moment."),
}

INPUT_LIMITED = signal.SIGRTMIN
"""Tells a session process its input is being dropped (``tui.ssh_session.INPUT_LIMITED``)."""

CRASH_EXIT_STATUS = 70
"""A session process that crashed exits with this (``tui.ssh_session.CRASH_EXIT_STATUS``)."""

RATE_LIMITED_SECONDS = 10.0
"""How long a rate-limited connection stays open at most: time enough to ask for a session
and be told why it is refused (it is closed a second after that)."""

UNKNOWN_SIZE = (80, 24)
"""The size of a terminal whose client sends 0 (SSH's "unknown")."""

PASTE_END = b"\x1b[201~"
"""The end of a bracketed paste: forwarded even when the rest of a read is dropped, so that a
paste cut short does not leave the session's terminal in paste mode."""

RATE_ADDRESSES_MOST = 10_000
"""Addresses whose connections of the last minute are counted: beyond, the address seen
longest ago is forgotten (an attacker chooses how many addresses there are; each costs
under 1 KiB)."""

START_SLOT_SECONDS = 10.0
"""The longest a session holds its start slot without saying it has drawn its first screen."""

ACCEPT_EPISODE_GAP_SECONDS = 60.0
"""accept() failures less than this apart are one episode (one log line)."""

ACCEPT_OUT_OF_RESOURCES = "socket.accept() out of system resource"
"""The message asyncio gives its loop's exception handler when accept() fails for want of
descriptors or memory (it then pauses accepting for a second)."""

PACKAGE_ROOT = Path(__file__).resolve().parent.parent
"""The directory holding the ``tui`` package this server runs: sessions run the same code."""

_SESSION_SETTINGS_DROPPED = ("smtp_", "mail_", "ssh_", "reminder_")
_SESSION_SETTINGS_KEPT = frozenset(
    {"mail_from", "mail_from_name", "ssh_idle_warning_seconds", "ssh_support_keys", "ssh_session_mmap_threshold_kib"}
)

_TERM_CHARS = re.compile(r"[^A-Za-z0-9._+-]")
_LOG_CHARS = re.compile(r"[^\w.@+:-]")


def log_safe(value: str, *, allowed: re.Pattern[str] = _LOG_CHARS) -> str:
    """What a client sends (user name, TERM) as one log-safe token: no blank, no control
    character, no '=' that could forge a field or a line."""
    return allowed.sub("_", value)[:64]


def clamp_size(columns: int, rows: int, limit: tuple[int, int], unknown: tuple[int, int]) -> tuple[int, int]:
    """A terminal size a client asked for, within 1..limit; 0 (unknown) becomes ``unknown``.
    SSH sizes are 32-bit, a PTY's 16-bit, and Textual's memory grows with the area."""
    return (
        min(max(columns, 1), limit[0]) if columns > 0 else min(unknown[0], limit[0]),
        min(max(rows, 1), limit[1]) if rows > 0 else min(unknown[1], limit[1]),
    )


def set_winsize(fd: int, columns: int, rows: int) -> None:
    """``columns`` x ``rows`` come from :func:`clamp_size` (they fit in 16 bits)."""
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))


def session_settings(settings: Settings) -> dict[str, str]:
    """The ``MOTDEPASSE_*`` variables of a session process: the server's settings (its data
    directory and database as absolute paths: a session runs in ``/``) but those a session
    never uses — the SMTP relay and its credentials, the mail dispatcher's, the server's."""
    env: dict[str, str] = {}
    for name, value in settings.model_dump(mode="json").items():
        if value is None or (name.startswith(_SESSION_SETTINGS_DROPPED) and name not in _SESSION_SETTINGS_KEPT):
            continue
        env[f"MOTDEPASSE_{name.upper()}"] = value if isinstance(value, str) else json.dumps(value)
    env["MOTDEPASSE_DATA_DIR"] = str(settings.data_dir.absolute())
    url = settings.resolved_database_url()
    path = url.removeprefix("sqlite:///")
    if url.startswith("sqlite:///") and not path.startswith(("/", ":memory:")):
        url = f"sqlite:///{Path(path).absolute()}"
    env["MOTDEPASSE_DATABASE_URL"] = url
    return env


def load_host_key(path: Path) -> asyncssh.SSHKey:
    """The server's ed25519 host key, generated on first start; the key is kept mode 600
    and its directory 700 (both tightened if they were wider)."""
    directory = path.parent
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    if directory.stat().st_mode & 0o077:
        try:
            directory.chmod(0o700)
        except PermissionError:
            log.warning("the host key's directory %s is not private (mode 700) and cannot be made so", directory)
    if not path.exists():
        key = asyncssh.generate_private_key("ssh-ed25519")
        partial = path.with_name(f".{path.name}.{os.getpid()}")
        partial.unlink(missing_ok=True)
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(key.export_private_key())
        key.write_public_key(str(path) + ".pub")
        os.replace(partial, path)  # never a half-written key under the real name
    if path.stat().st_mode & 0o077:
        path.chmod(0o600)
    return asyncssh.read_private_key(str(path))


class InputBucket:
    """A token bucket: ``burst`` bytes at once, refilled at ``rate`` bytes a second."""

    def __init__(self, rate: int, burst: int, now: float) -> None:
        self.rate = rate
        self.burst = burst
        self.tokens = float(burst)
        self._at = now

    def refill(self, now: float) -> None:
        self.tokens = min(float(self.burst), self.tokens + (now - self._at) * self.rate)
        self._at = now

    @property
    def full(self) -> bool:
        return self.tokens >= self.burst

    def take(self, size: int) -> bool:
        """Take ``size`` bytes' worth (after :meth:`refill`); False, taking nothing, if
        there are not so many."""
        if size > self.tokens:
            return False
        self.tokens -= size
        return True


def display_environment(env: Mapping[str, str]) -> dict[str, str]:
    """What a client's environment (OpenSSH ``SendEnv``) says of its display, made safe
    for the session: ``NO_COLOR`` (any non-empty value: no colour at all) and
    ``COLORTERM`` (``truecolor`` or ``24bit`` only), ``MOTDEPASSE_THEME`` and
    ``MOTDEPASSE_CURSOR`` (their known values only). Nothing else the client sends
    reaches the session."""
    display = {}
    if env.get("NO_COLOR"):
        display["NO_COLOR"] = "1"
    if env.get("COLORTERM") in ("truecolor", "24bit"):
        display["COLORTERM"] = str(env["COLORTERM"])
    if env.get("MOTDEPASSE_THEME") in THEME_NAMES:
        display["MOTDEPASSE_THEME"] = str(env["MOTDEPASSE_THEME"])
    if env.get("MOTDEPASSE_CURSOR") in CURSOR_CHOICES:
        display["MOTDEPASSE_CURSOR"] = str(env["MOTDEPASSE_CURSOR"])
    return display


@dataclass
class Session:
    reference: str
    client: str
    username: str
    term: str
    size: tuple[int, int]
    started: float = field(default_factory=time.monotonic)
    last_input: float = field(default_factory=time.monotonic)
    child: Worker | None = None
    end_reason: str | None = None
    staff: str | None = None
    """The SHA256 fingerprint of the key ``support`` signed in with."""
    display: dict[str, str] = field(default_factory=dict)
    """What the client said of its display (``NO_COLOR``, ``COLORTERM``), for the session."""
    clamped: bool = False
    """A size beyond the limits was asked for (logged the first time only)."""
    extensions: int = 0
    """How many times the user extended the maximum length from its warning."""
    warned_end: bool = False
    dropped: int = 0
    """Input bytes dropped beyond the session's rate."""
    kill_timer: asyncio.TimerHandle | None = None
    """Armed when the process is asked to end: SIGKILL if it has not by then."""
    killed: bool = False
    hung_up: bool = False
    """The channel is closed: what the client sent last is not relayed any more."""
    control: int = -1
    """The server's end of the session's control channel (a socket; -1: none or closed)."""
    told_end: bool = False
    """The session process was told why it ends (``end REASON`` on the control channel)."""
    starting: bool = False
    """The session holds one of the start slots (until it says ``ready``)."""


class MotDePasseSSHServer(asyncssh.SSHServer):
    """One connection: its client, its sessions, the timer that closes it without one."""

    def __init__(self, app: SshApplication) -> None:
        self._app = app
        self._conn: asyncssh.SSHServerConnection | None = None
        self.client = "unknown"
        self.opened = time.monotonic()
        self.admitted = False
        self.rate_limited = False
        self.staff_key: str | None = None
        self.running = 0
        """Sessions running on this connection now."""
        self.sessions = 0
        """Sessions started on this connection so far."""
        self.end_how: str | None = None
        """Why the server closed it (None: the client did, or the connection was lost)."""
        self.closed = False
        self.lost: Exception | None = None
        """What asyncssh gave when the connection ended (None: a clean close)."""
        self.timer: asyncio.TimerHandle | None = None

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self._conn = conn
        peer = conn.get_extra_info("peername")
        self.client = str(peer[0]) if peer else "unknown"
        self._app.connection_made(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.lost = exc
        self._app.connection_lost(self, exc)

    def close(self, how: str) -> None:
        if self.closed:
            return
        self.end_how = self.end_how or how
        if self._conn is not None:
            self._conn.close()

    def refuse(self, how: str) -> None:
        """Close a connection just made (once asyncssh has sent its version line)."""
        self.end_how = how
        if self._conn is not None:
            asyncio.get_running_loop().call_soon(
                self._conn.disconnect, asyncssh.DISC_TOO_MANY_CONNECTIONS, "Too many connections"
            )

    def begin_auth(self, username: str) -> bool:
        return username in SUPPORT_USERS  # anyone else reaches the user app, as public SSH apps do

    def public_key_auth_supported(self) -> bool:
        return True

    def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
        """``support`` only, with a key listed in the support authorized-keys file."""
        if username not in SUPPORT_USERS:
            return False
        fingerprint = key.get_fingerprint("sha256")
        if fingerprint not in support.support_key_fingerprints(self._app.settings):
            return False
        self.staff_key = fingerprint
        return True

    def password_auth_supported(self) -> bool:
        return False

    def kbdint_auth_supported(self) -> bool:
        return False


class Limits:
    """Counts connections and sessions, in this server process. Every per-address entry
    goes when its count is back to zero (or, for the connection rate, a minute later):
    an attacker chooses how many addresses there are."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.sessions: dict[str, Session] = {}
        self.per_client: dict[str, int] = {}
        """Sessions running, per address."""
        self.connections: set[MotDePasseSSHServer] = set()
        self.connections_per_client: dict[str, int] = {}
        self.recent: dict[str, deque[float]] = {}
        """When each address opened its connections of the last minute (the
        :data:`RATE_ADDRESSES_MOST` addresses seen last)."""
        self._swept = time.monotonic()

    # connections

    def connection_refusal(self, client: str) -> str | None:
        if len(self.connections) >= self.settings.ssh_max_connections:
            return "max_connections"
        if self.connections_per_client.get(client, 0) >= self.settings.ssh_max_connections_per_client:
            return "max_connections_per_client"
        return None

    def connection_opened(self, conn: MotDePasseSSHServer) -> None:
        self.connections.add(conn)
        self.connections_per_client[conn.client] = self.connections_per_client.get(conn.client, 0) + 1

    def connection_closed(self, conn: MotDePasseSSHServer) -> None:
        self.connections.discard(conn)
        _decrement(self.connections_per_client, conn.client)

    def connection_allowed(self, client: str) -> bool:
        """Within ``ssh_connections_per_minute`` for this address (counting this one)."""
        now = time.monotonic()
        if now - self._swept > 60:
            self._swept = now
            for stale in [key for key, times in self.recent.items() if not times or now - times[-1] > 60]:
                del self.recent[stale]
        limit = self.settings.ssh_connections_per_minute
        # the address moves to the end (the most recent); each list holds one more than
        # the limit at most: that is all it takes to tell the address is over it
        recent = self.recent.pop(client, None) or deque(maxlen=limit + 1)
        self.recent[client] = recent
        while recent and now - recent[0] > 60:
            recent.popleft()
        recent.append(now)
        while len(self.recent) > RATE_ADDRESSES_MOST:  # the addresses seen longest ago go first
            del self.recent[next(iter(self.recent))]
        return len(recent) <= limit

    # sessions

    def refusal(self, client: str) -> str | None:
        if len(self.sessions) >= self.settings.ssh_max_sessions:
            return REFUSED_BUSY
        if self.per_client.get(client, 0) >= self.settings.ssh_max_sessions_per_client:
            return REFUSED_CLIENT_BUSY
        return None

    def session_started(self, session: Session) -> None:
        self.sessions[session.reference] = session
        self.per_client[session.client] = self.per_client.get(session.client, 0) + 1

    def session_ended(self, session: Session) -> None:
        if self.sessions.pop(session.reference, None) is not None:
            _decrement(self.per_client, session.client)


def _set_once(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


def _decrement(counts: dict[str, int], key: str) -> None:
    left = counts.get(key, 0) - 1
    if left > 0:
        counts[key] = left
    else:
        counts.pop(key, None)


class SshApplication:
    """The server: accepts connections, starts one session process per PTY session."""

    def __init__(self, settings: Settings, *, demo: bool = False) -> None:
        self.settings = settings
        self.demo = demo
        self.limits = Limits(settings)
        self.host_key_path = settings.ssh_host_key or settings.data_dir / "ssh_host_ed25519_key"
        self._server: asyncssh.SSHAcceptor | None = None
        self.fingerprint = ""
        self.key_check = ""
        """The secret key's check (:func:`domain.services.key_check_value`), for sessions."""
        self._stopping = asyncio.Event()
        self._last_accept_failure = -ACCEPT_EPISODE_GAP_SECONDS
        self.accept_failures = 0
        """accept() failures for want of resources, since the start."""
        self.zygote = Zygote(self._worker_environment())
        self._starts_free = settings.ssh_session_starts_at_once or len(os.sched_getaffinity(0))
        self._start_queue: deque[asyncio.Future[None]] = deque()

    def _worker_environment(self) -> dict[str, str]:
        """The session worker's environment: the settings a session needs (never the SMTP
        relay's), nothing else of the server's but PATH, HOME and TZ."""
        env = {key: value for key, value in os.environ.items() if key in ("PATH", "HOME", "TZ")}
        env.update(session_settings(self.settings))
        env.update(
            LANG="C.UTF-8",
            TERM="dumb",  # each session sets its own
            MALLOC_ARENA_MAX="2",  # glibc reserves 64 MiB of address space per thread's arena otherwise
        )
        return env

    async def start(self, host: str, port: int) -> asyncssh.SSHAcceptor:
        # before any session: they all read the same key, and check they hold the
        # server's (a key file changed since) and run its release (a package upgraded in place)
        self.key_check = key_check_value(load_secret_key(self.settings))
        key = load_host_key(self.host_key_path)
        self.fingerprint = key.get_fingerprint("sha256")
        asyncio.get_running_loop().set_exception_handler(self._loop_exception)
        become_subreaper()  # the sessions of a zygote that dies are ours: their exit status too
        await self.zygote.start()  # before the port opens: the first session starts at once
        self._server = await asyncssh.create_server(
            lambda: MotDePasseSSHServer(self),
            host,
            port,
            server_host_keys=[key],
            process_factory=self._handle,
            encoding=None,
            line_editor=False,
            agent_forwarding=False,
            x11_forwarding=False,
            allow_scp=False,
            login_timeout=60,
            keepalive_interval=30,
        )
        log.info("listening on %s:%s host key %s", host, self.port, self.fingerprint)
        return self._server

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.sockets[0].getsockname()[1])

    def _loop_exception(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        """accept() out of descriptors is retried by asyncio every second, each time with a
        traceback: one log line per episode instead (an episode ends after a minute without
        such a failure; a connection accepted in between, as one closes, does not end it)."""
        if context.get("message") != ACCEPT_OUT_OF_RESOURCES:
            loop.default_exception_handler(context)
            return
        self.accept_failures += 1
        now = time.monotonic()
        new_episode = now - self._last_accept_failure > ACCEPT_EPISODE_GAP_SECONDS
        self._last_accept_failure = now
        if not new_episode:
            return
        error = context.get("exception")
        number = getattr(error, "errno", None)
        log.warning(
            "accept_failed error=%s connections=%d sessions=%d: new connections wait, retried every second "
            "(not logged again until a minute passes without a failure)",
            errno.errorcode.get(number, "unknown") if isinstance(number, int) else "unknown",
            len(self.limits.connections),
            len(self.limits.sessions),
        )

    async def shutdown(self, grace: float = 10.0) -> None:
        """SIGTERM: stop accepting, tell every user, end every session cleanly."""
        self._stopping.set()
        self.zygote.closing()
        if self._server is not None:
            self._server.close()
        for session in list(self.limits.sessions.values()):
            session.end_reason = session.end_reason or "server_shutdown"
            self._tell_end(session)
            self._signal(session, signal.SIGTERM)
        deadline = time.monotonic() + grace
        while self.limits.sessions and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        for session in list(self.limits.sessions.values()):
            self._signal(session, signal.SIGKILL)
        deadline = time.monotonic() + 5
        while self.limits.sessions and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        for conn in list(self.limits.connections):
            conn.close("server_shutdown")
        deadline = time.monotonic() + 2
        while self.limits.connections and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        await self.zygote.stop()

    # connections

    def connection_made(self, conn: MotDePasseSSHServer) -> None:
        refusal = "server_shutdown" if self._stopping.is_set() else self.limits.connection_refusal(conn.client)
        if refusal is not None:
            conn.refuse(refusal)
            return
        conn.admitted = True
        self.limits.connection_opened(conn)
        conn.rate_limited = not self.limits.connection_allowed(conn.client)
        self._arm_no_session(conn)

    def connection_lost(self, conn: MotDePasseSSHServer, exc: Exception | None) -> None:
        if conn.timer is not None:
            conn.timer.cancel()
            conn.timer = None
        if conn.admitted:
            self.limits.connection_closed(conn)
        if conn.end_how is not None:
            how = conn.end_how
        elif exc is None:
            how = "client_closed"
        elif isinstance(exc, asyncssh.ConnectionLost):
            how = "connection_lost"
        else:
            how = "error_" + log_safe(type(exc).__name__)
        log.info(
            "closed client=%s duration=%.1fs how=%s sessions=%d",
            conn.client,
            time.monotonic() - conn.opened,
            how,
            conn.sessions,
        )

    def _arm_no_session(self, conn: MotDePasseSSHServer) -> None:
        """Close ``conn`` if it still runs no session after the timeout (a few seconds if it
        is rate-limited: it will be refused any session)."""
        if conn.timer is not None:
            conn.timer.cancel()
        delay = (
            min(RATE_LIMITED_SECONDS, self.settings.ssh_session_open_timeout_seconds)
            if conn.rate_limited
            else self.settings.ssh_session_open_timeout_seconds
        )
        conn.timer = asyncio.get_running_loop().call_later(delay, self._no_session, conn)

    def _no_session(self, conn: MotDePasseSSHServer) -> None:
        conn.timer = None
        if conn.running == 0:
            conn.close("rate_limited" if conn.rate_limited else "no_session")

    # sessions

    @staticmethod
    def _signal(session: Session, number: int) -> None:
        if session.child is not None and session.child.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                session.child.send_signal(number)

    @staticmethod
    def _tell_end(session: Session) -> None:
        """Tell the session process why it is ended, before the signal that ends it: its
        journal says the true reason (idle, max_length, client_closed…), once."""
        if session.told_end or session.control < 0 or not session.end_reason:
            return
        session.told_end = True
        with contextlib.suppress(OSError):  # the process is gone, or its channel full: it says "server"
            os.write(session.control, f"end {session.end_reason}\n".encode("ascii"))

    def _end_session(self, session: Session, number: int) -> None:
        """Ask the session process to end (``number``: SIGHUP, SIGTERM), saying why;
        SIGKILL if it has not after the grace (a process whose loop is saturated never
        acts on the first)."""
        self._tell_end(session)
        self._signal(session, number)
        if session.kill_timer is None and session.child is not None and session.child.returncode is None:
            session.kill_timer = asyncio.get_running_loop().call_later(
                self.settings.ssh_session_kill_grace_seconds, self._kill, session
            )

    def _kill(self, session: Session) -> None:
        if session.child is not None and session.child.returncode is None:
            session.killed = True
            self._signal(session, signal.SIGKILL)

    def _resize(self, session: Session, columns: int, rows: int, fallback: tuple[int, int]) -> tuple[int, int]:
        """The size to give the session's terminal for what the client asked (0: keep
        ``fallback``); the first clamp of a session is logged."""
        s = self.settings
        size = clamp_size(columns, rows, (s.ssh_max_columns, s.ssh_max_rows), fallback)
        if ((columns and size[0] != columns) or (rows and size[1] != rows)) and not session.clamped:
            session.clamped = True
            log.info(
                "size_clamped client=%s ref=%s asked=%dx%d size=%dx%d",
                session.client,
                session.reference,
                columns,
                rows,
                *size,
            )
        return size

    async def _handle(self, process: asyncssh.SSHServerProcess[bytes]) -> None:
        conn = process.channel.get_connection()
        server = conn.get_owner()
        assert isinstance(server, MotDePasseSSHServer)
        client = server.client
        username = log_safe(str(process.get_extra_info("username") or ""))
        env = dict(process.env)
        lang = parse_language(env.get("LC_ALL") or env.get("LC_MESSAGES") or env.get("LANG"), self.settings.lang)
        t = Translator(lang)
        raw_term = process.get_terminal_type()
        # None: no PTY. An empty type (ssh -tt without TERM) is a PTY all the same.
        term = None if raw_term is None else (log_safe(raw_term, allowed=_TERM_CHARS) or "xterm")
        started = time.monotonic()

        def refuse(message: str, how: str) -> None:
            log.info(  # first: once the client has its answer, the log has the line
                "refused client=%s user=%s term=%s how=%s duration=%.1fs",
                client,
                username,
                term or "-",
                how,
                time.monotonic() - started,
            )
            process.stderr.write((t._(message) + "\r\n").encode())
            process.exit(1)

        if server.rate_limited:
            refuse(REFUSED_RATE, "rate_limited")
            asyncio.get_running_loop().call_later(1.0, server.close, "rate_limited")
            return None
        if process.subsystem:
            return refuse(REFUSED_SUBSYSTEM, "subsystem")
        if process.command:
            return refuse(REFUSED_COMMAND, "command")
        if term is None:
            return refuse(REFUSED_NO_PTY, "no_pty")
        busy = self.limits.refusal(client)
        if busy or self._stopping.is_set():
            return refuse(busy or REFUSED_BUSY, "busy")
        session = Session(new_reference(), client, username, term, UNKNOWN_SIZE)
        columns, rows, _, _ = process.get_terminal_size()
        session.size = self._resize(session, columns, rows, UNKNOWN_SIZE)
        session.staff = server.staff_key
        session.display = display_environment(env)
        await self._run(process, session, lang, t, server)

    def _control(self, session: Session, fd: int) -> None:
        """A request from the session process on its control channel: ``extend`` (the user
        chose « Prolonger la session » in the maximum length's warning) adds one maximum
        length, at most ``ssh_session_extensions`` times, never while the server stops.
        (The server writes on the same channel why it ends the session: :meth:`_tell_end`.)"""
        try:
            data = os.read(fd, 256)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:  # the session closed its end
            asyncio.get_running_loop().remove_reader(fd)
            return
        for request in data.split(b"\n"):
            if request == b"ready":
                self._release_start(session)
                continue
            if request != b"extend":
                continue
            if (
                self._stopping.is_set()
                or not session.warned_end  # only from the maximum length's warning
                or session.end_reason is not None
                or session.extensions >= self.settings.ssh_session_extensions
            ):
                log.info("extend_refused client=%s ref=%s", session.client, session.reference)
                continue
            session.extensions += 1
            session.warned_end = False
            log.info("extended client=%s ref=%s count=%d", session.client, session.reference, session.extensions)

    def _session_start(self, session: Session, lang: str) -> SessionStart:
        """The typed message the session worker gets for ``session``."""
        support_user = session.username in SUPPORT_USERS and session.staff is not None
        front: Front
        if support_user:
            front = "support-line" if session.username == SUPPORT_LINE_USER else "support"
        elif session.username in LINE_MODE_USERS or session.username == SUPPORT_LINE_USER:
            front = "line"
        else:
            front = "full"
        s = self.settings
        return SessionStart(
            reference=session.reference,
            language="en" if lang == "en" else "fr",
            client=session.client,
            term=session.term,
            columns=session.size[0],
            rows=session.size[1],
            front=front,
            # ``ssh-key:NAME (SHA256:…)``: the name the support keys file gives the key
            staff=support.key_identity(s, session.staff).label if support_user and session.staff else None,
            theme=THEME_USERS.get(session.username),
            display=dict(session.display),
            extensions=s.ssh_session_extensions,
            max_seconds=s.ssh_max_session_seconds,
            warning_seconds=s.ssh_idle_warning_seconds,
            demo=self.demo,
            schema=schema.HEAD,
            key_check=self.key_check,
            memory_bytes=s.ssh_session_memory_mib * 1024 * 1024,
        )

    # starts: at most ``ssh_session_starts_at_once`` at a time, the others queued

    async def _start_turn(self, process: asyncssh.SSHServerProcess[bytes], session: Session, t: Translator) -> bool:
        """Wait for a start slot (saying « Connexion en cours… » while waiting); False if the
        client left or the server stops meanwhile."""
        if self._starts_free > 0 and not self._start_queue:
            self._starts_free -= 1
            session.starting = True
            return True
        loop = asyncio.get_running_loop()
        turn: asyncio.Future[None] = loop.create_future()
        self._start_queue.append(turn)
        with contextlib.suppress(Exception):
            process.stdout.write((t._(CONNECTING) + "\r\n").encode())
        closed: asyncio.Future[None] = asyncio.ensure_future(process.channel.wait_closed())
        stopping: asyncio.Future[Any] = asyncio.ensure_future(self._stopping.wait())
        waits: set[asyncio.Future[Any]] = {turn, closed, stopping}
        try:
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            closed.cancel()
            stopping.cancel()
        if turn.done():
            session.starting = True
            if process.channel.is_closing() or self._stopping.is_set():
                self._release_start(session)
                return False
            return True
        turn.cancel()  # the client left while waiting: its turn passes
        return False

    def _release_start(self, session: Session) -> None:
        """The session's start is over (first screen drawn, process gone, or too long):
        its slot goes to the first session waiting, if any."""
        if not session.starting:
            return
        session.starting = False
        while self._start_queue:
            turn = self._start_queue.popleft()
            if not turn.done():
                turn.set_result(None)
                return
        self._starts_free += 1

    async def _run(
        self,
        process: asyncssh.SSHServerProcess[bytes],
        session: Session,
        lang: str,
        t: Translator,
        conn: MotDePasseSSHServer,
    ) -> None:
        """Everything the session takes is taken inside the ``try`` and given back in its
        ``finally``, whatever happens in between."""
        master = slave = control = control_child = -1
        pumps: list[asyncio.Task[None]] = []
        code: int | None = None
        self.limits.session_started(session)
        conn.running += 1
        conn.sessions += 1
        if conn.timer is not None:
            conn.timer.cancel()
            conn.timer = None
        try:
            log.info(
                "connect client=%s user=%s term=%s size=%dx%d ref=%s",
                session.client,
                session.username,
                session.term,
                session.size[0],
                session.size[1],
                session.reference,
            )
            queued = time.monotonic()
            if not await self._start_turn(process, session, t):
                session.end_reason = session.end_reason or (
                    "server_shutdown" if self._stopping.is_set() else "client_closed"
                )
                return
            waited = time.monotonic() - queued
            master, slave = os.openpty()
            set_winsize(master, *session.size)
            # the session's requests (« ready », « prolonger »), and why the server ends it
            ours, theirs = socket.socketpair()
            control, control_child = ours.detach(), theirs.detach()
            os.set_blocking(control, False)
            session.control = control
            asyncio.get_running_loop().add_reader(control, self._control, session, control)
            session.child = await self.zygote.fork(self._session_start(session, lang), slave, control_child)
            os.close(control_child)
            control_child = -1
            os.close(slave)
            slave = -1
            log.info(
                "started client=%s ref=%s pid=%d waited=%.2fs",
                session.client,
                session.reference,
                session.child.pid,
                waited,
            )
            # a session that never says « ready » (a crash at its start) holds its slot 10 s at most
            asyncio.get_running_loop().call_later(START_SLOT_SECONDS, self._release_start, session)
            pumps = [
                asyncio.create_task(self._output(master, process)),
                asyncio.create_task(self._input(master, process, session)),
                asyncio.create_task(self._watch(session)),
                asyncio.create_task(self._hang_up(process, session, conn)),
            ]
            code = await session.child.wait()
            await asyncio.wait_for(asyncio.shield(pumps[0]), timeout=2)  # what the session printed last
        except (TimeoutError, OSError) as error:
            if session.child is None:  # descriptors or processes exhausted: no session
                session.end_reason = "start_failed"
                log.warning("session_failed client=%s ref=%s error=%s", session.client, session.reference, error)
        except Exception:  # a bug here must not keep the session's resources
            session.end_reason = session.end_reason or "server_error"
            log.exception("session_error client=%s ref=%s", session.client, session.reference)
        finally:
            try:
                for task in pumps:
                    task.cancel()
                await asyncio.gather(*pumps, return_exceptions=True)
                if session.child is not None and session.child.returncode is None:
                    self._end_session(session, signal.SIGHUP)
                    code = await session.child.wait()
            finally:
                self._release_start(session)
                if session.kill_timer is not None:
                    session.kill_timer.cancel()
                session.control = -1
                if control >= 0:
                    asyncio.get_running_loop().remove_reader(control)
                for fd in (slave, master, control, control_child):
                    if fd >= 0:
                        os.close(fd)
                self.limits.session_ended(session)
                conn.running -= 1
                if conn.running == 0 and conn.admitted and not conn.closed and conn.end_how is None:
                    self._arm_no_session(conn)
        self._farewell(process, session, code, t)

    def _farewell(
        self, process: asyncssh.SSHServerProcess[bytes], session: Session, code: int | None, t: Translator
    ) -> None:
        if session.end_reason:
            how = session.end_reason
        elif code == 0:
            how = "quit"
        elif code == CRASH_EXIT_STATUS:
            how = "crash"
        elif code is None:  # the session worker was lost before it could say
            how = "exit_unknown"
        else:
            how = f"exit_{code}"
        if session.end_reason == "start_failed":
            with contextlib.suppress(Exception):
                process.stderr.write((t._(REFUSED_BUSY) + "\r\n").encode())
        if session.end_reason in ENDED:
            seconds = (
                self.settings.ssh_idle_timeout_seconds
                if session.end_reason == "idle"
                else self.settings.ssh_max_session_seconds * (1 + session.extensions)
            )
            farewell = t._(ENDED[session.end_reason]).format(duration=t.duration(seconds))
            with contextlib.suppress(Exception):
                process.stdout.write(f"\r\n{farewell}\r\n".encode())
        extra = (f" dropped={session.dropped}" if session.dropped else "") + (" killed=yes" if session.killed else "")
        log.info(
            "disconnect client=%s user=%s term=%s size=%dx%d ref=%s duration=%.1fs end=%s%s",
            session.client,
            session.username,
            session.term,
            session.size[0],
            session.size[1],
            session.reference,
            time.monotonic() - session.started,
            how,
            extra,
        )
        with contextlib.suppress(Exception):
            process.exit(0 if code == 0 else 1)

    async def _output(self, master: int, process: asyncssh.SSHServerProcess[bytes]) -> None:
        """PTY → SSH, with the client's pace (drain). Once the client is gone, what the
        session still prints is read and dropped: its writes must never block, or it could
        not act on the SIGHUP that ends it."""
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader()
        transport, _ = await loop.connect_read_pipe(
            lambda: asyncio.StreamReaderProtocol(reader), os.fdopen(os.dup(master), "rb", buffering=0)
        )
        client_there = True
        try:
            while True:
                try:
                    data = await reader.read(65536)
                except OSError:  # EIO once the session process has gone
                    break
                if not data:
                    break
                if client_there:
                    try:
                        process.stdout.write(data)
                        await process.stdout.drain()
                    except (asyncssh.Error, OSError):  # the channel is closed
                        client_there = False
        finally:
            transport.close()

    async def _hang_up(
        self, process: asyncssh.SSHServerProcess[bytes], session: Session, conn: MotDePasseSSHServer
    ) -> None:
        """The channel closed (the client left, or its connection was lost): end the session
        now, whatever the input relay is waiting for."""
        await process.channel.wait_closed()
        session.hung_up = True
        lost = isinstance(conn.lost, asyncssh.ConnectionLost)
        session.end_reason = session.end_reason or ("connection_lost" if lost else "client_closed")
        self._end_session(session, signal.SIGHUP)

    async def _input(self, master: int, process: asyncssh.SSHServerProcess[bytes], session: Session) -> None:
        """SSH → PTY: window changes (clamped) reflow the session's screen; input is
        rate-limited (reads beyond the bucket are dropped) and decoded as UTF-8 with
        replacement (the session's terminal only ever gets valid UTF-8)."""
        s = self.settings
        bucket = InputBucket(s.ssh_input_bytes_per_second, s.ssh_input_burst_bytes, time.monotonic())
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        chunk = min(4096, s.ssh_input_burst_bytes)
        limited = False
        while True:
            try:
                data = await process.stdin.read(chunk)
            except asyncssh.TerminalSizeChanged as change:
                session.size = self._resize(session, change.width, change.height, session.size)
                with contextlib.suppress(OSError):
                    set_winsize(master, *session.size)
                continue
            except asyncssh.BreakReceived:
                continue
            except (asyncssh.Error, OSError):  # the connection was lost (client killed, network)
                data = b""
                session.end_reason = session.end_reason or "connection_lost"
            if not data or session.hung_up:
                session.end_reason = session.end_reason or "client_closed"
                self._end_session(session, signal.SIGHUP)
                return
            bucket.refill(time.monotonic())
            if limited and bucket.full:
                limited = False  # the episode is over: the client kept under the rate long enough
            if bucket.take(len(data)):
                session.last_input = time.monotonic()
            else:
                session.dropped += len(data)
                if not limited:
                    limited = True
                    log.warning(
                        "input_limited client=%s ref=%s rate=%d/s burst=%d: input beyond is dropped",
                        session.client,
                        session.reference,
                        s.ssh_input_bytes_per_second,
                        s.ssh_input_burst_bytes,
                    )
                    self._signal(session, INPUT_LIMITED)
                if PASTE_END not in data:
                    continue
                data = PASTE_END
            if not await self._write(master, decoder.decode(data).encode()):
                return

    @staticmethod
    async def _write(master: int, payload: bytes) -> bool:
        """Write all of ``payload`` to the PTY, waiting while it is full (the session is not
        reading: the channel is not read either, so the client waits); False if it is gone."""
        loop = asyncio.get_running_loop()
        view = memoryview(payload)
        while view:
            try:
                view = view[os.write(master, view) :]
            except BlockingIOError:
                writable: asyncio.Future[None] = loop.create_future()
                loop.add_writer(master, _set_once, writable)
                try:
                    await writable
                finally:
                    loop.remove_writer(master)
            except OSError:
                return False
        return True

    async def _watch(self, session: Session) -> None:
        """Idle timeout and maximum length, each with a warning before."""
        s = self.settings
        warned_idle = False
        wait = 1.0
        while True:
            # asleep until the next moment a limit may be reached (input only delays them):
            # no wake-up every second for each idle session
            await asyncio.sleep(wait)
            now = time.monotonic()
            idle = now - session.last_input
            age = now - session.started
            longest = s.ssh_max_session_seconds * (1 + session.extensions)
            if idle < s.ssh_idle_timeout_seconds - s.ssh_idle_warning_seconds:
                warned_idle = False
            elif not warned_idle:
                warned_idle = True
                self._signal(session, signal.SIGUSR1)
            if not session.warned_end and age >= longest - s.ssh_idle_warning_seconds:
                session.warned_end = True
                self._signal(session, signal.SIGUSR2)
            if idle >= s.ssh_idle_timeout_seconds or age >= longest:
                session.end_reason = "idle" if idle >= s.ssh_idle_timeout_seconds else "max_length"
                self._end_session(session, signal.SIGTERM)
                return
            moments = [s.ssh_idle_timeout_seconds - idle, longest - age]
            if not warned_idle:
                moments.append(s.ssh_idle_timeout_seconds - s.ssh_idle_warning_seconds - idle)
            if not session.warned_end:
                moments.append(longest - s.ssh_idle_warning_seconds - age)
            wait = min(max(min(moments), 0.05), 60.0)


async def serve(settings: Settings, *, host: str, port: int, demo: bool = False) -> int:
    """Run until SIGTERM or SIGINT, then end every session cleanly."""
    logging.getLogger("asyncssh").setLevel(logging.WARNING)
    application = SshApplication(settings, demo=demo)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for number in (signal.SIGTERM, signal.SIGINT):  # before the ready line: a stop right after it is clean
        loop.add_signal_handler(number, stop.set)
    server = await application.start(host, port)
    print(f"motdepasse: SSH on {host}:{application.port}, host key {application.fingerprint}", flush=True)
    await stop.wait()
    print("motdepasse: stopping, ending the sessions…", flush=True)
    await application.shutdown()
    server.close()
    await server.wait_closed()
    return 0


def run(settings: Settings, host: str, port: int, *, demo: bool = False) -> int:
    log_to_stderr()
    return asyncio.run(serve(settings, host=host, port=port, demo=demo))
