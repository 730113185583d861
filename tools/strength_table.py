"""Recompute the columns of ``tests/domain/strength_table.csv`` after a change to the
estimate: the passwords (and their language) stay, the scores are measured again.

``before_log10`` is zxcvbn 4.5 alone, as it was before the French data; ``after_log10``
and ``after_level`` are the policy's estimate now. Review the diff before committing:
a level that drops is the point of the table; one that rises needs a reason.

Usage: ``uv run python tools/strength_table.py``
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from zxcvbn import zxcvbn

from domain.policy import PasswordPolicy

TABLE = Path(__file__).resolve().parents[1] / "tests" / "domain" / "strength_table.csv"


def main() -> None:
    text = TABLE.read_text(encoding="utf-8")
    header = [line for line in text.splitlines() if line.startswith("#")]
    rows = list(csv.DictReader(line for line in text.splitlines() if not line.startswith("#")))
    policy = PasswordPolicy()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["language", "password", "before_log10", "after_log10", "after_level"])
    for row in rows:
        password = row["password"]
        after = policy.estimate(password)
        level = after.level(policy.moyen_log10, policy.fort_log10).name.lower()
        before = zxcvbn(password)["guesses_log10"]
        writer.writerow([row["language"], password, f"{before:.2f}", f"{after.guesses_log10:.2f}", level])
    TABLE.write_text("\n".join(header) + "\n" + out.getvalue(), encoding="utf-8")
    print(f"{TABLE}: {len(rows)} passwords")


if __name__ == "__main__":
    main()
