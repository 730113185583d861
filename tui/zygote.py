"""Pre-forked SSH session workers: a *zygote* that imports everything once, then forks one
process per session.

Starting a Python process per session cost ~1 s of CPU before the first screen (imports,
Textual's CSS, an Argon2 hash) and ~70 MiB that nothing shared. ``motdepasse serve`` now
starts one worker process, the zygote (``python -I -u`` on this package, in ``/``, with the
session settings only — never the SMTP ones), which imports Textual, the app and its
screens, the domain, SQLModel and the strength dictionaries, computes what every session
would compute the same way (the dummy Argon2 hashes, the app's stylesheet), freezes its
objects out of the garbage collector's reach (``gc.freeze``: their pages stay shared with
the children), and waits.

For each session the server sends the zygote a typed message (:class:`SessionStart`) with
the session's terminal and its control channel (``SCM_RIGHTS`` over a Unix socket). The
zygote forks; the child takes the terminal as its controlling terminal and standard
streams, applies the session's address-space limit, builds everything that must not be
shared across a fork — the database engine and its pool, threads, the journal writer —
and runs the session. Python reseeds ``random`` in a child by itself; the session's
secrets come from ``os.urandom``. Each session keeps a process of its own: a crash or a
CPU burst in one cannot freeze another.

The zygote answers ``started`` with the child's pid and a pidfd (the server signals the
process through it: no pid reuse race), and ``exited`` with its exit status once it has
reaped it. If the zygote dies, the server starts another; the sessions it forked go on
(the server still holds their pidfds). A session watches its server through a pidfd too:
if the server dies, the session exits at once (no polling). The zygote exits when the
server closes its socket (or dies).
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import ctypes.util
import fcntl
import gc
import json
import logging
import os
import resource
import select
import signal
import socket
import subprocess
import sys
import termios
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tui.session_spec import MESSAGE_LIMIT, BadMessage, SessionStart

log = logging.getLogger("motdepasse.ssh")


def log_token(text: str) -> str:
    """``text`` as one log field (no blank, no '=', no control character)."""
    return "".join(c if c.isalnum() or c in "._:-" else "_" for c in text)[:80]


PACKAGE_ROOT = Path(__file__).resolve().parent.parent

BOOTSTRAP = (
    "import sys; root = sys.argv[1]; root in sys.path or sys.path.append(root); "
    "from tui.zygote import main; sys.exit(main(int(sys.argv[2])))"
)
"""What ``python -I -u -c`` runs: ``-I`` leaves the working directory off the import path
(an editable install or a wheel puts this package on it already)."""

INPUT_LIMITED = signal.SIGRTMIN
"""Ignored by a new session until its app handles it (``tui.ssh_session.INPUT_LIMITED``)."""

START_TIMEOUT_SECONDS = 120.0
"""The longest the server waits for a new zygote to have imported everything."""

FORK_TIMEOUT_SECONDS = 30.0
"""The longest the server waits for the zygote's answer to a session start."""

MMAP_THRESHOLD_BYTES = 1024 * 1024
"""Allocations from this size on get pages of their own, given back when freed: Argon2's
19 MiB buffer leaves a session after each hash (glibc would otherwise raise its threshold
to the buffer's size after the first free and keep the next one in the heap for good)."""

_M_MMAP_THRESHOLD = -3
_PR_SET_NAME = 15
_PR_SET_CHILD_SUBREAPER = 36


def _libc() -> Any:
    return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)


def name_process(name: str) -> None:
    """The process's name in ``ps`` and ``/proc/PID/comm`` (15 bytes at most)."""
    with contextlib.suppress(OSError, AttributeError):
        _libc().prctl(_PR_SET_NAME, ctypes.c_char_p(name.encode("ascii")[:15]), 0, 0, 0)


def become_subreaper() -> bool:
    """The server adopts the sessions of a zygote that died (instead of init): it can
    still read their exit status (``waitid`` on their pidfd). False where unsupported."""
    try:
        return bool(_libc().prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0)
    except (OSError, AttributeError):
        return False


