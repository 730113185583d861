"""``motdepasse serve`` under abuse, from outside, with real clients (issue 10).

Each test runs a server process of its own with the limits it needs, and talks to it with
the OpenSSH client (``tests.e2e.sshterm.Terminal``), an asyncssh client (which can ask for
32-bit terminal sizes, hold connections without a session and send any bytes) or raw TCP
sockets. Every probe is bounded in count and time, on loopback only; the test clients
bind to 127.0.0.2… where a test needs a second address.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import resource
import shutil
import signal
import socket
import sqlite3
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import asyncssh
import pexpect
import pyte
import pytest

from tests.e2e.sshterm import (
    REFERENCE,
    ROOT,
    AsyncTerminal,
    Server,
    Terminal,
    client_env,
    connect,
    proc_status,
    start_server,
    stop_and_check,
    wait_gone,
)
from tests.e2e.test_ssh import CTRL_Q, LOGIN_TITLE, field_value, log_fields, wait_field

pytestmark = pytest.mark.skipif(
    shutil.which("ssh") is None or shutil.which("ssh-keygen") is None,
    reason="the OpenSSH client (ssh, ssh-keygen) is not installed; on CI test_ssh_client.py fails instead",
)

EMAIL_LABEL = "Adresse électronique de connexion"


# -- fixtures ------------------------------------------------------------------------------

ServerFactory = Callable[..., Server]


@pytest.fixture
def fresh_server(tmp_path: Path) -> Iterator[ServerFactory]:
    """A server of the test's own (``start_server`` arguments); SIGTERM, exit 0 and no
    session process left at teardown."""
    started: list[Server] = []

    def factory(settings: dict[str, object] | None = None, **options: Any) -> Server:
        running = start_server(tmp_path / f"server{len(started)}", settings, **options)
        started.append(running)
        return running

    yield factory
    stop_and_check(started)


def ssh_terminal(opened: list[Terminal], server: Server, *options: str, **kwargs: Any) -> Terminal:
    term = Terminal(server, options=list(options), **kwargs)
    opened.append(term)
    return term


def reference_of(server: Server, index: int = -1) -> str:
    """The reference of a session, from the server's ``connect`` lines."""
    return log_fields(server.log_lines("connect")[index])["ref"]


def closed_lines(server: Server, how: str) -> list[str]:
    return [line for line in server.log_lines("closed") if log_fields(line)["how"] == how]


def wait_lines(server: Server, kind: str, count: int, timeout: float = 15.0) -> list[str]:
    deadline = time.monotonic() + timeout
    while len(lines := server.log_lines(kind)) < count:
        assert time.monotonic() < deadline, f"fewer than {count} {kind!r} lines:\n{server.log()}"
        time.sleep(0.05)
    return lines


async def closed_at_once(server: Server, **options: Any) -> bool:
    """Whether the server closes a new connection as soon as it is made (False: it is
    still open 3 s later)."""
    try:
        conn = await connect(server, **options)
    except (asyncssh.Error, OSError):
        return True
    try:
        await asyncio.wait_for(conn.wait_closed(), 3)
    except TimeoutError:
        conn.close()
        return False
    return True


async def wait_closed(conn: Any, timeout: float) -> float:
    """Seconds until the server closed an asyncssh connection (AssertionError after
    ``timeout``: the connection is still open)."""
    start = time.monotonic()
    try:
        await asyncio.wait_for(conn.wait_closed(), timeout)
    except TimeoutError:
        raise AssertionError(f"the connection is still open after {timeout}s") from None
    return time.monotonic() - start


def journal(data_dir: Path, reference: str, database: str = "demo.db") -> list[tuple[str, str, dict[str, Any]]]:
    """(kind, name, detail) of a session's journal events, in order."""
    with contextlib.closing(sqlite3.connect(data_dir / database)) as db:
        rows = db.execute(
            "SELECT kind, name, detail FROM journalevent WHERE session_reference = ? ORDER BY seq", (reference,)
        ).fetchall()
    return [(kind, name, json.loads(detail)) for kind, name, detail in rows]


