"""Issue 13, frames that are what the user saw: real SSH sessions (the OpenSSH client on a
pseudo-terminal, rendered by pyte) at 80×24, at 100×30 and through resizes (window-change
sent by ssh), with the errors a user can meet — a wrong CAPTCHA at login and at the email
step, a wrong password, an invalid email address, a wrong security answer, a new password
refused (too short, confirmation mismatch) — and the expiry alert (a dialog). Each screen
the user saw once it had settled is found, identical, among the frames the journal
replays for support; no frame shows what the user never saw (each frame is a screen the
terminal showed, at a size it had); no frame is recorded twice; each failure's frame
shows its error; no frame holds a secret typed.

The CAPTCHA is on, read back from its spelling as a user of « Épeler les caractères »
does. The invalid address is sent before the CAPTCHA is typed: no frame is recorded while
a CAPTCHA field holds typed text (an unused solution is a secret), so the screen of an
invalid address sent with a CAPTCHA typed is, by design, not in the replay.

The terminal answers Textual's question about synchronized output (DECRQM 2026) as
modern terminals do, so each update arrives between ``?2026h`` and ``?2026l`` and the
states the terminal showed are exactly the ones after each ``?2026l``.
"""

from __future__ import annotations

import difflib
import itertools
import re
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from domain.captcha import SPELLING
from domain.i18n import Translator
from domain.policy import MESSAGES, Reason
from domain.replay import Event, Frame, steps, timeline
from domain.services import build_services
from domain.session import messages as m
from domain.settings import load_settings
from tests.e2e.sshterm import AlternateScreenStream, Server, Terminal, start_server

pytestmark = pytest.mark.skipif(
    shutil.which("ssh") is None or shutil.which("ssh-keygen") is None,
    reason="the OpenSSH client (ssh, ssh-keygen) is not installed; on CI test_ssh_client.py fails instead",
)

LILA = "lila.rosemonde@orange.fr"
LILA_ANSWER = "Paul"
HUGO = "hugo.martin@example.fr"
HUGO_PASSWORD = "Cerisier-Boussole-Tambour-42"
WRONG_PASSWORD = "Pas-le-bon-mot-de-passe-42"
WRONG_CAPTCHA = "ZZZZZZ"  # Z is not in the CAPTCHA's alphabet: always wrong
WRONG_ANSWER = "Mauvaise-reponse-7"
TOO_SHORT = "Court-1"
NEW_PASSWORD = "Nuage-Citron-Piano-Brume-77"
OTHER_PASSWORD = "Nuage-Citron-Piano-Brume-78"
CTRL_E, CTRL_Q, CTRL_U, ENTER = "\x05", "\x11", "\x15", "\r"

CAPTCHA_LENGTH = 6  # (the default setting)
WHEEL_UP, WHEEL_DOWN = 64, 65
FR = Translator("fr")
ERROR = FR._("Error: ").strip()
SECRET_FIELDS = {FR._(m.PASSWORD_LABEL), FR._(m.ANSWER_LABEL), FR._(m.NEW_PASSWORD_LABEL), FR._(m.CONFIRM_LABEL)}
CAPTCHA_FIELD_ABOVE = FR._(m.CAPTCHA_LIFETIME).split("{")[0]

SYNC_START, SYNC_END = b"\x1b[?2026h", b"\x1b[?2026l"
SYNC_QUERY, SYNC_SUPPORTED = b"\x1b[?2026$p", "\x1b[?2026;2$y"


def screen_text(lines: list[str]) -> str:
    """A screen as text: its lines right-stripped (what pyte shows, what a frame holds)."""
    return "\n".join(line.rstrip() for line in lines)


def fragment(message: str, length: int = 24) -> str:
    """The start of a French message: what fits on one line of the screen, wherever the
    message wraps."""
    return FR._(message)[:length]


# -- a terminal that remembers every screen it showed ----------------------------------------


