"""Profile: where a session's CPU goes from its start to its first screen, two releases.

Run with ``uv run python bench/profile_start.py [--before REV] [--sessions 6]`` (about a
minute; needs py-spy: ``uv tool install py-spy``, and root or ptrace rights). Not a pytest
test. For each release — "before" is ``--before`` in a ``git worktree`` with its own locked
environment (as in ``bench/ssh_start.py``), "after" this checkout — it starts ``motdepasse
serve --demo`` (CAPTCHA off), attaches ``py-spy record --subprocesses`` to the server (it
follows the session processes: spawned ones before, forked ones after), opens
``--sessions`` sessions one after the other with the real OpenSSH client, waits for each
whole login screen (pyte, 80×24), quits it with Ctrl+Q, and stops. Samples are then put in
categories by the frames on their stack (first match wins) and reported in ms of CPU per
session: sampling at ``--rate`` Hz (``--nonblocking``: the processes are not paused) with
py-spy's own overhead, so the totals are a
sampler's estimate (compare the two columns, and the direct timings of
``bench/ssh_start.py``); samples of the server itself are left out.
"""

from __future__ import annotations

import argparse
import collections
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pexpect
import pyte

ROOT = Path(__file__).resolve().parent.parent
READY = re.compile(r"motdepasse: SSH on (?P<host>\S+):(?P<port>\d+), host key")
FULL = ("Connexion à mon espace professionnel", "Adresse électronique de connexion", "champ suivant")
SSH_OPTIONS = ["-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR"]
SESSION_FRAMES = ("tui/ssh_session.py", "tui.ssh_session", "_session (tui/zygote.py")
CATEGORIES: list[tuple[str, tuple[str, ...]]] = [
    ("imports (modules loaded by the session)", ("_find_and_load",)),
    ("Argon2 hash at start", ("SecretHasher.__init__", "dummy_like")),
    ("settings, services, schema check", ("build_services", "load_settings", "read_state", "ensure (domain")),
    ("CSS parsing", ("Stylesheet.parse", "Stylesheet._parse_rules", "parse_rules (screens", "Stylesheet.reparse")),
    ("CSS applied to widgets", ("Stylesheet.apply", "update_node_styles", "Stylesheet.update_nodes")),
    ("widgets built and mounted", ("_on_compose", "Widget.mount", "Widget._compose")),
    ("layout and drawing", ("Compositor", "_refresh_layout", "render_lines", "Screen._on_resize")),
]
OTHER = "the rest (interpreter, event loop, app and session core)"


def profile(python: Path, tree: Path, sessions: int, rate: int, py_spy: str) -> Path:
    data = Path(tempfile.mkdtemp(prefix="motdepasse-profile-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MOTDEPASSE_", "PYTHONDONTWRITEBYTECODE"))}
    env.update(MOTDEPASSE_DATA_DIR=str(data), MOTDEPASSE_CAPTCHA="off", MOTDEPASSE_SSH_CONNECTIONS_PER_MINUTE="1000")
    with (data / "server.log").open("w") as log:
        server = subprocess.Popen(
            [str(python), "-m", "tui.cli", "serve", "--demo", "--port", "0"],
            cwd=tree,
            env=env,
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
        )
    assert server.stdout is not None
    ready = None
    while ready is None:
        line = server.stdout.readline()
        if not line:
            raise SystemExit(f"the server did not start:\n{(data / 'server.log').read_text()}")
        ready = READY.search(line)
    out = data / "profile.txt"
    options = ["--subprocesses", "--nonblocking", "-r", str(rate), "-f", "raw", "-o", str(out)]
    spy = subprocess.Popen(
        [py_spy, "record", "-p", str(server.pid), *options],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(2)  # attached
    try:
        for _ in range(sessions):
            screen = pyte.Screen(80, 24)
            stream = pyte.ByteStream(screen)
            child = pexpect.spawn(
                "ssh", ["-tt", "-p", ready["port"], *SSH_OPTIONS, f"lila@{ready['host']}"], dimensions=(24, 80)
            )
            deadline = time.monotonic() + 60
            while not all(text in "\n".join(screen.display) for text in FULL):
                if time.monotonic() > deadline:
                    raise SystemExit("no login screen:\n" + "\n".join(screen.display))
                try:
                    stream.feed(child.read_nonblocking(65536, timeout=0.1))
                except pexpect.TIMEOUT:
                    continue
            time.sleep(0.5)
            child.send(b"\x11")
            child.expect(pexpect.EOF, timeout=30)
            child.close()
    finally:
        spy.send_signal(signal.SIGINT)
        spy.wait(timeout=60)
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    return out


def categorise(path: Path, rate: int, sessions: int) -> dict[str, float]:
    samples: collections.Counter[str] = collections.Counter()
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = stack.split(";")
        if not any(key in frame for frame in frames for key in SESSION_FRAMES):
            continue  # the server itself
        for name, keys in CATEGORIES:
            if any(key in frame for frame in frames for key in keys):
                samples[name] += int(count)
                break
        else:
            samples[OTHER] += int(count)
    return {name: count / rate * 1000 / sessions for name, count in samples.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", default="HEAD~1", help="the release to compare with (a git revision)")
    parser.add_argument("--sessions", type=int, default=6)
    parser.add_argument("--rate", type=int, default=500, help="samples per second")
    args = parser.parse_args()
    py_spy = shutil.which("py-spy") or str(Path.home() / ".local/bin/py-spy")
    if not Path(py_spy).exists():
        raise SystemExit("py-spy is needed: uv tool install py-spy")
    folder = Path(tempfile.mkdtemp(prefix="motdepasse-before-"))
    old = folder / "tree"
    revision = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", args.before], capture_output=True, text=True, check=True
    ).stdout.strip()
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(old), args.before], check=True)
    try:
        subprocess.run(["uv", "sync", "--frozen", "--no-dev", "--project", str(old), "-q"], check=True)
        old_python = old / ".venv" / "bin" / "python"
        for python, tree in ((old_python, old), (Path(sys.executable), ROOT)):
            subprocess.run(
                [str(python), "-m", "compileall", "-q", str(tree / "tui"), str(tree / "domain"), str(tree / "screens")],
                check=False,
                capture_output=True,
            )
        before = categorise(profile(old_python, old, args.sessions, args.rate, py_spy), args.rate, args.sessions)
        after = categorise(
            profile(Path(sys.executable), ROOT, args.sessions, args.rate, py_spy), args.rate, args.sessions
        )
    finally:
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(old)], check=False)
        shutil.rmtree(folder, ignore_errors=True)
    print(f"py-spy at {args.rate} Hz, {args.sessions} sessions per release, ms of CPU per session (sampled)\n")
    print(f"| part | before ({revision}) | after (working tree) |")
    print("|---|---:|---:|")
    for name in [name for name, _ in CATEGORIES] + [OTHER]:
        if before.get(name) or after.get(name):
            print(f"| {name} | {before.get(name, 0):.0f} | {after.get(name, 0):.0f} |")
    print(f"| **total** | **{sum(before.values()):.0f}** | **{sum(after.values()):.0f}** |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
