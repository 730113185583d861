"""Several front ends on one PostgreSQL database, as docs/DEPLOY.md sets them up: real
processes only. Two ``motdepasse serve`` on different ports (the same secret key file and
SSH host key), users connecting with the OpenSSH client in line mode (pexpect), two
``mail deliver --watch`` dispatchers sharing the outbox through a real SMTP relay, and the
database restarted in the middle of a user's step.

The PostgreSQL server is this module's own (initdb in a temporary directory, as an
unprivileged user when the tests run as root): restarting it disturbs no other test.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pexpect
import pytest

from domain import schema
from domain.demo import seed_demo
from domain.i18n import Translator
from domain.services import build_services
from domain.session import messages as m
from domain.settings import load_settings
from tests.e2e.sshterm import ROOT, SSH, SSH_KEYGEN, SSH_OPTIONS, Server, client_env, start_server
from tests.e2e.test_line_mode import (
    HUGO,
    HUGO_ANSWER,
    HUGO_PASSWORD,
    LILA,
    LILA_ANSWER,
    STARTUP_TIMEOUT,
    STRONG,
    Line,
    needs_ssh,
)
from tests.mail.conftest import Relay, StartRelay, smtp_settings
from tests.mail.conftest import start_relay as start_relay  # the fixture, shared with tests/mail
from tests.pgserver import PostgresServer, running_server
from tui import line_mode as lm

KEY = "a-shared-secret-key-for-every-front-end-0123456789"
FR = Translator("fr")
QUESTION = re.compile(rb"Question de confiance(?: |\xc2\xa0): ([^\r\n]+)\r\n")


@pytest.fixture(scope="module")
def pg() -> Iterator[PostgresServer]:
    with running_server() as server:
        yield server


@dataclass
class Deployment:
    """One database at the head revision (made by ``motdepasse db upgrade``, as an operator
    does), the demo accounts, and the settings every front end shares."""

    url: str
    key_file: Path
    host_key: Path
    settings: dict[str, object]

    def environment(self, data_dir: Path, **extra: object) -> dict[str, str]:
        env = {name: value for name, value in os.environ.items() if not name.startswith("MOTDEPASSE_")}
        env.update(MOTDEPASSE_DATA_DIR=str(data_dir), PYTHONUNBUFFERED="1")
        for name, value in {**self.settings, **extra}.items():
            env[f"MOTDEPASSE_{name.upper()}"] = str(value)
        return env


@pytest.fixture
def deployment(pg: PostgresServer, tmp_path: Path) -> Deployment:
    url = pg.url(pg.create_database())
    key_file = tmp_path / "secret.key"
    key_file.write_text(KEY + "\n")
    key_file.chmod(0o600)
    host_key = tmp_path / "ssh_host_ed25519_key"
    subprocess.run([SSH_KEYGEN, "-q", "-t", "ed25519", "-N", "", "-f", str(host_key)], check=True)
    settings: dict[str, object] = {
        "database_url": url,
        "secret_key_file": key_file,
        "ssh_host_key": host_key,
        "captcha": "off",
        "answer_max_failures": 2,
        "database_connect_timeout_seconds": 2,
    }
    done = Deployment(url, key_file, host_key, settings)
    upgraded = subprocess.run(
        [sys.executable, "-m", "tui.cli", "db", "upgrade"],
        cwd=ROOT,
        env=done.environment(tmp_path / "operator"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert upgraded.returncode == 0 and f"→ {schema.HEAD}" in upgraded.stdout, upgraded.stderr
    services = build_services(load_settings(database_url=url, secret_key_file=key_file, data_dir=tmp_path / "seed"))
    try:
        seed_demo(services)
    finally:
        services.close()
    return done


@pytest.fixture
def front_ends(deployment: Deployment, tmp_path: Path) -> Iterator[tuple[Server, Server]]:
    started = [
        start_server(tmp_path / name, dict(deployment.settings), demo=False, timeout=STARTUP_TIMEOUT)
        for name in ("front-a", "front-b")
    ]
    yield started[0], started[1]
    for server in started:
        server.terminate()
        server.kill_leftovers()


LineFactory = Callable[[Server], Line]


@pytest.fixture
def connect() -> Iterator[LineFactory]:
    """``ssh -tt texte@front-end``: a line-mode session, up to the first choice."""
    started: list[Line] = []

    def factory(server: Server) -> Line:
        child = pexpect.spawn(
            SSH,
            ["-tt", "-p", str(server.port), *SSH_OPTIONS, f"texte@{server.host}"],
            env=client_env(),
            dimensions=(50, 100),
            echo=False,
        )
        line = Line(child, "fr")
        started.append(line)
        line.prompt(line.t.format(lm.YOUR_CHOICE, first=1, last=4), timeout=STARTUP_TIMEOUT)
        line.mark = len(line.output())
        return line

    yield factory
    for line in started:
        line.close()


def forgot(line: Line, email: str) -> bytes:
    """« Mot de passe oublié » for ``email``: the security question shown."""
    line.send("2")
    line.prompt("Adresse électronique de connexion")
    line.send(email)
    return line.expect_re(QUESTION)[1]


def answer(line: Line, text: str) -> None:
    line.prompt("Votre réponse à la question de confiance")
    line.send_secret(text)


@needs_ssh
def test_two_front_ends_agree_on_decoys_and_locks(front_ends: tuple[Server, Server], connect: LineFactory) -> None:
    a, b = front_ends
    assert a.fingerprint == b.fingerprint  # one host key: users' known_hosts hold for both
    # An unknown email gets the same (decoy) question from both: comparing them tells nothing.
    unknown = "personne.inconnue@exemple.fr"
    assert forgot(connect(a), unknown) == forgot(connect(b), unknown)
    # Wrong answers through A lock the procedure for this email on B too.
    on_a = connect(a)
    assert forgot(on_a, LILA) == "Le prénom de votre conjoint(e) ?".encode()
    answer(on_a, "Gontran-Faux")
    answer(on_a, "Gontran-Faux")
    locked = FR._(m.LOCKED).split("{time}")[0].strip()
    on_a.expect(locked)
    on_b = connect(b)
    on_b.send("2")
    on_b.prompt("Adresse électronique de connexion")
    on_b.send(LILA)
    on_b.expect(locked)  # refused before the question, on the other front end
    assert b"Le pr\xc3\xa9nom de votre conjoint" not in on_b.output()[on_b.mark :]


@needs_ssh
def test_a_password_changed_through_one_front_end_signs_out_a_session_on_the_other(
    front_ends: tuple[Server, Server], connect: LineFactory
) -> None:
    a, b = front_ends
    on_b = connect(b)
    on_b.send("1")
    on_b.prompt("Adresse électronique de connexion")
    on_b.send(HUGO)
    on_b.prompt("Mot de passe")
    on_b.send_secret(HUGO_PASSWORD)
    on_b.expect("Votre mot de passe arrive bientôt à expiration\r\n")  # Hugo's expires within 60 days
    on_b.send("1")
    on_b.expect("Mon espace professionnel\r\n")
    on_b.expect_re(rb"Votre choix \(1-\d\)(?: |\xc2\xa0): ")
    # Hugo resets his password through A.
    on_a = connect(a)
    forgot(on_a, HUGO)
    answer(on_a, HUGO_ANSWER)
    on_a.prompt("Nouveau mot de passe (20 caractères minimum)")
    on_a.send_secret(STRONG)
    on_a.prompt("Confirmez le nouveau mot de passe (20 caractères minimum)")
    on_a.send_secret(STRONG)
    on_a.expect("Votre mot de passe a bien été modifié.\r\n")
    # B's session: its next step finds the sign-in no longer stands.
    on_b.send("1")
    on_b.expect("Connexion à mon espace professionnel\r\n")
    on_b.expect(FR._(m.SESSION_ENDED["credentials_changed"]))


@needs_ssh
def test_the_database_restarted_during_a_step(
    pg: PostgresServer, front_ends: tuple[Server, Server], connect: LineFactory
) -> None:
    a, _b = front_ends
    line = connect(a)
    forgot(line, LILA)
    pg.stop("fast")
    try:
        answer(line, LILA_ANSWER)
        line.expect(FR._(m.UNAVAILABLE).split(":")[0], timeout=20)  # « Le service est momentanément indisponible »
    finally:
        pg.start()
    # The same step, again, once the database is back: it goes through.
    answer(line, LILA_ANSWER)
    line.expect("Étape 3 sur 4 : Nouveau mot de passe\r\n", timeout=20)


# -- mail: two dispatchers, one relay -----------------------------------------------------------


def test_two_dispatchers_deliver_each_email_exactly_once(
    deployment: Deployment, start_relay: StartRelay, tmp_path: Path
) -> None:
    relay: Relay = start_relay()
    services = build_services(
        load_settings(database_url=deployment.url, secret_key_file=deployment.key_file, data_dir=tmp_path / "q")
    )
    try:
        from tests.mail.helpers import queue_raw

        queued = [queue_raw(services, account_email=LILA) for _ in range(40)]
    finally:
        services.close()
    mail = {**smtp_settings(relay.port), "mail_watch_interval_seconds": 1}
    # each dispatcher's stderr goes to a file, not a pipe: a pipe nobody reads while the
    # test waits could fill up and block a dispatcher in a write while it holds a claim
    # the other one waits for
    logs = [tmp_path / f"mail-{n}.err" for n in range(2)]
    dispatchers = []
    for n, log in enumerate(logs):
        with log.open("w") as stderr:
            dispatchers.append(
                subprocess.Popen(
                    [sys.executable, "-m", "tui.cli", "mail", "deliver", "--watch"],
                    cwd=ROOT,
                    env=deployment.environment(tmp_path / f"mail-{n}", **mail),
                    stdout=subprocess.DEVNULL,
                    stderr=stderr,
                )
            )
    try:
        deadline = time.monotonic() + 60
        while len(relay.handler.message_ids()) < len(queued) and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(1.0)  # anything sent twice would arrive now
    finally:
        for process in dispatchers:
            process.terminate()
        late = []
        for process in dispatchers:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                late.append(process.pid)
                process.kill()
                process.wait()
        errors = [log.read_text(errors="replace")[-4000:] for log in logs]
    assert not late, ("a dispatcher did not stop within 30 s of SIGTERM", late, errors)
    ids = relay.handler.message_ids()
    assert len(ids) == len(queued), errors
    assert len(set(ids)) == len(ids), "an email was delivered twice"
    assert all(process.returncode == 0 for process in dispatchers), errors


@needs_ssh
def test_a_session_opens_while_the_database_is_down(
    pg: PostgresServer, front_ends: tuple[Server, Server], connect: LineFactory
) -> None:
    """The first screen needs no database: a user connecting while it is away gets it,
    each step says the service is briefly unavailable, and works once it is back."""
    a, _b = front_ends
    pg.stop("fast")
    try:
        line = connect(a)
        line.send("2")
        line.prompt("Adresse électronique de connexion")
        line.send(LILA)
        line.expect(FR._(m.UNAVAILABLE).split(":")[0], timeout=20)
    finally:
        pg.start()
    line.prompt(f"Adresse électronique de connexion (Entrée : {LILA})")  # what was typed is kept
    line.send("")
    assert line.expect_re(QUESTION)[1] == "Le prénom de votre conjoint(e) ?".encode()
