"""Secrets at rest: the secret key is made once, atomically, whoever starts first; the data
directory, the database (with its WAL files) and the key are private to the service's user."""

from __future__ import annotations

import multiprocessing
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import pytest

from domain import usecases
from domain.demo import seed_demo
from domain.services import KEY_FILE, SecretKeyError, build_services, load_secret_key
from domain.settings import load_settings

PROCESSES = 8
TRIALS = 30

pytestmark = pytest.mark.sqlite_only  # the SQLite files and the secret-key file of a data dir


def key_taker(pipe: Connection, barrier: Any) -> None:
    """One process, for every trial: wait for the others, then load the key of a fresh
    data dir (made by whichever process gets there first), and report it."""
    while True:
        data_dir = pipe.recv()
        if data_dir is None:
            return
        barrier.wait(60)
        try:
            pipe.send(("ok", load_secret_key(load_settings(data_dir=data_dir))))
        except Exception as failure:  # noqa: BLE001 - reported to the test
            pipe.send(("error", f"{type(failure).__name__}: {failure}"))


def test_processes_starting_together_share_one_complete_key(tmp_path: Path) -> None:
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(PROCESSES)
    pipes = [context.Pipe() for _ in range(PROCESSES)]
    processes = [context.Process(target=key_taker, args=(child, barrier)) for _parent, child in pipes]
    for process in processes:
        process.start()
    try:
        for trial in range(TRIALS):
            data_dir = tmp_path / f"trial{trial}" / "data"
            for parent, _child in pipes:
                parent.send(str(data_dir))
            results = []
            for parent, _child in pipes:
                assert parent.poll(120), "a process did not answer"
                results.append(parent.recv())
            on_disk = (data_dir / KEY_FILE).read_bytes().strip()
            assert len(on_disk) == 64, (trial, len(on_disk))
            assert results == [("ok", on_disk)] * PROCESSES, (trial, [(r[0], len(r[1])) for r in results])
            assert sorted(p.name for p in data_dir.iterdir()) == [KEY_FILE]  # no temporary file left
    finally:
        for parent, _child in pipes:
            parent.send(None)
        for process in processes:
            process.join(30)
    assert all(process.exitcode == 0 for process in processes)


@contextmanager
def umask(mask: int) -> Iterator[None]:
    """The usual umask of a service (022: files 644, directories 755 unless made private)."""
    previous = os.umask(mask)
    try:
        yield
    finally:
        os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_fresh_data_dir_is_private(tmp_path: Path) -> None:
    data_dir = tmp_path / "fresh"
    with umask(0o022):
        services = build_services(load_settings(data_dir=data_dir, captcha="off"))
        try:
            assert mode(data_dir) == 0o700
            assert mode(data_dir / KEY_FILE) == 0o600
            assert mode(data_dir / "motdepasse.db") == 0o600
            seed_demo(services)
            check = usecases.log_in(
                services, email="lila.rosemonde@orange.fr", password="Glycine-Orage-Violon-2023", client_address=None
            )
            assert check.status is usecases.PasswordStatus.OK
            names = {path.name: mode(path) for path in data_dir.iterdir()}
            assert {"motdepasse.db-wal", "motdepasse.db-shm"} <= set(names)
            assert all(value == 0o600 for value in names.values()), {k: oct(v) for k, v in names.items()}
        finally:
            services.close()


def test_database_outside_the_data_dir_is_private_too(tmp_path: Path) -> None:
    database = tmp_path / "elsewhere" / "shared.db"
    with umask(0o022):
        services = build_services(
            load_settings(data_dir=tmp_path / "data", database_url=f"sqlite:///{database}", captcha="off")
        )
        try:
            seed_demo(services)
            assert mode(database) == 0o600 and mode(database.parent) == 0o700
            assert mode(Path(f"{database}-wal")) == mode(Path(f"{database}-shm")) == 0o600
        finally:
            services.close()


def test_existing_wide_modes_are_tightened(tmp_path: Path) -> None:
    data_dir = tmp_path / "old"
    with umask(0o022):
        build_services(load_settings(data_dir=data_dir, captcha="off")).close()
    wide = [data_dir, data_dir / KEY_FILE, data_dir / "motdepasse.db"]
    for path in wide:
        path.chmod(0o755 if path.is_dir() else 0o644)
    key = (data_dir / KEY_FILE).read_bytes().strip()
    services = build_services(load_settings(data_dir=data_dir, captcha="off"))
    try:
        assert services.secret_key == key  # the same key, still
        assert [mode(path) for path in wide] == [0o700, 0o600, 0o600]
    finally:
        services.close()


@pytest.mark.parametrize("content", [b"", b"\n", b"0123abcd\n", b"\x00" * 64, "é".encode() * 40])
def test_empty_or_damaged_key_is_refused(tmp_path: Path, content: bytes) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir(mode=0o700)
    (data_dir / KEY_FILE).write_bytes(content)
    with pytest.raises(SecretKeyError, match="empty or damaged") as refused:
        load_secret_key(load_settings(data_dir=data_dir))
    if content.strip():
        assert content.decode(errors="replace").strip() not in str(refused.value)  # never shown
    assert (data_dir / KEY_FILE).read_bytes() == content  # never replaced by another key


def test_configured_key_writes_no_file(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    assert load_secret_key(load_settings(data_dir=data_dir, secret_key="k" * 40)) == b"k" * 40
    assert not (data_dir / KEY_FILE).exists()
