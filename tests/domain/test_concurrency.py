"""Limits that hold when attempts arrive at the same moment, from threads and from
separate processes (each with its own engine on the same SQLite file, as several front
ends would): at most the allowed number of failures is evaluated, a lock is reached once
(one lock email), and of two simultaneous password changes exactly one wins."""

from __future__ import annotations

import multiprocessing
import threading
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import col, func, select

from domain import usecases
from domain.demo import seed_demo
from domain.models import AnswerFailure, LoginFailure, OutboxEmail, PasswordCredential
from domain.services import Services
from domain.session import SessionCore, Step, walk
from domain.session.intents import LogIn, OpenForgot, SubmitAnswer, SubmitEmail, SubmitNewPassword
from tests.domain import race
from tests.domain.race import CountingHasher, codes, new_password, open_services
from tests.domain.support import LILA, account

LILA_PASSWORD = "Glycine-Orage-Violon-2023"
ATTEMPTS = 20


@pytest.fixture
def shared(tmp_path: Path) -> dict[str, Any]:
    """Settings every thread and process opens: one SQLite file, one secret key."""
    return {
        "data_dir": str(tmp_path / "data"),
        "database_url": f"sqlite:///{tmp_path / 'shared.db'}",
        "captcha": "off",
        "secret_key": "a shared key for every front end",
        "password_history_depth": 1,
    }


@pytest.fixture
def seeded(shared: dict[str, Any]) -> Services:
    services = open_services(shared)
    seed_demo(services)
    yield services
    services.close()


def count(services: Services, model: Any, *where: Any) -> int:
    with services.uow() as uow:
        return int(uow.session.exec(select(func.count()).select_from(model).where(*where)).one())


def kinds(services: Services) -> list[str]:
    with services.uow() as uow:
        return [row.kind for row in uow.session.exec(select(OutboxEmail).order_by(col(OutboxEmail.id))).all()]


def spawn() -> Any:
    return multiprocessing.get_context("spawn")


def at_question(services: Services, client: str) -> SessionCore:
    core = SessionCore(services, client_address=client)
    assert walk(core, [OpenForgot(LILA), SubmitEmail(LILA, "")]).step is Step.FORGOT_QUESTION
    return core


def check_answer_lock(services: Services, late: SessionCore, results: list[list[str]], evaluated: int) -> None:
    assert evaluated == 5, results
    assert sorted(map(tuple, results)).count(("wrong_answer",)) == 4
    assert sum(r == ["locked"] for r in results) == ATTEMPTS - 4
    assert count(services, AnswerFailure) == 5
    assert kinds(services) == ["procedure_locked"]
    # the right answer, sent after the lock, is refused without being evaluated
    counter = CountingHasher(services)
    assert codes(walk(late, [SubmitAnswer("Paul")])) == ["locked"] and counter.count == 0
    check = usecases.answer_question(services, email=LILA, answer="Paul", client_address="198.51.100.201")
    assert check.status is usecases.AnswerStatus.LOCKED and not check.evaluated
    assert count(services, AnswerFailure) == 5
    # and a new procedure for the address is refused at its first step
    fresh = SessionCore(services, client_address="198.51.100.202")
    assert codes(walk(fresh, [OpenForgot(LILA), SubmitEmail(LILA, "")])) == ["locked"]


