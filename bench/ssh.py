"""Benchmark: ``motdepasse serve`` sessions, on loopback only.

Run with ``uv run python bench/ssh.py`` (about 2–3 minutes here; it stops by itself:
``--max-seconds`` bounds the whole run). Not a pytest test. It starts its own server
(``python -m tui.cli serve --demo --port 0``, a temporary data directory, the CAPTCHA off,
the session and connection limits raised), measures, then stops it with SIGTERM and checks
that it exits 0. The output is Markdown, ready for docs/PERFORMANCE.md.

1. **First frame.** ``--sessions`` sessions (10) one after the other, with the real OpenSSH
   client (``ssh -tt`` on a pty, through pexpect) and with asyncssh's client: time from the
   start of the TCP connection (for OpenSSH: from the start of the ``ssh`` process) to the
   first byte of the session and to the whole login screen (title, fields, key hints) as
   a terminal emulator (pyte) draws it. The SSH handshake alone is also timed (asyncssh).
2. **Memory per session.** With the asyncssh sessions still open: RSS and PSS (from
   ``/proc/PID/smaps_rollup``: shared pages divided between the processes sharing them) of
   each session process (forked by the server's session worker), the CPU it took to start, and the
   server process's own growth per session. Medians.
3. **Load.** Sessions are added in steps (``--levels``, 10 20 40 80 120 by default, opened
   10 at a time) and kept open; at each step a fifth of them type in the email field, one key every
   ``--think`` seconds (0.2) after the previous one was echoed, words of 8 letters then 8
   backspaces, ``--keys`` keys each (48). Echo latency is the time from writing the key on
   the SSH channel to the field showing it on the emulated screen. p50, p95 and max over
   every key, CPU use of the machine (``/proc/stat``) during the typing, memory of all
   session processes. Stops before the next step when p95 is over 1 s (``--max-p95``),
   when memory would run short, or when the time is up. The benchmark's client runs on
   the same 2 CPUs as the server and its sessions: its own CPU time is reported.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import os
import platform
import re
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import asyncssh
import pexpect
import pyte

ROOT = Path(__file__).resolve().parent.parent
READY = re.compile(r"motdepasse: SSH on (?P<host>\S+):(?P<port>\d+), host key")
REFERENCE = re.compile(r"Réf\. session ([A-Z0-9]{4}-[A-Z0-9]{4})")
TITLE = "Connexion à mon espace professionnel"
FULL_FRAME = (TITLE, "Adresse électronique de connexion", "(CAPTCHA désactivé", "champ suivant")
EMAIL_LABEL = "Adresse électronique de connexion"
SSH_OPTIONS = (
    "-F",
    "/dev/null",
    "-o",
    "StrictHostKeyChecking=no",
    "-o",
    "UserKnownHostsFile=/dev/null",
    "-o",
    "LogLevel=ERROR",
)


# -- the server ----------------------------------------------------------------------------


@dataclass
class Server:
    process: subprocess.Popen[str]
    host: str
    port: int
    data_dir: Path

    def children(self) -> list[int]:
        """Session processes: the server's descendants that have a terminal (forked by
        its session worker, which has none)."""
        parents: dict[int, int] = {}
        terminals: set[int] = set()
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            parents[int(entry.name)] = int(fields[1])
            if int(fields[4]) != 0:  # tty_nr
                terminals.add(int(entry.name))
        found = []
        for pid in terminals:
            ancestor = parents.get(pid, 0)
            while ancestor > 1 and ancestor != self.process.pid:
                ancestor = parents.get(ancestor, 0)
            if ancestor == self.process.pid:
                found.append(pid)
        return found

    def session_pid(self, reference: str) -> int | None:
        """From the server's ``started … ref=REF pid=N`` log line."""
        log = (self.data_dir / "server.log").read_text()
        match = re.search(rf"started .*ref={re.escape(reference)} pid=(\d+)", log)
        return int(match[1]) if match else None

    def stop(self, timeout: float = 20) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)
            return -9


