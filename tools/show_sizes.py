"""Print, as plain text, each screen of the snapshot walk at a given size (a developer's
look at small terminals): ``uv run python tools/show_sizes.py 60 20 [name…]``."""

from __future__ import annotations

import asyncio
import io
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rich.console import Console

from tests.snapshots.test_screens import CASES
from tests.ui_helpers import make_app, make_services


async def show(name: str, lang: str, steps, columns: int, rows: int) -> str:  # type: ignore[no-untyped-def]
    services = make_services(Path(tempfile.mkdtemp()))
    app = make_app(services, lang)  # type: ignore[arg-type]
    async with app.run_test(size=(columns, rows)) as pilot:
        await pilot.pause()
        await steps(pilot, app)
        await pilot.pause()
        console = Console(width=columns, height=rows, file=io.StringIO(), record=True, color_system=None)
        update = app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
        console.print(update)
        text = console.export_text(styles=False)
    services.close()
    return text


def main() -> None:
    columns, rows = int(sys.argv[1]), int(sys.argv[2])
    wanted = set(sys.argv[3:])
    for name, lang, steps in CASES:
        if wanted and name not in wanted and f"{name}-{lang}" not in wanted:
            continue
        text = asyncio.run(show(name, lang, steps, columns, rows))
        print(f"── {name}-{lang} {columns}×{rows} " + "─" * 10)
        for line in text.splitlines()[:rows]:
            print("│" + line + "│")


if __name__ == "__main__":
    main()
