"""End-to-end helpers: a real ``motdepasse serve --demo`` process on a free loopback port,
and the real OpenSSH client driven through a pseudo-terminal (pexpect) — or an asyncssh
client, for what OpenSSH cannot send — whose output is rendered by a terminal emulator
(pyte), so that tests read what a user would see."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import selectors
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import asyncssh
import pexpect
import pyte

ROOT = Path(__file__).resolve().parents[2]
SSH = shutil.which("ssh") or "/usr/bin/ssh"
SSH_KEYGEN = shutil.which("ssh-keygen") or "/usr/bin/ssh-keygen"

# -F /dev/null: no system or user ssh_config (Debian's sends LANG and LC_* by default,
# which would change the session's language with the caller's locale).
SSH_OPTIONS = (
    "-F",
    "/dev/null",
    "-o",
    "StrictHostKeyChecking=no",
    "-o",
    "UserKnownHostsFile=/dev/null",
    "-o",
    "LogLevel=ERROR",
    "-o",
    "ConnectTimeout=10",
)
READY = re.compile(r"motdepasse: SSH on (?P<host>\S+):(?P<port>\d+), host key (?P<fingerprint>SHA256:\S+)")
REFERENCE = re.compile(r"(?:Réf\. session|Session ref\.) ([A-Z0-9]{4}-[A-Z0-9]{4})")


def client_env(lang: str = "C.UTF-8", term: str = "xterm-256color") -> dict[str, str]:
    """The ssh client's environment: a known TERM and locale, nothing else of the caller's."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("LC_", "MOTDEPASSE_")) and key not in ("LANG", "LANGUAGE", "TERM")
    }
    env.update(LANG=lang, TERM=term)
    return env


def make_support_key(directory: Path) -> Path:
    """An ed25519 key pair for the user ``support``; its public half goes to the server's
    support authorized-keys file (DATA_DIR/support_authorized_keys, kept out of the demo
    directory by ``serve --demo``)."""
    key = directory / "support_key"
    if not key.exists():
        subprocess.run(
            [SSH_KEYGEN, "-q", "-t", "ed25519", "-N", "", "-C", "e2e-support", "-f", str(key)],
            check=True,
            timeout=30,
        )
    (directory / "support_authorized_keys").write_text(key.with_suffix(".pub").read_text())
    return key