# -- 1. terminal sizes ---------------------------------------------------------------------


async def test_oversized_terminal_sizes_are_clamped_and_free_their_session_slots(
    fresh_server: ServerFactory, terminals: list[Terminal]
) -> None:
    """Found by issue 10: a PTY request wider or taller than 65535 (legal: SSH sizes are
    32-bit) raised in set_winsize after the session was counted, outside the finally that
    uncounts it — each such request took a slot for good; a window change above 65535
    killed the input relay. Sizes are now clamped to ssh_max_columns x ssh_max_rows before
    anything is counted, once logged per session."""
    limits = {"ssh_max_sessions": 2, "ssh_max_sessions_per_client": 2, "ssh_max_connections": 2}
    server = fresh_server({**limits, "ssh_connections_per_minute": 1000, "ssh_max_columns": 500, "ssh_max_rows": 200})
    for columns, rows in ((70_000, 70_000), (100_000, 30), (80, 4_000_000_000), (0, 0)):
        term = await AsyncTerminal.open(server, columns=columns, rows=rows)
        try:
            await term.wait_for(LOGIN_TITLE)
            await term.wait_for(REFERENCE)
        finally:
            term.close()
    # oversized window changes: the session follows (clamped) and still takes keys
    term = await AsyncTerminal.open(server)
    try:
        await term.wait_for(LOGIN_TITLE)
        for columns, rows in ((100_000, 100_000), (4_294_967_295, 50), (120, 40)):
            term.resize(columns, rows)
            await term.settle(0.3)
        term.send(b"lila")
        await term.wait_for(re.compile(r"^\s*lila\s*$", re.MULTILINE))
    finally:
        term.close()
    wait_lines(server, "disconnect", 5)
    wait_lines(server, "closed", 5)

    connects = [log_fields(line) for line in server.log_lines("connect")]
    assert [fields["size"] for fields in connects] == ["500x200", "500x30", "80x200", "80x24", "80x24"], connects
    clamped = [log_fields(line) for line in server.log_lines("size_clamped")]
    # once per session that asked for too much (the window changes: the first one only)
    assert [(fields["ref"], fields["asked"], fields["size"]) for fields in clamped] == [
        (connects[0]["ref"], "70000x70000", "500x200"),
        (connects[1]["ref"], "100000x30", "500x30"),
        (connects[2]["ref"], "80x4000000000", "80x200"),
        (connects[4]["ref"], "100000x100000", "500x200"),
    ], server.log()
    [last] = [line for line in server.log_lines("disconnect") if connects[4]["ref"] in line]
    assert log_fields(last)["size"] == "120x40", last

    # every slot is free again: the two sessions (and connections) the limits allow
    first = ssh_terminal(terminals, server)
    second = ssh_terminal(terminals, server)
    for running in (first, second):
        running.wait_for(LOGIN_TITLE, timeout=20)
    assert server.log_lines("refused") == [], server.log()
    for running in (first, second):
        running.send(CTRL_Q)
        assert running.wait_exit() == 0


# -- 2. input flood, memory, the end of a session ------------------------------------------

FLOOD_BYTES = 4_000_000
RSS_GROWTH_LIMIT_KIB = 150 * 1024