def start_server(data_dir: Path) -> Server:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOTDEPASSE_")}
    env.update(
        MOTDEPASSE_DATA_DIR=str(data_dir),
        MOTDEPASSE_CAPTCHA="off",
        MOTDEPASSE_SSH_MAX_SESSIONS="1000",
        MOTDEPASSE_SSH_MAX_SESSIONS_PER_CLIENT="1000",
        MOTDEPASSE_SSH_CONNECTIONS_PER_MINUTE="100000",
        MOTDEPASSE_SSH_MAX_CONNECTIONS="2000",  # every session is a connection from 127.0.0.1
        MOTDEPASSE_SSH_MAX_CONNECTIONS_PER_CLIENT="2000",
        MOTDEPASSE_SSH_IDLE_TIMEOUT_SECONDS="3600",
        PYTHONUNBUFFERED="1",
    )
    log = (data_dir / "server.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "tui.cli", "serve", "--demo", "--host", "127.0.0.1", "--port", "0"],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
    )
    assert process.stdout is not None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line and process.poll() is not None:
            break
        ready = READY.search(line)
        if ready:
            return Server(process, ready["host"], int(ready["port"]), data_dir)
    process.kill()
    raise SystemExit(f"the server did not start:\n{(data_dir / 'server.log').read_text()}")


# -- /proc ---------------------------------------------------------------------------------


def proc_memory_kib(pid: int) -> tuple[int, int]:
    """(RSS, PSS) in KiB."""
    rss = pss = 0
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Rss:"):
                rss = int(line.split()[1])
            elif line.startswith("Pss:"):
                pss = int(line.split()[1])
    return rss, pss


def proc_cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def tree_cpu_seconds(server: Server) -> float:
    """CPU time of the server and of its session processes (those alive now)."""
    total = 0.0
    for pid in [server.process.pid, *server.children()]:
        with contextlib.suppress(OSError):
            total += proc_cpu_seconds(pid)
    return total


def machine_cpu() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


def mem_available_kib() -> int:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemAvailable:"):
            return int(line.split()[1])
    return 0


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


# -- a session with asyncssh's client -------------------------------------------------------


@dataclass
class Session:
    conn: asyncssh.SSHClientConnection
    process: asyncssh.SSHClientProcess[bytes]
    screen: pyte.Screen
    stream: pyte.ByteStream
    started: float
    connected: float
    first_byte: float = 0.0
    first_frame: float = 0.0
    reference: str = ""
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    reader: asyncio.Task[None] | None = None
    render: bool = True
    received: int = 0

    def text(self) -> str:
        return "\n".join(self.screen.display)

    def email_field(self) -> str | None:
        lines = self.screen.display
        for row, line in enumerate(lines[:-1]):
            if line.strip() == EMAIL_LABEL:
                return lines[row + 1].strip()
        return None

    async def read_forever(self) -> None:
        """Drain the session's output (feeding the emulator while ``render`` is on)."""
        with contextlib.suppress(asyncssh.Error, OSError, asyncio.CancelledError):
            while True:
                data = await self.process.stdout.read(65536)
                if not data:
                    return
                self.received += len(data)
                if self.render:
                    self.stream.feed(data)
                    self.changed.set()

    async def wait(self, predicate, timeout: float) -> bool:  # type: ignore[no-untyped-def]
        deadline = time.perf_counter() + timeout
        while not predicate():
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                return False
            self.changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.changed.wait(), remaining)
        return True

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            self.process.stdin.write_eof()  # a clean end of input, as ssh sends on exit
            await asyncio.wait_for(self.process.wait_closed(), 5)
        if self.reader is not None:
            self.reader.cancel()
        self.conn.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.conn.wait_closed(), 5)


