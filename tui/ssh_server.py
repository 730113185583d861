"""``motdepasse serve``: the app over SSH, with asyncssh.

Isolation: each session runs in its own process (``python -m tui.ssh_session``) on a
pseudo-terminal the server creates; the server only relays bytes between the SSH channel
and the PTY. A crash or a CPU burst in one session cannot freeze another, and a session's
memory goes back to the system when it ends. The cost is one Python start per session
(measured in docs/PERFORMANCE.md).

Any user name reaches the user app without SSH authentication, as public SSH
applications do; the user name ``support`` must authenticate with a key listed in the
support authorized-keys file and reaches the support console. Everything else a client
can ask for (no PTY, exec commands, subsystems such as SFTP, port, agent and X11
forwarding) is refused with a one-line message.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import logging
import os
import re
import signal
import struct
import sys
import termios
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from pathlib import Path

import asyncssh

from domain.i18n import N_, Translator, parse_language
from domain.journal import new_reference
from domain.settings import Settings
from tui.logs import log_to_stderr

log = logging.getLogger("motdepasse.ssh")

SUPPORT_USER = "support"

REFUSED_NO_PTY = N_("motdepasse needs an interactive terminal: connect with ssh -t.")
REFUSED_COMMAND = N_("motdepasse runs no commands: connect without a command.")
REFUSED_SUBSYSTEM = N_("motdepasse offers no subsystem (no SFTP).")
REFUSED_BUSY = N_("Too many sessions at the moment. Try again in a few minutes.")
REFUSED_CLIENT_BUSY = N_("Too many sessions from your address. Close one and try again.")
REFUSED_RATE = N_("Too many connections from your address. Wait a minute and try again.")
ENDED = {
    "idle": N_("Session closed after {duration} without activity."),
    "max_length": N_("Session closed: it reached its maximum length of {duration}."),
    "server_shutdown": N_("The server is stopping: session closed. Please reconnect in a moment."),
}


_TERM_CHARS = re.compile(r"[^A-Za-z0-9._+-]")
_LOG_CHARS = re.compile(r"[^\w.@+:-]")


def log_safe(value: str, *, allowed: re.Pattern[str] = _LOG_CHARS) -> str:
    """What a client sends (user name, TERM) as one log-safe token: no blank, no control
    character, no '=' that could forge a field or a line."""
    return allowed.sub("_", value)[:64]


def set_winsize(fd: int, columns: int, rows: int) -> None:
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", max(rows, 1), max(columns, 1), 0, 0))


def _controlling_tty() -> None:  # pragma: no cover - runs in the child before exec
    os.setsid()
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def load_host_key(path: Path) -> asyncssh.SSHKey:
    """The server's ed25519 host key, generated (mode 600) on first start."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        key = asyncssh.generate_private_key("ssh-ed25519")
        path.touch(mode=0o600)
        key.write_private_key(str(path))
        key.write_public_key(str(path) + ".pub")
    return asyncssh.read_private_key(str(path))


@dataclass
class Session:
    reference: str
    client: str
    username: str
    term: str
    size: tuple[int, int]
    started: float = field(default_factory=time.monotonic)
    last_input: float = field(default_factory=time.monotonic)
    child: asyncio.subprocess.Process | None = None
    end_reason: str | None = None
    staff: str | None = None
    """The SHA256 fingerprint of the key ``support`` signed in with."""


