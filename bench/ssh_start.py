"""Benchmark: two releases of ``motdepasse serve`` side by side: session start, memory, idle CPU.

Run with ``uv run python bench/ssh_start.py [--before HEAD]`` (about 10 minutes with the
defaults on 2 CPUs; ``--max-seconds`` bounds the whole run). Not a pytest test. "Before" is
the release at ``--before``, checked out with ``git worktree`` in a temporary folder with its
own locked environment (``uv sync --frozen --no-dev``); "after" is this checkout, with this
interpreter. Both trees and their environments are byte-compiled first (with
``PYTHONDONTWRITEBYTECODE`` set, nothing would be cached and every import would compile).

Each release runs its own server (``python -m tui.cli serve --demo --port 0`` in its tree, a
temporary data directory, the CAPTCHA off, the session and connection limits raised, idle
and length limits far away); both run at once and are measured in turns (before, after,
before, after…) so that the noise of the machine falls on both alike. Everything is seen
from outside: the client is the real OpenSSH client (``ssh -tt`` on a pty, through pexpect)
and what it shows is drawn by a terminal emulator (pyte, 80×24); the processes are found in
``/proc``: the *session processes* are the server's descendants that have a terminal (a
controlling terminal, or a pty on their standard input), the *helpers* its other
descendants. Measured:

1. **Login screen, one session at a time.** ``--runs`` sessions per release (after one
   warm-up session each, not counted): time from the start of ``ssh`` to the first byte it
   prints and to the whole login screen (title, email label, CAPTCHA hint, key hints).
   Each session is quit with Ctrl+Q, and its process is gone before the next one starts.
2. **Bursts.** ``--bursts`` clients started at the same moment: for each, the time from the
   start of its ``ssh`` to the first line of text on its screen and to the whole login
   screen; median and max of the burst.
3. **Memory per session.** ``--open`` sessions per release (both releases at once, opened 10
   at a time, each waited to its login screen): the private memory of each session process
   (USS: ``Private_Clean + Private_Dirty``) and its proportional share (PSS: shared pages
   divided between the processes sharing them) from ``/proc/PID/smaps_rollup``, idle on
   the login screen, then again 3 s after each session logged in to the home page of a demo
   account. Also the server's own memory and that of any helper, and the PSS of the whole
   process tree: the honest total.
4. **Idle CPU.** With those sessions open and nobody typing, for ``--idle-seconds`` on the
   login screen and again on the home page: CPU time (user + system) of each session process,
   of the server and of the helpers, in ms of CPU per second; and the bytes each client
   receives meanwhile.
5. **Echo under load** (``--echo``, off by default). ``--echo-sessions`` sessions open per
   release (one release at a time, with asyncssh's client), ``--echo-typers`` of them typing
   in the email field, one key ``--think`` seconds after the previous one was echoed:
   p50, p95 and max of the time from sending a key to seeing it in the field.

The output is Markdown for docs/PERFORMANCE.md, the command line used at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import os
import platform
import re
import selectors
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import asyncssh
import pexpect
import pyte

ROOT = Path(__file__).resolve().parents[1]
READY = re.compile(r"motdepasse: SSH on (?P<host>\S+):(?P<port>\d+), host key")
TITLE = "Connexion à mon espace professionnel"
EMAIL_LABEL = "Adresse électronique de connexion"
PASSWORD_LABEL = "Mot de passe"
FULL_FRAME = (TITLE, EMAIL_LABEL, "(CAPTCHA désactivé", "champ suivant")
# The demo account whose password is valid and not expiring soon (domain/demo.py): its
# login lands on the home page.
EMAIL = "lila.rosemonde@orange.fr"
PASSWORD = "Glycine-Orage-Violon-2023"
HOME = "Bienvenue, Lila ROSEMONDE"
USER = "lila"
CTRL_Q = b"\x11"
SSH_OPTIONS = (
    "-F",
    "/dev/null",
    "-a",
    "-x",
    "-o",
    "StrictHostKeyChecking=no",
    "-o",
    "UserKnownHostsFile=/dev/null",
    "-o",
    "LogLevel=ERROR",
    "-o",
    "BatchMode=yes",
    "-o",
    "IdentityAgent=none",
    "-o",
    "ControlPath=none",
)
SERVER_SETTINGS = {
    "MOTDEPASSE_CAPTCHA": "off",
    "MOTDEPASSE_SSH_MAX_SESSIONS": "5000",
    "MOTDEPASSE_SSH_MAX_SESSIONS_PER_CLIENT": "5000",
    "MOTDEPASSE_SSH_CONNECTIONS_PER_MINUTE": "100000",
    "MOTDEPASSE_SSH_MAX_CONNECTIONS": "5000",
    "MOTDEPASSE_SSH_MAX_CONNECTIONS_PER_CLIENT": "5000",
    "MOTDEPASSE_SSH_SESSION_OPEN_TIMEOUT_SECONDS": "600",
    "MOTDEPASSE_SSH_IDLE_TIMEOUT_SECONDS": "86400",
    "MOTDEPASSE_SSH_MAX_SESSION_SECONDS": "86400",
}
CLOCK_TICK = os.sysconf("SC_CLK_TCK")
MIB = 1024  # smaps_rollup counts KiB
nan = float("nan")
ECHO_MEMORY_RESERVE_MIB = 2048  # --echo opens no more sessions when less memory is available


class OutOfTime(Exception):
    """``--max-seconds`` is over."""


class Clock:
    def __init__(self, seconds: float) -> None:
        self.deadline = time.monotonic() + seconds

    def left(self) -> float:
        return self.deadline - time.monotonic()

    def check(self) -> None:
        if self.left() <= 0:
            raise OutOfTime("the time limit (--max-seconds) is over")


# -- /proc -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Proc:
    pid: int
    ppid: int
    tty_nr: int
    ticks: int  # utime + stime


def read_proc(pid: int) -> Proc | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return Proc(pid, int(fields[1]), int(fields[4]), int(fields[11]) + int(fields[12]))


def descendants(root: int) -> list[Proc]:
    """Every process below ``root`` (the ppid links of ``/proc/*/stat``, recursively)."""
    children: dict[int, list[Proc]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (proc := read_proc(int(entry.name))) is not None:
            children.setdefault(proc.ppid, []).append(proc)
    found, todo = [], [root]
    while todo:
        for proc in children.get(todo.pop(), []):
            found.append(proc)
            todo.append(proc.pid)
    return found


def has_terminal(proc: Proc) -> bool:
    if proc.tty_nr:
        return True
    try:
        return os.readlink(f"/proc/{proc.pid}/fd/0").startswith("/dev/pts/")
    except OSError:
        return False


@dataclass(frozen=True)
class Memory:
    rss: int  # KiB
    pss: int
    uss: int


def memory_of(pid: int) -> Memory | None:
    values: dict[str, int] = {}
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            name, _, rest = line.partition(":")
            if name in ("Rss", "Pss", "Private_Clean", "Private_Dirty"):
                values[name] = int(rest.split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return Memory(
        values.get("Rss", 0), values.get("Pss", 0), values.get("Private_Clean", 0) + values.get("Private_Dirty", 0)
    )


# -- a release and its server --------------------------------------------------------------


@dataclass
class Release:
    label: str
    python: Path
    root: Path
    data_dir: Path
    process: subprocess.Popen[bytes] | None = None
    host: str = "127.0.0.1"
    port: int = 0
    exit_code: int | None = None

    def tree(self) -> tuple[list[Proc], list[Proc]]:
        """(session processes, helpers) now running below the server."""
        assert self.process is not None
        procs = descendants(self.process.pid)
        sessions = [p for p in procs if has_terminal(p)]
        return sessions, [p for p in procs if p not in sessions]

    def server_proc(self) -> Proc | None:
        assert self.process is not None
        return read_proc(self.process.pid)

    def start(self, clock: Clock) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("MOTDEPASSE_")}
        env.update(SERVER_SETTINGS, MOTDEPASSE_DATA_DIR=str(self.data_dir), PYTHONUNBUFFERED="1")
        out = self.data_dir / "server.out"
        with out.open("wb") as stdout, (self.data_dir / "server.log").open("wb") as stderr:
            self.process = subprocess.Popen(
                [str(self.python), "-m", "tui.cli", "serve", "--demo", "--host", "127.0.0.1", "--port", "0"],
                cwd=self.root,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=stdout,
                stderr=stderr,
                start_new_session=True,  # Ctrl+C on the benchmark does not reach it: it is stopped below
            )
        limit = time.monotonic() + min(120, max(1, clock.left()))
        while time.monotonic() < limit:
            ready = READY.search(out.read_text(errors="replace"))
            if ready:
                self.host, self.port = ready["host"], int(ready["port"])
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        raise RuntimeError(f"{self.label}: the server did not start:\n{self.log_tail()}")

    def log_tail(self, lines: int = 30) -> str:
        with contextlib.suppress(OSError):
            return "\n".join((self.data_dir / "server.log").read_text(errors="replace").splitlines()[-lines:])
        return ""

    def stop(self, timeout: float = 30) -> None:
        if self.process is None or self.exit_code is not None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            self.exit_code = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
            self.exit_code = -9

    def wait_sessions_gone(self, clock: Clock, timeout: float = 30) -> bool:
        limit = time.monotonic() + timeout
        while self.tree()[0]:
            clock.check()
            if time.monotonic() > limit:
                return False
            time.sleep(0.05)
        return True


def make_worktree(rev: str, folder: Path, clock: Clock) -> tuple[Path, str]:
    """A worktree of ``rev`` in ``folder`` with its own environment; (root, short rev)."""
    short = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", f"{rev}^{{commit}}"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    subprocess.run(
        ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(folder), rev],
        check=True,
        capture_output=True,
        timeout=max(1, clock.left()),
    )
    subprocess.run(
        ["uv", "sync", "--frozen", "--no-dev", "--project", str(folder), "-q"],
        check=True,
        timeout=max(1, clock.left()),
    )
    return folder, short


def byte_compile(release: Release, clock: Clock) -> None:
    """Compile the tree's packages and its environment's site-packages (errors ignored:
    some packages ship files that are not meant to compile)."""
    purelib = subprocess.run(
        [str(release.python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    for target, exclude in ((release.root, r"/(\.git|\.venv|tests|bench|node_modules)/"), (Path(purelib), "")):
        command = [str(release.python), "-m", "compileall", "-q", "-j", "0"]
        if exclude:
            command += ["-x", exclude]
        subprocess.run(
            [*command, str(target)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=max(1, clock.left()),
            check=False,
        )


# -- OpenSSH clients, on ptys ---------------------------------------------------------------


def field_below(lines: Sequence[str], label: str) -> str | None:
    """What the line under ``label`` shows (an input field of the login screen)."""
    for row, line in enumerate(lines[:-1]):
        if line.strip() == label:
            return lines[row + 1].strip()
    return None


@dataclass
class Client:
    release: Release
    child: pexpect.spawn
    started: float
    screen: pyte.Screen
    stream: pyte.ByteStream
    first_byte: float | None = None
    first_line: float | None = None
    login_screen: float | None = None
    received: int = 0
    eof: bool = False
    test: Callable[[Sequence[str]], bool] | None = None
    matched: float | None = None

    @property
    def fd(self) -> int:
        return int(self.child.child_fd)

    def feed(self, data: bytes, now: float) -> None:
        self.received += len(data)
        if self.first_byte is None:
            self.first_byte = now - self.started
        self.stream.feed(data)
        if self.login_screen is None or self.test is not None:
            lines = self.screen.display
            if self.first_line is None and any(line.strip() for line in lines):
                self.first_line = now - self.started
            if self.login_screen is None:
                shown = "\n".join(lines)
                if all(text in shown for text in FULL_FRAME):
                    self.login_screen = now - self.started
            if self.test is not None and self.matched is None and self.test(lines):
                self.matched = now

    def expect(self, test: Callable[[Sequence[str]], bool]) -> None:
        """From now on, note when the screen passes ``test``."""
        self.test, self.matched = test, None
        if test(self.screen.display):
            self.matched = time.perf_counter()

    def send(self, data: bytes) -> None:
        if not self.eof:
            with contextlib.suppress(OSError):
                os.write(self.fd, data)

    def text(self) -> str:
        return "\n".join(line.rstrip() for line in self.screen.display)


class Clients:
    """Every ssh client open, read together (their output is drained all the time)."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.selector = selectors.DefaultSelector()
        self.open: list[Client] = []
        env = {k: v for k, v in os.environ.items() if not k.startswith("LC_")}
        env.update(TERM="xterm-256color", LANG="C.UTF-8")
        self.env = env

    def spawn(self, release: Release) -> Client:
        screen = pyte.Screen(80, 24)
        started = time.perf_counter()
        child = pexpect.spawn(
            "ssh",
            ["-tt", "-p", str(release.port), *SSH_OPTIONS, f"{USER}@{release.host}"],
            dimensions=(24, 80),
            env=self.env,
        )
        client = Client(release, child, started, screen, pyte.ByteStream(screen))
        self.selector.register(client.fd, selectors.EVENT_READ, client)
        self.open.append(client)
        return client

    def pump(self, until: Callable[[], bool], timeout: float) -> bool:
        """Read every client until ``until()`` holds (True) or ``timeout`` seconds (False)."""
        limit = time.perf_counter() + timeout
        while not until():
            self.clock.check()
            left = limit - time.perf_counter()
            if left <= 0:
                return False
            if not self.selector.get_map():
                time.sleep(min(left, 0.1))
                continue
            for key, _ in self.selector.select(min(left, 0.1)):
                client: Client = key.data
                try:
                    data = os.read(client.fd, 65536)
                except OSError:
                    data = b""
                if data:
                    client.feed(data, time.perf_counter())
                else:
                    self._ended(client)
        return True

    def idle(self, seconds: float) -> None:
        self.pump(lambda: False, seconds)

    def _ended(self, client: Client) -> None:
        client.eof = True
        with contextlib.suppress(KeyError, ValueError):
            self.selector.unregister(client.fd)

    def close(self, clients: Sequence[Client], timeout: float = 30) -> int:
        """Quit with Ctrl+Q and wait for each ssh to exit; those still there after
        ``timeout`` get SIGHUP (then worse). The number that did not quit by themselves."""
        for client in clients:
            client.send(CTRL_Q)
        with contextlib.suppress(OutOfTime):
            self.pump(lambda: all(c.eof for c in clients), timeout)
        stubborn = 0
        for client in clients:
            if not client.eof:
                stubborn += 1
                self._ended(client)
            with contextlib.suppress(pexpect.ExceptionPexpect, OSError):
                # SIGHUP: ssh closes its channel and exits (SIGKILL would leave the session
                # running until the server notices)
                client.child.close(force=True)
            with contextlib.suppress(ValueError):
                self.open.remove(client)
        return stubborn

    def close_all(self) -> None:
        for client in self.open:
            self._ended(client)
            with contextlib.suppress(pexpect.ExceptionPexpect, OSError):
                client.child.close(force=True)
        self.open.clear()


# -- statistics and formats ------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))]


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def ratio(before: float, after: float) -> str:
    if before != before or after != after or before == 0:  # NaN or nothing to divide by
        return "–"
    return f"{after / before:.2f}"


def show(value: float, fmt: str) -> str:
    if value != value:  # NaN: nothing measured
        return "–"
    return "timeout" if value == float("inf") else format(value, fmt)


Row = tuple[str, float, float] | tuple[str, float, float, str]


def table(releases: Sequence[Release], rows: Sequence[Row], fmt: str) -> list[str]:
    """Rows of (measure, before, after[, format]) with their after/before ratio."""
    lines = [
        f"| | {releases[0].label} | {releases[1].label} | after/before |",
        "|---|---:|---:|---:|",
    ]
    for name, before, after, *own in rows:
        shown = [show(v, own[0] if own else fmt) for v in (before, after)]
        lines.append(f"| {name} | {shown[0]} | {shown[1]} | {ratio(before, after)} |")
    return lines


def ms(seconds: Sequence[float]) -> list[float]:
    return [value * 1000 for value in seconds]


# -- 1. the login screen, one session at a time ----------------------------------------------


def cpu_seconds_of(pid: int) -> float:
    """CPU time of every thread of ``pid`` so far (``/proc/PID/task/*/schedstat``, ns)."""
    total = 0
    for task in Path(f"/proc/{pid}/task").glob("*/schedstat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            total += int(task.read_text().split()[0])
    return total / 1e9


def login_screen_alone(clients: Clients, release: Release, clock: Clock) -> tuple[float, float, float]:
    """(first byte, whole login screen) in seconds from the start of ssh, and the CPU time
    the session process had used when its login screen was whole (since it was forked or
    started: a forked process's counters start at zero)."""
    client = clients.spawn(release)
    clients.pump(lambda: client.login_screen is not None or client.eof, 60)
    sessions, _helpers = release.tree()
    cpu = sum(cpu_seconds_of(proc.pid) for proc in sessions)
    first_byte, login_screen = client.first_byte, client.login_screen
    screen = client.text()
    clients.close([client])
    release.wait_sessions_gone(clock)
    if first_byte is None or login_screen is None:
        raise RuntimeError(f"{release.label}: no login screen with OpenSSH:\n{screen}\n{release.log_tail()}")
    return first_byte, login_screen, cpu


def measure_login(clients: Clients, releases: Sequence[Release], args: argparse.Namespace, clock: Clock) -> list[str]:
    for release in releases:  # warm-up: the first session reads files the next ones find cached
        login_screen_alone(clients, release, clock)
    results: dict[str, list[tuple[float, float, float]]] = {r.label: [] for r in releases}
    for _ in range(args.runs):
        for release in releases:
            results[release.label].append(login_screen_alone(clients, release, clock))
    first = [ms([r[0] for r in results[release.label]]) for release in releases]
    whole = [ms([r[1] for r in results[release.label]]) for release in releases]
    cpu = [ms([r[2] for r in results[release.label]]) for release in releases]
    rows = []
    for name, values in (("first byte", first), ("whole login screen", whole), ("session CPU to it", cpu)):
        rows += [
            (f"{name}, median", median(values[0]), median(values[1])),
            (f"{name}, p95", percentile(values[0], 95), percentile(values[1], 95)),
            (f"{name}, max", max(values[0]), max(values[1])),
        ]
    return [
        "### Login screen over SSH, one session at a time",
        "",
        f"{args.runs} sessions per release, in turns, after one warm-up session each; milliseconds from "
        "the start of `ssh -tt` to its first byte of output and to the whole login screen (80×24); and "
        "the CPU time the session process had used by then (all its threads, from "
        "`/proc/PID/task/*/schedstat`; a forked process counts from its fork).",
        "",
        *table(releases, rows, ".0f"),
        "",
    ]


# -- 2. bursts ---------------------------------------------------------------------------------


@dataclass
class Burst:
    size: int
    spawned_in: float
    first_line: list[float]
    login_screen: list[float]
    failures: int


def burst(clients: Clients, release: Release, size: int, clock: Clock) -> Burst:
    started = time.perf_counter()
    group = [clients.spawn(release) for _ in range(size)]
    spawned_in = time.perf_counter() - started
    clients.pump(lambda: all(c.login_screen is not None or c.eof for c in group), 60 + 3 * size)
    result = Burst(
        size,
        spawned_in,
        [c.first_line for c in group if c.first_line is not None],
        [c.login_screen for c in group if c.login_screen is not None],
        sum(c.login_screen is None for c in group),
    )
    clients.close(group)
    release.wait_sessions_gone(clock, timeout=60)
    return result


def measure_bursts(clients: Clients, releases: Sequence[Release], args: argparse.Namespace, clock: Clock) -> list[str]:
    rows: list[tuple[str, float, float]] = []
    notes = []
    spawned = []
    for size in args.bursts:
        results = [burst(clients, release, size, clock) for release in releases]
        for name, key in (("first text line", "first_line"), ("whole login screen", "login_screen")):
            values = [getattr(result, key) for result in results]
            rows.append((f"{size} at once: {name}, median", median(values[0]), median(values[1])))
            rows.append((f"{size} at once: {name}, max", max(values[0], default=nan), max(values[1], default=nan)))
        spawned += [result.spawned_in for result in results]
        for release, result in zip(releases, results, strict=True):
            if result.failures:
                notes.append(f"{release.label}, {size} at once: {result.failures} without a login screen.")
    return [
        "### Bursts",
        "",
        "Clients started at the same moment (the benchmark starts them one after the other, all "
        f"within {max(spawned) * 1000:.0f} ms); seconds from the start of each `ssh` to the first line "
        "of text on its screen and to its whole login screen; median and max of the burst. Each burst "
        "is quit before the next one.",
        "",
        *table(releases, rows, ".2f"),
        "",
        *notes,
        *([""] if notes else []),
    ]


# -- 3 and 4. memory and idle CPU ---------------------------------------------------------------


@dataclass
class Snapshot:
    """Memory of a release's process tree at one moment (KiB)."""

    sessions: list[Memory]
    helpers: list[Memory]
    server: Memory

    def tree_pss(self) -> int:
        return self.server.pss + sum(m.pss for m in self.sessions) + sum(m.pss for m in self.helpers)


def snapshot(release: Release) -> Snapshot:
    assert release.process is not None
    sessions, helpers = release.tree()
    return Snapshot(
        [m for p in sessions if (m := memory_of(p.pid)) is not None],
        [m for p in helpers if (m := memory_of(p.pid)) is not None],
        memory_of(release.process.pid) or Memory(0, 0, 0),
    )


@dataclass
class Idle:
    seconds: float
    session_ms: list[float]  # ms of CPU per second, each session process
    server_ms: float
    helpers_ms: float
    bytes_per_second: list[float]  # each client


def cpu_ticks(release: Release) -> tuple[dict[int, int], int, dict[int, int]]:
    sessions, helpers = release.tree()
    server = release.server_proc()
    return {p.pid: p.ticks for p in sessions}, server.ticks if server else 0, {p.pid: p.ticks for p in helpers}


def idle_window(clients: Clients, releases: Sequence[Release], seconds: float) -> list[Idle]:
    """CPU of every process of both releases, and the bytes their clients receive, over the same window."""
    before = [cpu_ticks(release) for release in releases]
    received = {id(c): c.received for c in clients.open}
    started = time.perf_counter()
    clients.idle(seconds)
    elapsed = time.perf_counter() - started
    after = [cpu_ticks(release) for release in releases]
    results = []

    def per_second(ticks: int) -> float:
        return ticks / CLOCK_TICK * 1000 / elapsed

    for release, (s0, v0, h0), (s1, v1, h1) in zip(releases, before, after, strict=True):
        results.append(
            Idle(
                elapsed,
                [per_second(s1[pid] - s0[pid]) for pid in s1 if pid in s0],
                per_second(v1 - v0),
                per_second(sum(h1[pid] - h0.get(pid, 0) for pid in h1)),
                [(c.received - received[id(c)]) / elapsed for c in clients.open if c.release is release],
            )
        )
    return results


def log_in(clients: Clients, group: Sequence[Client], timeout: float) -> int:
    """Log every client of ``group`` in, step by step, each step waited on its screen; the
    number that did not reach the home page."""
    steps: list[tuple[bytes, Callable[[Sequence[str]], bool]]] = [
        (EMAIL.encode(), lambda lines: field_below(lines, EMAIL_LABEL) == EMAIL),
        (b"\t" + PASSWORD.encode(), lambda lines: field_below(lines, PASSWORD_LABEL) == "•" * len(PASSWORD)),
        (b"\tx\r", lambda lines: any(HOME in line for line in lines)),  # the CAPTCHA field takes anything
    ]
    for keys, test in steps:
        for client in group:
            client.expect(test)
            client.send(keys)
        clients.pump(lambda: all(c.matched is not None or c.eof for c in group), timeout)
    for client in group:
        client.test = None
    return sum(c.matched is None for c in group)


def mib(kib: float) -> float:
    return kib / MIB


def measure_memory(clients: Clients, releases: Sequence[Release], args: argparse.Namespace, clock: Clock) -> list[str]:
    notes: list[str] = []
    groups: dict[str, list[Client]] = {r.label: [] for r in releases}
    for first in range(0, args.open, 10):
        for release in releases:
            batch = [clients.spawn(release) for _ in range(min(10, args.open - first))]
            clients.pump(lambda b=batch: all(c.login_screen is not None or c.eof for c in b), 120)  # type: ignore[misc]
            groups[release.label] += batch
    for release in releases:
        missing = sum(c.login_screen is None for c in groups[release.label])
        if missing:
            notes.append(f"{release.label}: {missing} of {args.open} sessions without a login screen.")
    clients.idle(3)  # settled on the login screen
    idle_memory = [snapshot(release) for release in releases]
    idle_login = idle_window(clients, releases, args.idle_seconds)
    for release in releases:
        failed = log_in(clients, groups[release.label], 60 + args.open)
        if failed:
            notes.append(f"{release.label}: {failed} of {args.open} sessions did not reach the home page.")
    clients.idle(3)
    home_memory = [snapshot(release) for release in releases]
    idle_home = idle_window(clients, releases, args.idle_seconds)
    for release, before, after in zip(releases, idle_memory, home_memory, strict=True):
        if not (len(before.sessions) == len(after.sessions) == args.open):
            notes.append(
                f"{release.label}: {len(before.sessions)} then {len(after.sessions)} session processes found "
                f"for {args.open} sessions."
            )

    def rows_for(name: str, get: Callable[[Snapshot], float]) -> tuple[str, float, float]:
        return name, get(idle_memory[0]), get(idle_memory[1])

    def rows_home(name: str, get: Callable[[Snapshot], float]) -> tuple[str, float, float]:
        return name, get(home_memory[0]), get(home_memory[1])

    memory_rows = [
        rows_for("USS per session, median, on the login screen", lambda s: mib(median([m.uss for m in s.sessions]))),
        rows_for("PSS per session, median, on the login screen", lambda s: mib(median([m.pss for m in s.sessions]))),
        rows_home("USS per session, median, after a login", lambda s: mib(median([m.uss for m in s.sessions]))),
        rows_home("PSS per session, median, after a login", lambda s: mib(median([m.pss for m in s.sessions]))),
        rows_for("USS, all sessions, on the login screen", lambda s: mib(sum(m.uss for m in s.sessions))),
        rows_home("USS, all sessions, after a login", lambda s: mib(sum(m.uss for m in s.sessions))),
        rows_home("PSS, all sessions, after a login", lambda s: mib(sum(m.pss for m in s.sessions))),
        rows_home("server RSS", lambda s: mib(s.server.rss)),
        rows_home("server USS", lambda s: mib(s.server.uss)),
        (*rows_home("helper processes (no terminal)", lambda s: len(s.helpers)), "d"),
        rows_home("helpers RSS, all", lambda s: mib(sum(m.rss for m in s.helpers))),
        rows_home("helpers USS, all", lambda s: mib(sum(m.uss for m in s.helpers))),
        rows_for("PSS of the whole tree, on the login screen", lambda s: mib(s.tree_pss())),
        rows_home("PSS of the whole tree, after a login", lambda s: mib(s.tree_pss())),
    ]
    cpu_rows: list[tuple[str, float, float]] = []
    for where, idle in (("login screen", idle_login), ("home page", idle_home)):
        cpu_rows += [
            (f"{where}: CPU per session, median (ms/s)", median(idle[0].session_ms), median(idle[1].session_ms)),
            (f"{where}: CPU, all sessions (ms/s)", sum(idle[0].session_ms), sum(idle[1].session_ms)),
            (f"{where}: CPU, server (ms/s)", idle[0].server_ms, idle[1].server_ms),
            (f"{where}: CPU, helpers (ms/s)", idle[0].helpers_ms, idle[1].helpers_ms),
            (
                f"{where}: output per session, median (B/s)",
                median(idle[0].bytes_per_second),
                median(idle[1].bytes_per_second),
            ),
        ]
    stubborn = clients.close([c for group in groups.values() for c in group])
    if stubborn:
        notes.append(f"{stubborn} sessions did not end on Ctrl+Q (closed with SIGHUP).")
    for release in releases:
        if not release.wait_sessions_gone(clock, timeout=60):
            notes.append(f"{release.label}: session processes still there 60 s after their clients quit.")
    return [
        "### Memory per session",
        "",
        f"{args.open} sessions open per release (both at once), MiB. USS: the memory only that process "
        "holds (`Private_Clean + Private_Dirty`); PSS: plus its share of the pages it shares. "
        '"After a login": 3 s after each session logged in and reached the home page. The PSS of the '
        "whole tree (server, helpers, sessions) is what the release costs the machine.",
        "",
        *table(releases, memory_rows, ".1f"),
        "",
        "### Idle CPU",
        "",
        f"The same {args.open} sessions per release, nobody typing, {idle_login[0].seconds:.0f} s on the login "
        f"screen, then {idle_home[0].seconds:.0f} s on the home page, both releases over the same window: CPU "
        f"time (user + system, {CLOCK_TICK} ticks a second) in ms per second of wall time, and the bytes "
        "each client receives meanwhile.",
        "",
        *table(releases, cpu_rows, ".2f"),
        "",
        *notes,
        *([""] if notes else []),
    ]


# -- 5. echo under load, with asyncssh ---------------------------------------------------------


@dataclass
class Typist:
    conn: asyncssh.SSHClientConnection
    process: asyncssh.SSHClientProcess[bytes]
    screen: pyte.Screen
    stream: pyte.ByteStream
    render: bool = False
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    reader: asyncio.Task[None] | None = None

    async def read_forever(self) -> None:
        with contextlib.suppress(asyncssh.Error, OSError, asyncio.CancelledError):
            while data := await self.process.stdout.read(65536):
                if self.render:
                    self.stream.feed(data)
                    self.changed.set()

    async def wait(self, predicate: Callable[[], bool], timeout: float) -> bool:
        limit = time.perf_counter() + timeout
        while not predicate():
            left = limit - time.perf_counter()
            if left <= 0:
                return False
            self.changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.changed.wait(), left)
        return True

    def shows(self, *texts: str) -> bool:
        shown = "\n".join(self.screen.display)
        return all(text in shown for text in texts)

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            self.process.stdin.write(CTRL_Q)
            await asyncio.wait_for(self.process.wait_closed(), 5)
        if self.reader is not None:
            self.reader.cancel()
        self.conn.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.conn.wait_closed(), 5)


