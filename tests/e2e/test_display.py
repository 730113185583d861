"""Issue 12, colour that follows the terminal, seen from a real pseudo-terminal: no colour
code under NO_COLOR or on a monochrome TERM (locally and over SSH), focus and states shown
without colour, and no 256- or 24-bit colour sent to a 16-colour terminal (the journal's
frame capture now renders at the live screen's colour depth)."""

from __future__ import annotations

import os
import re
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pexpect
import pyte
import pytest

from tests.e2e.sshterm import ROOT, SSH, SSH_OPTIONS, AlternateScreenStream, Server, client_env, start_server
from tui.app import monochrome
from tui.ssh_server import display_environment

SGR = re.compile(rb"\x1b\[([0-9;:]*)m")
LOGIN_TITLE = "Connexion à mon espace professionnel"
TIMEOUT = 30.0


def colour_parameters(output: bytes) -> list[str]:
    """The SGR parameters that set a colour (30–38, 40–48, 90–97, 100–107; not 39/49,
    which give the terminal's own colours back)."""
    found = []
    for match in SGR.finditer(output):
        parameters = match[1].decode().replace(":", ";").split(";")
        for value in parameters:
            if value.isdigit() and (30 <= int(value) <= 38 or 40 <= int(value) <= 48 or 90 <= int(value) <= 107):
                found.append(match[1].decode())
    return found


class Pty:
    """A program on a pseudo-terminal of 80 x 24, its bytes kept and rendered by pyte."""

    def __init__(self, child: pexpect.spawn) -> None:
        self.child = child
        self.raw = bytearray()
        self.screen = pyte.Screen(80, 24)
        self.stream = AlternateScreenStream(self.screen)

    def pump_until(self, text: str, timeout: float = TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while text not in "\n".join(self.screen.display):
            if time.monotonic() > deadline:
                raise AssertionError(f"{text!r} never shown:\n" + "\n".join(self.screen.display))
            try:
                data = self.child.read_nonblocking(65536, timeout=0.2)
            except pexpect.TIMEOUT:
                continue
            self.raw += data
            self.stream.feed(data)

    def settle(self, quiet: float = 0.5, limit: float = 3.0) -> None:
        """Read until nothing came for ``quiet`` seconds, or ``limit`` passed (a blinking
        cursor never stops drawing)."""
        last = start = time.monotonic()
        while time.monotonic() - last < quiet and time.monotonic() - start < limit:
            try:
                data = self.child.read_nonblocking(65536, timeout=0.1)
            except pexpect.TIMEOUT:
                continue
            self.raw += data
            self.stream.feed(data)
            last = time.monotonic()

    def row_of(self, text: str) -> int:
        return next(i for i, line in enumerate(self.screen.display) if text in line)

    def close(self) -> None:
        if self.child.isalive():
            self.child.close(force=True)


@pytest.fixture
def local(tmp_path: Path) -> Iterator[callable]:  # type: ignore[valid-type]
    started: list[Pty] = []

    def factory(**environ: str) -> Pty:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith("MOTDEPASSE_") and k not in ("NO_COLOR", "COLORTERM")
        }
        env.update(LANG="C.UTF-8", MOTDEPASSE_DATA_DIR=str(tmp_path / f"data{len(started)}"), MOTDEPASSE_CAPTCHA="off")
        env.update(environ)
        child = pexpect.spawn(sys.executable, ["-m", "tui.cli", "demo"], cwd=str(ROOT), env=env, dimensions=(24, 80))
        pty = Pty(child)
        started.append(pty)
        return pty

    yield factory
    for pty in started:
        pty.close()


