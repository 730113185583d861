"""Benchmark: raw zxcvbn ("before") against ``domain.strength.estimate`` ("after").

Run with ``uv run python bench/strength.py`` (about 70 s here). Not a pytest test. Exit
status 1 when some ``estimate`` call took more than 100 ms of CPU (the bound).

* **before**: ``zxcvbn.zxcvbn(pw[:72], user_inputs=words)``. zxcvbn refuses inputs over
  72 characters, so for those it is timed on the first 72 characters and the input is
  reported as one it could not score at all.
* **after**: ``domain.strength.estimate(pw, words)``.

Sets: *typical* (50 passwords people type, 20–40 characters, seeded), *adversarial*
(l33t strings, random l33t strings, 128 characters of ordinary text) and *found*
(inputs found by a search: the slowest ``estimate`` inputs and level flips).

Both get the same ``words`` (the account's personal words, prepared by
``domain.policy.personal_words_for_zxcvbn`` as the policy does).

The machine this runs on is small and shared, so the two methods are interleaved: every
repetition walks the inputs in a fresh (seeded) order and alternates which method goes
first. CPU time is ``time.process_time()``; wall time ``time.perf_counter()``. Statistics
are taken over every timed call (inputs x repetitions), so ``max`` is the slowest single
call seen. The output is Markdown, ready to paste into ``docs/PERFORMANCE.md``.
"""

from __future__ import annotations

import argparse
import gc
import importlib.metadata
import math
import os
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from zxcvbn import zxcvbn

from domain.policy import personal_words_for_zxcvbn
from domain.strength import L33T_CHARS, StrengthLevel, estimate

ZXCVBN_MAX = 72
EXACT_MAX = 32  # inputs up to this length must get zxcvbn's exact estimate
BOUND_S = 0.100  # no single estimation may take more CPU than this
MOYEN_LOG10 = 14.0  # domain/settings.py: strength_moyen_log10
FORT_LOG10 = 18.0  # domain/settings.py: strength_fort_log10
SEED = 20240601

L33T_BASE = "4@8(6<{[3&9#1!|0$5+7%2"
L33T_ALPHABET = "!$%(+0123456789<@[{|"

# --------------------------------------------------------------------------- inputs

WORDS = (  # noqa: SIM905 - easier to read and edit as text
    "soleil maison jardin rivière montagne cheval bateau nuage forêt lumière "
    "chocolat fromage vélo train étoile orange citron pomme tigre loup renard "
    "horse battery staple correct purple monkey dragon garden river window "
    "coffee summer winter autumn spring castle rocket silver golden yellow "
    "marche route plage sable vague hiver printemps automne musique guitare"
).split()
FIRST_NAMES = (  # noqa: SIM905
    "Lila Paul Rosemonde Camille Hugo Léa Nathan Chloé Louis Manon Jules Inès "
    "Arthur Zoé Gabriel Emma Raphaël Alice Tom Sarah"
).split()
LAST_NAMES = (  # noqa: SIM905
    "Martin Bernard Dubois Thomas Robert Richard Petit Durand Leroy Moreau "
    "Simon Laurent Lefebvre Michel Garcia"
).split()
CITIES = ("Paris", "Lyon", "Nantes", "Lille", "Rennes", "Bordeaux", "Toulouse", "Brest")
ORDINARY_TEXT = (
    "Le petit chat de la voisine dort au soleil sur le rebord de la fenêtre pendant "
    "que les enfants jouent au ballon dans la cour de l'école du quartier, et "
    "personne ne pense à rentrer avant la nuit",
    "The quick brown fox jumps over the lazy dog while my neighbour waters the roses "
    "in the garden behind the old stone house near the river every summer evening",
    "correct horse battery staple purple monkey dishwasher summer garden river window "
    "coffee castle rocket silver golden yellow orange lemon apple tiger wolf",
)


@dataclass
class Case:
    label: str
    password: str
    account: tuple[str, ...]
    words: Sequence[str] = field(init=False)

    def __post_init__(self) -> None:
        self.words = personal_words_for_zxcvbn(self.account)


def _account(rng: random.Random) -> tuple[str, str, tuple[str, ...]]:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    email = f"{first.lower()}.{last.lower()}@example.fr"
    return first, last, (first, last, email)


def _fit(make: Callable[[], str], low: int = 20, high: int = 40) -> str:
    for _ in range(1000):
        candidate = make()
        if low <= len(candidate) <= high:
            return candidate
    raise RuntimeError("could not generate an input of the wanted length")


