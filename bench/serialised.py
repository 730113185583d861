"""Benchmark: what serialising the checks costs on SQLite (the session core, issue 9).

A login checks the throttle, verifies the password (Argon2id) and records the outcome in
one serialised unit of work: on SQLite, ``BEGIN IMMEDIATE``, so the database's write lock
is held while Argon2 runs, and two logins never verify at the same time, even for two
different accounts. This measures that cost from outside the core (``SessionCore.send``
timed in the caller's threads), side by side in one run:

* **serialised**: the code as it is (the serialised units of a process queue on a lock of
  the process, then take SQLite's);
* **sqlite-wait**: serialised on SQLite's lock alone (the first version): a waiting unit
  polls the lock with SQLite's growing sleeps (1, 2, 5… 100 ms);
* **interleaved**: the same code with the unit of work's serialisation turned off (what
  the code did before: the check, the verification and the record could interleave with
  other attempts — and be outrun by them, which is why it is not the code any more).

For N sessions (threads) logging in at the same moment, each to an account of its own
with the right password, it reports the wall time until all are in, and the median and
95th percentile of one login's latency. Each configuration is run ``--rounds`` times,
alternating which mode goes first; the figures are medians over the rounds.

Run: ``uv run python bench/serialised.py`` (about a minute here). Not a pytest test. The
output is Markdown, ready to paste into ``docs/PERFORMANCE.md``.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import statistics
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from domain import storage
from domain.models import AccountBase
from domain.registration import Registration, register_all
from domain.services import Services, build_services
from domain.session import SessionCore, Step
from domain.session.intents import LogIn
from domain.settings import load_settings
from domain.storage import UnitOfWork

PASSWORD = "Mistral-Granit-Luciole-Chaloupe-58"


def accounts(services: Services, count: int) -> list[str]:
    emails = [f"bench.{i}@exemple.fr" for i in range(count)]
    register_all(
        services,
        [
            Registration(
                AccountBase(
                    subscriber_number=f"{20250000000000 + i}",
                    last_name=f"BANC{i}",
                    first_name="Essai",
                    email=email,
                    security_question="Le nom de votre école primaire ?",
                ),
                PASSWORD,
                "Jules Ferry",
            )
            for i, email in enumerate(emails)
        ],
    )
    return emails


@contextmanager
def sqlite_wait() -> Iterator[None]:
    """Serialised units that wait on SQLite's lock only (no queue in the process)."""
    original = storage._writer_lock
    storage._writer_lock = lambda engine: threading.Lock()  # type: ignore[assignment]
    try:
        yield
    finally:
        storage._writer_lock = original  # type: ignore[assignment]


@contextmanager
def interleaved() -> Iterator[None]:
    """The unit of work without its serialisation (the shape of the code before)."""
    original = UnitOfWork._serialise
    UnitOfWork._serialise = lambda self: None  # type: ignore[method-assign]
    try:
        yield
    finally:
        UnitOfWork._serialise = original  # type: ignore[method-assign]


def burst(services: Services, emails: list[str]) -> tuple[float, list[float]]:
    """Every session logs in at the same moment; (wall seconds, latencies)."""
    cores = [SessionCore(services, client_address=f"198.51.100.{i % 250}") for i in range(len(emails))]
    barrier = threading.Barrier(len(emails) + 1)
    latencies = [0.0] * len(emails)

    def log_in(index: int) -> None:
        barrier.wait()
        start = time.perf_counter()
        view = cores[index].send(LogIn(emails[index], PASSWORD, ""))
        latencies[index] = time.perf_counter() - start
        assert view.step is Step.HOME, view.notes

    threads = [threading.Thread(target=log_in, args=(i,)) for i in range(len(emails))]
    for thread in threads:
        thread.start()
    barrier.wait()
    start = time.perf_counter()
    for thread in threads:
        thread.join()
    return time.perf_counter() - start, latencies


MODES = ("interleaved", "sqlite-wait", "serialised")
MODE_CONTEXT = {"interleaved": interleaved, "sqlite-wait": sqlite_wait, "serialised": contextlib.nullcontext}


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--sessions", type=int, nargs="+", default=[1, 5, 20])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        settings = load_settings(data_dir=Path(directory), captcha="off", login_free_failures=1000)
        services = build_services(settings)
        emails = accounts(services, max(args.sessions))
        for email in emails[:2]:  # warm: the first Argon2 call, the first connection
            burst(services, [email])
        results: dict[tuple[int, str], list[tuple[float, float, float]]] = {}
        for n in args.sessions:
            for round_ in range(args.rounds):
                modes = MODES[round_ % 3 :] + MODES[: round_ % 3]  # each mode first in turn
                for mode in modes:
                    with MODE_CONTEXT[mode]():
                        wall, latencies = burst(services, emails[:n])
                    entry = (wall, statistics.median(latencies), percentile(latencies, 0.95))
                    results.setdefault((n, mode), []).append(entry)
        services.close()
    print(f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, ", end="")
    print(f"SQLite file in a temporary directory; medians of {args.rounds} rounds.\n")
    print("| sessions at once | mode | all logged in (ms) | one login, median (ms) | p95 (ms) |")
    print("| ---: | --- | ---: | ---: | ---: |")
    for n in args.sessions:
        for mode in MODES:
            runs = results[(n, mode)]
            wall, median, p95 = (statistics.median(run[i] for run in runs) * 1000 for i in range(3))
            print(f"| {n} | {mode} | {wall:.0f} | {median:.0f} | {p95:.0f} |")
        walls = {mode: statistics.median(r[0] for r in results[(n, mode)]) for mode in MODES}
        print(f"| {n} | ratio serialised / interleaved | {walls['serialised'] / walls['interleaved']:.2f} | | |")
        print(f"| {n} | ratio serialised / sqlite-wait | {walls['serialised'] / walls['sqlite-wait']:.2f} | | |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
