"""The live strength meter: the level in words, and a bar. Never colour alone."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from domain.i18n import Translator
from domain.policy import LEVEL_NAMES
from domain.strength import StrengthLevel

_BAR_WIDTH = 24
_FILLED = {None: 0, StrengthLevel.FAIBLE: 8, StrengthLevel.MOYEN: 16, StrengthLevel.FORT: 24}
_STYLE = {
    None: "",
    StrengthLevel.FAIBLE: "bold red",
    StrengthLevel.MOYEN: "bold yellow",
    StrengthLevel.FORT: "bold green",
}


class StrengthMeter(Widget):
    """Shows ``Niveau de sécurité : Moyen (accepté) [████████░░░░]``."""

    DEFAULT_CSS = """
    StrengthMeter { height: 1; width: 1fr; }
    """

    level: reactive[StrengthLevel | None] = reactive(None)
    """The level to show; None while the field is empty."""

    def __init__(self, t: Translator, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._t = t

    def describe(self) -> str:
        """The meter in words, as a screen reader would read it."""
        _ = self._t._
        if self.level is None:
            return _("Security level: (type a password)")
        verdict = _("refused") if self.level is StrengthLevel.FAIBLE else _("accepted")
        return _("Security level: {level} ({verdict})").format(level=_(LEVEL_NAMES[self.level]), verdict=verdict)

    def render(self) -> Text:
        filled = _FILLED[self.level]
        text = Text(self.describe() + "  ")
        text.append("█" * filled, style=_STYLE[self.level])
        text.append("░" * (_BAR_WIDTH - filled))
        return text
