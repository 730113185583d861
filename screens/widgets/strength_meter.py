"""The live strength meter: the level in words, and a bar. Never colour alone."""

from __future__ import annotations

from rich.text import Text
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

from domain.i18n import Translator
from domain.policy import MeterLevel

_BAR_WIDTH = 24
_FILLED = {None: 0, MeterLevel.TOO_SHORT: 4, MeterLevel.FAIBLE: 8, MeterLevel.MOYEN: 16, MeterLevel.FORT: 24}
_STYLE = {
    None: "",
    MeterLevel.TOO_SHORT: "bold red",
    MeterLevel.FAIBLE: "bold red",
    MeterLevel.MOYEN: "bold yellow",
    MeterLevel.FORT: "bold green",
}


class StrengthMeter(Widget):
    """Shows ``Niveau de sécurité : Moyen (accepté) [████████░░░░]`` (« Trop court
    (refusé) » under the minimum length: the policy's rule, :class:`MeterLevel`)."""

    DEFAULT_CSS = """
    StrengthMeter { height: 1; width: 1fr; }
    """

    class Changed(Message):
        """The meter shows another level (for the journal: the level, never the password)."""

        def __init__(self, level: MeterLevel | None) -> None:
            super().__init__()
            self.level = level

    level: reactive[MeterLevel | None] = reactive(None)
    """The level to show; None while the field is empty."""

    def __init__(self, t: Translator, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._t = t

    def watch_level(self, level: MeterLevel | None) -> None:
        self.post_message(self.Changed(level))

    def describe(self) -> str:
        """The meter in words, as a screen reader would read it."""
        _ = self._t._
        if self.level is None:
            return _("Security level: (type a password)")
        verdict = _("accepted") if self.level.accepted else _("refused")
        return _("Security level: {level} ({verdict})").format(level=_(self.level.label), verdict=verdict)

    def render(self) -> Text:
        filled = _FILLED[self.level]
        text = Text(self.describe() + "  ")
        text.append("█" * filled, style=_STYLE[self.level])
        text.append("░" * (_BAR_WIDTH - filled))
        return text
