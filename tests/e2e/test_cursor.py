"""Issue 12, the terminal's cursor follows the focus, seen from a real pseudo-terminal (pyte
over a pty: Pilot runs headless and never moves the hardware cursor). Braille displays and
screen readers track that cursor, so at every focus stop of the forgot and expired walks it
must sit on the focused widget: at the insertion point of a field, on the first letter of a
button's or check box's label — on arrival at a screen, after Tab, after an error, after
« Épeler les caractères » (after a resize: ``tests/screens/test_small_terminals.py``).

The focused widget is found on screen as a user without colour sees it (``NO_COLOR``): a
« ▌ » before the focused field, whose own text cursor is a reversed cell; the focused
button's or check box's label in reverse video. Nothing is asked of the app itself.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pexpect
import pyte
import pytest

from tests.e2e.sshterm import ROOT, AlternateScreenStream

LILA = "lila.rosemonde@orange.fr"
LILA_ANSWER = "Paul"
CHLOE = "chloe.durand@example.fr"
CHLOE_PASSWORD = "Hibiscus-Lanterne-Falaise-19"
STRONG = "Horizon-Luciole-Chaloupe-87"
STRONGER = "Mandoline-Escargot-Brouillard-31"
TIMEOUT = 30.0


class Walk:
    """The demo in a pseudo-terminal, rendered by pyte."""

    def __init__(self, child: pexpect.spawn, columns: int, rows: int) -> None:
        self.child = child
        self.screen = pyte.Screen(columns, rows)
        self.stream = AlternateScreenStream(self.screen)
        self.stops = 0

    def _read(self, timeout: float) -> bool:
        try:
            data = self.child.read_nonblocking(65536, timeout=timeout)
        except pexpect.TIMEOUT:
            return False
        self.stream.feed(data)
        return True

    def text(self) -> str:
        return "\n".join(self.screen.display)

    def wait_for(self, text: str, timeout: float = TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.text():
            assert time.monotonic() < deadline, f"{text!r} never shown:\n{self.text()}"
            self._read(0.2)
        self.settle()

    def settle(self, quiet: float = 0.4, limit: float = 5.0) -> None:
        last = start = time.monotonic()
        while time.monotonic() - last < quiet and time.monotonic() - start < limit:
            if self._read(0.1):
                last = time.monotonic()

    def press(self, keys: str) -> None:
        self.child.send(keys)
        self.settle()

    def focused(self) -> str:
        """What the cursor is on — "field" (the focused field's insertion point) or the label
        of the focused button or check box — or an AssertionError saying where it is."""
        x, y = self.screen.cursor.x, self.screen.cursor.y
        row = self.screen.buffer[y]
        line = self.screen.display[y]
        where = f"cursor at column {x}, row {y}: {line!r}\n{self.text()}"
        assert 0 <= y < self.screen.lines and 0 <= x < self.screen.columns, where
        if "▌" in line[:x]:
            assert row[x].reverse, "the field's own text cursor is elsewhere: " + where
            return "field"
        assert row[x].reverse and row[x].data.strip(), "the cursor is on no focused widget: " + where
        start = x
        while start > 0 and row[start - 1].reverse:
            start -= 1
            assert not row[start].data.strip(), "the cursor is inside a label, not at its start: " + where
        end = x
        while end < self.screen.columns and row[end].reverse:
            end += 1
        return line[x:end].strip()

    def stop(self) -> str:
        """A focus stop: the cursor must be on the focused widget."""
        self.stops += 1
        return self.focused()

    def tab_to(self, label: str, limit: int = 16) -> None:
        """Tab until the focused widget is ``label`` (a field: "field"), checking every stop."""
        for _ in range(limit):
            if self.stop().startswith(label):
                return
            self.press("\t")
        raise AssertionError(f"{label!r} never focused by Tab:\n{self.text()}")


@pytest.fixture
def walk(tmp_path: Path) -> Iterator[Walk]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOTDEPASSE_") and k != "COLORTERM"}
    env.update(
        LANG="C.UTF-8",
        TERM="xterm-256color",
        NO_COLOR="1",
        MOTDEPASSE_DATA_DIR=str(tmp_path / "data"),
        MOTDEPASSE_CAPTCHA="off",
    )
    child = pexpect.spawn(sys.executable, ["-m", "tui.cli", "demo"], cwd=str(ROOT), env=env, dimensions=(24, 80))
    running = Walk(child, 80, 24)
    running.wait_for("Adresse électronique de connexion")
    yield running
    child.close(force=True)


def test_the_cursor_is_on_the_focused_widget_at_every_stop_of_the_forgot_walk(walk: Walk) -> None:
    assert walk.stop() == "field"  # on arrival: the email field
    walk.press(LILA)
    # a whole Tab round of the login screen, back to the email field
    seen = []
    for _ in range(12):
        walk.press("\t")
        seen.append(walk.stop())
        if seen[-1] == "field" and seen.count("field") == 3:
            break
    assert {"Connexion", "Mot de passe oublié", "Aide"} <= set(seen), seen
    walk.tab_to("Mot de passe oublié")
    walk.press("\r")
    walk.wait_for("Étape 1")
    assert walk.stop() == "field"
    walk.tab_to("Continuer")
    walk.press("\r")
    walk.wait_for("Votre réponse à la question de confiance")
    assert walk.stop() == "field"
    walk.press("Mauvaise-réponse\r")  # an error: the cursor goes back to the field
    walk.wait_for("Erreur")
    assert walk.stop() == "field"
    walk.press(LILA_ANSWER)
    walk.tab_to("Continuer")
    walk.press("\r")
    walk.wait_for("Confirmez le nouveau mot de passe")
    assert walk.stop() == "field"
    walk.press(STRONG + "\t")
    assert walk.stop() in ("?", "field")
    walk.tab_to("field")
    walk.press(STRONG)
    walk.tab_to("Valider")
    walk.press("\r")
    walk.wait_for("Récapitulatif")
    walk.stop()
    assert walk.stops >= 15


def test_the_cursor_is_on_the_focused_widget_through_the_expired_walk(walk: Walk) -> None:
    walk.press(CHLOE + "\t")
    walk.press(CHLOE_PASSWORD + "\t")
    walk.press("x\r")  # the CAPTCHA is off: any text
    walk.wait_for("Mot de passe expiré")
    for _ in range(10):  # every stop of the screen, fields, check box and buttons
        walk.stop()
        walk.press("\t")
    assert walk.stops >= 10  # (after a resize: tests/screens/test_small_terminals.py)


def test_the_cursor_follows_the_spelled_captcha_and_a_login_error(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOTDEPASSE_") and k != "COLORTERM"}
    env.update(LANG="C.UTF-8", TERM="xterm-256color", NO_COLOR="1", MOTDEPASSE_DATA_DIR=str(tmp_path / "data"))
    child = pexpect.spawn(sys.executable, ["-m", "tui.cli", "demo"], cwd=str(ROOT), env=env, dimensions=(24, 80))
    walk = Walk(child, 80, 24)
    try:
        walk.wait_for("Adresse électronique de connexion")
        walk.tab_to("Épeler")
        walk.press("\r")  # the spelled form appears: the layout changes under the focus
        assert walk.stop().startswith(("Épeler", "Afficher"))
        walk.press("\x1b[Z")  # Shift+Tab
        walk.stop()
        walk.tab_to("Connexion")
        walk.press("\r")  # empty fields: an error, the focus back on the first field
        walk.settle(0.8)
        assert walk.stop() == "field"
    finally:
        child.close(force=True)


def test_keys_typed_ahead_through_two_fields_keep_their_order(walk: Walk) -> None:
    """« email⇥password⇥code⏎ » in one write (a password manager, a paste, a slow link):
    each part lands in its own field. Seen while writing the walks above: the second Tab,
    passed back through the app, was taken by its binding ahead of the password's keys,
    and the password went in clear into the CAPTCHA field."""
    walk.child.send(CHLOE + "\t" + CHLOE_PASSWORD + "\tx\r")
    walk.wait_for("Mot de passe expiré")
    assert CHLOE_PASSWORD not in walk.text()
    assert "Hibiscus" not in walk.text()