async def open_session(server: Server, user: str, timeout: float = 60) -> Session:
    started = time.perf_counter()
    conn = await asyncssh.connect(
        server.host,
        server.port,
        username=user,
        known_hosts=None,
        client_keys=None,
        agent_path=None,
        preferred_auth="none",
    )
    connected = time.perf_counter()
    process = await conn.create_process(term_type="xterm-256color", term_size=(80, 24), encoding=None)
    screen = pyte.Screen(80, 24)
    session = Session(conn, process, screen, pyte.ByteStream(screen), started, connected)
    first = await asyncio.wait_for(process.stdout.read(65536), timeout)
    session.first_byte = time.perf_counter()
    session.stream.feed(first)
    session.reader = asyncio.create_task(session.read_forever())
    if not await session.wait(lambda: all(text in session.text() for text in FULL_FRAME), timeout):
        raise RuntimeError(f"no login screen for {user}:\n{session.text()}")
    session.first_frame = time.perf_counter()
    found = REFERENCE.search(session.text())
    session.reference = found[1] if found else ""
    return session


# -- 1. first frame with OpenSSH -------------------------------------------------------------


def openssh_first_frame(server: Server, user: str, timeout: float = 30) -> tuple[float, float]:
    """(first byte, whole login screen), seconds from the start of the ssh process."""
    screen = pyte.Screen(80, 24)
    stream = pyte.ByteStream(screen)
    env = {k: v for k, v in os.environ.items() if not k.startswith("LC_")}
    env.update(TERM="xterm-256color", LANG="C.UTF-8")
    started = time.perf_counter()
    child = pexpect.spawn(
        "ssh",
        ["-tt", "-p", str(server.port), *SSH_OPTIONS, f"{user}@{server.host}"],
        dimensions=(24, 80),
        env=env,
    )
    first_byte = 0.0
    try:
        deadline = started + timeout
        while time.perf_counter() < deadline:
            try:
                data = child.read_nonblocking(65536, timeout=0.05)
            except pexpect.TIMEOUT:
                continue
            if not first_byte:
                first_byte = time.perf_counter() - started
            stream.feed(data)
            shown = "\n".join(screen.display)
            if all(text in shown for text in FULL_FRAME):
                return first_byte, time.perf_counter() - started
        raise RuntimeError("no login screen with OpenSSH:\n" + "\n".join(screen.display))
    finally:
        # SIGHUP: ssh closes its channel and exits (killing it would leave the session running
        # until its idle timeout: see test_a_client_that_vanishes_frees_its_session_at_once)
        if child.isalive():
            child.kill(signal.SIGHUP)
        child.wait()


# -- 3. typing -------------------------------------------------------------------------------


async def type_and_time(session: Session, keys: int, think: float, timeout: float = 5.0) -> list[float]:
    """Type words of 8 letters then 8 backspaces; the echo latency of every key."""
    latencies: list[float] = []
    typed = ""
    word = "motdepas"
    await session.wait(lambda: session.email_field() == "", timeout)
    for index in range(keys):
        position = index % 16
        if position < 8:
            key, typed = word[position], typed + word[position]
        else:
            key, typed = "\x7f", typed[:-1]
        expected = typed
        start = time.perf_counter()
        session.process.stdin.write(key.encode())
        ok = await session.wait(lambda e=expected: session.email_field() == e, timeout)  # type: ignore[misc]
        latencies.append(time.perf_counter() - start if ok else float("inf"))
        await asyncio.sleep(think)
    return latencies


@dataclass
class Level:
    sessions: int
    typers: int
    open_seconds: float
    latencies: list[float]
    idle_tree_cpu: float
    idle_bytes_per_second: float
    typing_tree_cpu: float
    idle_cpu: float
    cpu_busy: float
    bench_cpu: float
    pss_total_mib: float
    rss_total_mib: float
    server_rss_mib: float
    failures: int
    burst_frames: list[float]


