"""Write domain/locale/fr/LC_MESSAGES/motdepasse.po from the source strings.

Run after adding strings: ``uv run python tools/fr_catalogue.py``. Existing translations
are kept; a new string without a translation here makes the script fail loudly.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "domain" / "locale" / "fr" / "LC_MESSAGES" / "motdepasse.po"
KEYWORDS = {"_": None, "N_": None, "gettext": None, "ngettext": (1, 2)}

NEW: dict[str, str] = {
    "Demo: {name}, {email}, answer « {answer} », password {password}. F2: every demo account.": "Démo : {name}, {email}, réponse « {answer} », mot de passe {password}. F2 : tous les comptes de démo.",
}
"""Translations of new strings (merged into the catalogue, then move them to the .po)."""


def french_typography(text: str) -> str:
    """No line break inside « … » nor before : ; ! ? (a no-break space, as French typesets)."""
    for before, after in (
        (" :", "\u00a0:"),
        (" ;", "\u00a0;"),
        (" !", "\u00a0!"),
        (" ?", "\u00a0?"),
        ("« ", "«\u00a0"),
        (" »", "\u00a0»"),
    ):
        text = text.replace(before, after)
    return text


def source_messages() -> list[str]:
    found: dict[str, None] = {}
    for package in ("domain", "screens", "tui"):
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / package, keywords=KEYWORDS, comment_tags=()
        ):
            if isinstance(message, str):
                found[message] = None
    return list(found)


def main() -> int:
    existing: dict[str, str] = {}
    if PO.exists():
        with PO.open("rb") as handle:
            for message in read_po(handle, locale="fr"):
                if message.id and isinstance(message.string, str) and message.string:
                    existing[str(message.id)] = message.string
    existing.update(NEW)
    catalog = Catalog(
        locale="fr",
        project="motdepasse",
        version="0.1",
        charset="utf-8",
        fuzzy=False,
        creation_date=datetime(2026, 11, 24, tzinfo=UTC),
        revision_date=datetime(2026, 11, 24, tzinfo=UTC),
    )
    missing = []
    for msgid in source_messages():
        if msgid not in existing:
            missing.append(msgid)
            continue
        catalog.add(msgid, french_typography(existing[msgid]))
    if missing:
        print("missing French translations:", *missing, sep="\n  ", file=sys.stderr)
        return 1
    PO.parent.mkdir(parents=True, exist_ok=True)
    with PO.open("wb") as handle:
        write_po(handle, catalog, omit_header=False, sort_output=True, width=100)
    print(f"{PO.relative_to(ROOT)}: {len(catalog)} messages")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