class PaintedStream(AlternateScreenStream):
    """pyte, remembering each complete screen it showed (after each synchronized update,
    or after each read before the app knows the terminal synchronizes), by size."""

    def __init__(self, screen: Any, painted: dict[tuple[int, int], set[str]], reply: Callable[[str], None]) -> None:
        super().__init__(screen)
        self.painted = painted
        self.reply = reply
        self.inside = False
        self.held = b""

    def feed(self, data: bytes) -> None:  # type: ignore[override]
        data, self.held = self.held + data, b""
        for size in range(len(SYNC_END) - 1, 0, -1):  # a marker cut between two reads
            if data.endswith(SYNC_END[:size]) or data.endswith(SYNC_START[:size]):
                data, self.held = data[:-size], data[-size:]
                break
        if SYNC_QUERY in data:
            self.reply(SYNC_SUPPORTED)
        parts = data.split(SYNC_END)
        for index, part in enumerate(parts):
            super().feed(part)
            if index < len(parts) - 1:
                self.inside = False
                self.remember()
            else:
                if SYNC_START in part:
                    self.inside = True
                if not self.inside and part:
                    self.remember()

    def remember(self) -> None:
        screen = self.listener
        self.painted.setdefault((screen.columns, screen.lines), set()).add(screen_text(screen.display))


@dataclass
class Seen:
    """A settled screen the user saw."""

    label: str
    columns: int
    rows: int
    text: str