@pytest.mark.parametrize(
    "environ",
    [{"NO_COLOR": "1", "TERM": "xterm-256color"}, {"TERM": "xterm-mono"}, {"TERM": "vt100"}],
    ids=["NO_COLOR", "xterm-mono", "vt100"],
)
def test_no_colour_code_reaches_a_monochrome_terminal(local, environ: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    term = local(**environ)
    term.pump_until("Adresse électronique de connexion")
    term.child.send(b"\t")  # the focus moves: a frame is recorded, the screen redrawn
    term.settle()
    assert colour_parameters(bytes(term.raw)) == []
    # the focused field (the password now) has a marker before it, the email field not
    password = term.row_of("Mot de passe") + 1
    email = term.row_of("Adresse électronique de connexion") + 1
    shown = "\n".join(term.screen.display)
    assert term.screen.display[password][1] == "▌", shown
    assert term.screen.display[email][1] != "▌", shown


def test_a_colour_terminal_gets_colour_and_a_16_colour_one_no_24_bit_colour(local) -> None:  # type: ignore[no-untyped-def]
    colour = local(TERM="xterm-256color", COLORTERM="truecolor")
    colour.pump_until("Adresse électronique de connexion")
    colour.settle()
    assert colour_parameters(bytes(colour.raw)), "no colour at all on a colour terminal: nothing checked"
    basic = local(TERM="xterm")
    basic.pump_until("Adresse électronique de connexion")
    basic.child.send(b"\t\t")  # frames recorded (their capture used to fill the style cache)
    basic.settle()
    assert not [p for p in colour_parameters(bytes(basic.raw)) if p.startswith(("38;2", "48;2", "38;5", "48;5"))]


def test_the_tick_box_shows_its_state_in_a_shape() -> None:
    import asyncio

    from textual.app import App, ComposeResult

    from screens.widgets.tick_box import TickBox

    class One(App[None]):
        def compose(self) -> ComposeResult:
            yield TickBox("Saisir mon nouveau mot de passe", id="tick")

    async def run() -> tuple[str, str]:
        app = One()
        async with app.run_test(size=(50, 3)) as pilot:
            box = app.query_one(TickBox)
            before = str(box.render())
            await pilot.press("space") if box.has_focus else box.toggle()
            await pilot.pause()
            return before, str(box.render())

    before, after = asyncio.run(run())
    assert before.startswith("[ ] Saisir") and after.startswith("[x] Saisir")


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, False),
        ({"NO_COLOR": ""}, False),
        ({"NO_COLOR": "1"}, True),
        ({"TERM": "xterm-256color"}, False),
        ({"TERM": "vt100"}, True),
        ({"TERM": "xterm-mono"}, True),
        ({"TERM": "linux-m"}, True),
    ],
)
def test_which_terminals_get_no_colour(environ: dict[str, str], expected: bool) -> None:
    assert monochrome(environ) is expected


def test_only_display_settings_pass_from_the_ssh_client() -> None:
    assert display_environment({"NO_COLOR": "1", "COLORTERM": "truecolor", "LD_PRELOAD": "/x"}) == {
        "NO_COLOR": "1",
        "COLORTERM": "truecolor",
    }
    assert display_environment({"NO_COLOR": "", "COLORTERM": "\x1b]0;x"}) == {}
    assert display_environment({"MOTDEPASSE_THEME": "contraste", "MOTDEPASSE_CURSOR": "visible"}) == {
        "MOTDEPASSE_THEME": "contraste",
        "MOTDEPASSE_CURSOR": "visible",
    }
    assert display_environment({"MOTDEPASSE_THEME": "../../etc", "MOTDEPASSE_CURSOR": "blink"}) == {}


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    running = start_server(tmp_path / "server")
    yield running
    assert running.terminate(timeout=15) == 0


def ssh_pty(server: Server, user: str = "lila", **sent: str) -> Pty:
    """The real ssh client on an 80×24 pty, sending the environment variables ``sent``."""
    env = client_env()
    env.update(sent)
    options = [option for name in sent for option in ("-o", f"SendEnv={name}")]
    child = pexpect.spawn(
        SSH,
        ["-tt", "-p", str(server.port), *SSH_OPTIONS, *options, f"{user}@{server.host}"],
        env=env,
        dimensions=(24, 80),
        echo=False,
    )
    return Pty(child)


def test_no_colour_over_ssh_when_the_client_sends_no_color(server: Server) -> None:
    term = ssh_pty(server, NO_COLOR="1")
    try:
        term.pump_until(LOGIN_TITLE)
        term.child.send(b"\t")
        term.settle()
        assert colour_parameters(bytes(term.raw)) == []
    finally:
        term.close()
    # and without NO_COLOR the same server sends colour (the test can fail)
    colour = ssh_pty(server)
    try:
        colour.pump_until(LOGIN_TITLE)
        colour.settle()
        assert colour_parameters(bytes(colour.raw))
    finally:
        colour.close()


def backgrounds(output: bytes) -> set[tuple[int, int, int]]:
    """The 24-bit background colours in ``output``."""
    found = set()
    for parameters in colour_parameters(output):
        for red, green, blue in re.findall(r"48;2;(\d+);(\d+);(\d+)", parameters):
            found.add((int(red), int(green), int(blue)))
    return found


def high_contrast(colours: set[tuple[int, int, int]]) -> bool:
    """Black, and the yellow of the title bar and of the focus (black on yellow)."""
    return (0, 0, 0) in colours and any(r >= 250 and g >= 250 and b <= 20 for r, g, b in colours)


def test_the_ssh_user_name_contraste_chooses_the_high_contrast_theme(server: Server) -> None:
    seen = {}
    for user in ("contraste", "lila"):
        term = ssh_pty(server, user, COLORTERM="truecolor")
        try:
            term.pump_until(LOGIN_TITLE)
            term.settle()
            seen[user] = high_contrast(backgrounds(bytes(term.raw)))
            if user == "contraste":
                assert "Affichage : contraste élevé" in "\n".join(term.screen.display).replace("\xa0", " ")
        finally:
            term.close()
    assert seen == {"contraste": True, "lila": False}