async def test_an_input_flood_is_dropped_and_the_session_stays_small_and_ends_with_its_client(
    fresh_server: ServerFactory,
) -> None:
    """Found by issue 10: 6.4 MB of input in 10 s grew a session to 2 GiB, still growing
    56 s after the client hung up (Textual queues every key). Input is now rate-limited per
    session (a token bucket; reads beyond it dropped, one log line and one journal line per
    episode); the session process has an address-space limit and ends with its client."""
    # The default input limits are the ones under test.
    server = fresh_server({"ssh_connections_per_minute": 1000, "ssh_session_memory_mib": 1024})
    term = await AsyncTerminal.open(server)
    await term.wait_for(LOGIN_TITLE)
    await term.settle(0.5)
    reference = reference_of(server)
    pid = server.session_pid(reference)
    baseline = proc_status(pid, "VmRSS")

    keys = b"abcdefghijklmnopqrstuvwxyz0123456789" * 1820  # 65520 bytes a write
    sent = 0
    peak = baseline
    started = time.monotonic()
    while time.monotonic() - started < 8:  # several MB within a few seconds, then watch
        if sent < FLOOD_BYTES:
            term.send(keys)
            sent += len(keys)
        await term.pump(0.05)
        peak = max(peak, proc_status(pid, "VmRSS"))
        assert peak - baseline < RSS_GROWTH_LIMIT_KIB, (
            f"the session grew by {(peak - baseline) // 1024} MiB after {sent} bytes sent"
        )
    assert sent >= FLOOD_BYTES
    [limit] = [line.split()[3] for line in Path(f"/proc/{pid}/limits").read_text().splitlines() if "address" in line]
    assert limit == str(1024 * 1024 * 1024), f"the session's address space is not limited: {limit}"
    limit_kib = int(limit) // 1024
    vm_peak = proc_status(pid, "VmPeak")
    print(
        f"\n{sent / 1e6:.1f} MB sent in {time.monotonic() - started:.1f}s: session RSS {baseline // 1024} → "
        f"{peak // 1024} MiB at most, VmPeak {vm_peak // 1024} MiB (limit {limit_kib // 1024} MiB)"
    )
    assert vm_peak < limit_kib

    term.close()
    gone = wait_gone(pid, timeout=8)
    print(f"session process gone {gone:.1f}s after the client left")
    line = server.wait_for_log(rf"^\S+ disconnect .*ref={reference} .*")[0]
    fields = log_fields(line)
    assert fields["end"] == "client_closed", line
    assert int(fields["dropped"]) > FLOOD_BYTES // 2, line
    [limited] = server.log_lines("input_limited")  # one episode: the flood never paused
    assert log_fields(limited)["ref"] == reference
    events = journal(server.sessions_data_dir, reference)
    assert ("session", "input_limited", {}) in events, events
    assert events[-1][:2] == ("session", "end"), events
    log = server.log()
    assert "abcdefghij" not in log and "Traceback" not in log, log[-3000:]


def test_a_session_that_does_not_end_when_asked_is_killed_after_the_grace(
    fresh_server: ServerFactory, terminals: list[Terminal]
) -> None:
    """A session process asked to end (here: its client hung up) that does not — its event
    loop saturated or, here, stopped — is killed after ssh_session_kill_grace_seconds."""
    server = fresh_server({"ssh_session_kill_grace_seconds": 1})
    term = ssh_terminal(terminals, server)
    term.wait_for(LOGIN_TITLE)
    term.wait_for(REFERENCE)
    reference = term.reference()
    pid = server.session_pid(reference)
    os.kill(pid, signal.SIGSTOP)
    try:
        term.hang_up()
        gone = wait_gone(pid, timeout=6)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGCONT)
    line = server.wait_for_log(rf"^\S+ disconnect .*ref={reference} .*")[0]
    assert log_fields(line)["killed"] == "yes", line
    # ssh, hung up, closes its channel and exits; whether the server reads the channel's
    # close before the TCP connection's end is the client's race (seen once in CI)
    assert log_fields(line)["end"] in {"client_closed", "connection_lost"}, line
    print(f"\nstopped session killed {gone:.1f}s after its client left (grace 1 s)")


# -- 3. connections --------------------------------------------------------------------------


