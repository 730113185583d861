"""What the SSH server tells a session worker about one session: a typed message, sent
over the worker's Unix socket with the session's terminal and control channel (never
through environment variables, which a forked worker cannot receive and ``/proc`` shows).

The message is JSON; :meth:`SessionStart.decode` checks every field's type and bounds, so
a worker never runs a session from a message it does not fully understand. It holds no
secret: the staff identity is the key's label and fingerprint, the key check is a keyed
hash of the secret key (:func:`domain.services.key_check_value`)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Literal

MESSAGE_LIMIT = 16384
"""The largest message the worker reads (a session start is well under 2 KiB)."""

Front = Literal["full", "line", "support", "support-line"]
DISPLAY_VARIABLES = frozenset({"NO_COLOR", "COLORTERM", "MOTDEPASSE_THEME", "MOTDEPASSE_CURSOR"})


class BadMessage(ValueError):
    """A message that is not a well-formed session start (its field named, no value)."""


@dataclass(frozen=True)
class SessionStart:
    reference: str
    language: Literal["fr", "en"]
    client: str
    term: str
    columns: int
    rows: int
    front: Front
    """full-screen app, line mode, support console, support console in line mode."""
    staff: str | None = None
    """``ssh-key:NAME (SHA256:…)`` for the support fronts."""
    theme: str | None = None
    """The theme the SSH user name chose (``contraste@``), before the client's variables."""
    display: dict[str, str] = field(default_factory=dict)
    """The client's display variables (:data:`DISPLAY_VARIABLES`), already made safe."""
    extensions: int = 0
    max_seconds: int = 0
    warning_seconds: int = 60
    demo: bool = False
    schema: str = ""
    key_check: str = ""
    memory_bytes: int = 0
    """The session's address-space limit (0: none)."""

    def encode(self) -> bytes:
        data = json.dumps(asdict(self), ensure_ascii=True, separators=(",", ":")).encode("ascii")
        if len(data) > MESSAGE_LIMIT:
            raise BadMessage("message too long")
        return data

    @classmethod
    def decode(cls, data: bytes) -> SessionStart:
        try:
            raw = json.loads(data)
        except ValueError:
            raise BadMessage("not JSON") from None
        if not isinstance(raw, dict) or set(raw) != {f.name for f in fields(cls)}:
            raise BadMessage("fields")
        checks: dict[str, Any] = {
            "reference": str,
            "client": str,
            "term": str,
            "schema": str,
            "key_check": str,
            "columns": int,
            "rows": int,
            "extensions": int,
            "max_seconds": int,
            "warning_seconds": int,
            "memory_bytes": int,
            "demo": bool,
        }
        for name, kind in checks.items():
            value = raw[name]
            if type(value) is not kind:
                raise BadMessage(name)
            if kind is str and len(value) > 256:
                raise BadMessage(name)
            if kind is int and not 0 <= value < 1 << 40:
                raise BadMessage(name)
        if raw["language"] not in ("fr", "en"):
            raise BadMessage("language")
        if raw["front"] not in ("full", "line", "support", "support-line"):
            raise BadMessage("front")
        for name in ("staff", "theme"):
            if raw[name] is not None and (not isinstance(raw[name], str) or len(raw[name]) > 256):
                raise BadMessage(name)
        display = raw["display"]
        if not isinstance(display, dict) or not all(
            key in DISPLAY_VARIABLES and isinstance(value, str) and len(value) <= 32 for key, value in display.items()
        ):
            raise BadMessage("display")
        if not (1 <= raw["columns"] <= 10000 and 1 <= raw["rows"] <= 10000):
            raise BadMessage("size")
        if raw["front"].startswith("support") and not raw["staff"]:
            raise BadMessage("staff")
        return cls(**raw)