class Limits:
    """Counts sessions and connections, in this server process."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.sessions: dict[str, Session] = {}
        self.per_client: dict[str, int] = defaultdict(int)
        self.connections: dict[str, deque[float]] = defaultdict(deque)

    def connection_allowed(self, client: str) -> bool:
        now = time.monotonic()
        recent = self.connections[client]
        while recent and now - recent[0] > 60:
            recent.popleft()
        recent.append(now)
        return len(recent) <= self.settings.ssh_connections_per_minute

    def refusal(self, client: str) -> str | None:
        if len(self.sessions) >= self.settings.ssh_max_sessions:
            return REFUSED_BUSY
        if self.per_client[client] >= self.settings.ssh_max_sessions_per_client:
            return REFUSED_CLIENT_BUSY
        return None


class MotDePasseSSHServer(asyncssh.SSHServer):
    def __init__(self, app: SshApplication) -> None:
        self._app = app
        self._conn: asyncssh.SSHServerConnection | None = None
        self.rate_limited = False
        self.staff_key: str | None = None

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self._conn = conn
        peer = conn.get_extra_info("peername")
        client = str(peer[0]) if peer else "unknown"
        self.rate_limited = not self._app.limits.connection_allowed(client)

    def begin_auth(self, username: str) -> bool:
        return username == SUPPORT_USER  # anyone else reaches the user app, as public SSH apps do

    def public_key_auth_supported(self) -> bool:
        return True

    def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
        """``support`` only, with a key listed in the support authorized-keys file."""
        if username != SUPPORT_USER:
            return False
        for allowed in self._app.support_keys():
            if allowed.public_data == key.public_data:
                self.staff_key = key.get_fingerprint("sha256")
                return True
        return False

    def password_auth_supported(self) -> bool:
        return False

    def kbdint_auth_supported(self) -> bool:
        return False


class SshApplication:
    """The server: accepts connections, starts one session process per PTY session."""

    def __init__(self, settings: Settings, *, demo: bool = False) -> None:
        self.settings = settings
        self.demo = demo
        self.limits = Limits(settings)
        self.host_key_path = settings.ssh_host_key or settings.data_dir / "ssh_host_ed25519_key"
        self.support_keys_path = settings.ssh_support_keys or settings.data_dir / "support_authorized_keys"
        self._server: asyncssh.SSHAcceptor | None = None
        self.fingerprint = ""
        self._stopping = asyncio.Event()

    def support_keys(self) -> list[asyncssh.SSHKey]:
        """The keys in the support authorized-keys file (read at each login: edits apply at once)."""
        path = self.support_keys_path
        if not path.exists():
            return []
        keys = []
        for line in path.read_text().splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                with contextlib.suppress(asyncssh.KeyImportError):
                    keys.append(asyncssh.import_public_key(line))
        return keys

    async def start(self, host: str, port: int) -> asyncssh.SSHAcceptor:
        key = load_host_key(self.host_key_path)
        self.fingerprint = key.get_fingerprint("sha256")
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

    async def shutdown(self, grace: float = 10.0) -> None:
        """SIGTERM: stop accepting, tell every user, end every session cleanly."""
        self._stopping.set()
        if self._server is not None:
            self._server.close()
        for session in list(self.limits.sessions.values()):
            session.end_reason = "server_shutdown"
            self._signal(session, signal.SIGTERM)
        deadline = time.monotonic() + grace
        while self.limits.sessions and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        for session in list(self.limits.sessions.values()):
            self._signal(session, signal.SIGKILL)

    @staticmethod
    def _signal(session: Session, number: int) -> None:
        if session.child is not None and session.child.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                session.child.send_signal(number)

    async def _handle(self, process: asyncssh.SSHServerProcess[bytes]) -> None:
        conn = process.channel.get_connection()
        peer = conn.get_extra_info("peername")
        client = str(peer[0]) if peer else "unknown"
        username = log_safe(str(process.get_extra_info("username") or ""))
        env = dict(process.env)
        lang = parse_language(env.get("LC_ALL") or env.get("LC_MESSAGES") or env.get("LANG"), self.settings.lang)
        t = Translator(lang)
        raw_term = process.get_terminal_type()
        # None: no PTY. An empty type (ssh -tt without TERM) is a PTY all the same.
        term = None if raw_term is None else (log_safe(raw_term, allowed=_TERM_CHARS) or "xterm")
        started = time.monotonic()

        def refuse(message: str, how: str) -> None:
            process.stderr.write((t._(message) + "\r\n").encode())
            process.exit(1)
            log.info(
                "refused client=%s user=%s term=%s how=%s duration=%.1fs",
                client,
                username,
                term or "-",
                how,
                time.monotonic() - started,
            )

        server = conn.get_owner()
        if isinstance(server, MotDePasseSSHServer) and server.rate_limited:
            return refuse(REFUSED_RATE, "rate_limited")
        if process.subsystem:
            return refuse(REFUSED_SUBSYSTEM, "subsystem")
        if process.command:
            return refuse(REFUSED_COMMAND, "command")
        if term is None:
            return refuse(REFUSED_NO_PTY, "no_pty")
        busy = self.limits.refusal(client)
        if busy or self._stopping.is_set():
            return refuse(busy or REFUSED_BUSY, "busy")
        columns, rows, _, _ = process.get_terminal_size()
        session = Session(new_reference(), client, username, term, (columns, rows))
        session.staff = server.staff_key if isinstance(server, MotDePasseSSHServer) else None
        await self._run(process, session, lang, t)

    async def _run(self, process: asyncssh.SSHServerProcess[bytes], session: Session, lang: str, t: Translator) -> None:
        limits = self.limits
        limits.sessions[session.reference] = session
        limits.per_client[session.client] += 1
        log.info(
            "connect client=%s user=%s term=%s size=%dx%d ref=%s",
            session.client,
            session.username,
            session.term,
            session.size[0],
            session.size[1],
            session.reference,
        )
        master, slave = os.openpty()
        set_winsize(master, *session.size)
        env = {
            key: value for key, value in os.environ.items() if key.startswith("MOTDEPASSE_") or key in ("PATH", "HOME")
        }
        env.update(
            TERM=session.term,
            LANG="C.UTF-8",
            PYTHONUNBUFFERED="1",
            MOTDEPASSE_SESSION=json.dumps(
                {
                    "lang": lang,
                    "client": session.client,
                    "ref": session.reference,
                    "support": session.username == SUPPORT_USER and session.staff is not None,
                    "staff": f"ssh-key:{session.staff}" if session.staff else None,
                    "demo": self.demo,
                }
            ),
        )
        log_fd = os.dup(sys.stderr.fileno())
        env["MOTDEPASSE_LOG_FD"] = str(log_fd)
        code = 1
        try:
            session.child = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "tui.ssh_session",
                stdin=slave,
                stdout=slave,
                stderr=slave,
                env=env,
                preexec_fn=_controlling_tty,
                close_fds=True,
                pass_fds=(log_fd,),
            )
            os.close(log_fd)
            log_fd = -1
            os.close(slave)
            slave = -1
            pumps = [
                asyncio.create_task(self._output(master, process)),
                asyncio.create_task(self._input(master, process, session)),
                asyncio.create_task(self._watch(session)),
            ]
            code = await session.child.wait()
            await asyncio.wait_for(pumps[0], timeout=2)
        except (TimeoutError, OSError):
            pass
        finally:
            for task in locals().get("pumps", []):
                task.cancel()
            if slave >= 0:
                os.close(slave)
            if log_fd >= 0:
                os.close(log_fd)
            os.close(master)
            limits.sessions.pop(session.reference, None)
            limits.per_client[session.client] -= 1
        how = session.end_reason or ("quit" if code == 0 else f"exit_{code}")
        if session.end_reason in ENDED:
            seconds = (
                self.settings.ssh_idle_timeout_seconds
                if session.end_reason == "idle"
                else self.settings.ssh_max_session_seconds
            )
            farewell = t._(ENDED[session.end_reason]).format(duration=t.duration(seconds))
            with contextlib.suppress(Exception):
                process.stdout.write(f"\r\n{farewell}\r\n".encode())
        log.info(
            "disconnect client=%s user=%s term=%s size=%dx%d ref=%s duration=%.1fs end=%s",
            session.client,
            session.username,
            session.term,
            session.size[0],
            session.size[1],
            session.reference,
            time.monotonic() - session.started,
            how,
        )
        with contextlib.suppress(Exception):
            process.exit(0 if code == 0 else 1)

    async def _output(self, master: int, process: asyncssh.SSHServerProcess[bytes]) -> None:
        """PTY → SSH, with the client's pace (drain)."""
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader()
        transport, _ = await loop.connect_read_pipe(
            lambda: asyncio.StreamReaderProtocol(reader), os.fdopen(os.dup(master), "rb", buffering=0)
        )
        try:
            while True:
                try:
                    data = await reader.read(65536)
                except OSError:  # EIO once the session process has gone
                    break
                if not data:
                    break
                process.stdout.write(data)
                await process.stdout.drain()
        finally:
            transport.close()

    async def _input(self, master: int, process: asyncssh.SSHServerProcess[bytes], session: Session) -> None:
        """SSH → PTY; window size changes reflow the session's screen."""
        while True:
            try:
                data = await process.stdin.read(4096)
            except asyncssh.TerminalSizeChanged as change:
                session.size = (change.width, change.height)
                set_winsize(master, change.width, change.height)
                continue
            except asyncssh.BreakReceived:
                continue
            except (asyncssh.Error, OSError):  # the connection was lost (client killed, network)
                data = b""
                session.end_reason = session.end_reason or "connection_lost"
            if not data:
                session.end_reason = session.end_reason or "client_closed"
                self._signal(session, signal.SIGHUP)
                return
            session.last_input = time.monotonic()
            view = memoryview(data)
            while view:
                try:
                    written = os.write(master, view)
                    view = view[written:]
                except BlockingIOError:
                    await asyncio.sleep(0.01)

    async def _watch(self, session: Session) -> None:
        """Idle timeout and maximum length, each with a warning before."""
        s = self.settings
        warned_idle = warned_end = False
        while True:
            await asyncio.sleep(1)
            now = time.monotonic()
            idle = now - session.last_input
            age = now - session.started
            if idle < s.ssh_idle_timeout_seconds - s.ssh_idle_warning_seconds:
                warned_idle = False
            elif not warned_idle:
                warned_idle = True
                self._signal(session, signal.SIGUSR1)
            if not warned_end and age >= s.ssh_max_session_seconds - s.ssh_idle_warning_seconds:
                warned_end = True
                self._signal(session, signal.SIGUSR2)
            if idle >= s.ssh_idle_timeout_seconds or age >= s.ssh_max_session_seconds:
                session.end_reason = "idle" if idle >= s.ssh_idle_timeout_seconds else "max_length"
                self._signal(session, signal.SIGTERM)
                return


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