async def run(args: argparse.Namespace) -> int:
    started_at = dt.datetime.now(dt.UTC)
    deadline = time.monotonic() + args.max_seconds
    out: list[str] = []
    with tempfile.TemporaryDirectory(prefix="motdepasse-bench-ssh-") as tmp:
        server = start_server(Path(tmp))
        server_rss_before = proc_memory_kib(server.process.pid)[0]
        sessions: list[Session] = []
        try:
            # 1. first frame, one session at a time
            openssh = [openssh_first_frame(server, f"ossh{i}") for i in range(args.sessions)]
            await asyncio.sleep(1)  # let those sessions end
            for i in range(args.sessions):
                sessions.append(await open_session(server, f"first{i}"))
            await asyncio.sleep(2)  # steady state after the first frame
            # 2. memory
            pids = [server.session_pid(s.reference) for s in sessions]
            memory = [proc_memory_kib(pid) for pid in pids if pid]
            cpu = [proc_cpu_seconds(pid) for pid in pids if pid]
            server_rss_after = proc_memory_kib(server.process.pid)[0]
            out += report_first(args, openssh, sessions, memory, cpu, server_rss_before, server_rss_after)

            # 3. load
            levels: list[Level] = []
            notes: list[str] = []
            median_pss = statistics.median(m[1] for m in memory)
            for target in args.levels:
                if time.monotonic() > deadline - 30:
                    notes.append(f"Stopped before {target} sessions: time limit (--max-seconds).")
                    break
                need = (target - len(sessions)) * median_pss * 1.5
                if need > mem_available_kib():
                    notes.append(f"Stopped before {target} sessions: not enough memory.")
                    break
                try:
                    level = await asyncio.wait_for(
                        load_level(server, sessions, target, args),
                        timeout=max(30.0, deadline - time.monotonic() + 60),
                    )
                except TimeoutError:
                    notes.append(f"Stopped during {target} sessions: time limit (--max-seconds).")
                    break
                levels.append(level)
                print(
                    f"[{target} sessions] p50 {percentile(level.latencies, 50) * 1000:.0f} ms, "
                    f"p95 {percentile(level.latencies, 95) * 1000:.0f} ms",
                    file=sys.stderr,
                    flush=True,
                )
                if percentile(level.latencies, 95) > args.max_p95:
                    notes.append(f"Stopped after {target} sessions: p95 over {args.max_p95:g} s.")
                    break
            out += report_load(levels, args)
            if notes:
                out += ["", *notes]
        finally:
            await asyncio.gather(*(s.close() for s in sessions), return_exceptions=True)
            code = server.stop()
        elapsed = dt.datetime.now(dt.UTC) - started_at
        out = [*report_machine(started_at, elapsed, code), *out]
    print("\n".join(out))
    return 0 if code == 0 else 1