def typical_cases(rng: random.Random) -> list[Case]:
    """~50 passwords people type, 20–40 characters, deterministic."""
    cases: list[Case] = []

    def passphrase() -> str:
        sep = rng.choice(["-", " ", ".", "_", "", "+"])
        words = [rng.choice(WORDS) for _ in range(rng.randint(3, 5))]
        if rng.random() < 0.5:
            words = [w.capitalize() for w in words]
        text = sep.join(words)
        if rng.random() < 0.6:
            text += sep + str(rng.randint(0, 9999))
        if rng.random() < 0.3:
            text += rng.choice("!?*#")
        return text

    for index in range(20):
        _, _, account = _account(rng)
        cases.append(Case(f"passphrase {index + 1}", _fit(passphrase), account))

    pools = (
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&*+-=?@_",
    )
    for index in range(15):
        _, _, account = _account(rng)
        pool = pools[index % 2]
        length = rng.randint(20, 32)
        cases.append(Case(f"random {index + 1}", "".join(rng.choice(pool) for _ in range(length)), account))

    for index in range(15):
        first, last, account = _account(rng)
        relatives = [rng.choice(FIRST_NAMES) for _ in range(2)]
        year = str(rng.randint(1960, 2024))
        day = f"{rng.randint(1, 28):02d}{rng.randint(1, 12):02d}"
        city = rng.choice(CITIES)
        shapes = (
            first + relatives[0] + relatives[1] + year,  # like LilaRosemondePaul2023
            last + first + day + year,
            f"{first.lower()}.{last.lower()}@{year}!",
            f"{relatives[0]}{relatives[1]}{city}{year[2:]}",
            f"{last.upper()}_{first}_{city}_{year}",
        )
        base = shapes[index % len(shapes)]

        def personal(base: str = base) -> str:
            return base + rng.choice(["", "!", "?", "*", "2024", "#1"])

        password = _fit(personal)
        cases.append(Case(f"personal {index + 1}", password, account))
    return cases


