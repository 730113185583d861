"""Benchmark: what the French strength data costs a process (issue 16), before/after.

Run with ``uv run python bench/strength_data.py`` (about a minute). Not a pytest test.

*before* is the tree at ``--before`` (default ``13e9a48``, the last commit before the
French data), checked out in a temporary git worktree; *after* is this tree. Each run is
a fresh ``python -I`` child (byte-compiled first), alternating before and after, so both
meet the same machine noise; the figures are medians over ``--runs`` children.

Each child measures, from ``/proc/self``:

* **import**: ``import domain.policy`` (zxcvbn and its English tables included) — wall
  and CPU;
* **load**: ``domain.strength.warm()`` after (the French lists, AZERTY, the service
  terms, then one estimate) or one ``estimate`` before (what a session worker does before
  forking) — wall and CPU, and what it adds to the process's RSS and USS
  (``Private_Clean + Private_Dirty`` of ``smaps_rollup``);
* **per session**: it then forks, as the session worker does, and the child runs the
  meter on 30 typical passwords (with an account's words); the USS the child ends with is
  what the data costs each session beyond the shared pages;
* **estimate**: CPU per ``PasswordPolicy.estimate`` call on those 30 passwords (median,
  p95, max over 5 rounds).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import json, os, statistics, sys, time
sys.path.insert(0, os.getcwd())

def mem():
    fields = {}
    with open("/proc/self/smaps_rollup") as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 3 and parts[1].isdigit():
                fields[parts[0].rstrip(":")] = int(parts[1])
    return fields["Rss"], fields.get("Private_Clean", 0) + fields.get("Private_Dirty", 0)

PASSWORDS = [
    "Horizon-Luciole-Chaloupe-87", "Kestrel-Mandoline-Falaise-64", "motdepassedemonentreprise",
    "lundimardimercredijeudi", "Motdepasse2024!!!!!!!!", "Liberte-Egalite-Fraternite",
    "Soleil-Printemps-Paris-2025", "LeChatDeLaVoisine1990", "Tabouret vert, lune pale et 9",
    "Grenouille-Zinc-Ombrelle-73", "Kq9vLz2pWm7Rt4xNb8Hs", "tX7#qM2!vR9@kL4$wN8%",
    "azertyuiopqsdfghjklmwxcvbn", "14juillet1789-Bastille", "Rosemonde-0612345678-69003",
    "correct horse battery staple", "ILoveMyDogMaxVeryMuch2024", "Vendredi13-Decembre-2024",
    "Jemappelle-Jean-Dupont-75", "La vie en rose a Montmartre", "Ma-Tante-Habite-A-Lyon-1987",
    "Fromage-Baguette-Croissant", "QuatreVingtDixNeuf-Cent-3", "wxcvbn,;:!azertyuiop-2024",
    "Summer2024!Summer2024!", "January-February-March-20", "Bonjour-Madame-Comment-Allez",
    "01/05/1975-Marseille-13008", "Cour-Elephant-Ete-Hiver-9", "dgfip-espace-professionnel",
]
WORDS = ("ROSEMONDE", "Lila", "lila.rosemonde@orange.fr", "20232990000101", "0612345678",
         "3 rue des Lilas, 69003 Lyon, FRANCE")

out = {}
rss0, uss0 = mem()
w0, c0 = time.perf_counter(), time.process_time()
import domain.policy
from domain.policy import PasswordPolicy
out["import_wall"], out["import_cpu"] = time.perf_counter() - w0, time.process_time() - c0
rss1, uss1 = mem()
w0, c0 = time.perf_counter(), time.process_time()
import domain.strength
if hasattr(domain.strength, "warm"):
    domain.strength.warm()
else:
    domain.strength.estimate("Un mot de passe pour charger les dictionnaires 2026")
out["load_wall"], out["load_cpu"] = time.perf_counter() - w0, time.process_time() - c0
rss2, uss2 = mem()
out["import_rss"], out["import_uss"] = (rss1 - rss0) / 1024, (uss1 - uss0) / 1024
out["load_rss"], out["load_uss"] = (rss2 - rss1) / 1024, (uss2 - uss1) / 1024
out["total_rss"] = rss2 / 1024
import gc
gc.collect()
gc.freeze()
policy = PasswordPolicy()
read, write = os.pipe()
pid = os.fork()
if pid == 0:
    os.close(read)
    for password in PASSWORDS:
        policy.estimate(password, WORDS)
    os.write(write, json.dumps(mem()).encode())
    os._exit(0)
os.close(write)
child = json.loads(os.read(read, 1000))
os.waitpid(pid, 0)
out["session_uss"] = child[1] / 1024
times = []
for _ in range(5):
    for password in PASSWORDS:
        c0 = time.thread_time()
        policy.estimate(password, WORDS)
        times.append(time.thread_time() - c0)
times.sort()
out["estimate_median_ms"] = statistics.median(times) * 1000
out["estimate_p95_ms"] = times[int(len(times) * 0.95)] * 1000
out["estimate_max_ms"] = times[-1] * 1000
print(json.dumps(out))
"""


def run_child(tree: Path) -> dict[str, float]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    done = subprocess.run(
        [sys.executable, "-I", "-c", CHILD], cwd=tree, env=env, capture_output=True, text=True, check=True
    )
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    parser.add_argument("--before", default="13e9a48", help="the commit before the French data")
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        before = Path(tmp) / "before"
        git = ["git", "-C", str(ROOT), "worktree"]
        subprocess.run([*git, "add", "-q", "--detach", str(before), args.before], check=True)
        try:
            for tree in (before, ROOT):
                subprocess.run([sys.executable, "-m", "compileall", "-q", "domain"], cwd=tree, check=True)
            results: dict[str, list[dict[str, float]]] = {"before": [], "after": []}
            for i in range(args.runs):
                order = [("before", before), ("after", ROOT)]
                for name, tree in order if i % 2 == 0 else reversed(order):
                    results[name].append(run_child(tree))
        finally:
            subprocess.run([*git, "remove", "--force", str(before)], check=False)
    print("# French strength data: cost per process and per session\n")
    python = platform.python_version()
    print(f"- machine: {platform.node()}, {os.cpu_count()} CPUs, Python {python}, {platform.platform()}")
    print(f"- before: {args.before} (English lists only); after: this tree; {args.runs} children each, alternating\n")
    rows = [
        ("import domain.policy: wall (ms)", "import_wall", 1000),
        ("import domain.policy: CPU (ms)", "import_cpu", 1000),
        ("load the data (warm): wall (ms)", "load_wall", 1000),
        ("load the data (warm): CPU (ms)", "load_cpu", 1000),
        ("RSS added by the import (MiB)", "import_rss", 1),
        ("RSS added by the load (MiB)", "load_rss", 1),
        ("process RSS after the load (MiB)", "total_rss", 1),
        ("forked session's USS after 30 estimates (MiB)", "session_uss", 1),
        ("estimate CPU, median (ms)", "estimate_median_ms", 1),
        ("estimate CPU, p95 (ms)", "estimate_p95_ms", 1),
        ("estimate CPU, max (ms)", "estimate_max_ms", 1),
    ]
    print("| median | before | after | after / before |")
    print("|---|---:|---:|---:|")
    for label, key, scale in rows:
        b = statistics.median(r[key] for r in results["before"]) * scale
        a = statistics.median(r[key] for r in results["after"]) * scale
        ratio = f"{a / b:.2f}" if b else "–"
        print(f"| {label} | {b:.1f} | {a:.1f} | {ratio} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