async def test_connections_beyond_the_caps_are_closed_and_other_addresses_get_in(
    fresh_server: ServerFactory, terminals: list[Terminal]
) -> None:
    """Found by issue 10: any user name is authenticated at once, so connections that
    never open a session were held for good (1030 of them locked everyone out). Now at
    most ssh_max_connections_per_client per address and ssh_max_connections in total."""
    server = fresh_server(
        {
            "ssh_max_connections": 4,
            "ssh_max_connections_per_client": 2,
            "ssh_connections_per_minute": 1000,
            "ssh_session_open_timeout_seconds": 120,
        }
    )
    held = [await connect(server), await connect(server)]
    assert await closed_at_once(server), "a third connection from one address was kept"
    line = server.wait_for_log(r"^\S+ closed client=127\.0\.0\.1 .*how=max_connections_per_client .*")[0]
    assert float(log_fields(line)["duration"][:-1]) < 2, line

    # another address still gets in, with the OpenSSH client
    other = ssh_terminal(terminals, server, "-b", "127.0.0.2")
    other.wait_for(LOGIN_TITLE, timeout=20)
    assert log_fields(server.log_lines("connect")[-1])["client"] == "127.0.0.2"
    # the total: 2 + 1 open; a fourth from a third address, then none more from anyone
    third = await connect(server, local_addr=("127.0.0.3", 0))
    assert await closed_at_once(server, local_addr=("127.0.0.4", 0)), "a fifth connection was kept"
    server.wait_for_log(r"^\S+ closed client=127\.0\.0\.4 .*how=max_connections ")
    # a held connection closes: its address may connect again
    held[0].close()
    await held[0].wait_closed()
    server.wait_for_log(r"^\S+ closed client=127\.0\.0\.1 .*how=client_closed sessions=0")
    again = await connect(server)
    await asyncio.sleep(0.5)
    assert not again.is_closed()
    for conn in (again, held[1], third):
        conn.close()
    other.send(CTRL_Q)
    assert other.wait_exit() == 0


async def test_a_connection_that_opens_no_session_is_closed_after_the_timeout(fresh_server: ServerFactory) -> None:
    """Found by issue 10: such connections were never closed, and left no log line."""
    server = fresh_server({"ssh_session_open_timeout_seconds": 2, "ssh_connections_per_minute": 1000})
    idle = await connect(server)
    await wait_closed(idle, timeout=10)
    line = server.wait_for_log(r"^\S+ closed .*how=no_session .*")[0]
    assert log_fields(line)["sessions"] == "0" and log_fields(line)["client"] == "127.0.0.1", line
    assert 2.0 <= float(log_fields(line)["duration"][:-1]) < 6, line  # from the connection's start
    # the same once its last session has ended
    term = await AsyncTerminal.open(server)
    await term.wait_for(LOGIN_TITLE)
    await asyncio.sleep(3)  # longer than the timeout: a running session keeps its connection
    assert not term.conn.is_closed()
    term.send(CTRL_Q.encode())
    await asyncio.wait_for(term.process.wait_closed(), 15)
    await wait_closed(term.conn, timeout=10)
    deadline = time.monotonic() + 10
    while len(closed_lines(server, "no_session")) < 2:
        assert time.monotonic() < deadline, server.log()
        await asyncio.sleep(0.05)
    [_, after_session] = closed_lines(server, "no_session")
    assert log_fields(after_session)["sessions"] == "1", after_session


async def test_a_rate_limited_connection_is_closed(fresh_server: ServerFactory) -> None:
    """Found by issue 10: ssh_connections_per_minute only refused sessions; a rate-limited
    connection that asked for none stayed open. It is now closed within seconds (a session
    it asks for meanwhile is refused with a message, as before)."""
    server = fresh_server({"ssh_connections_per_minute": 2, "ssh_session_open_timeout_seconds": 120})
    allowed = [await connect(server), await connect(server)]
    limited = await connect(server)
    waited = await wait_closed(limited, timeout=20)
    assert waited < 15, waited
    server.wait_for_log(r"^\S+ closed client=127\.0\.0\.1 .*how=rate_limited sessions=0")
    assert not any(conn.is_closed() for conn in allowed)
    for conn in allowed:
        conn.close()


HELD = 90
"""Connections held against a server limited to NOFILE descriptors."""
NOFILE = 64


