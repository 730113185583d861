"""A real SMTP server on loopback (aiosmtpd) that records every envelope, and services
whose SMTP settings point at it."""

from __future__ import annotations

import email
import email.policy
import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from domain.demo import DemoAccount, seed_demo
from domain.services import Services

MAIL_FROM = "ne-pas-repondre@impots.example"
MAIL_FROM_NAME = "Espace professionnel"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Received:
    """One DATA transaction as the server saw it (accepted or refused)."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    raw: bytes
    reply: str
    tls: bool
    authenticated: bool

    @property
    def message(self) -> EmailMessage:
        parsed = email.message_from_bytes(self.raw, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"])


@dataclass
class Recorder:
    """The handler: records every envelope; ``refuse(reply, n)`` answers ``reply`` to
    the next ``n`` messages (at DATA, or at RCPT with ``stage="RCPT"``)."""

    accepted: list[Received] = field(default_factory=list)
    refused: list[Received] = field(default_factory=list)
    _data_replies: list[str] = field(default_factory=list)
    _rcpt_replies: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def refuse(self, reply: str, times: int = 1, *, stage: str = "DATA") -> None:
        with self._lock:
            target = self._data_replies if stage == "DATA" else self._rcpt_replies
            target.extend([reply] * times)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        with self._lock:
            if self._rcpt_replies:
                return self._rcpt_replies.pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self._lock:
            reply = self._data_replies.pop(0) if self._data_replies else "250 Message accepted for delivery"
            record = Received(
                mail_from=envelope.mail_from,
                rcpt_tos=tuple(envelope.rcpt_tos),
                raw=bytes(envelope.content),
                reply=reply,
                tls=bool(session.ssl),
                authenticated=bool(session.authenticated),
            )
            (self.accepted if reply.startswith("250") else self.refused).append(record)
        return reply

    def message_ids(self) -> list[str]:
        with self._lock:
            return [received.message_id for received in self.accepted]


@dataclass
class Relay:
    port: int
    handler: Recorder
    controller: Controller
    stopped: bool = False

    @property
    def accepted(self) -> list[Received]:
        return self.handler.accepted

    @property
    def refused(self) -> list[Received]:
        return self.handler.refused

    def stop(self) -> None:
        """The relay goes down in the middle of a test (the fixture does not stop it again)."""
        self.controller.stop()
        self.stopped = True


StartRelay = Callable[..., Relay]


@pytest.fixture
def start_relay() -> Iterator[StartRelay]:
    """Start an SMTP server on 127.0.0.1 (plain, ``ssl_context`` for implicit TLS,
    ``tls_context`` + ``require_starttls`` for STARTTLS); stopped at teardown."""
    started: list[Relay] = []

    def start(port: int | None = None, **kwargs: Any) -> Relay:
        handler = Recorder()
        port = port or free_port()
        controller = Controller(handler, hostname="127.0.0.1", port=port, **kwargs)
        controller.start()
        relay = Relay(port, handler, controller)
        started.append(relay)
        return relay

    yield start
    for relay in started:
        if not relay.stopped:
            relay.controller.stop(no_assert=True)


@pytest.fixture
def relay(start_relay: StartRelay) -> Relay:
    return start_relay()


def smtp_settings(relay_port: int, **overrides: object) -> dict[str, object]:
    values: dict[str, object] = {
        "smtp_host": "127.0.0.1",
        "smtp_port": relay_port,
        "smtp_security": "none",
        "smtp_timeout_seconds": 5.0,
        "mail_from": MAIL_FROM,
        "mail_from_name": MAIL_FROM_NAME,
    }
    values.update(overrides)
    return values


@pytest.fixture
def mail_services(make_services: Callable[..., Services], relay: Relay) -> Services:
    """Services (CAPTCHA off, SettableClock at START) whose relay is the loopback server."""
    return make_services(**smtp_settings(relay.port))


@pytest.fixture
def mail_demo(mail_services: Services) -> dict[str, DemoAccount]:
    return {account.email: account for account in seed_demo(mail_services)}


# --- TLS ---------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="session")
def server_tls(ca: trustme.CA) -> ssl.SSLContext:
    """The relay's context: a certificate for 127.0.0.1 signed by the test CA."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    return context


@pytest.fixture(scope="session")
def wrong_name_tls(ca: trustme.CA) -> ssl.SSLContext:
    """Signed by the trusted CA, but for another name than the one the client dials."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("relay.exemple.fr").configure_cert(context)
    return context


@pytest.fixture
def ca_file(ca: trustme.CA, tmp_path: Path) -> Path:
    path = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return path


def authenticator(username: str, password: str) -> Callable[..., AuthResult]:
    def check(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        ok = (
            auth_data.login.decode() == username and auth_data.password.decode() == password
            if hasattr(auth_data, "login")
            else False
        )
        return AuthResult(success=ok, handled=False)

    return check
