"""A real PostgreSQL server for the tests: a cluster made with ``initdb`` in a temporary
directory, started with ``pg_ctl`` on a free loopback port, stopped and removed at the end.

``initdb`` refuses to run as root: as root the cluster belongs to the ``postgres`` user
(Debian's package makes it) and every server command runs through ``runuser``. The server
trusts loopback connections (it listens nowhere else) and skips fsync: it holds nothing
that must outlive the test run.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

SUPERUSER = "postgres"


class NoPostgres(RuntimeError):
    """No PostgreSQL server binaries on this machine (``.ci/run`` installs them)."""


def server_binaries() -> Path:
    """The directory of ``initdb``/``pg_ctl``: ``MOTDEPASSE_PG_BINDIR``, ``pg_config
    --bindir``, Debian's ``/usr/lib/postgresql/N/bin`` (newest first), or ``PATH``."""
    candidates: list[str] = []
    if os.environ.get("MOTDEPASSE_PG_BINDIR"):
        candidates.append(os.environ["MOTDEPASSE_PG_BINDIR"])
    with contextlib.suppress(OSError, subprocess.CalledProcessError):
        candidates.append(
            subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True, check=True).stdout.strip()
        )
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name), reverse=True)
    found = shutil.which("initdb")
    if found:
        candidates.append(str(Path(found).resolve().parent))
    for candidate in candidates:
        if candidate and (Path(candidate) / "initdb").is_file() and (Path(candidate) / "pg_ctl").is_file():
            return Path(candidate)
    raise NoPostgres("no PostgreSQL server binaries (initdb, pg_ctl): install the postgresql package")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class PostgresServer:
    bindir: Path
    directory: Path
    port: int
    user: str | None
    """The unprivileged user the server runs as (when the tests run as root), else None."""
    _databases: int = field(default=0)

    @property
    def data(self) -> Path:
        return self.directory / "data"

    def _run(self, *command: str) -> subprocess.CompletedProcess[str]:
        argv = [str(self.bindir / command[0]), *command[1:]]
        if self.user:
            argv = ["runuser", "-u", self.user, "--", *argv]
        return subprocess.run(argv, capture_output=True, text=True, check=False, timeout=120)

    def url(self, database: str = SUPERUSER, *, driver: str = "postgresql+psycopg") -> str:
        return f"{driver}://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def connect(self, database: str = SUPERUSER) -> psycopg.Connection[tuple[object, ...]]:
        return psycopg.connect(host="127.0.0.1", port=self.port, user=SUPERUSER, dbname=database, autocommit=True)

    def create_database(self, name: str | None = None, *, template: str | None = None) -> str:
        """A new empty database (or a copy of ``template``); returns its name."""
        if name is None:
            self._databases += 1
            name = f"t{os.getpid()}_{self._databases}"
        with self.connect() as connection:
            clause = f" TEMPLATE {template} STRATEGY FILE_COPY" if template else ""
            connection.execute(f'CREATE DATABASE "{name}"{clause}')  # type: ignore[arg-type]
        return name

    def drop_database(self, name: str) -> None:
        with self.connect() as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # type: ignore[arg-type]

    def start(self) -> None:
        result = self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-w",
            "-t",
            "60",
            "-l",
            str(self.directory / "server.log"),
            "-o",
            f"-k {self.directory} -h 127.0.0.1 -p {self.port} -F -c full_page_writes=off "
            "-c synchronous_commit=off -c max_connections=300 -c shared_buffers=32MB",
            "start",
        )
        if result.returncode != 0:
            raise RuntimeError(f"pg_ctl start failed: {result.stderr.strip()}\n{self.log()}")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def restart(self) -> None:
        self.stop("fast")
        self.start()

    def log(self) -> str:
        try:
            return (self.directory / "server.log").read_text(errors="replace")[-4000:]
        except OSError:
            return ""

    def remove(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.directory, ignore_errors=True)


def _server_user() -> str | None:
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(SUPERUSER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", SUPERUSER], check=True)
    return SUPERUSER


def start_server() -> PostgresServer:
    """initdb + pg_ctl start in a new temporary directory (owned by the server's user)."""
    bindir = server_binaries()
    user = _server_user()
    directory = Path(tempfile.mkdtemp(prefix="motdepasse-pg-"))
    if user:
        entry = pwd.getpwnam(user)
        os.chown(directory, entry.pw_uid, entry.pw_gid)
    server = PostgresServer(bindir, directory, free_port(), user)
    result = server._run(
        "initdb", "-D", str(server.data), "-A", "trust", "-U", SUPERUSER, "--no-sync", "-E", "UTF8", "--locale=C"
    )
    if result.returncode != 0:
        shutil.rmtree(directory, ignore_errors=True)
        raise RuntimeError(f"initdb failed: {result.stderr.strip()}")
    for attempt in range(3):  # a port taken between free_port() and the server's bind
        try:
            server.start()
            break
        except RuntimeError:
            if attempt == 2:
                server.remove()
                raise
            server.port = free_port()
    deadline = time.monotonic() + 30
    while True:
        try:
            with server.connect():
                break
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                server.remove()
                raise
            time.sleep(0.05)
    return server


@contextlib.contextmanager
def running_server() -> Iterator[PostgresServer]:
    server = start_server()
    try:
        yield server
    finally:
        server.remove()