async def open_typist(release: Release) -> Typist:
    conn = await asyncssh.connect(
        release.host,
        release.port,
        username=USER,
        known_hosts=None,
        client_keys=None,
        agent_path=None,
        preferred_auth="none",
    )
    process = await conn.create_process(term_type="xterm-256color", term_size=(80, 24), encoding=None)
    screen = pyte.Screen(80, 24)
    typist = Typist(conn, process, screen, pyte.ByteStream(screen), render=True)
    typist.reader = asyncio.create_task(typist.read_forever())
    if not await typist.wait(lambda: typist.shows(*FULL_FRAME), 120):
        await typist.close()
        raise RuntimeError(f"{release.label}: no login screen with asyncssh")
    return typist


async def type_keys(typist: Typist, keys: int, think: float) -> list[float]:
    """Words of 8 letters then 8 backspaces in the email field; the echo latency of each key."""
    latencies, typed, word = [], "", "motdepas"
    for index in range(keys):
        position = index % 16
        key, typed = (word[position], typed + word[position]) if position < 8 else ("\x7f", typed[:-1])
        expected = typed
        start = time.perf_counter()
        typist.process.stdin.write(key.encode())
        ok = await typist.wait(lambda e=expected: field_below(typist.screen.display, EMAIL_LABEL) == e, 10)  # type: ignore[misc]
        latencies.append(time.perf_counter() - start if ok else float("inf"))
        await asyncio.sleep(think)
    return latencies


