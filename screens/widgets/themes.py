"""The app's three themes, chosen by ``--theme``, ``MOTDEPASSE_THEME``, the SSH user name
(``contraste@``, ``ansi@``) or the « Affichage » button of the login screen:

* ``standard`` — dark; every text at least 4.5:1 against its background;
* ``contraste`` — high contrast: white on black, text at least 7:1, the focused field and
  the focused button in yellow (at least 3:1 against what surrounds them);
* ``ansi`` — the terminal's own 16-colour palette (the user's colours, their contrast).

``tests/screens/test_themes.py`` computes the contrast of every text cell each theme draws.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.theme import BUILTIN_THEMES, Theme

from domain.display import THEME_NAMES, ThemeName
from domain.i18n import N_

if TYPE_CHECKING:
    from textual.app import App


_ansi = BUILTIN_THEMES["ansi-dark"]

THEMES: dict[str, Theme] = {
    "standard": Theme(
        name="motdepasse-standard",
        primary="#1d5aa0",
        secondary="#7aa2d6",
        accent="#d9a21b",
        warning="#e8b339",
        error="#ff7a7a",
        success="#6cc46c",
        foreground="#e6e6e6",
        background="#15171c",
        surface="#1f232b",
        panel="#2a303b",
        dark=True,
        variables={
            "input-focus-background": "#4d3c10",
            "input-focus-foreground": "#ffffff",
            "button-focus-background": "#d9a21b",
            "button-focus-foreground": "#000000",
        },
    ),
    "contraste": Theme(
        name="motdepasse-contraste",
        primary="#ffff00",
        secondary="#00ffff",
        accent="#ffff00",
        warning="#ffff00",
        error="#ff6060",
        success="#00ff00",
        foreground="#ffffff",
        background="#000000",
        surface="#000000",
        panel="#000000",
        boost="#000000",
        dark=True,
        text_alpha=1.0,
        variables={
            "input-focus-background": "#ffff00",
            "input-focus-foreground": "#000000",
            "button-focus-background": "#ffff00",
            "button-focus-foreground": "#000000",
            "text-muted": "#ffffff",
            "input-cursor-background": "#ffffff",
            "input-cursor-foreground": "#000000",
        },
    ),
    "ansi": Theme(
        name="motdepasse-ansi",
        primary=_ansi.primary,
        secondary=_ansi.secondary,
        accent=_ansi.accent,
        warning=_ansi.warning,
        error=_ansi.error,
        success=_ansi.success,
        foreground=_ansi.foreground,
        background=_ansi.background,
        surface=_ansi.surface,
        panel=_ansi.panel,
        boost=_ansi.boost,
        dark=True,
        ansi=True,
        variables={
            **_ansi.variables,
            "input-focus-background": "ansi_default",
            "input-focus-foreground": "ansi_default",
            "button-focus-background": "ansi_default",
            "button-focus-foreground": "ansi_default",
        },
    ),
}

DESCRIPTIONS = {
    "standard": N_("standard"),
    "contraste": N_("high contrast"),
    "ansi": N_("terminal colours"),
}
"""How the « Affichage » button names each theme (message ids)."""


def theme_for(name: str) -> Theme:
    """The theme called ``name`` (one of :data:`THEME_NAMES`), or ValueError."""
    try:
        return THEMES[name]
    except KeyError:
        raise ValueError(f"unknown theme {name!r}: choose one of {', '.join(THEME_NAMES)}") from None


def next_theme(name: str) -> ThemeName:
    """The theme after ``name``, in the order of the « Affichage » button."""
    index = THEME_NAMES.index(name) if name in THEME_NAMES else -1  # type: ignore[arg-type]
    return THEME_NAMES[(index + 1) % len(THEME_NAMES)]


def install_themes(app: App[Any], name: str) -> None:
    """Make the three themes available to ``app`` and use ``name``."""
    theme = theme_for(name)
    for each in THEMES.values():
        app.register_theme(each)
    app.theme = theme.name


def theme_name(app: App[Any]) -> ThemeName:
    """The name (as in :data:`THEME_NAMES`) of the theme ``app`` uses."""
    for name, theme in THEMES.items():
        if theme.name == app.theme:
            return name  # type: ignore[return-value]
    return "standard"
