"""Write domain/locale/fr/LC_MESSAGES/motdepasse.po from the source strings.

Run after adding strings: ``uv run python tools/fr_catalogue.py [new.json]``, where the
optional JSON object maps new English strings to their French. Existing translations are
kept; a string with no French makes the script fail and list what is missing.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "domain" / "locale" / "fr" / "LC_MESSAGES" / "motdepasse.po"
KEYWORDS = {"_": None, "N_": None, "gettext": None, "ngettext": (1, 2)}


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


def main(argv: list[str] | None = None) -> int:
    """``fr_catalogue.py [NEW.json]``: merge new translations (a JSON object) if given."""
    args = sys.argv[1:] if argv is None else argv
    existing: dict[str, str] = {}
    if PO.exists():
        with PO.open("rb") as handle:
            for message in read_po(handle, locale="fr"):
                if message.id and isinstance(message.string, str) and message.string:
                    existing[str(message.id)] = message.string
    for path in args:
        existing.update(json.loads(Path(path).read_text(encoding="utf-8")))
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
