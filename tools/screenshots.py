"""Copy the README's screenshots from the snapshot tests (the same 80×24 SVG files).

Run after ``uv run pytest tests/snapshots --snapshot-update -n 0``:
``uv run python tools/screenshots.py``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOTS = ROOT / "tests" / "snapshots" / "__snapshots__" / "test_screens"
SUPPORT = ROOT / "tests" / "snapshots" / "__snapshots__" / "test_support_screens"
TARGET = ROOT / "docs" / "screenshots"


def main() -> int:
    TARGET.mkdir(parents=True, exist_ok=True)
    for existing in TARGET.glob("*.svg"):
        source = SNAPSHOTS / f"test_screen[{existing.stem}].raw"
        name, _, theme = existing.stem.rpartition("-")
        if theme in ("contraste", "ansi"):  # a screen in another theme
            source = SNAPSHOTS / f"test_screen_in_theme[{name}-{theme}].raw"
        if existing.stem.startswith("support_"):  # the support console
            source = SUPPORT / f"test_support_screen[{existing.stem}].raw"
        if source.exists():
            shutil.copyfile(source, existing)
            print(f"{existing.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
