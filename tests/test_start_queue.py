"""The SSH server's start slots (issue 15): connections arriving at the same moment start at
most ``ssh_session_starts_at_once`` sessions at a time; the others say « Connexion en
cours… » and wait their turn; a client that leaves while waiting gives its turn up without
holding a slot. The server's own queue, driven directly (the end-to-end test holds the
worker with SIGSTOP)."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path

from domain.i18n import Translator
from domain.settings import load_settings
from tui.ssh_server import Session, SshApplication


class Channel:
    def __init__(self) -> None:
        self.closed = asyncio.Event()

    async def wait_closed(self) -> None:
        await self.closed.wait()

    def is_closing(self) -> bool:
        return self.closed.is_set()


class Output:
    def __init__(self) -> None:
        self.written = b""

    def write(self, data: bytes) -> None:
        self.written += data


class Process:
    """What ``_start_turn`` uses of an asyncssh session: its output and its channel."""

    def __init__(self) -> None:
        self.stdout = Output()
        self.channel = Channel()


def session(number: int) -> Session:
    return Session(f"TEST-{number:04d}", "192.0.2.1", "lila", "xterm", (80, 24))


async def test_sessions_arriving_together_start_two_at_a_time(tmp_path: Path) -> None:
    application = SshApplication(load_settings(data_dir=tmp_path, ssh_session_starts_at_once=2))
    t = Translator("fr")
    running = 0
    most = 0
    started: list[int] = []

    async def arrive(number: int, process: Process) -> bool:
        nonlocal running, most
        one = session(number)
        if not await application._start_turn(process, one, t):  # type: ignore[arg-type]
            return False
        running += 1
        most = max(most, running)
        started.append(number)
        await asyncio.sleep(random.uniform(0, 0.02))  # drawing its first screen
        running -= 1
        application._release_start(one)  # « ready »
        application._release_start(one)  # said twice (ready, then its end): released once
        return True

    processes = [Process() for _ in range(12)]
    leaver = processes[5]
    tasks = [asyncio.create_task(arrive(number, process)) for number, process in enumerate(processes)]
    await asyncio.sleep(0)  # all of them have asked for a turn
    leaver.channel.closed.set()  # this client leaves while it waits
    results = await asyncio.gather(*tasks)
    assert most == 2
    assert results.count(True) == 11 and results[5] is False
    assert sorted(started) == [n for n in range(12) if n != 5]
    waited = [p for p in processes if p.stdout.written]
    assert len(waited) == 10  # all but the first two read the line
    assert all(p.stdout.written == "Connexion en cours…\r\n".encode() for p in waited)
    assert application._starts_free == 2 and not application._start_queue  # every slot back


async def test_a_stopping_server_starts_no_one_waiting(tmp_path: Path) -> None:
    application = SshApplication(load_settings(data_dir=tmp_path, ssh_session_starts_at_once=1))
    t = Translator("en")
    first = session(1)
    assert await application._start_turn(Process(), first, t)  # type: ignore[arg-type]
    waiting = Process()
    turn = asyncio.create_task(application._start_turn(waiting, session(2), t))  # type: ignore[arg-type]
    await asyncio.sleep(0)
    application._stopping.set()
    assert await turn is False
    assert waiting.stdout.written == b"Connecting\xe2\x80\xa6\r\n"
    application._release_start(first)
    assert application._starts_free == 1