def give_back_large_buffers(threshold: int = MMAP_THRESHOLD_BYTES) -> bool:
    """glibc's mmap threshold fixed at ``threshold`` (``MALLOC_MMAP_THRESHOLD_``, set in the
    process rather than its environment); False where the C library has no ``mallopt``."""
    try:
        return bool(_libc().mallopt(_M_MMAP_THRESHOLD, threshold))
    except (OSError, AttributeError):
        return False


# -- the zygote --------------------------------------------------------------------------


_SETTINGS: list[Any] = []
"""The session settings, read once by the zygote (its environment is the same for every
session it forks)."""


def prepare() -> None:
    """Everything a session would otherwise do at its start the same way, done once."""
    from domain.settings import load_settings

    settings = load_settings()
    if settings.ssh_session_mmap_threshold_kib:
        give_back_large_buffers(settings.ssh_session_mmap_threshold_kib * 1024)
    import tui.ssh_session as ssh_session

    ssh_session.prepare(settings)
    _SETTINGS[:] = [ssh_session.session_settings(settings)]
    gc.collect()
    gc.freeze()  # what is imported stays on pages the children share


def main(fd: int) -> int:
    """The zygote: ``fd`` is its end of the server's socket (SOCK_SEQPACKET)."""
    name_process("mdp-zygote")
    # Ctrl+C in the server's terminal, `timeout`, systemd's stop: the server decides, and
    # closes the socket when its sessions are over (the zygote then exits).
    for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(number, signal.SIG_IGN)
    server = socket.socket(fileno=fd)
    from tui.logs import log_to_server

    log_to_server(os.dup(2))
    try:
        server_pidfd = os.pidfd_open(os.getppid())
    except OSError:
        return 0  # the server is already gone
    started = time.monotonic()
    try:
        prepare()
    except Exception:
        log.exception("session worker could not start")
        return 1
    for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):  # again: whatever the rehearsal set
        signal.signal(number, signal.SIG_IGN)
    if threading.active_count() > 1:  # a fork copies no thread: one left running would be lost
        log.warning("session worker: %d threads left after the rehearsal", threading.active_count() - 1)
    wake_read, wake_write = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
    signal.set_wakeup_fd(wake_write, warn_on_full_buffer=False)
    signal.signal(signal.SIGCHLD, lambda _number, _frame: None)
    _send(server, {"ready": os.getpid(), "seconds": round(time.monotonic() - started, 3)})
    poll = select.poll()
    poll.register(server.fileno(), select.POLLIN)
    poll.register(wake_read, select.POLLIN)
    alive = True
    while alive:
        try:
            events = poll.poll()
        except InterruptedError:
            events = []
        for ready, _mask in events:
            if ready == wake_read:
                with contextlib.suppress(BlockingIOError):
                    while os.read(wake_read, 512):
                        pass
            else:
                alive = _serve_one(server, server_pidfd, (wake_read, wake_write))
        _reap(server)
    return 0


def _serve_one(server: socket.socket, server_pidfd: int, own: tuple[int, int]) -> bool:
    """Read one message from the server and start its session; False once the server has
    closed its end (or is gone)."""
    try:
        data, fds, _flags, _address = socket.recv_fds(server, MESSAGE_LIMIT, 4)
    except (BlockingIOError, InterruptedError):
        return True
    except OSError:
        return False
    if not data:
        for descriptor in fds:
            os.close(descriptor)
        return False
    try:
        start = SessionStart.decode(data)
        if len(fds) != 2:
            raise BadMessage("descriptors")
    except BadMessage as error:
        for descriptor in fds:
            os.close(descriptor)
        log.error("session worker: refused a message (%s)", error)
        return True
    terminal, control = fds
    try:
        pid = os.fork()
    except OSError as error:
        os.close(terminal)
        os.close(control)
        _send(server, {"failed": start.reference, "error": error.strerror or type(error).__name__})
        return True
    if pid == 0:  # the session
        code = 70
        try:
            server.close()
            for descriptor in own:
                os.close(descriptor)
            code = _session(start, terminal, control, server_pidfd)
        finally:
            os._exit(code)
    os.close(terminal)
    os.close(control)
    try:
        pidfd = os.pidfd_open(pid)
    except OSError:  # it has already exited: the server learns it from ``exited``
        pidfd = -1
    _send(server, {"started": start.reference, "pid": pid}, [pidfd] if pidfd >= 0 else [])
    if pidfd >= 0:
        os.close(pidfd)
    return True


