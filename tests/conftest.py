"""Shared fixtures: services on a SQLite file in tmp_path (or, with ``--db postgresql``, on
a database of its own in a real PostgreSQL server the run starts), a settable clock, demo
data."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

import pytest

from domain import schema
from domain.clock import SettableClock
from domain.demo import DemoAccount, seed_demo
from domain.services import Services, UserSession, build_services
from domain.settings import load_settings
from domain.storage import make_engine
from tests.domain.support import START
from tests.pgserver import PostgresServer, running_server

TEST_SECRET_KEY = "a test key shared by every front end of the test database"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--db",
        choices=("sqlite", "postgresql"),
        default="sqlite",
        help="the database every test runs on: SQLite files (default) or a PostgreSQL server the run starts",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "sqlite_only: about SQLite's files, or rows only SQLite can hold (skipped with --db postgresql)"
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--db") != "postgresql":
        return
    # The end-to-end tests start servers on databases of their own (the demo's SQLite, or a
    # PostgreSQL server of test_front_ends.py, in the default run already), and snapshots
    # compare pixels: a second run of them on PostgreSQL would test nothing more.
    own = [item for item in items if item.nodeid.startswith(("tests/e2e/", "tests/snapshots/"))]
    if own:
        config.hook.pytest_deselected(items=own)
        items[:] = [item for item in items if item not in own]
    skip = pytest.mark.skip(reason="about SQLite's files, or rows only SQLite can hold")
    for item in items:
        if item.get_closest_marker("sqlite_only"):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """A PostgreSQL server for this test process, with a template database at the head
    revision (each test's database is a copy of it)."""
    with running_server() as server:
        server.create_database(TEMPLATE)
        engine = make_engine(server.url(TEMPLATE))
        try:
            schema.upgrade(engine)
        finally:
            engine.dispose()
        yield server


TEMPLATE = "motdepasse_template"


@pytest.fixture
def on_postgres(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--db") == "postgresql")


@pytest.fixture
def new_database(request: pytest.FixtureRequest) -> Iterator[Callable[[], str]]:
    """``--db postgresql``: make a new database at the head revision and return its URL
    (dropped at the end of the test)."""
    server: PostgresServer = request.getfixturevalue("postgres")
    made: list[str] = []

    def make() -> str:
        name = server.create_database(template=TEMPLATE)
        made.append(name)
        return server.url(name)

    yield make
    for name in made:
        server.drop_database(name)


@pytest.fixture(autouse=True)
def _no_operator_environment(monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> None:
    """Settings read MOTDEPASSE_* variables: tests must not depend on the caller's shell.
    With ``--db postgresql`` every test gets a database of its own in the environment
    (commands it runs inherit it), with the shared secret key such deployments require."""
    for name in list(os.environ):
        if name.startswith("MOTDEPASSE_") and name != "MOTDEPASSE_PG_BINDIR":
            monkeypatch.delenv(name)
    if request.config.getoption("--db") == "postgresql":
        make = request.getfixturevalue("new_database")
        monkeypatch.setenv("MOTDEPASSE_DATABASE_URL", make())
        monkeypatch.setenv("MOTDEPASSE_SECRET_KEY", TEST_SECRET_KEY)


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock(START)


ServicesFactory = Callable[..., Services]


@pytest.fixture
def make_services(tmp_path, clock, request: pytest.FixtureRequest) -> Iterator[ServicesFactory]:
    """Build services (captcha off by default) with any setting overridden; closed at
    teardown. Each gets a database of its own (a SQLite file, or with ``--db postgresql`` a
    new PostgreSQL database) unless ``database_url`` is given."""
    built: list[Services] = []

    def factory(*, captcha: str = "off", **overrides: object) -> Services:
        data_dir = tmp_path / f"data{len(built)}"
        if request.config.getoption("--db") == "postgresql" and "database_url" not in overrides:
            overrides["database_url"] = request.getfixturevalue("new_database")()
            overrides.setdefault("secret_key", TEST_SECRET_KEY)
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