async def load_level(server: Server, sessions: list[Session], target: int, args: argparse.Namespace) -> Level:
    opened_at = time.perf_counter()
    failures = 0
    burst_frames: list[float] = []
    missing = target - len(sessions)
    batch = 10
    for first in range(0, missing, batch):
        results = await asyncio.gather(
            *(open_session(server, f"load{len(sessions) + i}") for i in range(min(batch, missing - first))),
            return_exceptions=True,
        )
        for result in results:
            if isinstance(result, Session):
                sessions.append(result)
                burst_frames.append(result.first_frame - result.started)
            else:
                failures += 1
    open_seconds = time.perf_counter() - opened_at
    await asyncio.sleep(1)
    idle_before, idle_tree, idle_bytes = machine_cpu(), tree_cpu_seconds(server), sum(x.received for x in sessions)
    idle_started = time.perf_counter()
    await asyncio.sleep(args.idle_window)
    idle_seconds = time.perf_counter() - idle_started
    idle_after, idle_tree = machine_cpu(), tree_cpu_seconds(server) - idle_tree
    idle_bytes = sum(x.received for x in sessions) - idle_bytes
    typers = sessions[: max(1, len(sessions) // 5)]
    for session in sessions:
        session.render = session in typers  # idle sessions are only drained
    busy_before, busy_tree = machine_cpu(), tree_cpu_seconds(server)
    typing_started = time.perf_counter()
    bench_before = resource.getrusage(resource.RUSAGE_SELF)
    results = await asyncio.gather(*(type_and_time(s, args.keys, args.think) for s in typers))
    busy_after, busy_tree = machine_cpu(), tree_cpu_seconds(server) - busy_tree
    typing_seconds = time.perf_counter() - typing_started
    bench_after = resource.getrusage(resource.RUSAGE_SELF)
    latencies = [value for result in results for value in result]
    memory = [proc_memory_kib(pid) for pid in server.children()]
    return Level(
        sessions=len(sessions),
        typers=len(typers),
        open_seconds=open_seconds,
        latencies=latencies,
        idle_tree_cpu=idle_tree / idle_seconds,
        idle_bytes_per_second=idle_bytes / idle_seconds,
        typing_tree_cpu=busy_tree / typing_seconds,
        idle_cpu=(idle_after[0] - idle_before[0]) / max(1, idle_after[1] - idle_before[1]),
        cpu_busy=(busy_after[0] - busy_before[0]) / max(1, busy_after[1] - busy_before[1]),
        bench_cpu=(bench_after.ru_utime + bench_after.ru_stime) - (bench_before.ru_utime + bench_before.ru_stime),
        pss_total_mib=sum(m[1] for m in memory) / 1024,
        rss_total_mib=sum(m[0] for m in memory) / 1024,
        server_rss_mib=proc_memory_kib(server.process.pid)[0] / 1024,
        failures=failures,
        burst_frames=burst_frames,
    )


# -- report ----------------------------------------------------------------------------------


def ms(value: float) -> str:
    return "timeout" if value == float("inf") else f"{value * 1000:.0f}"


def report_machine(started_at: dt.datetime, elapsed: dt.timedelta, code: int) -> list[str]:
    model = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    memory = mem_available_kib()
    with contextlib.suppress(OSError):
        memory = int(Path("/proc/meminfo").read_text().split()[1])
    ssh_version = subprocess.run(["ssh", "-V"], capture_output=True, text=True).stderr.strip()
    return [
        "### Machine and date",
        "",
        f"- CPU: {model}, {os.cpu_count()} CPUs; memory {memory / 1024 / 1024:.1f} GiB",
        f"- {platform.system()} {platform.release()} {platform.machine()}, CPython {platform.python_version()}, "
        f"asyncssh {asyncssh.__version__}, {ssh_version}",
        f"- Run on {started_at:%Y-%m-%d %H:%M} UTC; the benchmark took {elapsed.total_seconds():.0f} s; "
        f"the server exited {code} on SIGTERM.",
        "",
    ]


def report_first(
    args: argparse.Namespace,
    openssh: list[tuple[float, float]],
    sessions: list[Session],
    memory: list[tuple[int, int]],
    cpu: list[float],
    server_before: int,
    server_after: int,
) -> list[str]:
    handshake = [s.connected - s.started for s in sessions]
    first_byte = [s.first_byte - s.started for s in sessions]
    frame = [s.first_frame - s.started for s in sessions]
    rows = [
        ("OpenSSH `ssh -tt`, from the start of the ssh process", None, *map(list, zip(*openssh, strict=True))),
        ("asyncssh client, from the TCP connect", handshake, first_byte, frame),
    ]
    lines = [
        "### First frame",
        "",
        f"{args.sessions} sessions one after the other, 80×24, milliseconds (median / max):",
        "",
        "| client | SSH handshake | first byte | whole login screen |",
        "|---|---:|---:|---:|",
    ]
    for name, shake, byte, whole in rows:
        shake_text = f"{ms(statistics.median(shake))} / {ms(max(shake))}" if shake else "–"
        lines.append(
            f"| {name} | {shake_text} | {ms(statistics.median(byte))} / {ms(max(byte))} | "
            f"{ms(statistics.median(whole))} / {ms(max(whole))} |"
        )
    lines += [
        "",
        "### Memory per session",
        "",
        f"Each session process (forked by the session worker), {len(memory)} sessions idle on the "
        "login screen, median (min–max):",
        "",
        f"- RSS {statistics.median(m[0] for m in memory) / 1024:.1f} MiB "
        f"({min(m[0] for m in memory) / 1024:.1f}–{max(m[0] for m in memory) / 1024:.1f})",
        f"- PSS {statistics.median(m[1] for m in memory) / 1024:.1f} MiB "
        f"({min(m[1] for m in memory) / 1024:.1f}–{max(m[1] for m in memory) / 1024:.1f})",
        f"- CPU to start and draw the first frame: {statistics.median(cpu) * 1000:.0f} ms",
        f"- the server process: RSS {server_before / 1024:.1f} MiB before, {server_after / 1024:.1f} MiB "
        f"with these {len(sessions)} sessions open "
        f"({(server_after - server_before) / max(1, len(sessions)):.0f} KiB per session)",
        "",
    ]
    return lines


def report_load(levels: list[Level], args: argparse.Namespace) -> list[str]:
    lines = [
        "### Concurrent sessions",
        "",
        f"Sessions are added and kept open; at each step a fifth of them type ({args.keys} keys each, "
        f"one every {args.think:g} s after the echo). Echo latency in milliseconds over every key typed. "
        "*Server CPU* is the CPU time of the server and all its session processes per second of wall "
        f"time (1.00 = one CPU of the two), first with nobody typing ({args.idle_window:g} s), then "
        "during the typing; *machine* is the whole machine's busy share (the box is shared; it "
        "includes the benchmark's own client).",
        "",
        "| sessions | typing | keys | p50 | p95 | max | server CPU idle | server CPU typing | "
        "machine busy typing | bench client CPU | output per idle session | sessions PSS | "
        "sessions RSS | server RSS | opening the new sessions | their first frame (median / max) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for level in levels:
        failed = f" ({level.failures} failed)" if level.failures else ""
        burst = (
            f"{statistics.median(level.burst_frames):.1f} / {max(level.burst_frames):.1f} s"
            if level.burst_frames
            else "–"
        )
        lines.append(
            f"| {level.sessions} | {level.typers} | {len(level.latencies)} | "
            f"{ms(percentile(level.latencies, 50))} | {ms(percentile(level.latencies, 95))} | "
            f"{ms(max(level.latencies))} | {level.idle_tree_cpu:.2f} | {level.typing_tree_cpu:.2f} | "
            f"{level.cpu_busy * 100:.0f} % | {level.bench_cpu:.1f} s | "
            f"{level.idle_bytes_per_second / level.sessions:.0f} B/s | "
            f"{level.pss_total_mib:.0f} MiB | {level.rss_total_mib:.0f} MiB | {level.server_rss_mib:.0f} MiB | "
            f"{level.open_seconds:.1f} s{failed} | {burst} |"
        )
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=10, help="sessions for the first-frame timing")
    parser.add_argument("--levels", type=int, nargs="+", default=[10, 20, 40, 80, 120], help="concurrent sessions")
    parser.add_argument("--keys", type=int, default=48, help="keys each typing session types per level")
    parser.add_argument("--think", type=float, default=0.2, help="seconds between an echo and the next key")
    parser.add_argument("--idle-window", type=float, default=3.0, help="seconds of CPU measured with no typing")
    parser.add_argument("--max-p95", type=float, default=1.0, help="stop when the echo p95 exceeds this")
    parser.add_argument("--max-seconds", type=float, default=360, help="bound on the whole run")
    args = parser.parse_args(argv)
    if shutil.which("ssh") is None:
        raise SystemExit("the OpenSSH client (ssh) is needed")
    return asyncio.run(run(args))


if __name__ == "__main__":
    raise SystemExit(main())
