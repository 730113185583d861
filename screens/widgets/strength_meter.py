"""The live strength meter: the level in words, and a bar. Never colour alone."""

from __future__ import annotations

from rich.text import Text
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

from domain.i18n import N_, Translator
from domain.policy import MeterLevel, MeterReading

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
    (refusé) » under the minimum length: the policy's rule, :class:`MeterLevel`), and
    under it, when the level is refused, why: « Ce mot de passe est trop faible : il
    contient une date… » (never a character of the password itself)."""

    DEFAULT_CSS = """
    StrengthMeter { height: auto; width: 1fr; }
    """

    class Changed(Message):
        """The meter shows another reading (for the journal: the level and the reasons'
        codes, never the password nor a word of it)."""

        def __init__(self, level: MeterLevel | None, reasons: tuple[str, ...] = ()) -> None:
            super().__init__()
            self.level = level
            self.reasons = reasons

    reading: reactive[MeterReading | None] = reactive(None)
    """The reading to show; None while the field is empty."""

    def __init__(self, t: Translator, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._t = t

    @property
    def level(self) -> MeterLevel | None:
        return None if self.reading is None else self.reading.level

    def watch_reading(self, reading: MeterReading | None) -> None:
        reasons = reading.reasons.codes if reading is not None and reading.reasons is not None else ()
        self.post_message(self.Changed(self.level, reasons))

    def describe(self) -> str:
        """The meter in words, as a screen reader would read it."""
        _ = self._t._
        if self.level is None:
            return _("Security level: (type a password)")
        verdict = _("accepted") if self.level.accepted else _("refused")
        return _("Security level: {level} ({verdict})").format(level=_(self.level.label), verdict=verdict)

    def advice(self) -> str:
        """Why the level is refused (empty when it is not, or while too short: the rule
        above the field says the length)."""
        reasons = self.reading.reasons if self.reading is not None else None
        if reasons is None or self.level is MeterLevel.TOO_SHORT:
            return ""
        return self._t.format(WEAK_ADVICE, reasons=reasons)

    def render(self) -> Text:
        filled = _FILLED[self.level]
        text = Text(self.describe() + "  ")
        text.append("█" * filled, style=_STYLE[self.level])
        text.append("░" * (_BAR_WIDTH - filled))
        advice = self.advice()
        if advice:
            text.append("\n" + advice)
        return text


WEAK_ADVICE = N_("Too weak: {reasons}.")
"""Under the meter, when it refuses (the reasons: ``domain.policy.Findings``)."""
