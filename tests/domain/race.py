"""What the concurrency tests run in other processes (spawned: each builds its own
services on the shared SQLite file, as separate front ends would)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from typing import Any

from domain.clock import SettableClock
from domain.hashing import Verification
from domain.services import Services, build_services
from domain.session import SessionCore, Step, walk
from domain.session.intents import LogIn, OpenForgot, SubmitAnswer, SubmitEmail, SubmitNewPassword
from domain.settings import load_settings

FIXED = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)
"""Every process sees the same instant: a throttle's delay never runs out during a test."""


class CountingHasher:
    """Counts the secrets actually verified (what "evaluated" means)."""

    def __init__(self, services: Services) -> None:
        self._lock = threading.Lock()
        self.count = 0
        hasher = services.hasher

        def verify(stored: str, secret: str) -> Verification:
            self._add()
            return self._hasher_verify(stored, secret)

        def verify_dummy(secret: str) -> None:
            self._add()
            self._hasher_dummy(secret)

        self._hasher_verify: Callable[[str, str], Verification] = hasher.verify
        self._hasher_dummy: Callable[[str], None] = hasher.verify_dummy
        hasher.verify = verify  # type: ignore[method-assign]
        hasher.verify_dummy = verify_dummy  # type: ignore[method-assign]

    def _add(self) -> None:
        with self._lock:
            self.count += 1


def open_services(settings: dict[str, Any]) -> Services:
    return build_services(load_settings(**settings), clock=SettableClock(FIXED))


def codes(view: Any) -> list[str]:
    return [note.code for note in view.notes]


def wrong_answer(settings: dict[str, Any], email: str, answer: str, client: str, barrier: Any, results: Any) -> None:
    """One process: reach the question, wait for the others, answer."""
    services = open_services(settings)
    try:
        core = SessionCore(services, client_address=client)
        view = walk(core, [OpenForgot(email), SubmitEmail(email, "")])
        assert view.step is Step.FORGOT_QUESTION, view.notes
        counter = CountingHasher(services)
        barrier.wait(60)
        view = walk(core, [SubmitAnswer(answer)])
        results.put((codes(view), counter.count))
    finally:
        services.close()


def wrong_login(settings: dict[str, Any], email: str, password: str, client: str, barrier: Any, results: Any) -> None:
    services = open_services(settings)
    try:
        core = SessionCore(services, client_address=client)
        counter = CountingHasher(services)
        barrier.wait(60)
        view = walk(core, [LogIn(email, password, "")])
        results.put((codes(view), counter.count))
    finally:
        services.close()


def changer(settings: dict[str, Any], email: str, answer: str, side: int, pipe: Connection, barrier: Any) -> None:
    """A long-lived process: for each trial, reach « Nouveau mot de passe », wait for the
    other process, submit, report (step, codes)."""
    services = open_services(settings)
    try:
        while True:
            trial = pipe.recv()
            if trial is None:
                return
            core = SessionCore(services)
            view = walk(core, [OpenForgot(email), SubmitEmail(email, ""), SubmitAnswer(answer)])
            assert view.step is Step.FORGOT_NEW_PASSWORD, view.notes
            password = new_password(trial, side)
            barrier.wait(60)
            view = walk(core, [SubmitNewPassword(password, password)])
            pipe.send((view.step.value, codes(view)))
    finally:
        services.close()


def new_password(trial: int, side: int) -> str:
    """A strong password of its own for each trial and side."""
    words = ("Luciole", "Chaloupe", "Mistral", "Granit", "Orage", "Tulipe")
    return f"{words[trial % 6]}-{words[(trial + side + 1) % 6]}-Horizon-{trial:03d}-{side}"
