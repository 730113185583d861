"""The schema under Alembic: first revision to head equals the models on both engines;
SQLite upgrades itself (a database made before migrations too); PostgreSQL refuses to run
behind its code and says which command to run; a schema newer than the code is refused."""

from __future__ import annotations

import multiprocessing
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from domain import schema
from domain.demo import seed_demo
from domain.services import SecretKeyError, build_services
from domain.settings import load_settings
from domain.storage import NoDatabase, make_engine
from tests.pgserver import PostgresServer

KEY = "k" * 40


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An empty database on each engine."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    else:
        server: PostgresServer = request.getfixturevalue("postgres")
        name = server.create_database()
        engine = make_engine(server.url(name))
    yield engine
    engine.dispose()


def differences(engine: Engine) -> list[object]:
    """What Alembic finds different between the database and the models."""
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_object": schema.include_object}
        )
        return list(compare_metadata(context, SQLModel.metadata))


def test_head_is_the_newest_script() -> None:
    assert ScriptDirectory(str(schema.MIGRATIONS)).get_current_head() == schema.HEAD
    assert schema.history()[0][0] == schema.FIRST


def test_first_revision_to_head_equals_the_models(empty_engine: Engine) -> None:
    before, after = schema.upgrade(empty_engine, target=schema.FIRST)
    assert (before, after) == (None, schema.FIRST)
    assert schema.upgrade(empty_engine) == (schema.FIRST, schema.HEAD)
    assert differences(empty_engine) == []


def test_every_revision_goes_down_and_up_again(empty_engine: Engine) -> None:
    from alembic import command

    schema.upgrade(empty_engine)
    with empty_engine.begin() as connection:
        config = schema.alembic_config(empty_engine)
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
    assert schema.read_state(empty_engine).effective is None
    assert schema.upgrade(empty_engine) == (None, schema.HEAD)


def _legacy_sqlite(path: Path) -> None:
    """A database as releases before migrations made it: revision 0001's tables, no
    alembic_version."""
    engine = make_engine(f"sqlite:///{path}")
    schema.upgrade(engine, target=schema.FIRST)
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE alembic_version"))
    engine.dispose()


def test_a_sqlite_database_made_before_migrations_upgrades_itself_and_keeps_its_data(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    _legacy_sqlite(path)
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO account (subscriber_number, last_name, first_name, phone, postal_address, email,"
                " language, security_question, status, email_key, security_answer_hash, credentials_version,"
                " created_at) VALUES ('12345678901234', 'ANCIEN', 'Jo', '', '', 'jo@exemple.fr', 'fr', 'Q ?',"
                " 'active', 'jo@exemple.fr', 'x', 0, '2026-01-01 00:00:00')"
            )
        )
    engine.dispose()
    services = build_services(load_settings(data_dir=tmp_path / "d", database_url=f"sqlite:///{path}"), create=False)
    try:
        assert schema.read_state(services.engine).revision == schema.HEAD
        with services.engine.connect() as connection:
            assert connection.execute(text("SELECT last_name FROM account")).scalar() == "ANCIEN"
    finally:
        services.close()


def _start(data_dir: str, pipe) -> None:  # type: ignore[no-untyped-def]
    try:
        services = build_services(load_settings(data_dir=data_dir))
        services.close()
        pipe.send("ok")
    except Exception as error:  # noqa: BLE001 - reported to the test
        pipe.send(repr(error))


def test_processes_starting_together_on_a_new_data_dir_migrate_it_once(tmp_path: Path) -> None:
    context = multiprocessing.get_context("spawn")
    pipes = []
    processes = []
    for _ in range(4):
        receiver, sender = context.Pipe(duplex=False)
        process = context.Process(target=_start, args=(str(tmp_path / "data"), sender))
        processes.append(process)
        pipes.append(receiver)
    for process in processes:
        process.start()
    results = [pipe.recv() for pipe in pipes]
    for process in processes:
        process.join(60)
    assert results == ["ok"] * 4
    engine = make_engine(f"sqlite:///{tmp_path / 'data' / 'motdepasse.db'}")
    try:
        assert schema.read_state(engine).revision == schema.HEAD
    finally:
        engine.dispose()


# --- PostgreSQL: the operator upgrades ---------------------------------------------------------


def _pg_settings(url: str, **overrides: object):  # type: ignore[no-untyped-def]
    values: dict[str, object] = {"database_url": url, "secret_key": KEY, "captcha": "off"}
    values.update(overrides)
    return load_settings(**values)


def test_postgresql_without_schema_is_refused_with_the_command_to_run(postgres: PostgresServer) -> None:
    url = postgres.url(postgres.create_database())
    with pytest.raises(NoDatabase, match="create it with `motdepasse db upgrade`"):
        build_services(_pg_settings(url))