async def echo_run(release: Release, args: argparse.Namespace, clock: Clock) -> tuple[list[float], int, float]:
    """(latencies, sessions opened, seconds to open them)."""
    typists: list[Typist] = []
    started = time.perf_counter()
    try:
        for first in range(0, args.echo_sessions, 10):
            clock.check()
            if mem_available_mib() < ECHO_MEMORY_RESERVE_MIB:
                break  # the table shows how many were opened
            results = await asyncio.gather(
                *(open_typist(release) for _ in range(min(10, args.echo_sessions - first))), return_exceptions=True
            )
            for result in results:
                if isinstance(result, Typist):
                    result.render = False  # only drained, until chosen to type
                    typists.append(result)
        opened_in = time.perf_counter() - started
        typers = typists[: args.echo_typers]
        for typist in typers:
            typist.render = True
        work = asyncio.gather(*(type_keys(t, args.echo_keys, args.think) for t in typers))
        results_typed = await asyncio.wait_for(work, max(1, clock.left()))
        return [v for r in results_typed for v in r], len(typists), opened_in
    finally:
        await asyncio.gather(*(t.close() for t in typists), return_exceptions=True)


def mem_available_mib() -> float:
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) / 1024
    return float("inf")


def measure_echo(releases: Sequence[Release], args: argparse.Namespace, clock: Clock) -> list[str]:
    results = []
    for release in releases:
        try:
            results.append(asyncio.run(echo_run(release, args, clock)))
        except TimeoutError:
            raise OutOfTime("the time limit (--max-seconds) is over") from None
        release.wait_sessions_gone(clock, timeout=120)
    latencies = [ms(r[0]) for r in results]
    rows = [
        ("sessions open", results[0][1], results[1][1], "d"),
        ("seconds to open them, 10 at a time", results[0][2], results[1][2], ".1f"),
        ("keys typed", len(latencies[0]), len(latencies[1]), "d"),
        ("echo p50 (ms)", percentile(latencies[0], 50), percentile(latencies[1], 50)),
        ("echo p95 (ms)", percentile(latencies[0], 95), percentile(latencies[1], 95)),
        ("echo max (ms)", max(latencies[0], default=nan), max(latencies[1], default=nan)),
    ]
    return [
        "### Echo under load",
        "",
        f"{args.echo_sessions} sessions open per release (asyncssh's client; one release at a time), "
        f"(fewer if less than {ECHO_MEMORY_RESERVE_MIB} MiB of memory would be left), "
        f"{args.echo_typers} of them typing in the email field, {args.echo_keys} keys each, one key "
        f"{args.think:g} s after the previous one was echoed; time from sending a key to seeing it.",
        "",
        *table(releases, rows, ".0f"),
        "",
    ]


