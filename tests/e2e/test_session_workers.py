"""Issue 15: SSH sessions forked from a pre-imported session worker (the zygote), end to
end with the real OpenSSH client. A forked session behaves as a started one did (the
rest of the e2e suite runs on forked sessions); here: what a fork must not share, what
happens when a session or the worker dies, the queue of starts under a burst, and the
bounded per-address connection map."""

from __future__ import annotations

import os
import re
import shutil
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from domain.settings import load_settings
from tests.e2e.sshterm import REFERENCE, Server, Terminal, start_server, stop_and_check, wait_gone
from tui.ssh_server import RATE_ADDRESSES_MOST, Limits

pytestmark = pytest.mark.skipif(
    shutil.which("ssh") is None or shutil.which("ssh-keygen") is None,
    reason="the OpenSSH client (ssh, ssh-keygen) is not installed; on CI test_ssh_client.py fails instead",
)

LILA = "lila.rosemonde@orange.fr"
LILA_PASSWORD = "Glycine-Orage-Violon-2023"
LOGIN_TITLE = "Connexion à mon espace professionnel"
HOME_WELCOME = "Bienvenue, Lila ROSEMONDE."
EMAIL_LABEL = "Adresse électronique de connexion"
TAB, ENTER, CTRL_Q = "\t", "\r", "\x11"


@pytest.fixture
def servers() -> Iterator[list[Server]]:
    """Servers of the test's own; at teardown each gets SIGTERM, exits 0 and leaves no
    session nor worker process behind."""
    started: list[Server] = []
    yield started
    stop_and_check(started)


def open_terminal(terminals: list[Terminal], server: Server) -> Terminal:
    term = Terminal(server)
    terminals.append(term)
    return term


def log_in(term: Terminal) -> None:
    """Lila signs in with the keyboard (the CAPTCHA is off: any text passes it)."""
    term.wait_for(EMAIL_LABEL)
    term.settle(0.3)
    term.type(LILA)
    term.send(TAB)
    term.type(LILA_PASSWORD)
    term.send(TAB + "x" + ENTER)
    term.wait_for(HOME_WELCOME, timeout=30)


def screen_but_reference(term: Terminal) -> str:
    """What the terminal shows, its session reference left out."""
    return REFERENCE.sub("", term.text())


