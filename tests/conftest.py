"""Shared fixtures: services on a SQLite file in tmp_path, a settable clock, demo data."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

import pytest

from domain.clock import SettableClock
from domain.demo import DemoAccount, seed_demo
from domain.services import Services, UserSession, build_services
from domain.settings import load_settings
from tests.domain.support import START


@pytest.fixture(autouse=True)
def _no_operator_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings read MOTDEPASSE_* variables: tests must not depend on the caller's shell."""
    for name in list(os.environ):
        if name.startswith("MOTDEPASSE_"):
            monkeypatch.delenv(name)


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock(START)


ServicesFactory = Callable[..., Services]


@pytest.fixture
def make_services(tmp_path, clock) -> Iterator[ServicesFactory]:
    """Build services (captcha off by default) with any setting overridden; closed at teardown."""
    built: list[Services] = []

    def factory(*, captcha: str = "off", **overrides: object) -> Services:
        data_dir = tmp_path / f"data{len(built)}"
        settings = load_settings(data_dir=data_dir, captcha=captcha, **overrides)
        services = build_services(settings, clock=clock, seed=1)
        built.append(services)
        return services

    yield factory
    for services in built:
        services.close()


@pytest.fixture
def services(make_services) -> Services:
    """Services with the CAPTCHA off."""
    return make_services(captcha="off")


@pytest.fixture
def captcha_services(make_services) -> Services:
    """Services with the CAPTCHA on."""
    return make_services(captcha="on")


@pytest.fixture
def demo(services) -> dict[str, DemoAccount]:
    """The demo accounts (Lila ROSEMONDE, Hugo MARTIN), by email."""
    return {account.email: account for account in seed_demo(services)}


@pytest.fixture
def captcha_demo(captcha_services) -> dict[str, DemoAccount]:
    return {account.email: account for account in seed_demo(captcha_services)}


@pytest.fixture
def session(services, demo) -> UserSession:
    return services.open_session()


@pytest.fixture
def captcha_session(captcha_services, captcha_demo) -> UserSession:
    return captcha_services.open_session()