# -- the run ---------------------------------------------------------------------------------


def machine_lines(started_at: dt.datetime, elapsed: float, load: tuple[float, float, float]) -> list[str]:
    model = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    ssh_version = subprocess.run(["ssh", "-V"], capture_output=True, text=True, check=False).stderr.strip()
    return [
        "### Machine and date",
        "",
        f"{os.cpu_count()} cores ({model}), CPython {platform.python_version()}, {platform.system()} "
        f"{platform.release()}, {ssh_version}; {started_at:%Y-%m-%d %H:%M} UTC, {elapsed:.0f} s, load "
        f"average {load[0]:.2f} at the start. Times are medians unless said otherwise.",
        "",
    ]


def run(args: argparse.Namespace) -> int:
    started_at = dt.datetime.now(dt.UTC)
    load = os.getloadavg()
    clock = Clock(args.max_seconds)
    out: list[str] = []
    notes: list[str] = []
    folder = Path(tempfile.mkdtemp(prefix="motdepasse-bench-ssh-start-"))
    worktree = folder / "before"
    releases: list[Release] = []
    clients = Clients(clock)
    try:
        print(f"[setup] worktree of {args.before}, its environment, byte-compiling", file=sys.stderr, flush=True)
        root, short = make_worktree(args.before, worktree, clock)
        for name in ("data-before", "data-after"):
            (folder / name).mkdir()
        releases = [
            Release(f"before ({short})", root / ".venv" / "bin" / "python", root, folder / "data-before"),
            Release("after (working tree)", Path(sys.executable), ROOT, folder / "data-after"),
        ]
        for release in releases:
            byte_compile(release, clock)
            release.start(clock)
        steps: list[tuple[str, Callable[[], list[str]]]] = [
            ("login screen", lambda: measure_login(clients, releases, args, clock)),
            ("bursts", lambda: measure_bursts(clients, releases, args, clock)),
            ("memory and idle CPU", lambda: measure_memory(clients, releases, args, clock)),
        ]
        if args.echo:
            steps.append(("echo under load", lambda: measure_echo(releases, args, clock)))
        for name, step in steps:
            print(f"[{name}] {clock.left():.0f} s left", file=sys.stderr, flush=True)
            out += step()
    except (OutOfTime, RuntimeError, OSError, subprocess.SubprocessError, pexpect.ExceptionPexpect) as error:
        notes.append(f"**Stopped early**: {error}")
    except KeyboardInterrupt:
        notes.append("**Stopped early**: interrupted.")
    finally:
        clients.close_all()
        for release in releases:
            release.stop()
        if worktree.exists():
            subprocess.run(
                ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(worktree)],
                capture_output=True,
                check=False,
            )
        shutil.rmtree(folder, ignore_errors=True)
    codes = [release.exit_code for release in releases]
    if releases:
        notes.append(
            "The servers exited "
            + " and ".join(f"{c} ({r.label})" for r, c in zip(releases, codes, strict=True))
            + " on SIGTERM."
        )
    elapsed = (dt.datetime.now(dt.UTC) - started_at).total_seconds()
    command = shlex.join(["uv", "run", "python", "bench/ssh_start.py", *sys.argv[1:]])
    print("\n".join([*machine_lines(started_at, elapsed, load), *out, *notes, "", f"Command: `{command}`"]))
    failed = any(note.startswith("**Stopped") for note in notes) or any(c != 0 for c in codes) or not releases
    return 1 if failed else 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", default="HEAD", help="the release to compare with (a git revision)")
    parser.add_argument("--runs", type=int, default=15, help="sessions per release, one at a time")
    parser.add_argument("--bursts", type=int, nargs="+", default=[10, 30, 50], help="clients started at once")
    parser.add_argument("--open", type=int, default=50, help="sessions open per release for memory and CPU")
    parser.add_argument("--idle-seconds", type=float, default=20, help="window of the idle CPU measure")
    parser.add_argument("--echo", action="store_true", help="also measure the echo under load")
    parser.add_argument("--echo-sessions", type=int, default=200, help="sessions open per release for --echo")
    parser.add_argument("--echo-typers", type=int, default=40, help="of them, how many type")
    parser.add_argument("--echo-keys", type=int, default=32, help="keys each typing session types")
    parser.add_argument("--think", type=float, default=0.2, help="seconds between an echo and the next key")
    parser.add_argument("--max-seconds", type=float, default=1200, help="bound on the whole run")
    args = parser.parse_args(argv)
    if shutil.which("ssh") is None:
        raise SystemExit("the OpenSSH client (ssh) is needed")

    def terminated(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, terminated)
    return run(args)


if __name__ == "__main__":
    raise SystemExit(main())