def adversarial_cases(rng: random.Random) -> list[Case]:
    account = ("Lila", "Martin", "lila.martin@example.fr")
    cases: list[Case] = []
    for length in (22, 32, 44, 64, 72, 128):
        text = (L33T_BASE * (length // len(L33T_BASE) + 1))[:length]
        cases.append(Case(f"l33t base x{length}", text, account))
    for length in (32, 64, 72, 128):
        text = "".join(rng.choice(L33T_ALPHABET) for _ in range(length))
        cases.append(Case(f"l33t random {length}", text, account))
    for index, sentence in enumerate(ORDINARY_TEXT):
        cases.append(Case(f"text 128 #{index + 1}", sentence[:128], account))
    return cases


# Found by a hill-climbing search (random mutations of 32-character strings, kept when
# zxcvbn got slower on them): four 32-character segments, each holding 8 distinct l33t
# characters (the limit ``SEGMENT_MAX_L33T``) chosen to maximise zxcvbn's substitution
# enumeration, and no cut character from ``_BREAK_AFTER`` inside a segment, so
# ``estimate`` pays the full cost of a segment four times.
# #1 uses ``!(17<[{|`` (48 substitution tables per segment); #2 uses ``!+17<[{|`` (69
# tables), with the ``+`` (a cut character) only at the end of each segment, where a cut
# happens anyway.
CRAFTED = (
    "gzl!yllb[|([[1r<z!h7ln{1ww{d7(gst1eao(7x[{tpr1![ro(zlmb<!1|y1nbz"
    "cthg<nl1((hsgo|b!i7w{[icx{11h(hspxse7t[p17h7{zg<|!t[1c{xhn|xobo(",
    "gzl!yllb[|c[[1r<z!h7ln{1ww{d7cg+t1eaoc7x[{tpr1![roczlmb<!1|y1nb+"
    "cthg<nl1cchsgo|b!i7w{[icx{11hch+pxse7t[p17h7{zg<|!t[1c{xhn|xobo+",
)


# Found by a random search over personal-data passwords of 20–32 characters (surname +
# date + digits): zxcvbn rates them Faible (under 14) but ``estimate`` Moyen. Digits are
# l33t characters, so a date plus a few digits passes ``SEGMENT_MAX_L33T`` and the cut
# falls inside the date, which zxcvbn then no longer recognises.
LEVEL_FLIPS = ("durand@25/03/1964#33", "durand@08/03/1956#40")


def found_cases() -> list[Case]:
    lila = ("Lila", "Martin", "lila.martin@example.fr")
    paul = ("Paul", "Durand", "paul.durand@example.fr")
    cases = [Case(f"slow #{i + 1}", text, lila) for i, text in enumerate(CRAFTED)]
    cases += [Case(f"level flip #{i + 1}", text, paul) for i, text in enumerate(LEVEL_FLIPS)]
    return cases


# --------------------------------------------------------------------------- timing


def run_before(case: Case) -> float:
    return float(zxcvbn(case.password[:ZXCVBN_MAX], user_inputs=list(case.words))["guesses_log10"])


def run_after(case: Case) -> float:
    return estimate(case.password, case.words).guesses_log10


METHODS: dict[str, Callable[[Case], float]] = {"before": run_before, "after": run_after}


@dataclass
class Timings:
    cpu: dict[str, list[list[float]]]
    wall: dict[str, list[list[float]]]
    score: dict[str, list[float]]
    segments: list[int]


def measure(cases: list[Case], reps: int, rng: random.Random) -> Timings:
    n = len(cases)
    cpu: dict[str, list[list[float]]] = {m: [[] for _ in range(n)] for m in METHODS}
    wall: dict[str, list[list[float]]] = {m: [[] for _ in range(n)] for m in METHODS}
    # Untimed warm-up pass, which also records the scores.
    score = {m: [fn(case) for case in cases] for m, fn in METHODS.items()}
    segs = [estimate(case.password, case.words).segments for case in cases]
    for rep in range(reps):
        order = list(range(n))
        rng.shuffle(order)
        gc.collect()
        for position, index in enumerate(order):
            names = ["before", "after"] if (rep + position) % 2 == 0 else ["after", "before"]
            for name in names:
                fn = METHODS[name]
                w0, c0 = time.perf_counter(), time.process_time()
                fn(cases[index])
                c1, w1 = time.process_time(), time.perf_counter()
                cpu[name][index].append(c1 - c0)
                wall[name][index].append(w1 - w0)
    return Timings(cpu, wall, score, segs)


def pct(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return math.nan
    k = (len(ordered) - 1) * q
    lo, hi = math.floor(k), math.ceil(k)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def flat(per_input: list[list[float]]) -> list[float]:
    return [x for row in per_input for x in row]


def ms(seconds: float) -> str:
    value = seconds * 1000
    return f"{value:.1f}" if value >= 10 else f"{value:.2f}"


def level(log10: float) -> StrengthLevel:
    if log10 >= FORT_LOG10:
        return StrengthLevel.FORT
    if log10 >= MOYEN_LOG10:
        return StrengthLevel.MOYEN
    return StrengthLevel.FAIBLE


# --------------------------------------------------------------------------- report


def machine_facts() -> list[str]:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count() or 0
    return [
        f"- CPU: {model}",
        f"- nproc: {usable} (os.cpu_count: {os.cpu_count()})",
        f"- Python: {platform.python_implementation()} {platform.python_version()}",
        f"- zxcvbn: {importlib.metadata.version('zxcvbn')}",
        f"- OS: {platform.system()} {platform.release()} ({platform.machine()})",
        f"- date: {time.strftime('%Y-%m-%d %H:%M:%S %Z')}",
    ]


def print_summary(sets: dict[str, tuple[list[Case], Timings, int]]) -> None:
    print("## Timings (milliseconds per estimation)\n")
    print("| set | inputs × reps | method | CPU p50 | CPU p95 | CPU max | wall p50 | wall max |")
    print("|---|---|---|---:|---:|---:|---:|---:|")
    for name, (cases, t, reps) in sets.items():
        for method in METHODS:
            c, w = flat(t.cpu[method]), flat(t.wall[method])
            print(
                f"| {name} | {len(cases)} × {reps} | {method} | {ms(pct(c, 0.5))} | "
                f"{ms(pct(c, 0.95))} | {ms(max(c))} | {ms(pct(w, 0.5))} | {ms(max(w))} |"
            )
    print()
    print("## Ratios before / after (CPU)\n")
    print("| set | p50 before/after | max before/after |")
    print("|---|---:|---:|")
    for name, (_, t, _) in sets.items():
        b, a = flat(t.cpu["before"]), flat(t.cpu["after"])
        print(f"| {name} | {pct(b, 0.5) / pct(a, 0.5):.1f}× | {max(b) / max(a):.1f}× |")
    print()


def print_detail(name: str, cases: list[Case], t: Timings, only: Sequence[int] | None = None) -> None:
    print(f"## Per input: {name}\n")
    print(
        "| input | length | before CPU p50 | after CPU p50 | after CPU max | "
        "before log10 | after log10 | segments |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for i, case in enumerate(cases):
        if only is not None and i not in only:
            continue
        before = f"{t.score['before'][i]:.3f}"
        if len(case.password) > ZXCVBN_MAX:
            before = f"refused ({before} on [:72])"
        label = case.label
        if name.startswith("typical"):
            label += " `" + case.password.replace("|", "\\|") + "`"
        print(
            f"| {label} | {len(case.password)} | {ms(statistics.median(t.cpu['before'][i]))} | "
            f"{ms(statistics.median(t.cpu['after'][i]))} | {ms(max(t.cpu['after'][i]))} | "
            f"{before} | {t.score['after'][i]:.3f} | {t.segments[i]} |"
        )
    print()


def print_agreement(sets: dict[str, tuple[list[Case], Timings, int]]) -> None:
    print("## Score agreement\n")
    print("Δ = after − before, in log10 guesses. Levels: Moyen ≥ 14, Fort ≥ 18.\n")
    print(
        "| set | ≤32: same log10 | 33–72: median Δ | 33–72: largest Δ in size | "
        "33–72: level differs | >72: refused by zxcvbn |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    notes: list[str] = []
    for name, (cases, t, _) in sets.items():
        short_total = short_same = 0
        deltas: list[float] = []
        level_diff = 0
        refused: list[str] = []
        for i, case in enumerate(cases):
            before, after = t.score["before"][i], t.score["after"][i]
            length = len(case.password)
            if length > ZXCVBN_MAX:
                refused.append(case.label)
                notes.append(
                    f"- {name} / {case.label} ({length} chars): zxcvbn refuses it; "
                    f"after = {after:.3f} ({level(after).name}); zxcvbn on the first 72 "
                    f"characters would say {before:.3f} ({level(before).name})."
                )
            elif length <= EXACT_MAX:
                short_total += 1
                if abs(round(before, 3) - after) < 0.0015:
                    short_same += 1
                else:
                    notes.append(
                        f"- {name} / {case.label} ({length} chars, "
                        f"{len(set(case.password) & L33T_CHARS)} distinct l33t "
                        f"characters): before {before:.3f} ({level(before).name}), after "
                        f"{after:.3f} ({level(after).name}), Δ {after - before:+.3f}; "
                        f"input {case.password!r}"
                    )
            else:
                deltas.append(after - before)
                if level(before) != level(after):
                    level_diff += 1
                    notes.append(
                        f"- {name} / {case.label}: level {level(before).name} → "
                        f"{level(after).name} (before {before:.3f}, after {after:.3f})"
                    )
        med = f"{statistics.median(deltas):+.3f}" if deltas else "–"
        mx = f"{max(deltas, key=abs):+.3f}" if deltas else "–"
        print(
            f"| {name} | {short_same}/{short_total} | {med} | {mx} | "
            f"{level_diff}/{len(deltas)} | {len(refused)} |"
        )
    print()
    if notes:
        print("Notes:\n")
        print("\n".join(notes))
        print()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--reps-typical", type=int, default=9)
    parser.add_argument("--reps-adversarial", type=int, default=5)
    parser.add_argument("--no-found", action="store_true", help="skip the inputs found by search")
    args = parser.parse_args()

    started_cpu, started_wall = time.process_time(), time.perf_counter()
    print("# Strength estimation benchmark\n")
    print("\n".join(machine_facts()))
    print(f"- command: `uv run python bench/strength.py` (seed {SEED})\n")

    rng = random.Random(SEED)
    inputs = {
        "typical": (typical_cases(rng), args.reps_typical),
        "adversarial": (adversarial_cases(rng), args.reps_adversarial),
    }
    if not args.no_found:
        inputs["found"] = (found_cases(), args.reps_typical)
    sets: dict[str, tuple[list[Case], Timings, int]] = {}
    for name, (cases, reps) in inputs.items():
        sets[name] = (cases, measure(cases, reps, random.Random(f"{SEED}-{name}")), reps)

    print_summary(sets)
    print_agreement(sets)
    long_typical = [i for i, c in enumerate(sets["typical"][0]) if len(c.password) > EXACT_MAX]
    print_detail("typical, inputs over 32 characters", sets["typical"][0], sets["typical"][1], long_typical)
    for name in ("adversarial", "found"):
        if name in sets:
            print_detail(name, sets[name][0], sets[name][1])

    print("## Bound: no single `estimate` over 100 ms of CPU\n")
    worst = (0.0, "", "")
    over: list[str] = []
    for name, (cases, t, _) in sets.items():
        for i, case in enumerate(cases):
            for value in t.cpu["after"][i]:
                if value > worst[0]:
                    worst = (value, name, case.password)
            if max(t.cpu["after"][i]) > BOUND_S:
                over.append(
                    f"- **OVER THE BOUND**: {name} / {case.label}: CPU p50 "
                    f"{ms(statistics.median(t.cpu['after'][i]))} ms, max "
                    f"{ms(max(t.cpu['after'][i]))} ms; input {case.password!r}"
                )
    print(f"- slowest single `estimate` call: {ms(worst[0])} ms CPU ({worst[1]}: {worst[2]!r})")
    print("\n".join(over) if over else "- no call over 100 ms of CPU")
    print()
    print(
        f"Run took {time.process_time() - started_cpu:.0f} s CPU, "
        f"{time.perf_counter() - started_wall:.0f} s wall."
    )
    return 1 if over else 0


if __name__ == "__main__":
    raise SystemExit(main())
