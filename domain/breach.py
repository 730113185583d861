"""The optional breached-password check, by k-anonymity range (off by default).

An operator who runs (or trusts) a range endpoint — the Pwned Passwords API, or a mirror
of it inside their network — sets ``MOTDEPASSE_BREACH_CHECK_URL``. For a new password
that passes every other rule, the SHA-1 of its UTF-8 (NFC) text is computed here and
**only its first 5 hexadecimal digits** are sent; the endpoint answers with every suffix
it knows under that prefix (``SUFFIX:COUNT`` lines), and the match is made here. The
request asks for padding (``Add-Padding: true``: the answer's size says nothing of the
prefix) and carries no cookie, no account, no address.

The whole exchange — connection, request, answer — has a deadline
(``MOTDEPASSE_BREACH_CHECK_TIMEOUT_SECONDS``, at most 1 s), not only each read, and an
answer over ``ANSWER_MOST`` bytes is refused. When the endpoint fails or is late, the
setting ``MOTDEPASSE_BREACH_CHECK_FAIL`` decides: ``open`` lets the password through,
``closed`` refuses it for now. Blocking: front ends call it from a worker thread (the
session core and the use cases already run there), never on an event loop, and never
while typing: only when a password is submitted.
"""

from __future__ import annotations

import base64
import enum
import hashlib
import http.client
import logging
import re
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

if TYPE_CHECKING:
    from domain.settings import Settings

log = logging.getLogger("motdepasse.breach")

_RANGE_LINE = re.compile(r"^[0-9A-Fa-f]{35}:[0-9]+\s*$", re.MULTILINE)
"""A line of a range answer; an answer without one (a captive portal's page) is a failure."""
ANSWER_MOST = 4 * 1024 * 1024
"""Bytes read at most from one answer (a padded real one is about 40 KB)."""
_CHUNK = 65536


class BreachVerdict(enum.Enum):
    CLEAR = "clear"
    """Not found (or the check is off, or failed open)."""
    BREACHED = "breached"
    """The endpoint knows this password from a breach."""
    UNAVAILABLE = "unavailable"
    """The endpoint did not answer in time, with fail-closed set: refused for now."""


class _Late(Exception):
    """The deadline passed."""


def range_url(template: str, prefix: str) -> str:
    """The address asked for a prefix: ``{prefix}`` replaced, else appended after a ``/``."""
    if "{prefix}" in template:
        return template.replace("{prefix}", prefix)
    return template.rstrip("/") + "/" + prefix


def sha1_parts(password: str) -> tuple[str, str]:
    """The 5-digit prefix sent, and the 35-digit suffix kept here (upper-case hex)."""
    digest = hashlib.sha1(password.encode("utf-8"), usedforsecurity=False).hexdigest().upper()
    return digest[:5], digest[5:]


def found_in(answer: str, suffix: str) -> bool:
    """Whether a range answer lists ``suffix`` with a count above 0 (padding lines
    have a count of 0)."""
    for line in answer.splitlines():
        candidate, _, count = line.strip().partition(":")
        if candidate.upper() == suffix:
            try:
                return int(count) > 0
            except ValueError:
                return True
    return False


@dataclass(frozen=True, slots=True)
class BreachCheck:
    url: str
    timeout: float = 1.0
    fail_closed: bool = False

    def verdict(self, password: str) -> BreachVerdict:
        """Ask the endpoint about ``password`` (its 5-digit SHA-1 prefix only). The
        exchange runs in a thread of its own, so the name lookup and the TLS handshake
        are within the deadline too: past it, the answer is not waited for."""
        prefix, suffix = sha1_parts(password)
        started = time.monotonic()
        outcome: list[str | BaseException] = []

        def ask() -> None:
            try:
                outcome.append(self._fetch(range_url(self.url, prefix), started + self.timeout))
            except (OSError, http.client.HTTPException, _Late, ValueError) as error:  # reported below
                outcome.append(error)

        worker = threading.Thread(target=ask, name="breach-check", daemon=True)
        worker.start()
        worker.join(self.timeout)
        answer = outcome[0] if outcome else _Late()
        if isinstance(answer, str) and not _RANGE_LINE.search(answer):
            answer = ValueError("not a range answer")
        if not isinstance(answer, str):
            failure = "late" if isinstance(answer, _Late | TimeoutError) else type(answer).__name__
            log.warning(
                "breach check unavailable (%s after %.0f ms): %s",
                failure,
                (time.monotonic() - started) * 1000,
                "refused (fail-closed)" if self.fail_closed else "skipped (fail-open)",
            )
            return BreachVerdict.UNAVAILABLE if self.fail_closed else BreachVerdict.CLEAR
        return BreachVerdict.BREACHED if found_in(answer, suffix) else BreachVerdict.CLEAR

    def _fetch(self, url: str, deadline: float) -> str:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port or (443 if parts.scheme == "https" else 80)  # an IPv6 literal needs it
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")

        def left() -> float:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise _Late
            return remaining

        connection: http.client.HTTPConnection
        if parts.scheme == "https":
            connection = http.client.HTTPSConnection(host, port, timeout=left())
        else:
            connection = http.client.HTTPConnection(host, port, timeout=left())
        try:
            headers = {"Add-Padding": "true", "User-Agent": "motdepasse", "Accept": "text/plain"}
            if parts.username:  # an endpoint behind basic authentication
                token = f"{unquote(parts.username)}:{unquote(parts.password or '')}".encode()
                headers["Authorization"] = "Basic " + base64.b64encode(token).decode()
            connection.request("GET", path, headers=headers)
            if connection.sock is not None:
                connection.sock.settimeout(left())
            response = connection.getresponse()
            if response.status != 200:
                raise ValueError(f"status {response.status}")
            chunks: list[bytes] = []
            size = 0
            while True:
                if connection.sock is not None:
                    connection.sock.settimeout(left())
                chunk = response.read1(_CHUNK)  # one read from the socket at most
                if not chunk:
                    break
                size += len(chunk)
                if size > ANSWER_MOST:
                    raise ValueError("answer too large")
                chunks.append(chunk)
                left()
            return b"".join(chunks).decode("utf-8", errors="replace")
        finally:
            connection.close()


def breach_check(settings: Settings) -> BreachCheck | None:
    """The check the settings ask for, or None (no ``MOTDEPASSE_BREACH_CHECK_URL``)."""
    if not settings.breach_check_url:
        return None
    return BreachCheck(
        settings.breach_check_url,
        timeout=settings.breach_check_timeout_seconds,
        fail_closed=settings.breach_check_fail == "closed",
    )