@dataclass
class Server:
    """A running ``motdepasse serve --demo --port 0``; its log (stderr) goes to a file."""

    process: subprocess.Popen[str]
    host: str
    port: int
    fingerprint: str
    data_dir: Path
    log_path: Path
    support_key: Path
    stdout_lines: list[str] = field(default_factory=list)
    demo: bool = True

    @property
    def sessions_data_dir(self) -> Path:
        """The data directory the session processes use (``serve --demo``: its demo directory)."""
        return self.data_dir / "demo" if self.demo else self.data_dir

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def log_lines(self, kind: str) -> list[str]:
        """Log lines of one kind (``connect``, ``disconnect``, ``refused``, ``listening``)."""
        pattern = re.compile(rf"^\S+ {kind} ")
        return [line for line in self.log().splitlines() if pattern.match(line)]

    def journal_show(self, reference: str) -> str:
        """``motdepasse journal --demo show REFERENCE`` on this server's data, as an
        operator runs it (French no-break spaces read as spaces)."""
        env = client_env()
        env.update(MOTDEPASSE_DATA_DIR=str(self.data_dir))
        shown = subprocess.run(
            [sys.executable, "-m", "tui.cli", "journal", "--demo", "show", reference],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert shown.returncode == 0, shown.stderr
        return shown.stdout.replace("\xa0", " ")

    def wait_for_log(self, pattern: str, timeout: float = 10.0) -> re.Match[str]:
        compiled = re.compile(pattern, re.MULTILINE)
        deadline = time.monotonic() + timeout
        while True:
            found = compiled.search(self.log())
            if found:
                return found
            if time.monotonic() > deadline:
                raise AssertionError(f"no log line matching {pattern!r} within {timeout}s:\n{self.log()}")
            time.sleep(0.05)

    def session_pids(self, *, names: tuple[str, ...] = ("mdp-session",)) -> list[int]:
        """The session processes this server started that are still running (found by
        their name and their data directory, so also after the server is gone)."""
        needle = f"MOTDEPASSE_DATA_DIR={self.sessions_data_dir}\0".encode()
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                if (entry / "comm").read_text().strip() in names and needle in (entry / "environ").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
        return found

    def worker_pid(self) -> int:
        """The session worker (zygote) this server runs now."""
        pids = self.session_pids(names=("mdp-zygote",))
        assert len(pids) == 1, pids
        return pids[0]

    def session_pid(self, reference: str, timeout: float = 5.0) -> int:
        """The pid of the session process of a reference (the server's ``started`` line)."""
        found = self.wait_for_log(rf"^\S+ started .*ref={re.escape(reference)} pid=(\d+)", timeout)
        return int(found[1])

    def kill_leftovers(self) -> list[int]:
        """SIGKILL the session processes (and session worker) still running after the
        server is gone; their pids."""
        leftovers = self.session_pids(names=("mdp-session", "mdp-zygote"))
        for pid in leftovers:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        return leftovers

    def terminate(self, timeout: float = 15.0) -> int:
        """SIGTERM, then the exit status (SIGKILL and an error if it does not stop). The
        server's own grace for sessions that ignore SIGTERM is 10 s."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            code = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)
            raise AssertionError(f"the server did not stop within {timeout}s of SIGTERM") from None
        if self.process.stdout is not None and not self.process.stdout.closed:
            self.stdout_lines.extend(self.process.stdout.read().splitlines())
            self.process.stdout.close()
        return code

    def ssh(
        self,
        user: str = "lila",
        *options: str,
        command: str | None = None,
        env: Mapping[str, str] | None = None,
        timeout: float = 20.0,
    ) -> subprocess.CompletedProcess[str]:
        """A non-interactive ssh run (stdin closed), for the refusals."""
        argv = [SSH, "-p", str(self.port), *SSH_OPTIONS, *options, f"{user}@{self.host}"]
        return subprocess.run(
            [*argv, command] if command is not None else argv,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            env=dict(env or client_env()),
            timeout=timeout,
        )


def stop_and_check(servers: Iterable[Server], timeout: float = 20.0) -> None:
    """SIGTERM each server: it must exit 0 and leave no session nor worker process behind."""
    for running in servers:
        code = running.terminate(timeout=timeout)
        leftovers = running.kill_leftovers()
        assert code == 0, f"the server exited {code}:\n{running.log()[-5000:]}"
        assert leftovers == [], f"processes still running after the server stopped: {leftovers}"


def start_server(
    data_dir: Path,
    settings: Mapping[str, object] | None = None,
    timeout: float = 60.0,
    *,
    demo: bool = True,
    cwd: Path | None = None,
    console_script: bool = False,
    preexec_fn: Callable[[], None] | None = None,
) -> Server:
    """Start ``python -m tui.cli serve --demo --port 0`` with MOTDEPASSE_DATA_DIR=data_dir,
    the CAPTCHA off and ``settings`` (``{"ssh_idle_timeout_seconds": 12}`` becomes
    MOTDEPASSE_SSH_IDLE_TIMEOUT_SECONDS=12); wait for its "SSH on HOST:PORT" line.
    ``console_script``: run the ``motdepasse`` entry point instead (as an operator does:
    the working directory is then not on the import path), from ``cwd`` (default: the
    project); ``demo=False``: serve the configured database; ``preexec_fn``: run in the
    server process before it starts (resource limits)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    key = make_support_key(data_dir)
    env = {key: value for key, value in os.environ.items() if not key.startswith("MOTDEPASSE_")}
    env.update(MOTDEPASSE_DATA_DIR=str(data_dir), MOTDEPASSE_CAPTCHA="off", PYTHONUNBUFFERED="1")
    for name, value in (settings or {}).items():
        env[f"MOTDEPASSE_{name.upper()}"] = str(value)
    log_path = data_dir / "server.log"
    program = [str(Path(sys.executable).parent / "motdepasse")] if console_script else [sys.executable, "-m", "tui.cli"]
    arguments = ["serve", *(["--demo"] if demo else []), "--port", "0"]
    with log_path.open("w") as log_file:
        process = subprocess.Popen(
            [*program, *arguments],
            cwd=cwd or ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=log_file,
            text=True,
            preexec_fn=preexec_fn,
        )
    assert process.stdout is not None
    selector = selectors.DefaultSelector()
    selector.register(process.stdout, selectors.EVENT_READ)
    deadline = time.monotonic() + timeout
    lines: list[str] = []
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or process.poll() is not None:
                process.kill()
                process.wait(timeout=5)
                raise AssertionError(
                    f"the server did not start (exit {process.returncode}):\n" + "".join(lines) + log_path.read_text()
                )
            if selector.select(timeout=min(remaining, 0.5)):
                line = process.stdout.readline()
                lines.append(line)
                ready = READY.search(line)
                if ready:
                    break
    finally:
        selector.close()
    return Server(
        process=process,
        host=ready["host"],
        port=int(ready["port"]),
        fingerprint=ready["fingerprint"],
        data_dir=data_dir,
        log_path=log_path,
        support_key=key,
        stdout_lines=[line.rstrip("\n") for line in lines],
        demo=demo,
    )


def proc_status(pid: int, name: str) -> int:
    """A field of /proc/PID/status in KiB (``VmRSS``, ``VmSize``, ``VmPeak``…)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{name}:"):
            return int(line.split()[1])
    raise AssertionError(f"no {name} for {pid}")


def wait_gone(pid: int, timeout: float) -> float:
    """Wait (bounded) until process ``pid`` has exited; the seconds it took (AssertionError
    if it is still there). A zombie (exited, not yet reaped) counts as gone."""
    start = time.monotonic()
    while True:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            return time.monotonic() - start
        if state in ("Z", "X"):
            return time.monotonic() - start
        if time.monotonic() - start > timeout:
            raise AssertionError(f"process {pid} still running after {timeout}s (state {state})")
        time.sleep(0.05)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (/proc/PID/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_cpu() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine so far (/proc/stat)."""
    values = [int(value) for value in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


def rss_kib(pid: int) -> int:
    """Resident memory of a process (VmRSS in /proc/PID/status), KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError(f"no VmRSS for {pid}")


ALTERNATE_SCREEN = b"\x1b[?1049h"


class AlternateScreenStream(pyte.ByteStream):
    """pyte without the alternate screen (it ignores mode 1049): a terminal shows the
    full-screen app on a blank screen, whatever was printed before it (the one plain line
    the app prints first, for speech users). This stream blanks the screen there too."""

    def feed(self, data: bytes) -> None:
        *before, last = data.split(ALTERNATE_SCREEN)
        screen = self.listener
        for part in before:
            super().feed(part)
            if screen is not None:
                screen.erase_in_display(2)
                screen.cursor_position()
        super().feed(last)


class Terminal:
    """``ssh -tt`` on a pseudo-terminal of a fixed size, its output rendered by pyte."""

    def __init__(
        self,
        server: Server,
        user: str = "lila",
        *,
        columns: int = 80,
        rows: int = 24,
        options: Iterable[str] = (),
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.screen = pyte.Screen(columns, rows)
        self.stream = AlternateScreenStream(self.screen)
        self.transcript = bytearray()
        self.eof = False
        self.started = time.monotonic()
        self.child = pexpect.spawn(
            SSH,
            ["-tt", "-p", str(server.port), *SSH_OPTIONS, *options, f"{user}@{server.host}"],
            dimensions=(rows, columns),
            env=dict(env or client_env()),
            echo=False,
        )

    # -- reading -------------------------------------------------------------------------
    def pump(self, timeout: float = 0.05) -> bool:
        """Feed what ssh printed (waiting up to ``timeout`` for the first byte) to the
        screen; False once ssh has closed its terminal."""
        if self.eof:
            return False
        try:
            data = self.child.read_nonblocking(65536, timeout=timeout)
        except pexpect.TIMEOUT:
            return True
        except pexpect.EOF:
            self.eof = True
            return False
        self.transcript += data
        self.stream.feed(data)
        # drain whatever else is already there without waiting
        while True:
            try:
                data = self.child.read_nonblocking(65536, timeout=0)
            except pexpect.TIMEOUT:
                return True
            except pexpect.EOF:
                self.eof = True
                return False
            self.transcript += data
            self.stream.feed(data)

    def text(self) -> str:
        return "\n".join(line.rstrip() for line in self.screen.display)

    def lines(self) -> list[str]:
        return list(self.screen.display)

    def block(self, start: str, rows: int = 4) -> str:
        """The text of a box that begins with ``start`` (a notification toast, which wraps):
        from ``start``'s column to the right edge on that row and the next ``rows - 1``,
        block-drawing characters dropped, blanks collapsed."""
        lines = self.lines()
        for row, line in enumerate(lines):
            column = line.find(start)
            if column >= 0:
                parts = [below[column:] for below in lines[row : row + rows]]
                text = " ".join(parts)
                text = "".join(" " if 0x2500 <= ord(char) <= 0x259F else char for char in text)
                return " ".join(text.split())
        raise AssertionError(f"{start!r} not on screen:\n{self.dump()}")

    def dump(self) -> str:
        border = "+" + "-" * self.screen.columns + "+"
        return "\n".join([border, *(f"|{line}|" for line in self.screen.display), border])

    def wait_for(self, text: str | re.Pattern[str], timeout: float = 15.0) -> float:
        """Wait (bounded) until ``text`` (a string, or a pattern searched) is on screen;
        the seconds it took."""
        start = time.monotonic()
        deadline = start + timeout
        while True:
            shown = self.text()
            if text in shown if isinstance(text, str) else text.search(shown):
                return time.monotonic() - start
            if time.monotonic() > deadline or (not self.pump(0.05) and self.eof):
                # one last look after EOF: the text may have come with the last bytes
                if text in self.text() if isinstance(text, str) else text.search(self.text()):
                    return time.monotonic() - start
                state = "ssh has exited" if self.eof else f"{timeout}s elapsed"
                raise AssertionError(f"{text!r} not on screen ({state}):\n{self.dump()}")

    def wait_gone(self, text: str, timeout: float = 15.0) -> None:
        deadline = time.monotonic() + timeout
        while text in self.text():
            if time.monotonic() > deadline:
                raise AssertionError(f"{text!r} still on screen after {timeout}s:\n{self.dump()}")
            self.pump(0.05)

    def settle(self, quiet: float = 0.3, timeout: float = 5.0) -> None:
        """Pump until nothing has arrived for ``quiet`` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            before = len(self.transcript)
            if not self.pump(quiet):
                return
            if len(self.transcript) == before:
                return

    def reference(self) -> str:
        found = REFERENCE.search(self.text())
        assert found, f"no session reference on screen:\n{self.dump()}"
        return found[1]

    # -- writing -------------------------------------------------------------------------
    def send(self, keys: str) -> None:
        self.child.send(keys)

    def type(self, text: str, delay: float = 0.0) -> None:
        """Type key by key (pumping the screen in between)."""
        for char in text:
            self.child.send(char)
            if delay:
                self.pump(delay)

    def resize(self, columns: int, rows: int) -> None:
        """The user resizes the window: the emulator first, then the pty (ssh gets SIGWINCH
        and sends a window-change request)."""
        self.screen.resize(lines=rows, columns=columns)
        self.child.setwinsize(rows, columns)

    # -- ending --------------------------------------------------------------------------
    def wait_exit(self, timeout: float = 15.0) -> int:
        """Wait (bounded) for ssh to exit; its exit status."""
        deadline = time.monotonic() + timeout
        while self.pump(0.1):
            if time.monotonic() > deadline:
                raise AssertionError(f"ssh still running after {timeout}s:\n{self.dump()}")
        while self.child.isalive():
            if time.monotonic() > deadline:
                raise AssertionError(f"ssh still running after {timeout}s:\n{self.dump()}")
            time.sleep(0.05)
        self.child.close()
        assert self.child.exitstatus is not None, f"ssh killed by signal {self.child.signalstatus}"
        return int(self.child.exitstatus)

    def hang_up(self, timeout: float = 10.0) -> None:
        """The user closes the window: SIGHUP to ssh, which closes its channel and exits
        (``close`` may end up killing ssh, which closes nothing)."""
        if self.child.isalive():
            self.child.kill(signal.SIGHUP)
        deadline = time.monotonic() + timeout
        while self.child.isalive():
            if time.monotonic() > deadline:
                raise AssertionError(f"ssh did not exit within {timeout}s of SIGHUP")
            self.pump(0.05)
        self.child.close()

    def close(self) -> None:
        if self.child.isalive():
            self.child.close(force=True)


def emulated_size(columns: int, rows: int) -> tuple[int, int]:
    """The size the emulator takes for a size asked of the server: what the server gives
    with its default limits (500 x 200 at most; 0, "unknown", is 80 x 24)."""
    return (min(columns, 500) if columns else 80, min(rows, 200) if rows else 24)


class AsyncTerminal:
    """A session opened by an asyncssh client — which, unlike OpenSSH, can ask for any
    32-bit terminal size and send any bytes — its output rendered by pyte."""

    def __init__(
        self, conn: asyncssh.SSHClientConnection, process: asyncssh.SSHClientProcess[bytes], screen: pyte.Screen
    ) -> None:
        self.conn = conn
        self.process = process
        self.screen = screen
        self.stream = AlternateScreenStream(screen)
        self.transcript = bytearray()
        self.eof = False

    @classmethod
    async def open(
        cls,
        server: Server,
        user: str = "lila",
        *,
        columns: int = 80,
        rows: int = 24,
        local_addr: tuple[str, int] | None = None,
    ) -> AsyncTerminal:
        conn = await connect(server, user, local_addr=local_addr)
        process = await conn.create_process(term_type="xterm-256color", term_size=(columns, rows), encoding=None)
        return cls(conn, process, pyte.Screen(*emulated_size(columns, rows)))

    def text(self) -> str:
        return "\n".join(line.rstrip() for line in self.screen.display)

    async def pump(self, timeout: float) -> None:
        """Feed what arrives within ``timeout`` to the screen."""
        if self.eof:
            await asyncio.sleep(timeout)
            return
        try:
            data = await asyncio.wait_for(self.process.stdout.read(65536), timeout)
        except TimeoutError:
            return
        if not data:
            self.eof = True
            return
        self.transcript += data
        self.stream.feed(data)

    async def wait_for(self, text: str | re.Pattern[str], timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while not (text in self.text() if isinstance(text, str) else text.search(self.text())):
            if self.eof or time.monotonic() > deadline:
                state = "the session ended" if self.eof else f"{timeout}s elapsed"
                raise AssertionError(f"{text!r} not on screen ({state}):\n{self.text()}\n{self.transcript[-2000:]!r}")
            await self.pump(0.1)

    async def settle(self, quiet: float = 0.3, timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not self.eof:
            before = len(self.transcript)
            await self.pump(quiet)
            if len(self.transcript) == before:
                return

    def resize(self, columns: int, rows: int) -> None:
        emulated_columns, emulated_rows = emulated_size(columns, rows)
        self.screen.resize(lines=emulated_rows, columns=emulated_columns)
        self.process.change_terminal_size(columns, rows)

    def send(self, data: bytes) -> None:
        self.process.stdin.write(data)

    def close(self) -> None:
        self.conn.close()


async def connect(
    server: Server, user: str = "lila", *, local_addr: tuple[str, int] | None = None
) -> asyncssh.SSHClientConnection:
    """An asyncssh client connection to ``server`` (no session yet)."""
    return await asyncssh.connect(
        server.host,
        server.port,
        username=user,
        known_hosts=None,
        client_keys=None,
        agent_path=None,
        local_addr=local_addr,
        connect_timeout=10,
    )
