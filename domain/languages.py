"""The languages of the interface and of the emails (no dependency: read by the command
line before anything else is loaded)."""

from __future__ import annotations

from typing import Literal

Language = Literal["fr", "en"]
LANGUAGES: tuple[Language, ...] = ("fr", "en")
