"""Translation catalogues (gettext, managed with Babel) and locale dates.

Message ids are the English text; ``locale/fr/LC_MESSAGES/motdepasse.po`` holds the
French, which is the reference wording. Catalogues are compiled in memory from the
``.po`` files on first use, so there is no build step to forget.
"""

from __future__ import annotations

import datetime as dt
import functools
import gettext
import io
from pathlib import Path

from babel.dates import format_date, format_time, format_timedelta
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from domain.settings import LANGUAGES, Language

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "motdepasse"


def N_(message: str) -> str:
    """Mark a string for extraction; it is translated later, where it is shown."""
    return message


@functools.cache
def _catalogue(lang: str) -> gettext.NullTranslations:
    po_path = LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not po_path.exists():
        return gettext.NullTranslations()
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def parse_language(value: str | None, default: Language = "fr") -> Language:
    """Pick a supported language from a tag such as ``en_GB.UTF-8`` or ``fr``."""
    if value:
        tag = value.split(".")[0].split("_")[0].split("-")[0].lower()
        for lang in LANGUAGES:
            if tag == lang:
                return lang
    return default


class Translator:
    """Everything language-dependent for one session: messages, dates, times."""

    def __init__(self, lang: Language) -> None:
        self.lang: Language = lang
        self._translations = _catalogue(lang)

    def _(self, message: str) -> str:
        return self._translations.gettext(message)

    def format(self, message: str, /, **params: object) -> str:
        """Translate ``message`` and fill it in: instants become times of day (``14:05``),
        days become dates as the sheets write them (``05 juin 2026``)."""
        values = {name: self._value(value) for name, value in params.items()}
        return self._(message).format(**values)

    def _value(self, value: object) -> object:
        render = getattr(value, "render", None)
        if callable(render):
            return render(self)  # a value that words itself in the reader's language
        if isinstance(value, dt.datetime):
            return self.time(value)
        if isinstance(value, dt.date):
            return self.date(value)
        return value

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self._translations.ngettext(singular, plural, n)

    def date(self, day: dt.date) -> str:
        """A day as the sheets write it: ``05 juin 2026`` / ``05 June 2026``."""
        return format_date(day, "dd MMMM yyyy", locale=self.lang)

    def long_date(self, day: dt.date) -> str:
        """A day as it is spoken: ``3 juin 2026`` / ``3 June 2026`` (no leading zero, which
        speech reads as « zéro trois »)."""
        return format_date(day, "d MMMM yyyy", locale=self.lang)

    def short_date(self, day: dt.date) -> str:
        """A day as ``22/07/2024``."""
        return format_date(day, "dd/MM/yyyy", locale=self.lang)

    def duration(self, seconds: int) -> str:
        """``10 minutes``, ``90 secondes``: whole minutes when it is one, else seconds."""
        return format_timedelta(dt.timedelta(seconds=seconds), threshold=2, locale=self.lang)

    def time(self, instant: dt.datetime) -> str:
        """A time of day as ``14:05``."""
        return format_time(instant, "HH:mm", locale=self.lang)