def _low_nofile() -> None:  # runs in the server process before it starts
    resource.setrlimit(resource.RLIMIT_NOFILE, (NOFILE, NOFILE))


def test_descriptor_exhaustion_logs_one_line_and_the_server_recovers(
    fresh_server: ServerFactory, terminals: list[Terminal]
) -> None:
    """Found by issue 10: 1030 held connections with a 1024 file limit filled the log with
    a traceback per accept attempt (262 MB in 100 s). Now one ``accept_failed`` line per
    episode, and the server serves again once connections close."""
    server = fresh_server(
        {
            "ssh_max_connections": 1000,
            "ssh_max_connections_per_client": 1000,
            "ssh_connections_per_minute": 10_000,
            "ssh_session_open_timeout_seconds": 120,
        },
        preexec_fn=_low_nofile,
    )
    sockets: list[socket.socket] = []
    try:
        for _ in range(HELD):
            held = socket.create_connection((server.host, server.port), timeout=5)
            held.sendall(b"SSH-2.0-abuse-probe\r\n")
            sockets.append(held)
        server.wait_for_log(r"^\S+ accept_failed error=EMFILE ", timeout=10)
        time.sleep(4)  # asyncio retries every second: four more failures, not logged
    finally:
        for held in sockets:
            held.close()
    term = ssh_terminal(terminals, server)
    term.wait_for(LOGIN_TITLE, timeout=30)
    term.send(CTRL_Q)
    assert term.wait_exit() == 0
    wait_lines(server, "closed", HELD + 1)  # one line per connection, however it ended
    log = server.log()
    assert len(server.log_lines("accept_failed")) == 1, log[-5000:]
    assert "Traceback" not in log and "out of system resource" not in log, log[-5000:]
    assert len(log) < 20_000, f"{len(log)} bytes of log"
    print(f"\n{HELD} connections held against {NOFILE} descriptors: {len(log)} bytes of log in all")


# -- 4. invalid UTF-8, crashes -------------------------------------------------------------


def test_invalid_utf8_typed_over_ssh_does_not_crash_the_session(
    fresh_server: ServerFactory, terminals: list[Terminal]
) -> None:
    """Found by issue 10: two bytes of invalid UTF-8 crashed the session (Textual's decoder
    is strict) and showed the client a traceback. The server now decodes what it relays
    with replacement; a character split across two reads still arrives whole."""
    server = fresh_server()
    term = ssh_terminal(terminals, server)
    term.wait_for(LOGIN_TITLE)
    term.settle(0.5)
    for garbage in (b"\xff\xfe", b"\xe2\x82", b"\xed\xa0\x80"):  # invalid, truncated, a surrogate
        term.child.send(garbage)
        term.settle(0.3)
    term.type("lila")
    deadline = time.monotonic() + 10
    while not field_value(term, EMAIL_LABEL).endswith("lila"):
        assert time.monotonic() < deadline and not term.eof, term.dump()
        term.pump(0.05)
    typed = field_value(term, EMAIL_LABEL)
    term.child.send(b"\xc3")  # é, in two reads
    term.settle(0.3)
    term.child.send(b"\xa9")
    wait_field(term, EMAIL_LABEL, typed + "é")
    assert b"Traceback" not in term.transcript
    term.send(CTRL_Q)
    assert term.wait_exit() == 0
    assert server.wait_for_log(r"^\S+ disconnect .*")[0].endswith("end=quit")


CRASH_REFERENCE = "CRSH-0001"
SESSION_PROGRAM = """
import os, sys
sys.path.insert(0, {root!r})
log_fd = os.open({log!r}, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
from tui import ssh_session
from tui.session_spec import SessionStart

def fail(self):
    raise RuntimeError("a deliberate failure of the test")

ssh_session.SshSessionApp.action_demo_accounts = fail  # F2
start = SessionStart(
    reference={reference!r}, language="en", client="127.0.0.1", term="xterm-256color", columns=80, rows=24, front="full"
)
sys.exit(ssh_session.run(start, log_fd=log_fd))
"""


