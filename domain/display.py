"""What a user may choose of the full-screen display, by name — shared by the CLI, the SSH
server (which never imports the UI library) and the app: the theme and the cursor."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

ThemeName = Literal["standard", "contraste", "ansi"]

THEME_NAMES: tuple[ThemeName, ...] = ("standard", "contraste", "ansi")
"""standard (dark), contraste (high contrast), ansi (the terminal's own 16 colours)."""

THEME_USERS: dict[str, ThemeName] = {"contraste": "contraste", "contrast": "contraste", "ansi": "ansi"}
"""SSH user names that choose a theme (``ssh contraste@host``)."""

CURSOR_CHOICES = ("standard", "visible")
"""``visible``: the terminal's own cursor shown, steady (no blink), on the focused widget —
for braille displays and screen magnifiers; ``standard``: hidden, but always placed there."""


def display_from(environ: Mapping[str, str]) -> tuple[ThemeName, bool]:
    """The theme and the steady cursor asked for by ``MOTDEPASSE_THEME`` and
    ``MOTDEPASSE_CURSOR``; unknown values are ignored (the defaults: standard, hidden)."""
    theme = environ.get("MOTDEPASSE_THEME", "")
    chosen: ThemeName = "standard"
    for name in THEME_NAMES:
        if name == theme:
            chosen = name
    return chosen, environ.get("MOTDEPASSE_CURSOR") == "visible"