@dataclass
class User:
    """The user's side of a session: ``ssh -tt`` on a pty, the screens it showed, and
    the settled screens captured along the way."""

    term: Terminal
    painted: dict[tuple[int, int], set[str]] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.term.stream = PaintedStream(self.term.screen, self.painted, self.term.send)

    @property
    def size(self) -> tuple[int, int]:
        return self.term.screen.columns, self.term.screen.lines

    def text(self) -> str:
        return screen_text(self.term.screen.display)

    def settled(self, quiet: float = 0.4, timeout: float = 15.0) -> str:
        """Pump until the screen's text has not changed for ``quiet`` seconds (a blinking
        cursor changes no text)."""
        deadline = time.monotonic() + timeout
        shown, since = self.text(), time.monotonic()
        while time.monotonic() - since < quiet:
            if time.monotonic() > deadline:
                raise AssertionError(f"the screen never settled:\n{self.term.dump()}")
            self.term.pump(0.05)
            if self.text() != shown:
                shown, since = self.text(), time.monotonic()
        return shown

    def see(self, label: str, *expected: str, gone: str | None = None) -> str:
        """Wait for ``expected`` on screen (and ``gone`` off it), then for the screen to
        settle; keep it as a screen the user saw."""
        deadline = time.monotonic() + 20
        while True:
            shown = self.text()
            if all(text in shown for text in expected) and (gone is None or gone not in shown):
                break
            if time.monotonic() > deadline or (not self.term.pump(0.05) and self.term.eof):
                raise AssertionError(f"{label}: {expected!r} not on screen:\n{self.term.dump()}")
        shown = self.settled()
        assert all(text in shown for text in expected), f"{label}: gone again:\n{self.term.dump()}"
        self.seen.append(Seen(label, *self.size, shown))
        return shown

    # -- acting -------------------------------------------------------------------------

    def find(self, text: str, *, field: bool = False) -> tuple[int, int] | None:
        """(column, row) of ``text`` on screen, 0-based, the lowest first (a button below
        a title of the same words), never in quotes (« Continuer » in a sentence).
        ``field``: a field's label, the whole line (but its « ? » button), or the
        sentence above the CAPTCHA's field."""
        lines = self.term.screen.display
        for row in range(len(lines) - 1, -1, -1):
            line = lines[row]
            if field:
                if line.strip().removesuffix("?").strip() == text or (
                    text == CAPTCHA_FIELD_ABOVE and line.strip().startswith(text)
                ):
                    return line.find(text), row
                continue
            column = line.find(text)
            while column >= 0:
                if not line[:column].strip().endswith("«"):
                    return column, row
                column = line.find(text, column + 1)
        return None

    def where(self, text: str, *, field: bool = False) -> tuple[int, int]:
        """(column, row) of ``text``, scrolled into view with the mouse wheel as a user
        does when it is below (or above) what the window shows."""
        for button in (WHEEL_DOWN, WHEEL_UP):
            for _ in range(20):
                found = self.find(text, field=field)
                if found is not None:
                    return found
                before = self.text()
                column, rows = self.size
                self.term.send(f"\x1b[<{button};{column // 2};{rows // 2}M")
                if self.settled(0.15) == before:
                    break  # the end of the page
        raise AssertionError(f"{text!r} not on screen:\n{self.term.dump()}")

    def click_at(self, column: int, row: int) -> None:
        """A left click (SGR mouse report, 1-based) — what the terminal sends for it."""
        self.term.send(f"\x1b[<0;{column + 1};{row + 1}M\x1b[<0;{column + 1};{row + 1}m")

    def click(self, label: str) -> None:
        """Click the middle of ``label`` (a button's) on screen."""
        column, row = self.where(label)
        self.click_at(column + len(label) // 2, row)
        self.settled(0.25)

    def fill(self, label: str, text: str) -> None:
        """Click the field under ``label`` (the CAPTCHA's: under the line that gives its
        lifetime), empty it (Ctrl+E, Ctrl+U), type ``text``."""
        above = CAPTCHA_FIELD_ABOVE if label == FR._(m.CAPTCHA_LABEL) else label
        column, row = self.where(above, field=True)
        self.click_at(column + 1, row + 1)
        self.settled(0.2)
        self.term.send(CTRL_E + CTRL_U)
        self.term.type(text)
        shown = "•" * len(text) if label in SECRET_FIELDS else text
        deadline = time.monotonic() + 10
        while True:
            self.settled(0.2)
            found = self.find(above, field=True)
            below = None if found is None or found[1] + 1 >= self.size[1] else found[1] + 1
            if below is not None and self.term.screen.display[below][: self.size[0] - 3].strip() == shown:
                return  # (the last columns: the scroll bar)
            if time.monotonic() > deadline:
                raise AssertionError(f"{text!r} not in the field under {label!r}:\n{self.term.dump()}")

    def captcha_solution(self) -> str:
        """The CAPTCHA spelled out (« Épeler les caractères » pressed), read back as a user
        does: « chiffre trois, A comme Anatole, … »."""
        words = {FR._(message): character for character, message in SPELLING.items()}
        shown = "".join(" " if 0x2580 <= ord(char) <= 0x259F else char for char in self.text())  # the scroll bar
        shown = " ".join(shown.split())
        intro = " ".join(FR._("Characters of the image, spelled out: {spelled}").split("{spelled}")[0].split())
        assert intro in shown, f"no CAPTCHA spelled out:\n{self.term.dump()}"
        after = shown.split(intro, 1)[1]
        pattern = "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True))
        found = re.findall(pattern, after)
        assert len(found) >= CAPTCHA_LENGTH, f"no spelling read in {after!r}"
        return "".join(words[word] for word in found[:CAPTCHA_LENGTH])


# -- the server, its journal -----------------------------------------------------------------


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server with the CAPTCHA on, as users meet it."""
    running = start_server(
        tmp_path_factory.mktemp("replay-frames"),
        {
            "captcha": "on",
            "ssh_connections_per_minute": 1000,
            "ssh_max_sessions_per_client": 50,
            "login_free_failures": 100,  # every test fails logins and answers from 127.0.0.1
            "answer_max_failures": 100,
        },
    )
    yield running
    code = running.terminate(timeout=15)
    running.kill_leftovers()
    assert code == 0, f"the server exited {code}:\n{running.log()}"


@pytest.fixture
def users(server: Server) -> Iterator[Callable[..., User]]:
    opened: list[Terminal] = []

    def factory(columns: int = 80, rows: int = 24) -> User:
        term = Terminal(server, columns=columns, rows=rows)
        opened.append(term)
        return User(term)

    yield factory
    for term in opened:
        term.close()


def journal_of(server: Server, reference: str) -> tuple[list[Event], list[Frame]]:
    """The session's events and frames, read from the server's database once the session
    is over."""
    server.wait_for_log(rf"disconnect .*ref={reference}\b")
    directory = server.sessions_data_dir
    settings = load_settings(data_dir=directory, database_url=f"sqlite:///{directory / 'demo.db'}")
    services = build_services(settings, create=False)
    try:
        deadline = time.monotonic() + 10
        while True:
            record, events, frames = timeline(services, reference)
            if (record is not None and record.ended_at is not None) or time.monotonic() > deadline:
                return events, frames
            time.sleep(0.1)
    finally:
        services.close()


def frame_text(frame: Frame) -> str:
    return screen_text(frame.text.split("\n")[: frame.rows])


def compare(user: User, frames: list[Frame]) -> tuple[list[Seen], list[Seen]]:
    """(found, missing): the settled screens found identical among the frames of their size."""
    replayed: dict[tuple[int, int], set[str]] = {}
    for frame in frames:
        replayed.setdefault((frame.columns, frame.rows), set()).add(frame_text(frame))
    found = [seen for seen in user.seen if seen.text in replayed.get((seen.columns, seen.rows), set())]
    missing = [seen for seen in user.seen if seen not in found]
    return found, missing


def closest(seen: Seen, frames: list[Frame]) -> str:
    """A screen the user saw, and how the closest frame of its size differs from it."""
    texts = [frame_text(frame) for frame in frames if (frame.columns, frame.rows) == (seen.columns, seen.rows)]
    if not texts:
        return f"-- {seen.label} ({seen.columns}x{seen.rows}): no frame of that size --\n{seen.text}"
    best = max(texts, key=lambda text: difflib.SequenceMatcher(None, text, seen.text).ratio())
    diff = difflib.unified_diff(best.split("\n"), seen.text.split("\n"), "closest frame", "user's screen", lineterm="")
    return f"-- {seen.label} ({seen.columns}x{seen.rows}) --\n" + "\n".join(diff)


def never_shown(user: User, frames: list[Frame]) -> list[Frame]:
    """The frames that are no screen the terminal showed, at the size it had."""
    return [frame for frame in frames if frame_text(frame) not in user.painted.get((frame.columns, frame.rows), set())]


def check(
    user: User, events: list[Event], frames: list[Frame], *, failures: bool = True, secrets: tuple[str, ...] = ()
) -> None:
    """Every settled screen the user saw is a frame; every frame is a screen the terminal
    showed; no frame recorded twice; each failure's frame shows its error; no frame holds
    a secret typed (passwords, answers, CAPTCHA). All the problems are reported at once."""
    found, missing = compare(user, frames)
    for columns, rows in sorted({(seen.columns, seen.rows) for seen in user.seen}):
        total = sum(1 for seen in user.seen if (seen.columns, seen.rows) == (columns, rows))
        matched = sum(1 for seen in found if (seen.columns, seen.rows) == (columns, rows))
        print(f"\n{columns}x{rows}: {matched}/{total} screens the user saw found in the replay")
    strange = never_shown(user, frames)
    print(f"{len(frames) - len(strange)}/{len(frames)} frames are screens the terminal showed")
    problems = [closest(seen, frames) for seen in missing]
    problems += [
        f"-- frame {frame.seq} ({frame.reason}, {frame.columns}x{frame.rows}) never shown --\n{frame.text}"
        for frame in strange
    ]
    problems += [
        f"-- frame {after.seq} ({after.reason}) is frame {before.seq} ({before.reason}) again --"
        for before, after in itertools.pairwise(frames)
        if (before.columns, before.rows, frame_text(before)) == (after.columns, after.rows, frame_text(after))
    ]
    failed = [step for step in steps(events, frames) if step.failed]
    if bool(failed) != failures:
        problems.append(f"-- {len(failed)} failures in the journal --")
    problems += [
        f"-- frame {step.frame.seq} after {[event.name for event in step.events]} shows no error --\n{step.frame.text}"
        for step in failed
        if ERROR not in step.frame.text
    ]
    problems += [
        f"-- frame {frame.seq} ({frame.reason}) shows a secret typed: {secret[:2]}… --"
        for frame in frames
        for secret in secrets
        if secret in frame.text
    ]
    assert not problems, "\n\n".join(problems)


# -- the sessions ----------------------------------------------------------------------------


@pytest.mark.parametrize(("columns", "rows"), [(80, 24), (100, 30)], ids=["80x24", "100x30"])
def test_every_error_the_user_saw_is_a_frame_of_the_replay(
    server: Server, users: Callable[..., User], columns: int, rows: int
) -> None:
    user = users(columns, rows)
    email_label = FR._(m.EMAIL_LABEL)
    password_label = FR._(m.PASSWORD_LABEL)
    captcha_label = FR._(m.CAPTCHA_LABEL)
    user.see("login", FR._(m.LOGIN_TITLE), captcha_label)
    reference = user.term.reference()

    # a wrong CAPTCHA at login
    user.fill(email_label, LILA)
    user.fill(password_label, WRONG_PASSWORD)
    user.fill(captcha_label, WRONG_CAPTCHA)
    user.term.send(ENTER)
    user.see("login: wrong CAPTCHA", fragment(m.CAPTCHA_WRONG))

    # the CAPTCHA spelled out, then a wrong password
    user.click(FR._(m.SPELL_IMAGE))
    user.see("login: CAPTCHA spelled", "Caractères de l'image")
    solutions = [user.captcha_solution()]
    user.fill(password_label, WRONG_PASSWORD)
    user.fill(captcha_label, solutions[-1])
    user.term.send(ENTER)
    user.see("login: wrong password", fragment(m.INVALID_LOGIN), gone=fragment(m.CAPTCHA_WRONG))

    # « Mot de passe oublié »: an invalid address (the CAPTCHA not typed yet), then a wrong CAPTCHA
    user.click(FR._(m.FORGOT))
    user.see("forgot: email step", FR._(m.FORGOT_TITLE), email_label, gone=FR._(m.LOGIN_TITLE))
    user.fill(email_label, "lila.rosemonde")
    user.click(FR._(m.CONTINUE))
    user.see("forgot: invalid email", fragment(m.INVALID_EMAIL))
    user.fill(email_label, LILA)
    user.fill(captcha_label, WRONG_CAPTCHA)
    user.term.send(ENTER)
    user.see("forgot: wrong CAPTCHA", fragment(m.CAPTCHA_WRONG), gone=fragment(m.INVALID_EMAIL))
    user.click(FR._(m.SPELL_IMAGE))
    user.see("forgot: CAPTCHA spelled", "Caractères de l'image")
    solutions.append(user.captcha_solution())
    user.fill(captcha_label, solutions[-1])
    user.term.send(ENTER)

    # a wrong answer, then the right one
    user.see("forgot: question", "Le prénom de votre conjoint(e) ?", FR._(m.ANSWER_LABEL), gone=captcha_label)
    user.term.type(WRONG_ANSWER + ENTER)
    user.see("forgot: wrong answer", fragment(m.WRONG_ANSWER))
    user.fill(FR._(m.ANSWER_LABEL), LILA_ANSWER)
    user.term.send(ENTER)

    # new passwords refused: too short, then a confirmation that differs
    user.see("forgot: new password", FR._(m.CONFIRM_LABEL), gone=FR._(m.ANSWER_LABEL))
    user.term.type(TOO_SHORT + ENTER)
    user.settled(0.2)
    user.term.type(TOO_SHORT + ENTER)
    too_short = fragment(MESSAGES[Reason.TOO_SHORT])
    user.see("forgot: too short", too_short)
    user.fill(FR._(m.NEW_PASSWORD_LABEL), NEW_PASSWORD)
    user.fill(FR._(m.CONFIRM_LABEL), OTHER_PASSWORD)
    user.term.send(ENTER)
    user.see("forgot: mismatch", fragment(MESSAGES[Reason.CONFIRMATION_MISMATCH]), gone=too_short)

    user.term.send(CTRL_Q)
    assert user.term.wait_exit() == 0
    typed = (
        WRONG_PASSWORD,
        WRONG_CAPTCHA,
        *solutions,
        WRONG_ANSWER,
        LILA_ANSWER,
        TOO_SHORT,
        NEW_PASSWORD,
        OTHER_PASSWORD,
    )
    check(user, *journal_of(server, reference), secrets=typed)


def test_the_replay_follows_the_user_through_resizes(server: Server, users: Callable[..., User]) -> None:
    user = users(80, 24)
    email_label = FR._(m.EMAIL_LABEL)
    captcha_label = FR._(m.CAPTCHA_LABEL)
    user.see("login", FR._(m.LOGIN_TITLE), captcha_label)
    reference = user.term.reference()
    user.fill(email_label, LILA)
    user.fill(captcha_label, WRONG_CAPTCHA)
    user.click(FR._(m.LOG_IN))
    user.see("login: wrong CAPTCHA", fragment(m.CAPTCHA_WRONG))

    user.term.resize(120, 35)
    user.see("120x35", fragment(m.CAPTCHA_WRONG))
    user.term.resize(60, 20)
    user.see("60x20", FR._(m.LOGIN_TITLE))

    user.click(FR._(m.FORGOT))
    user.see("60x20: email step", FR._(m.FORGOT_TITLE), email_label, gone=FR._(m.LOGIN_TITLE))
    user.fill(email_label, "lila.rosemonde")
    user.click(FR._(m.CONTINUE))
    user.see("60x20: invalid email", fragment(m.INVALID_EMAIL, 16), "prenom.nom@exemple.fr.")
    user.term.resize(80, 24)
    user.see("back to 80x24", fragment(m.INVALID_EMAIL))

    user.term.send(CTRL_Q)
    assert user.term.wait_exit() == 0
    events, frames = journal_of(server, reference)
    resizes = [(event.detail["columns"], event.detail["rows"]) for event in events if event.name == "resize"]
    assert resizes == [(120, 35), (60, 20), (80, 24)]  # the new size, each time
    sizes = {(frame.columns, frame.rows) for frame in frames}
    assert sizes <= set(user.painted), f"frames at sizes the terminal never had: {sizes - set(user.painted)}"
    check(user, events, frames)


def test_the_expiry_alert_is_recorded_as_the_user_saw_it(server: Server, users: Callable[..., User]) -> None:
    """The alert at login (a dialog over the login screen), shown then resized: never an
    empty box."""
    user = users(80, 24)
    captcha_label = FR._(m.CAPTCHA_LABEL)
    user.see("login", FR._(m.LOGIN_TITLE), captcha_label)
    reference = user.term.reference()
    user.click(FR._(m.SPELL_IMAGE))
    user.see("login: CAPTCHA spelled", "Caractères de l'image")
    user.fill(FR._(m.EMAIL_LABEL), HUGO)
    user.fill(FR._(m.PASSWORD_LABEL), HUGO_PASSWORD)
    solution = user.captcha_solution()
    user.fill(captcha_label, solution)
    user.term.send(ENTER)
    alert = FR._(m.ALERT_TITLE)  # over the login screen
    user.see("expiry alert", alert)
    user.term.resize(60, 20)
    user.see("expiry alert at 60x20", alert)
    user.term.resize(100, 30)
    user.see("expiry alert at 100x30", alert)
    user.term.send(ENTER)  # « OK »
    user.see("home", FR._(m.HOME_TITLE), gone=alert)

    user.term.send(CTRL_Q)
    assert user.term.wait_exit() == 0
    check(user, *journal_of(server, reference), failures=False, secrets=(HUGO_PASSWORD, solution))