@pytest.mark.parametrize(
    ("how", "keys", "error"),
    [
        ("handler", b"\x1bOQ", "RuntimeError"),  # F2: an event handler raises
        ("input_thread", b"\xff\xfe", "UnicodeDecodeError"),  # bytes no SSH server relays any more
    ],
)
def test_a_crashed_session_shows_an_apology_with_its_reference_and_is_journaled(
    tmp_path: Path, how: str, keys: bytes, error: str
) -> None:
    """The session program as the server starts it, on a terminal of its own, with a
    handler made to fail (F2) or Textual's input thread made to fail (invalid UTF-8 written
    on the terminal itself): the user reads one sentence with the reference — never a
    traceback, which goes to the server's log — and the journal records a crash."""
    data_dir = tmp_path / "data"
    log_path = tmp_path / "server.log"
    env = client_env()
    env.update(
        MOTDEPASSE_DATA_DIR=str(data_dir),
        MOTDEPASSE_CAPTCHA="off",
    )
    program = SESSION_PROGRAM.format(root=str(ROOT), log=str(log_path), reference=CRASH_REFERENCE)
    screen = pyte.Screen(80, 24)
    stream = pyte.ByteStream(screen)
    transcript = bytearray()
    child = pexpect.spawn(sys.executable, ["-c", program], dimensions=(24, 80), env=env, echo=False)

    def pump(until: Callable[[], bool], timeout: float) -> None:
        """Feed the screen until ``until()`` or the end of the output (bounded)."""
        deadline = time.monotonic() + timeout
        while not until():
            assert time.monotonic() < deadline, "\n".join(screen.display) + f"\n{bytes(transcript[-3000:])!r}"
            try:
                data = child.read_nonblocking(65536, timeout=0.1)
            except pexpect.TIMEOUT:
                continue
            except pexpect.EOF:
                return
            transcript.extend(data)
            stream.feed(data)

    try:
        pump(lambda: CRASH_REFERENCE in "\n".join(screen.display), 30)
        settled = time.monotonic() + 0.5
        pump(lambda: time.monotonic() > settled, 5)
        child.send(keys)
        pump(lambda: False, 20)  # until the program ends
        child.close()
    finally:
        if child.isalive():
            child.close(force=True)
    shown = " ".join(" ".join(screen.display).split())
    assert (
        "Sorry, an unexpected error ended this session. If you contact support, "
        f"give them the session reference {CRASH_REFERENCE}." in shown
    ), shown
    assert b"Traceback" not in transcript and b"deliberate" not in transcript and b".py" not in transcript
    assert child.exitstatus == 70, (child.exitstatus, child.signalstatus)
    log = log_path.read_text()
    assert f"session crashed: {error}" in log and "Traceback" in log, log
    for line in log.splitlines():  # a record's continuation lines are indented
        assert line.startswith(("20", " ")), line
    events = journal(data_dir, CRASH_REFERENCE, database="motdepasse.db")
    assert ("session", "crash", {"error": error}) in events, events
    assert events[-1] == ("session", "end", {"reason": "crash"}), events


# -- 5. isolation, keys ----------------------------------------------------------------------

SMTP_SECRET = "Relais-Smtp-Secret-e2e-58"
PLANTED = """
from pathlib import Path
Path({marker!r}).write_text("the planted module ran as the service")
"""