def test_simultaneous_wrong_answers_from_threads(seeded: Services) -> None:
    late = at_question(seeded, "198.51.100.200")
    cores = [at_question(seeded, f"198.51.100.{i}") for i in range(ATTEMPTS)]
    counter = CountingHasher(seeded)
    barrier = threading.Barrier(ATTEMPTS)
    results: list[list[str]] = [[] for _ in cores]

    def answer(index: int) -> None:
        barrier.wait(30)
        results[index] = codes(walk(cores[index], [SubmitAnswer(f"Pierre-{index}")]))

    threads = [threading.Thread(target=answer, args=(i,)) for i in range(ATTEMPTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    check_answer_lock(seeded, late, results, counter.count)


def test_simultaneous_wrong_answers_from_processes(seeded: Services, shared: dict[str, Any]) -> None:
    late = at_question(seeded, "198.51.100.200")
    context = spawn()
    barrier = context.Barrier(ATTEMPTS)
    queue = context.Queue()
    processes = [
        context.Process(target=race.wrong_answer, args=(shared, LILA, f"Pierre-{i}", f"198.51.100.{i}", barrier, queue))
        for i in range(ATTEMPTS)
    ]
    for process in processes:
        process.start()
    outcomes = [queue.get(timeout=120) for _ in processes]
    for process in processes:
        process.join(30)
        assert process.exitcode == 0
    check_answer_lock(seeded, late, [c for c, _n in outcomes], sum(n for _c, n in outcomes))


def check_login_throttle(services: Services, results: list[list[str]], evaluated: int) -> None:
    free = services.settings.login_free_failures
    assert evaluated == free, results
    assert sum(r == ["invalid"] for r in results) == free
    assert sum(r == ["throttled"] for r in results) == ATTEMPTS - free
    assert count(services, LoginFailure, col(LoginFailure.key).startswith("account:")) == free
    # the right password right after: still refused, and not evaluated
    counter = CountingHasher(services)
    view = walk(SessionCore(services, client_address="203.0.113.250"), [LogIn(LILA, LILA_PASSWORD, "")])
    assert codes(view) == ["throttled"] and counter.count == 0


def test_simultaneous_wrong_logins_from_threads(seeded: Services) -> None:
    cores = [SessionCore(seeded, client_address=f"203.0.113.{i}") for i in range(ATTEMPTS)]
    counter = CountingHasher(seeded)
    barrier = threading.Barrier(ATTEMPTS)
    results: list[list[str]] = [[] for _ in cores]

    def attempt(index: int) -> None:
        barrier.wait(30)
        results[index] = codes(walk(cores[index], [LogIn(LILA, f"wrong-password-{index}", "")]))

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(ATTEMPTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    check_login_throttle(seeded, results, counter.count)


def test_simultaneous_wrong_logins_from_processes(seeded: Services, shared: dict[str, Any]) -> None:
    context = spawn()
    barrier = context.Barrier(ATTEMPTS)
    queue = context.Queue()
    processes = [
        context.Process(
            target=race.wrong_login, args=(shared, LILA, f"wrong-password-{i}", f"203.0.113.{i}", barrier, queue)
        )
        for i in range(ATTEMPTS)
    ]
    for process in processes:
        process.start()
    outcomes = [queue.get(timeout=120) for _ in processes]
    for process in processes:
        process.join(30)
        assert process.exitcode == 0
    check_login_throttle(seeded, [c for c, _n in outcomes], sum(n for _c, n in outcomes))


def check_one_winner(services: Services, results: list[tuple[str, list[str]]], trial: int, emails_before: int) -> int:
    steps = sorted(step for step, _codes in results)
    assert steps == [Step.FORGOT_EMAIL.value, Step.FORGOT_SUMMARY.value], (trial, results)
    loser = next(c for step, c in results if step == Step.FORGOT_EMAIL.value)
    assert loser == ["stale"], (trial, results)
    holder = account(services, LILA)
    with services.uow() as uow:
        current = uow.session.exec(
            select(PasswordCredential).where(
                PasswordCredential.account_id == holder.id, col(PasswordCredential.is_current)
            )
        ).all()
    assert len(current) == 1, (trial, len(current))
    winner = next(side for side, (step, _c) in enumerate(results) if step == Step.FORGOT_SUMMARY.value)
    assert services.hasher.verify(current[0].password_hash, new_password(trial, winner)).ok
    emails = kinds(services)
    assert len(emails) == emails_before + 1 and emails[-1] == "password_changed:forgot", (trial, emails)
    return len(emails)


def test_two_simultaneous_changes_one_winner_threads(seeded: Services) -> None:
    sent = len(kinds(seeded))
    for trial in range(50):
        cores = [SessionCore(seeded) for _ in range(2)]
        for core in cores:
            view = walk(core, [OpenForgot(LILA), SubmitEmail(LILA, ""), SubmitAnswer("Paul")])
            assert view.step is Step.FORGOT_NEW_PASSWORD, view.notes
        barrier = threading.Barrier(2)
        results: list[tuple[str, list[str]]] = [("", []), ("", [])]

        def submit(
            side: int,
            trial: int,
            cores: list[SessionCore],
            barrier: threading.Barrier,
            results: list[tuple[str, list[str]]],
        ) -> None:
            password = new_password(trial, side)
            barrier.wait(30)
            view = walk(cores[side], [SubmitNewPassword(password, password)])
            results[side] = (view.step.value, codes(view))

        threads = [threading.Thread(target=submit, args=(side, trial, cores, barrier, results)) for side in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        sent = check_one_winner(seeded, results, trial, sent)


def test_two_simultaneous_changes_one_winner_processes(seeded: Services, shared: dict[str, Any]) -> None:
    context = spawn()
    barrier = context.Barrier(2)
    pipes = [context.Pipe() for _ in range(2)]
    processes = [
        context.Process(target=race.changer, args=(shared, LILA, "Paul", side, pipes[side][1], barrier))
        for side in range(2)
    ]
    for process in processes:
        process.start()
    sent = len(kinds(seeded))
    try:
        for trial in range(20):
            for parent, _child in pipes:
                parent.send(trial)
            results = []
            for parent, _child in pipes:
                assert parent.poll(120), "a changer process did not answer"
                results.append(parent.recv())
            sent = check_one_winner(seeded, results, trial, sent)
    finally:
        for parent, _child in pipes:
            parent.send(None)
        for process in processes:
            process.join(30)
    assert all(process.exitcode == 0 for process in processes)


def test_enter_twice_records_one_attempt(seeded: Services) -> None:
    """The same intent sent twice for one view (a double key press): one is evaluated."""
    core = at_question(seeded, "192.0.2.77")
    view = core.view()
    counter = CountingHasher(seeded)
    barrier = threading.Barrier(2)
    results: list[list[str]] = [[], []]

    def press(index: int) -> None:
        barrier.wait(10)
        results[index] = codes(core.send(SubmitAnswer("Pierre"), revision=view.revision))

    threads = [threading.Thread(target=press, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert counter.count == 1 and count(seeded, AnswerFailure) == 1
    assert ["wrong_answer"] in results
