"""The breached-password check (issue 16) against a local range server started here:
only the 5-digit prefix on the wire, padding asked for, a deadline on the whole
exchange, fail-open and fail-closed, and the refusal it feeds."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from domain.breach import BreachCheck, BreachVerdict, found_in, range_url, sha1_parts
from domain.i18n import Translator
from domain.policy import PasswordPolicy, Reason
from domain.services import Services
from domain.settings import InvalidSettings, load_settings
from domain.usecases import ChangeStatus, change_expired_password
from tests.domain.support import LILA, NEW_PASSWORD

BREACHED = "Horizon-Luciole-Chaloupe-88"
"""Strong enough for the policy; the fake server says it is in a breach."""


@dataclass
class Range:
    """A fake k-anonymity range server: what it knows, how it behaves, what it was sent."""

    known: dict[str, int] = field(default_factory=dict)
    mode: str = "answer"  # answer | slow | drip | error
    requests: list[tuple[str, dict[str, str], bytes]] = field(default_factory=list)
    url: str = ""

    def answer(self, prefix: str) -> bytes:
        lines = [f"{h[5:]}:{count}" for h, count in self.known.items() if h.startswith(prefix)]
        lines += [f"{i:035X}:0" for i in range(400)]  # padding: count 0
        return "\r\n".join(lines).encode()


@pytest.fixture
def range_server() -> Iterator[Range]:
    state = Range()
    stop = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            state.requests.append((self.path, dict(self.headers), body))
            if state.mode == "slow":
                stop.wait(3)
            if state.mode == "error":
                self.send_response(503)
                self.end_headers()
                return
            data = state.answer(self.path.rsplit("/", 1)[-1].upper())
            if state.mode == "portal":
                data = b"<html><body>Please log in to the network</body></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(data) if state.mode != "drip" else 10**6))
            self.end_headers()
            if state.mode == "drip":
                while not stop.wait(0.2):  # a byte at a time: each read is quick, the whole is not
                    try:
                        self.wfile.write(b"0")
                        self.wfile.flush()
                    except OSError:
                        return
                return
            self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/range/"
    try:
        yield state
    finally:
        stop.set()
        server.shutdown()
        server.server_close()


def sha1(text: str) -> str:
    return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest().upper()


def test_only_the_prefix_is_sent_and_padding_is_asked(range_server: Range) -> None:
    range_server.known[sha1(BREACHED)] = 12
    check = BreachCheck(range_server.url)
    assert check.verdict(BREACHED) is BreachVerdict.BREACHED
    assert check.verdict(NEW_PASSWORD) is BreachVerdict.CLEAR
    assert len(range_server.requests) == 2
    for (path, headers, body), password in zip(range_server.requests, (BREACHED, NEW_PASSWORD), strict=True):
        digest = sha1(password)
        assert path == "/range/" + digest[:5]
        assert body == b""
        assert headers.get("Add-Padding") == "true"
        assert digest[5:] not in path + str(headers)
        assert password not in path + str(headers)
        assert "Cookie" not in headers


def test_padding_lines_are_not_matches() -> None:
    prefix, suffix = sha1_parts("anything")
    assert found_in(f"{suffix}:0\r\nABC:3", suffix) is False
    assert found_in(f"ABC:3\r\n{suffix.lower()}:7", suffix) is True
    assert len(prefix) == 5 and len(suffix) == 35


def test_the_address_takes_the_prefix() -> None:
    assert range_url("https://api.pwnedpasswords.com/range/", "ABCDE") == "https://api.pwnedpasswords.com/range/ABCDE"
    assert range_url("https://mirror.example/range", "ABCDE") == "https://mirror.example/range/ABCDE"
    assert range_url("https://mirror.example/r?p={prefix}&x=1", "ABCDE") == "https://mirror.example/r?p=ABCDE&x=1"


@pytest.mark.parametrize("mode", ["slow", "drip", "error", "portal"])
@pytest.mark.parametrize("fail_closed", [False, True])
def test_a_late_or_failing_endpoint(range_server: Range, mode: str, fail_closed: bool) -> None:
    """The deadline is on the whole exchange (a server that drips a byte every 0.2 s
    never lets one read time out); an answer that is no range list (a captive portal's
    page) is a failure too; fail-open lets the password through, fail-closed refuses it
    for now."""
    range_server.mode = mode
    check = BreachCheck(range_server.url, timeout=0.5, fail_closed=fail_closed)
    started = time.monotonic()
    verdict = check.verdict(BREACHED)
    elapsed = time.monotonic() - started
    assert verdict is (BreachVerdict.UNAVAILABLE if fail_closed else BreachVerdict.CLEAR)
    assert elapsed < 0.5 + 0.4, elapsed


def test_nothing_listening_fails_quickly() -> None:
    check = BreachCheck("http://127.0.0.1:9/range/", timeout=1.0, fail_closed=True)
    assert check.verdict(BREACHED) is BreachVerdict.UNAVAILABLE


def test_the_policy_refuses_a_breached_password_with_its_reason() -> None:
    policy = PasswordPolicy()
    result = policy.check(BREACHED, BREACHED, breach=BreachVerdict.BREACHED)
    assert result.reasons == (Reason.BREACHED,)
    assert "fuites de données connues" in result.violations[0].message(Translator("fr"))
    closed = policy.check(BREACHED, BREACHED, breach=BreachVerdict.UNAVAILABLE)
    assert closed.reasons == (Reason.BREACH_CHECK_UNAVAILABLE,)
    assert policy.check(BREACHED, BREACHED, breach=BreachVerdict.CLEAR).accepted


def test_settings_of_the_check(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path, breach_check_url="https://api.pwnedpasswords.com/range/")
    assert settings.breach_check_fail == "open" and settings.breach_check_timeout_seconds == 1.0
    for bad in ({"breach_check_url": "file:///etc/passwd"}, {"breach_check_timeout_seconds": 2}):
        with pytest.raises(InvalidSettings):
            load_settings(data_dir=tmp_path, **bad)


def test_a_change_is_refused_when_the_endpoint_knows_the_password(
    services: Services, demo: object, range_server: Range
) -> None:
    """Through the use case: the verdict is asked before the unit of work, and the
    refusal comes back with its reason; nothing is changed."""
    range_server.known[sha1(BREACHED)] = 3
    services.breach = BreachCheck(range_server.url)
    old = demo[LILA].password  # type: ignore[index]
    refused = change_expired_password(
        services, email=LILA, old=old, new=BREACHED, confirmation=BREACHED, client_address=None
    )
    assert refused.status is ChangeStatus.REFUSED and refused.reasons == ("breached",)
    assert len(range_server.requests) == 1
    changed = change_expired_password(
        services, email=LILA, old=old, new=NEW_PASSWORD, confirmation=NEW_PASSWORD, client_address=None
    )
    assert changed.status is ChangeStatus.CHANGED
    assert len(range_server.requests) == 2


def test_a_weak_password_sends_nothing(services: Services, demo: object, range_server: Range) -> None:
    services.breach = BreachCheck(range_server.url)
    old = demo[LILA].password  # type: ignore[index]
    weak = "motdepasse" * 3
    result = change_expired_password(services, email=LILA, old=old, new=weak, confirmation=weak, client_address=None)
    assert result.status is ChangeStatus.REFUSED and result.reasons == ("too_weak",)
    assert range_server.requests == []