def test_postgresql_behind_its_code_is_refused_then_runs_after_db_upgrade(postgres: PostgresServer) -> None:
    url = postgres.url(postgres.create_database())
    engine = make_engine(url)
    schema.upgrade(engine, target=schema.FIRST)
    with pytest.raises(schema.SchemaMismatch, match=r"at schema revision 0001, behind .* run `motdepasse db upgrade`"):
        build_services(_pg_settings(url))
    assert schema.read_state(engine).revision == schema.FIRST  # nothing changed by the refusal
    schema.upgrade(engine)
    engine.dispose()
    services = build_services(_pg_settings(url))
    try:
        assert len(seed_demo(services)) >= 2
    finally:
        services.close()


def database_url(engine_name: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """A new database on ``engine_name``: a SQLite file, or a database of the test server."""
    if engine_name == "sqlite":
        return f"sqlite:///{tmp_path / 'shared.db'}"
    server: PostgresServer = request.getfixturevalue("postgres")
    return server.url(server.create_database())


@pytest.mark.parametrize("engine_name", ["sqlite", "postgresql"])
def test_a_schema_newer_than_the_code_is_refused(engine_name: str, tmp_path: Path, request) -> None:  # type: ignore[no-untyped-def]
    url = database_url(engine_name, tmp_path, request)
    engine = make_engine(url)
    schema.upgrade(engine)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    with pytest.raises(schema.SchemaMismatch, match=r"revision 9999, newer .* upgrade motdepasse on this host"):
        build_services(_pg_settings(url, data_dir=tmp_path / "d"))


def test_postgresql_requires_a_shared_secret_key(postgres: PostgresServer, tmp_path: Path) -> None:
    url = postgres.url(postgres.create_database())
    with pytest.raises(SecretKeyError, match="MOTDEPASSE_SECRET_KEY_FILE"):
        build_services(load_settings(database_url=url, data_dir=tmp_path / "d"))
    assert not (tmp_path / "d" / "secret.key").exists()  # no private key made in its place


def test_a_key_file_is_read_and_must_be_long_enough(postgres: PostgresServer, tmp_path: Path) -> None:
    url = postgres.url(postgres.create_database())
    schema.upgrade(engine := make_engine(url))
    engine.dispose()
    short = tmp_path / "short.key"
    short.write_text("abc\n")
    with pytest.raises(SecretKeyError, match="at least 32 printable characters"):
        build_services(load_settings(database_url=url, secret_key_file=short))
    good = tmp_path / "good.key"
    good.write_text(KEY + "\n")
    good.chmod(0o644)
    services = build_services(load_settings(database_url=url, secret_key_file=good))
    assert services.secret_key == KEY.encode()
    services.close()
    assert good.stat().st_mode & 0o777 == 0o600  # ours: no longer readable by others


@pytest.mark.parametrize("engine_name", ["sqlite", "postgresql"])
def test_a_front_end_with_another_key_is_refused(engine_name: str, tmp_path: Path, request) -> None:  # type: ignore[no-untyped-def]
    url = database_url(engine_name, tmp_path, request)
    if engine_name == "postgresql":
        schema.upgrade(engine := make_engine(url))
        engine.dispose()
    first = build_services(_pg_settings(url, data_dir=tmp_path / "a"))
    first.close()
    build_services(_pg_settings(url, data_dir=tmp_path / "b")).close()  # the same key: welcome
    other = "o" * 40
    with pytest.raises(SecretKeyError, match=r"not the one the database .* was set up with") as refused:
        build_services(_pg_settings(url, data_dir=tmp_path / "c", secret_key=other))
    assert other not in str(refused.value) and KEY not in str(refused.value)


# --- the commands, as an operator meets them ---------------------------------------------------


def run_cli(env: dict[str, str], *argv: str) -> subprocess.CompletedProcess[str]:
    import os
    import sys

    environment = {k: v for k, v in os.environ.items() if not k.startswith("MOTDEPASSE_")} | env
    return subprocess.run(
        [sys.executable, "-m", "tui.cli", *argv],
        env=environment,
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_db_commands_on_postgresql(postgres: PostgresServer, tmp_path: Path) -> None:
    url = postgres.url(postgres.create_database())
    env = {"MOTDEPASSE_DATABASE_URL": url, "MOTDEPASSE_SECRET_KEY": KEY, "MOTDEPASSE_DATA_DIR": str(tmp_path)}
    current = run_cli(env, "db", "current")
    assert current.returncode == 3 and "create it with 'motdepasse db upgrade'" in current.stdout
    listed = run_cli(env, "accounts", "list")
    assert listed.returncode == 66 and "`motdepasse db upgrade`" in listed.stderr
    upgraded = run_cli(env, "db", "upgrade")
    assert upgraded.returncode == 0 and upgraded.stdout.strip() == f"schema upgraded: empty → {schema.HEAD}"
    again = run_cli(env, "db", "upgrade")
    assert again.stdout.strip() == f"schema already at {schema.HEAD} (this release)"
    current = run_cli(env, "db", "current", "--json")
    assert current.returncode == 0 and f'"revision": "{schema.HEAD}"' in current.stdout
    assert run_cli(env, "accounts", "list").returncode == 0
    audit = run_cli(env, "staff", "audit")
    assert "db_upgrade" in audit.stdout and audit.stdout.count("db_upgrade") == 1  # the no-op is not audited
    no_key = run_cli({k: v for k, v in env.items() if k != "MOTDEPASSE_SECRET_KEY"}, "accounts", "list")
    assert no_key.returncode == 78 and "MOTDEPASSE_SECRET_KEY_FILE" in no_key.stderr


def test_an_unreachable_postgresql_is_one_line_without_its_password(tmp_path: Path) -> None:
    from tests.pgserver import free_port

    url = f"postgresql+psycopg://motdepasse:S3cretPassw0rd@127.0.0.1:{free_port()}/motdepasse"
    env = {"MOTDEPASSE_DATABASE_URL": url, "MOTDEPASSE_SECRET_KEY": KEY, "MOTDEPASSE_DATA_DIR": str(tmp_path)}
    for argv in (("accounts", "list"), ("db", "current"), ("db", "upgrade")):
        done = run_cli(env, *argv)
        assert done.returncode == 69, (argv, done.stderr)
        assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr
        assert "S3cretPassw0rd" not in done.stderr + done.stdout
        assert done.stderr.startswith("motdepasse: cannot open the database postgresql+psycopg://motdepasse:***@")


def test_a_database_made_by_an_early_release_gets_the_tables_it_lacked(tmp_path: Path) -> None:
    """Early releases made fewer tables (each start created the missing ones): the missing
    tables of revision 0001 are made before it is stamped, then it is upgraded."""
    path = tmp_path / "early.db"
    _legacy_sqlite(path)
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE staffaudit"))
        connection.execute(text("DROP TABLE answerclientfailure"))
    assert schema.upgrade(engine) == (schema.FIRST, schema.HEAD)
    with engine.connect() as connection:
        differences = compare_metadata(
            MigrationContext.configure(
                connection, opts={"compare_type": True, "include_object": schema.include_object}
            ),
            SQLModel.metadata,
        )
    engine.dispose()
    assert differences == []


def test_db_upgrade_on_a_newer_schema_and_the_sql_of_every_revision(postgres: PostgresServer, tmp_path: Path) -> None:
    url = postgres.url(postgres.create_database())
    env = {"MOTDEPASSE_DATABASE_URL": url, "MOTDEPASSE_SECRET_KEY": KEY, "MOTDEPASSE_DATA_DIR": str(tmp_path)}
    sql = run_cli(env, "db", "upgrade", "--sql")
    assert sql.returncode == 0, sql.stderr
    assert "CREATE TABLE account" in sql.stdout and "gin_trgm_ops" in sql.stdout
    assert run_cli(env, "db", "upgrade", "--from", "0001").returncode == 2
    assert run_cli(env, "db", "upgrade").returncode == 0
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    newer = run_cli(env, "db", "upgrade")
    assert newer.returncode == 69 and "Traceback" not in newer.stderr
    assert "newer than this version of motdepasse knows" in newer.stderr


def test_a_session_process_of_another_release_or_key_than_its_server_refuses() -> None:
    from dataclasses import replace

    from domain.services import key_check_value
    from tui.session_spec import SessionStart
    from tui.ssh_session import release_mismatch

    key = KEY.encode()
    plain = SessionStart(
        reference="ABCD-1234", language="fr", client="::1", term="xterm", columns=80, rows=24, front="full"
    )
    same = replace(plain, schema=schema.HEAD, key_check=key_check_value(key))
    assert release_mismatch(same, key) is None
    assert "restart the server" in (release_mismatch(replace(same, schema="0001"), key) or "")
    other = release_mismatch(same, b"another key, 32 characters or more.....")
    assert other == "the secret key is not the server's: restart the server"
    assert release_mismatch(plain, key) is None  # a message without them (a session run by hand)


def test_after_a_migration_every_sqlite_connection_enforces_foreign_keys(tmp_path: Path) -> None:
    """The migration's connection runs with foreign keys off (SQLite's table rebuilds):
    it is never handed to a step afterwards."""
    services = build_services(load_settings(data_dir=tmp_path / "d", captcha="off"))
    try:
        connections = [services.engine.connect() for _ in range(3)]
        assert [c.exec_driver_sql("PRAGMA foreign_keys").scalar() for c in connections] == [1, 1, 1]
        for connection in connections:
            connection.close()
    finally:
        services.close()