def _reap(server: socket.socket) -> None:
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        _send(server, {"exited": pid, "code": os.waitstatus_to_exitcode(status)})


def _send(server: socket.socket, message: Mapping[str, object], fds: list[int] | None = None) -> None:
    with contextlib.suppress(OSError):  # the server is gone: the loop sees it next
        socket.send_fds(server, [json.dumps(message).encode("ascii")], fds or [])


# -- one session, in the forked child ------------------------------------------------------


def _session(start: SessionStart, terminal: int, control: int, server_pidfd: int) -> int:
    """The child's life: the session's terminal, limits and environment, then the app."""
    signal.set_wakeup_fd(-1)
    for number in (signal.SIGCHLD, signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(number, signal.SIG_DFL)
    for number in (signal.SIGUSR1, signal.SIGUSR2, INPUT_LIMITED):  # until the app handles them
        signal.signal(number, signal.SIG_IGN)
    log_fd = os.dup(2)
    os.setsid()
    fcntl.ioctl(terminal, termios.TIOCSCTTY, 0)
    for standard in (0, 1, 2):
        os.dup2(terminal, standard)
    os.close(terminal)
    if start.memory_bytes:
        resource.setrlimit(resource.RLIMIT_AS, (start.memory_bytes, start.memory_bytes))
    for name in ("NO_COLOR", "COLORTERM", "MOTDEPASSE_THEME", "MOTDEPASSE_CURSOR"):
        os.environ.pop(name, None)
    os.environ.update(start.display)
    os.environ["TERM"] = start.term
    name_process("mdp-session")
    threading.Thread(target=_watch_server, args=(server_pidfd,), name="server-watch", daemon=True).start()
    import tui.ssh_session as ssh_session

    code = ssh_session.run(start, control=control, log_fd=log_fd, settings=_SETTINGS[0])
    with contextlib.suppress(Exception):
        sys.stdout.flush()
        logging.shutdown()
    return code


def _watch_server(pidfd: int) -> None:
    """The server died without ending its sessions (SIGKILL, crash): its PTY is gone and
    this session's event loop may block on it — leave at once. A pidfd is readable once
    its process has exited: no polling."""
    with contextlib.suppress(OSError):
        select.select([pidfd], [], [])
    os._exit(0)


# -- the server's side ---------------------------------------------------------------------


def _set_once(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


class Worker:
    """A session process forked by the zygote, as the server sees it: signalled through its
    pidfd; its exit status comes from the zygote (None if the zygote died before it could
    say, a second after the process is gone)."""

    def __init__(self, pid: int, pidfd: int) -> None:
        self.pid = pid
        self.pidfd = pidfd
        self.returncode: int | None = None
        self.gone = False
        loop = asyncio.get_running_loop()
        self._ended: asyncio.Future[int | None] = loop.create_future()
        if pidfd >= 0:
            loop.add_reader(pidfd, self._exited)

    def send_signal(self, number: int) -> None:
        if self.gone or self.pidfd < 0:
            return
        with contextlib.suppress(ProcessLookupError, OSError):
            signal.pidfd_send_signal(self.pidfd, number)

    def _exited(self) -> None:
        """The process has exited: its status is on its way from the zygote — or, if the
        zygote died first, the server adopted the process (:func:`become_subreaper`) and
        reads it here."""
        self.gone = True
        loop = asyncio.get_running_loop()
        loop.remove_reader(self.pidfd)
        try:
            result = os.waitid(os.P_PIDFD, self.pidfd, os.WEXITED | os.WNOHANG)
        except (ChildProcessError, OSError, AttributeError):  # the zygote's child: it says
            result = None
        if result is not None:
            code = result.si_status if result.si_code == os.CLD_EXITED else -result.si_status
            self.finish(code)
            return
        loop.call_later(1.0, self.finish, None)

    def finish(self, code: int | None) -> None:
        if self._ended.done():
            return
        self.gone = True
        self.returncode = code
        if self.pidfd >= 0:
            with contextlib.suppress(ValueError, OSError):
                asyncio.get_running_loop().remove_reader(self.pidfd)
            os.close(self.pidfd)
            self.pidfd = -1
        self._ended.set_result(code)

    async def wait(self) -> int | None:
        return await asyncio.shield(self._ended)


class Zygote:
    """The server's handle on its session worker: starts it (again if it dies), asks it for
    sessions, learns when they end."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self.env = dict(env)
        self.process: subprocess.Popen[bytes] | None = None
        self.pid = 0
        self._socket: socket.socket | None = None
        self._ready: asyncio.Future[None] | None = None
        self._pending: dict[str, asyncio.Future[Worker]] = {}
        self._workers: dict[int, Worker] = {}
        self._stopping = False
        self._restart: asyncio.TimerHandle | None = None
        self.restarts = 0
        self._tasks: set[asyncio.Future[None]] = set()
        self.ready_seconds = 0.0
        """How long the last zygote took to import everything (0: never ready yet)."""

    async def start(self) -> None:
        """Start a zygote and wait until it is ready (RuntimeError if it cannot)."""
        loop = asyncio.get_running_loop()
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        if self._ready is None or self._ready.done():
            self._ready = loop.create_future()
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-I", "-u", "-c", BOOTSTRAP, str(PACKAGE_ROOT), str(theirs.fileno())],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                cwd="/",
                env=self.env,
                close_fds=True,
                pass_fds=(theirs.fileno(),),
                start_new_session=True,  # no signal meant for the server's terminal
            )
        finally:
            theirs.close()
        self.pid = self.process.pid
        ours.setblocking(False)
        self._socket = ours
        loop.add_reader(ours.fileno(), self._readable, ours)
        try:
            await asyncio.wait_for(asyncio.shield(self._ready), START_TIMEOUT_SECONDS)
        except TimeoutError:
            self.process.kill()
            self._lost(ours)
            raise RuntimeError("the session worker did not start in time") from None

    @property
    def ready(self) -> bool:
        return self._ready is not None and self._ready.done() and self._ready.exception() is None

    async def fork(self, start: SessionStart, terminal: int, control: int) -> Worker:
        """A new session process on ``terminal``; OSError if it could not be started."""
        loop = asyncio.get_running_loop()
        if self._ready is None or self._stopping:
            raise OSError("no session worker")
        try:
            await asyncio.wait_for(asyncio.shield(self._ready), START_TIMEOUT_SECONDS)
        except (TimeoutError, RuntimeError) as error:
            raise OSError(f"session worker unavailable: {error}") from None
        sock = self._socket
        assert sock is not None
        future: asyncio.Future[Worker] = loop.create_future()
        self._pending[start.reference] = future
        try:
            message = [start.encode()]
            while True:
                try:
                    socket.send_fds(sock, message, [terminal, control])
                    break
                except BlockingIOError:
                    writable: asyncio.Future[None] = loop.create_future()
                    loop.add_writer(sock.fileno(), _set_once, writable)
                    try:
                        await asyncio.wait_for(writable, FORK_TIMEOUT_SECONDS)
                    finally:
                        loop.remove_writer(sock.fileno())
            return await asyncio.wait_for(asyncio.shield(future), FORK_TIMEOUT_SECONDS)
        except TimeoutError:
            raise OSError("the session worker did not answer") from None
        finally:
            self._pending.pop(start.reference, None)

    def _readable(self, sock: socket.socket) -> None:
        while True:
            try:
                data, fds, _flags, _address = socket.recv_fds(sock, MESSAGE_LIMIT, 2)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                data, fds = b"", []
            if not data:
                self._lost(sock)
                return
            try:
                self._message(json.loads(data), fds)
            except (ValueError, TypeError, KeyError):
                for descriptor in fds:
                    os.close(descriptor)
                log.error("worker_message_unreadable pid=%d", self.pid)

    def _message(self, message: dict[str, Any], fds: list[int]) -> None:
        if "ready" in message:
            self.ready_seconds = max(float(message.get("seconds") or 0), 0.001)
            if self._ready is not None and not self._ready.done():
                self._ready.set_result(None)
            log.info("worker_ready pid=%d seconds=%.2f", self.pid, self.ready_seconds)
        elif "started" in message:
            pid = int(message["pid"])
            worker = Worker(pid, fds[0] if fds else -1)
            self._workers[pid] = worker
            future = self._pending.get(str(message["started"]))
            if future is not None and not future.done():
                future.set_result(worker)
            else:  # the server gave up waiting: that session is gone
                worker.send_signal(signal.SIGKILL)
        elif "failed" in message:
            future = self._pending.get(str(message["failed"]))
            if future is not None and not future.done():
                future.set_exception(OSError(str(message.get("error") or "fork failed")))
        elif "exited" in message:
            exited = self._workers.pop(int(message["exited"]), None)
            if exited is not None:
                exited.finish(int(message["code"]))

    def _lost(self, sock: socket.socket) -> None:
        """The zygote is gone (or stopped): its sessions go on; another zygote is started
        unless the server is stopping."""
        loop = asyncio.get_running_loop()
        with contextlib.suppress(ValueError, OSError):
            loop.remove_reader(sock.fileno())
        sock.close()
        if self._socket is sock:
            self._socket = None
        failure = OSError("the session worker stopped")
        if self._ready is not None and not self._ready.done():
            self._ready.set_exception(RuntimeError("the session worker stopped while starting"))
            self._ready.exception()  # retrieved: nobody may be waiting
        for future in self._pending.values():
            if not future.done():
                future.set_exception(failure)
        self._workers.clear()  # their pidfds still say when they end
        process = self.process
        if process is not None:  # reaped off the loop (it may take a moment to exit)
            loop.run_in_executor(None, process.wait)
        if self._stopping or not self.ready_seconds:  # never ready: the server's start fails
            return
        log.warning("worker_lost pid=%d: starting another", self.pid)
        self.restarts += 1
        self._ready = loop.create_future()  # sessions wait for the next one
        self._ready.add_done_callback(lambda future: future.cancelled() or future.exception())
        self._again(0.0 if self.restarts <= 3 else 5.0)

    def _again(self, delay: float) -> None:
        self._restart = asyncio.get_running_loop().call_later(delay, self._start_task)

    def _start_task(self) -> None:
        self._restart = None
        task = asyncio.ensure_future(self._start_again())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _start_again(self) -> None:
        try:
            await self.start()
        except (RuntimeError, OSError) as error:
            log.error("worker_failed error=%s: trying again in 5 s", log_token(str(error)))
            if not self._stopping and self._restart is None:  # else the loss scheduled one
                self._again(5.0)

    def closing(self) -> None:
        """The server stops: a zygote lost from now on is not started again."""
        self._stopping = True
        if self._restart is not None:
            self._restart.cancel()

    async def stop(self) -> None:
        """Close the socket: the zygote exits (running sessions are the server's business)."""
        self.closing()
        if self._socket is not None:
            self._lost(self._socket)
        if self.process is not None and self.process.poll() is None:
            deadline = time.monotonic() + 5
            while self.process.poll() is None and time.monotonic() < deadline:
                await asyncio.sleep(0.02)
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