def parent_of(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


def test_two_forked_sessions_share_no_state(tmp_path: Path, servers: list[Server], terminals: list[Terminal]) -> None:
    """Two sessions forked from one worker: each its own process (a child of the worker),
    its own reference, its own CAPTCHA (random state reseeded), its own database
    connection and journal (both sign in; each journal holds its own session only)."""
    server = start_server(tmp_path / "server", {"captcha": "on", "ssh_connections_per_minute": 1000})
    servers.append(server)
    first, second = open_terminal(terminals, server), open_terminal(terminals, server)
    for term in (first, second):
        term.wait_for(LOGIN_TITLE)
        term.wait_for(REFERENCE)
    references = {first.reference(), second.reference()}
    assert len(references) == 2
    pids = {server.session_pid(reference) for reference in references}
    assert len(pids) == 2
    worker = server.worker_pid()
    assert {parent_of(pid) for pid in pids} == {worker}
    for term in (first, second):
        term.settle(0.5)
    # the same screen but for the CAPTCHA's image (and the reference)
    assert screen_but_reference(first) != screen_but_reference(second), "the two sessions drew the same CAPTCHA"
    first.close()
    second.close()
    for pid in pids:
        wait_gone(pid, 10)
    # without the CAPTCHA, both sign in: each process uses its own database connection
    quiet = start_server(tmp_path / "quiet", {"ssh_connections_per_minute": 1000})
    servers.append(quiet)
    one, two = open_terminal(terminals, quiet), open_terminal(terminals, quiet)
    for term in (one, two):
        log_in(term)
    for term in (one, two):
        reference = term.reference()
        shown = quiet.journal_show(reference)
        assert reference in shown and "login_accepted" in shown, shown
        other = ({one.reference(), two.reference()} - {reference}).pop()
        assert other not in shown


def test_a_killed_session_leaves_the_others_untouched(
    tmp_path: Path, servers: list[Server], terminals: list[Terminal]
) -> None:
    server = start_server(tmp_path / "server", {"ssh_connections_per_minute": 1000})
    servers.append(server)
    victim, witness = open_terminal(terminals, server), open_terminal(terminals, server)
    for term in (victim, witness):
        term.wait_for(LOGIN_TITLE)
        term.wait_for(REFERENCE)
    victim_pid = server.session_pid(victim.reference())
    os.kill(victim_pid, signal.SIGKILL)
    assert victim.wait_exit(timeout=15) != 0
    found = server.wait_for_log(rf"^\S+ disconnect .*ref={re.escape(victim.reference())} .*end=(\S+)")
    assert found[1] == "exit_-9", found[0]
    log_in(witness)  # the other session goes on, the worker too
    third = open_terminal(terminals, server)
    third.wait_for(LOGIN_TITLE)
    witness.send(CTRL_Q)
    assert witness.wait_exit() == 0


def test_the_server_starts_its_worker_again_if_it_dies(
    tmp_path: Path, servers: list[Server], terminals: list[Terminal]
) -> None:
    """The worker killed: sessions it had forked go on, the server starts another
    worker, and new sessions are served by it."""
    server = start_server(tmp_path / "server", {"ssh_connections_per_minute": 1000})
    servers.append(server)
    before = open_terminal(terminals, server)
    before.wait_for(LOGIN_TITLE)
    worker = server.worker_pid()
    os.kill(worker, signal.SIGKILL)
    server.wait_for_log(rf"^\S+ worker_lost pid={worker}")
    deadline = time.monotonic() + 30
    while len(server.log_lines("worker_ready")) < 2:
        assert time.monotonic() < deadline, server.log()
        time.sleep(0.1)
    after = open_terminal(terminals, server)
    after.wait_for(LOGIN_TITLE, timeout=30)
    after.wait_for(REFERENCE)
    assert parent_of(server.session_pid(after.reference())) == server.worker_pid() != worker
    log_in(before)  # forked by the lost worker, still served
    before.send(CTRL_Q)
    assert before.wait_exit() == 0
    found = server.wait_for_log(rf"^\S+ disconnect .*ref={re.escape(before.reference())} .*end=(\S+)")
    assert found[1] == "quit", found[0]  # the server, its new parent, read its status


def test_starts_beyond_the_limit_wait_with_a_line_of_text(
    tmp_path: Path, servers: list[Server], terminals: list[Terminal]
) -> None:
    """One start at a time: while the worker is held (SIGSTOP), a second connection waits
    its turn with « Connexion en cours… » on its terminal, never a blank screen; both
    sessions start once the worker goes on."""
    server = start_server(tmp_path / "server", {"ssh_connections_per_minute": 1000, "ssh_session_starts_at_once": 1})
    servers.append(server)
    worker = server.worker_pid()
    os.kill(worker, signal.SIGSTOP)
    try:
        first = open_terminal(terminals, server)
        server.wait_for_log(r"^\S+ connect ", timeout=15)
        second = open_terminal(terminals, server)
        second.wait_for("Connexion en cours…", timeout=15)
        assert LOGIN_TITLE not in first.text()
    finally:
        os.kill(worker, signal.SIGCONT)
    for term in (first, second):
        term.wait_for(LOGIN_TITLE, timeout=30)
    waited = [float(re.search(r"waited=([\d.]+)s", line)[1]) for line in server.log_lines("started")]  # type: ignore[index]
    assert len(waited) == 2 and max(waited) > 0, waited


def test_the_worker_and_its_sessions_end_with_the_server(
    tmp_path: Path, servers: list[Server], terminals: list[Terminal]
) -> None:
    """SIGKILL to the server: its worker and its sessions are gone within a second or two
    (each session watches its server through a pidfd; the worker sees its socket close)."""
    server = start_server(tmp_path / "server", {"ssh_connections_per_minute": 1000})
    term = open_terminal(terminals, server)
    term.wait_for(LOGIN_TITLE)
    term.wait_for(REFERENCE)
    pids = [server.session_pid(term.reference()), server.worker_pid()]
    server.process.kill()
    server.process.wait(timeout=10)
    try:
        for pid in pids:
            assert wait_gone(pid, 5) < 2.0, f"process {pid} outlived its server"
    finally:
        server.kill_leftovers()


def test_the_per_address_connection_counts_are_bounded() -> None:
    """An attacker chooses how many addresses there are: the map of recent connections
    keeps the addresses seen last, and each address's list stops at the limit plus one."""
    limits = Limits(load_settings(ssh_connections_per_minute=3))
    for number in range(RATE_ADDRESSES_MOST + 5000):
        limits.connection_allowed(f"2001:db8::{number:x}")
    assert len(limits.recent) == RATE_ADDRESSES_MOST
    assert "2001:db8::0" not in limits.recent  # the oldest went first
    verdicts = [limits.connection_allowed("192.0.2.1") for _ in range(50)]
    assert verdicts == [True] * 3 + [False] * 47
    assert len(limits.recent["192.0.2.1"]) == 4
