"""Benchmark: ``motdepasse accounts import`` before/after issue 14, side by side.

Run with ``uv run python bench/import_scale.py [--accounts 1000] [--before a3e1dca]``.
Not a pytest test. "Before" is the release at ``--before`` (checked out with ``git
worktree`` in a temporary folder, with its own locked environment); "after" is this
checkout. Both import the same generated CSV file (clear passwords and answers, every
line valid) into a new SQLite database, as the real command (``python -m tui.cli``), in
turns, ``--repeat`` times; wall time and the CPU time of the command's process (user +
system, from ``os.wait4``), medians. A third line imports the same accounts given as
bcrypt hashes (cost 10) in ``password_hash``/``security_answer_hash``.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import bcrypt

ROOT = Path(__file__).resolve().parents[1]
HEADER = "subscriber_number;last_name;first_name;email;security_question;{secrets}\n"


def write_csv(path: Path, accounts: int, *, hashed: bool) -> None:
    salt_rounds = 10
    with path.open("w", encoding="utf-8") as file:
        file.write(
            HEADER.format(secrets="password_hash;security_answer_hash" if hashed else "password;security_answer")
        )
        for n in range(accounts):
            password = f"Glycine-Orage-Violon-{n:06d}-Lune"
            answer = f"medor {n}"
            if hashed:
                password = bcrypt.hashpw(password.encode(), bcrypt.gensalt(salt_rounds)).decode()
                answer = bcrypt.hashpw(answer.encode(), bcrypt.gensalt(salt_rounds)).decode()
            file.write(
                f"{20240000000000 + n};NOM{n};Prenom;user{n}@exemple.fr;Le nom de votre chien ?;{password};{answer}\n"
            )


def run_import(python: Path, cwd: Path, csv_file: Path, data_dir: Path) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the process and its threads)."""
    shutil.rmtree(data_dir, ignore_errors=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOTDEPASSE_")}
    env["MOTDEPASSE_DATA_DIR"] = str(data_dir)
    start = time.perf_counter()
    process = subprocess.Popen(
        [str(python), "-m", "tui.cli", "accounts", "import", str(csv_file)],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    _pid, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    out = process.stdout.read().decode() if process.stdout else ""
    err = process.stderr.read().decode() if process.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0 or "imported" not in out:
        raise SystemExit(f"import failed in {cwd}: {out}{err}")
    return wall, usage.ru_utime + usage.ru_stime


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=1000)
    parser.add_argument("--before", default="a3e1dca")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        folder = Path(directory)
        old = folder / "before"
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(old), args.before],
            check=True,
            capture_output=True,
        )
        try:
            subprocess.run(["uv", "sync", "--frozen", "--no-dev", "--project", str(old), "-q"], check=True)
            old_python = old / ".venv" / "bin" / "python"
            new_python = Path(sys.executable)
            clear, hashed = folder / "clear.csv", folder / "hashed.csv"
            write_csv(clear, args.accounts, hashed=False)
            write_csv(hashed, args.accounts, hashed=True)
            results: dict[str, list[tuple[float, float]]] = {"before": [], "after": [], "after, bcrypt hashes": []}
            for _ in range(args.repeat):
                results["before"].append(run_import(old_python, old, clear, folder / "d-before"))
                results["after"].append(run_import(new_python, ROOT, clear, folder / "d-after"))
                results["after, bcrypt hashes"].append(run_import(new_python, ROOT, hashed, folder / "d-hashed"))
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(old)], check=False)
    print(
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
        f"{args.accounts:,} accounts, medians of {args.repeat}"
    )
    print()
    print("| import | wall (s) | per account (ms) | CPU (s) |")
    print("| --- | ---: | ---: | ---: |")
    for name, runs in results.items():
        wall = statistics.median(run[0] for run in runs)
        cpu = statistics.median(run[1] for run in runs)
        print(f"| {name} | {wall:.1f} | {wall * 1000 / args.accounts:.1f} | {cpu:.1f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