def test_session_processes_start_isolated_with_only_their_settings(
    fresh_server: ServerFactory, terminals: list[Terminal], tmp_path: Path
) -> None:
    """Found by issue 10: sessions ran ``python -m tui.ssh_session`` from the server's
    working directory (a ``tui/ssh_session.py`` there ran as the service) and got every
    MOTDEPASSE_* variable, the SMTP password included."""
    planted = tmp_path / "cwd"
    marker = tmp_path / "planted-ran"
    (planted / "tui").mkdir(parents=True)
    (planted / "tui" / "__init__.py").write_text("")
    (planted / "tui" / "ssh_session.py").write_text(PLANTED.format(marker=str(marker)))
    server = fresh_server(
        {"smtp_host": "smtp.invalid", "smtp_username": "relay-user", "smtp_password": SMTP_SECRET},
        cwd=planted,
        console_script=True,
    )
    term = ssh_terminal(terminals, server)
    try:
        term.wait_for(LOGIN_TITLE, timeout=20)
    finally:
        assert not marker.exists(), "a tui/ssh_session.py in the server's working directory ran as the session"
    term.wait_for(REFERENCE)
    pid = server.session_pid(term.reference())
    environ = Path(f"/proc/{pid}/environ").read_bytes()
    variables = dict(item.split(b"=", 1) for item in environ.split(b"\0") if b"=" in item)
    assert SMTP_SECRET.encode() not in environ
    assert not [name for name in variables if b"SMTP" in name or name.startswith(b"PYTHON")], sorted(variables)
    assert variables[b"MOTDEPASSE_DATA_DIR"] == str(server.sessions_data_dir).encode()
    assert os.readlink(f"/proc/{pid}/cwd") == "/"
    assert Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[1] == b"-I"
    term.send(CTRL_Q)
    assert term.wait_exit() == 0


def test_the_server_makes_the_secret_key_before_it_serves_and_keeps_its_host_key_private(
    fresh_server: ServerFactory,
) -> None:
    """Sessions read the secret key; the server creates it before the first one starts (the
    sessions of a fresh data directory no longer race to create it). The host key is 0600,
    its directory 0700 (the test created that directory 0755)."""
    server = fresh_server(demo=False)
    assert (server.data_dir / "secret.key").exists()
    key = server.data_dir / "ssh_host_ed25519_key"
    assert key.stat().st_mode & 0o777 == 0o600
    assert server.data_dir.stat().st_mode & 0o777 == 0o700


async def test_a_session_cannot_extend_itself_beyond_the_limit_or_outside_the_warning(tmp_path: Path) -> None:
    """The control pipe (« Prolonger la session »): the server counts the extensions, not
    the session process, and takes them only from the maximum length's warning."""
    import os

    from domain.settings import load_settings
    from tui.ssh_server import Session, SshApplication

    application = SshApplication(load_settings(data_dir=tmp_path, ssh_session_extensions=2))
    session = Session("TEST-0001", "127.0.0.1", "lila", "xterm", (80, 24))
    read, write = os.pipe()
    os.set_blocking(read, False)
    try:
        os.write(write, b"extend\n")  # before any warning: refused
        application._control(session, read)
        assert session.extensions == 0
        for expected in (1, 2, 2):  # the third is beyond the limit
            session.warned_end = True
            os.write(write, b"extend\n")
            application._control(session, read)
            assert session.extensions == expected
        session.warned_end = True
        os.write(write, b"extend\nextend\n\x00garbage\n")  # a flood changes nothing
        application._control(session, read)
        assert session.extensions == 2
    finally:
        os.close(read)
        os.close(write)


def test_the_server_tells_a_session_why_it_ends_it_before_its_signal(tmp_path: Path) -> None:
    """The control channel carries, from the server, why it ends the session (once, the
    first reason): the session process journals it (tests/e2e/test_ssh.py walks it for real)."""
    import socket

    from domain.settings import load_settings
    from tui.ssh_server import Session, SshApplication

    application = SshApplication(load_settings(data_dir=tmp_path))
    session = Session("TEST-0001", "127.0.0.1", "lila", "xterm", (80, 24))
    ours, theirs = socket.socketpair()
    try:
        session.control = ours.fileno()
        application._end_session(session, signal.SIGHUP)  # no reason yet: nothing said
        session.end_reason = "idle"
        application._end_session(session, signal.SIGTERM)
        session.end_reason = "client_closed"  # (the first reason stays, as in the log)
        application._end_session(session, signal.SIGHUP)
        theirs.setblocking(False)
        assert theirs.recv(256) == b"end idle\n"
    finally:
        ours.close()
        theirs.close()
