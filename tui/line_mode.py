"""The line mode: the session core in plain lines, for screen readers and braille.

A second front end beside the full-screen app: the same :class:`SessionCore` (the same
rules, locks, throttles, emails and journal), printed as plain lines and answered one
line at a time. No alternate screen, no cursor movement, no colour, no box drawing, no
CAPTCHA picture: what a speech synthesiser reads line after line.

- Each step starts with « Étape 2 sur 4 : … » (or its title), then its facts, one per
  labelled line, then its prompts; each prompt ends with « : » and states its limits.
- Choices are numbered (« Votre choix (1-4) : »), yes/no is « (o/n) ».
- Secrets (passwords, answers, the old password) are read without echo and without
  bullets. The CAPTCHA is read spelled out, with its lifetime counted from its prompt.
- An error is one line « Erreur : … » right after the answer, then the same prompt again;
  what was already accepted is kept.
- Commands never collide with answers: they are words accepted only at prompts that are
  not secret (see :data:`COMMANDS`); an empty line at a secret prompt offers the step's
  choices instead.
- The journal keeps a text transcript of what was printed and answered, secrets excluded
  (frames with the reason ``transcript``), which support reads and ``journal show`` prints.

Everything written goes through :func:`domain.text.printable`: stored or typed text never
reaches the terminal as a control sequence. Reading is bounded (:data:`MAX_LINE_CHARS`).
"""

from __future__ import annotations

import codecs
import contextlib
import dataclasses
import os
import re
import select
import signal
import termios
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from domain.demo import CASES, DemoAccount
from domain.i18n import N_, Translator, parse_language
from domain.policy import Findings, MeterLevel
from domain.services import Services
from domain.session import SessionCore, Step, View
from domain.session import messages as m
from domain.session.intents import (
    Back,
    ChangeImage,
    EndSession,
    Intent,
    LogIn,
    OpenAdvice,
    OpenChange,
    OpenCoordinates,
    OpenFallback,
    OpenForgot,
    OpenHelp,
    OpenServices,
    Proceed,
    SignOut,
    SubmitAnswer,
    SubmitChange,
    SubmitEmail,
    SubmitNewPassword,
    SubmitPasswords,
    TickNewPassword,
)
from domain.session.views import (
    AccountDetail,
    AdviceDetail,
    AlertDetail,
    ChangeDetail,
    EndedDetail,
    FallbackDetail,
    FieldKind,
    FieldSpec,
    Note,
    QuestionDetail,
    Severity,
    SummaryDetail,
    coordinates,
)
from domain.settings import Language
from domain.text import printable

MAX_LINE_CHARS = 4096
"""The longest line read, in characters; a longer one (a huge paste) is refused, never kept."""

ESCAPE_WAIT_SECONDS = 0.05
"""How long the rest of an escape sequence is awaited after its ESC."""

SLOW_STEP_SECONDS = 1.0
"""A step that takes longer than this prints « Vérification en cours… » (once)."""

# What the line mode says (message ids; the French is in the catalogue)

PLAIN_HINT = N_("Screen reader or braille display? The line mode: {command}")
"""The one plain line the full-screen app prints before it takes over the screen."""
STARTED = N_("motdepasse, line mode. Session reference: {ref}.")
COMMANDS_HELP = N_(
    "At prompts that are not secret you can type: help, back, new (another security code), "
    "language en or language fr, reference, quit. At a secret prompt, an empty line shows the choices."
)
STEP = N_("Step {number} of {total}: {label}")
ERROR = N_("Error: {message}")
WARNING = N_("Warning: {message}")
YOUR_CHOICE = N_("Your choice ({first}-{last})")
YOUR_CHOICE_ONE = N_("Your choice (1, or Enter)")
CHOICE_INVALID = N_("Type a number from {first} to {last}.")
QUIT = N_("Quit")
TYPE_AGAIN = N_("Type it again")
NOTHING_TYPED = N_("Nothing was typed. What do you want to do?")
CHECKING = N_("Checking…")
STRENGTH = N_("Security level: {level} ({verdict})")
ACCEPTED = N_("accepted")
REFUSED = N_("refused")
MINIMUM = N_("{label} ({n} characters minimum)")
KEPT = N_("{label} (Enter: {value})")
CAPTCHA_SPELLED = N_("Security code, spelled out: {spelled}.")
CAPTCHA_PROMPT = N_('Type the {n} characters of the security code ("new" for another code)')
CAPTCHA_LIFETIME = m.CAPTCHA_LIFETIME
CAPTCHA_WRONG = N_(
    "The characters typed do not match the security code, or the code expired. A new code follows: type its characters."
)
CAPTCHA_EXPIRED = N_("The security code expired before it was typed. A new code follows: type its characters.")
CAPTCHA_NOT_RECORDED = N_("Security code spelled out (not recorded).")
CAPTCHA_OFF = N_("Test environment: the security code is disabled.")
YES_NO = N_("{label} (y/n)")
YES_NO_INVALID = N_("Answer y for yes or n for no.")
TOO_LONG = N_("This line is too long: {n} characters at most. Type it again.")
NOT_HERE = N_('"{word}" cannot be used here. Type "help" for the commands.')
REFERENCE = N_("Session reference: {ref}")
LANGUAGE_SET = N_("The session now speaks English.")
ADVICE_HINT = N_('For the advice against identity theft, leave the password empty and choose "{advice}".')
KEEP_SESSION = N_("Press Ctrl+L to keep the session open: what you typed is kept.")
IDLE_WARNING = N_("Without activity, this session will close in {seconds} seconds.")
END_WARNING = N_("This session will close in {seconds} seconds.")

SERVER_SIGNALS: dict[int, str] = {
    signal.SIGUSR1: "idle",
    signal.SIGUSR2: "closing",
    signal.SIGTERM: "end:server",
    signal.SIGHUP: "end:server",
    signal.SIGINT: "end:interrupted",
    signal.SIGRTMIN: "input_limited",
}
"""What the SSH server's signals mean to a session (see tui.ssh_session)."""
LOCAL_SIGNALS: dict[int, str] = {
    signal.SIGTERM: "end:terminated",
    signal.SIGHUP: "end:hangup",
    signal.SIGINT: "end:interrupted",
}
ALERT = N_(
    "Your password expires on {date}. Change it now to avoid the deactivation of your "
    'professional account: choose "Change the password" on your home page.'
)
ENDED = N_("Session ended. Session reference: {ref}.")

YES_WORDS = {"fr": ("o", "oui"), "en": ("y", "yes")}
NO_WORDS = {"fr": ("n", "non"), "en": ("n", "no")}

COMMANDS: dict[str, str] = {
    "aide": "help",
    "help": "help",
    "retour": "back",
    "back": "back",
    "nouveau": "new",
    "new": "new",
    "langue": "language",
    "language": "language",
    "reference": "reference",
    "référence": "reference",
    "quitter": "quit",
    "quit": "quit",
    "choix": "choices",
    "choices": "choices",
}
"""Words understood at every prompt that is not secret (French and English alike)."""

_NO_MENU = {ChangeImage.name, "spell_image", TickNewPassword.name}
"""Actions of the full-screen app that the line mode offers otherwise (or not at all)."""

_ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b[\]P_^X][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b.?|[\x00-\x1f\x7f-\x9f]")
"""Terminal escape sequences and control characters, dropped from typed text that is not
secret (an arrow key pressed by mistake). Secrets are kept as typed: the core refuses
control characters in them with its own message."""


class LineEnded(Exception):
    """The input ended (the terminal was closed), or the server ends the session."""

    def __init__(self, how: str) -> None:
        super().__init__(how)
        self.how = how


class LineTooLong(Exception):
    pass


class LineIO:
    """Plain lines out and one line at a time in, on file descriptors (a terminal, a
    pipe). Writes go straight to the descriptor.

    Signals (the server's warnings, the end of the session) never act inside their
    handler: :meth:`listen` queues them and wakes the reader, which hands them to
    :attr:`on_event` between two keys — one known place, with no lock held."""

    def __init__(self, fd_in: int = 0, fd_out: int = 1) -> None:
        self.fd_in = fd_in
        self.fd_out = fd_out
        self.terminal = os.isatty(fd_in)
        self._buffer = b""
        self._after_cr = False
        """The last line ended with CR: an LF right after it is the same Enter."""
        self.typed = ""
        """What was typed and echoed at the current prompt so far (never a secret)."""
        self._saved: list[Any] | None = None
        """The terminal's settings before :meth:`start` (None: not started)."""
        self._events: list[str] = []
        self._wake_read, self._wake_write = os.pipe()
        os.set_blocking(self._wake_read, False)
        os.set_blocking(self._wake_write, False)
        self.on_event: Callable[[str], None] = lambda _event: None
        """Called by the reader, between keys, for each event :meth:`listen` queued."""

    def write(self, text: str) -> None:
        data = text.encode("utf-8", "replace")
        while data:
            try:
                written = os.write(self.fd_out, data)
            except OSError as error:  # the terminal or the pipe is gone
                raise LineEnded("client_closed") from error
            data = data[written:]

    def line(self, text: str = "") -> None:
        """Print ``text``, each of its lines made safe (no control character)."""
        self.write("".join(printable(part) + "\n" for part in text.split("\n")))

    # Signals

    def listen(self, signals: dict[int, str]) -> None:
        """Turn ``signals`` into events (``{SIGTERM: "end"}``) handed to :attr:`on_event`
        by the reader. The handler only queues and wakes: it takes no lock and writes
        nothing the main thread may be writing."""

        def handler(number: int, _frame: object) -> None:
            self._events.append(signals[number])
            with contextlib.suppress(OSError):
                os.write(self._wake_write, b"!")

        for number in signals:
            signal.signal(number, handler)

    def events(self) -> None:
        """Hand the queued events to :attr:`on_event` (which may raise :class:`LineEnded`)."""
        with contextlib.suppress(OSError):
            while os.read(self._wake_read, 512):
                pass
        while self._events:
            self.on_event(self._events.pop(0))

    # The terminal

    def start(self) -> None:
        """On a terminal: the program reads key by key and echoes itself (the terminal
        echoes nothing), so that keys typed ahead — a braille user who knows the steps, a
        paste of « email⏎password⏎ » — are shown only when their prompt comes, and never
        when it is a secret one. Line editing is kept: Backspace, Ctrl+U, Ctrl+W. Applied
        again before every read (a shell may have changed them: Ctrl+Z, then ``fg``).
        :meth:`stop` gives the terminal back as it was."""
        if not self.terminal:
            return
        with contextlib.suppress(termios.error):
            if self._saved is None:
                self._saved = termios.tcgetattr(self.fd_in)
            attrs = termios.tcgetattr(self.fd_in)
            attrs[0] &= ~(termios.ICRNL | termios.INLCR | termios.IGNCR)  # Enter arrives as CR, as typed
            attrs[3] &= ~(termios.ICANON | termios.ECHO | termios.ECHONL)
            attrs[6][termios.VMIN] = 1
            attrs[6][termios.VTIME] = 0
            termios.tcsetattr(self.fd_in, termios.TCSANOW, attrs)

    def stop(self) -> None:
        if self._saved is not None:
            with contextlib.suppress(termios.error):
                termios.tcsetattr(self.fd_in, termios.TCSANOW, self._saved)
            self._saved = None

    def discard_typed_ahead(self) -> None:
        """Forget what was typed ahead (after a refusal or a question the user did not
        expect): it was meant for prompts that will not come, and a secret among it must
        not land on a prompt that echoes."""
        self._buffer = b""
        if self._saved is not None:
            with contextlib.suppress(termios.error):
                termios.tcflush(self.fd_in, termios.TCIFLUSH)

    def read(self, *, secret: bool = False) -> str:
        """One line; without echo when ``secret``. Raises :class:`LineEnded` at the end of
        the input, :class:`LineTooLong` for a line longer than :data:`MAX_LINE_CHARS`
        (read to its end, and dropped). Each answer ends its line on the output."""
        self.start()
        if self._saved is None:  # a pipe (or a terminal that refused the settings)
            try:
                line = self._read_line()
            except LineTooLong:
                self.write("\n")
                raise
            self.write("\n")
            return line
        return self._read_keys(secret=secret)

    def _fill(self, timeout: float | None = None) -> bool:
        """Read what the terminal has (waiting up to ``timeout``, None: until something
        comes), handing queued events over meanwhile; False if nothing came in time."""
        while not self._buffer:
            self.events()
            try:
                ready = select.select([self.fd_in, self._wake_read], [], [], timeout)[0]
            except InterruptedError:
                continue
            if self._wake_read in ready:
                continue
            if self.fd_in not in ready:
                return False
            try:
                chunk = os.read(self.fd_in, 4096)
            except OSError as error:  # the terminal is gone
                raise LineEnded("client_closed") from error
            if not chunk:
                raise LineEnded("client_closed")
            self._buffer = chunk
        return True

    def _byte(self, timeout: float | None = None) -> int | None:
        if not self._fill(timeout):
            return None
        byte, self._buffer = self._buffer[0], self._buffer[1:]
        return byte

    def _read_keys(self, *, secret: bool) -> str:
        """A line edited key by key: printable characters (echoed unless ``secret``),
        Backspace, Ctrl+U (the whole line), Ctrl+W (a word), Enter (CR, LF or CR LF);
        escape sequences (arrows, function keys) and other controls are dropped; Ctrl+D on
        an empty line ends the input."""
        chars: list[str] = []
        too_long = False
        self.typed = ""
        decoder = codecs.getincrementaldecoder("utf-8")("replace")

        def erase(count: int) -> None:
            del chars[len(chars) - count :]
            if not secret and count:
                self.typed = "".join(chars)
                self.write("\b \b" * count)

        while True:
            byte = self._byte()
            assert byte is not None
            if byte == 0x0A and self._after_cr:  # the LF of a CR LF: the same Enter
                self._after_cr = False
                continue
            self._after_cr = byte == 0x0D
            if byte in (0x0D, 0x0A):  # Enter
                self.typed = ""
                self.write("\n")
                if too_long:
                    raise LineTooLong
                return "".join(chars)
            if byte in (0x7F, 0x08):
                if decoder.getstate()[0]:  # a character not finished: that one goes
                    decoder.reset()
                else:
                    erase(min(1, len(chars)))
            elif byte == 0x15:  # Ctrl+U
                decoder.reset()
                erase(len(chars))
                too_long = False
            elif byte == 0x17:  # Ctrl+W
                text = "".join(chars)
                erase(len(text) - (text.rstrip().rfind(" ") + 1))
            elif byte == 0x04 and not chars:  # Ctrl+D
                raise LineEnded("client_closed")
            elif byte == 0x1B:
                self._skip_escape()
            elif byte < 0x20:
                continue
            else:
                for char in decoder.decode(bytes([byte])):
                    if len(chars) >= MAX_LINE_CHARS:
                        too_long = True  # read to its end, then refused
                        continue
                    chars.append(char)
                    if not secret:
                        self.typed += printable(char)
                        self.write(printable(char))

    def _skip_escape(self) -> None:
        """Drop the rest of an escape sequence (CSI ``ESC [ … final``, SS3 ``ESC O x``,
        or ESC and one character). A key sends it at once; its bytes may still come in
        two reads, so the next one is awaited a moment."""
        introducer = self._byte(ESCAPE_WAIT_SECONDS)
        if introducer == 0x5B:  # CSI: parameters and intermediates, then a final byte
            while (byte := self._byte(ESCAPE_WAIT_SECONDS)) is not None:
                if 0x40 <= byte <= 0x7E:
                    return
        elif introducer == 0x4F:  # SS3
            self._byte(ESCAPE_WAIT_SECONDS)

    def _read_line(self) -> str:
        too_long = False
        while b"\n" not in self._buffer:
            if len(self._buffer) > MAX_LINE_CHARS * 4:
                too_long, self._buffer = True, b""
            try:
                chunk = os.read(self.fd_in, 4096)
            except OSError as error:  # the terminal is gone
                raise LineEnded("client_closed") from error
            if not chunk:
                if self._buffer and not too_long:
                    chunk = b"\n"  # a last line without its end
                else:
                    raise LineEnded("client_closed")
            self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        text = line.rstrip(b"\r").decode("utf-8", "replace")
        if too_long or len(text) > MAX_LINE_CHARS:
            raise LineTooLong
        return text


@dataclass(frozen=True, slots=True)
class Choice:
    label: str
    intent: Intent | None
    """None: the line mode's own choice (type again)."""


class LineMode:
    """One user session in line mode. :meth:`run` returns how it ended."""

    def __init__(
        self,
        services: Services,
        *,
        io: LineIO,
        language: Language | None = None,
        demo_accounts: Sequence[DemoAccount] = (),
        channel: str = "line",
        client_address: str | None = None,
        reference: str | None = None,
        size: tuple[int, int] = (80, 24),
        warning_seconds: int = 60,
        server_end_reason: Callable[[], str | None] | None = None,
    ) -> None:
        self.io = io
        io.on_event = self.event
        self.warning_seconds = warning_seconds
        self.server_end_reason = server_end_reason
        """Why the server ends the session, when it says (see tui.ssh_session.ServerControl)."""
        self.core = SessionCore(
            services, language=language, channel=channel, client_address=client_address, size=size, reference=reference
        )
        self.t = Translator(self.core.language)
        self.demo_accounts = tuple(demo_accounts)
        self.size = size
        self.values: dict[str, str] = {}
        self._shown_step: Step | None = None
        self._shown_captcha = 0
        self._prompt = ""
        """The prompt being answered (printed again after a warning)."""
        self._transcript: list[str] = []
        self.command: tuple[str, str] | None = None
        """The command typed at the last prompt (and its argument), when it was one."""
        self.word = ""
        """That command as typed (« nouveau », « retour »), for « … n'est pas possible ici »."""
        self._again = False
        """Show the step again (its header, facts and CAPTCHA): the language changed."""

    # Output

    def _(self, message: str) -> str:
        return self.t._(message)

    def say(self, text: str = "", *, record: bool = True) -> None:
        self.io.line(text)
        if record:
            self._transcript.extend(printable(part) for part in text.split("\n"))

    def flush_transcript(self, reason: str = "transcript") -> None:
        """What was printed and typed since the last time, into the journal (never a
        secret: secret answers are never printed, nor recorded)."""
        if not self._transcript:
            return
        text = "\n".join(self._transcript)
        self._transcript = []
        self.core.record_frame(reason, columns=self.size[0], rows=text.count("\n") + 1, ansi=text)

    def warn(self, message: str, *, then: str | None = None, **params: object) -> None:
        """A warning from the server (idle, end of session): a line (``message``, then the
        sentence ``then``), then the prompt being answered again."""
        text = self.t.format(message, **params) + (" " + self._(then) if then else "")
        self.io.write("\n")
        self.say(self.t.format(WARNING, message=text))
        if self._prompt:  # the prompt again, with what was typed at it so far (not a secret)
            self.io.write(printable(self._prompt) + " " + self.io.typed)

    def event(self, name: str) -> None:
        """A signal's event, handed over by the reader between two keys."""
        kind, _, how = name.partition(":")
        if kind == "end":
            said = self.server_end_reason() if self.server_end_reason is not None else None
            raise LineEnded(said or how or "server")
        if kind == "idle":
            self.core.warned("idle", seconds=self.warning_seconds)
            self.warn(IDLE_WARNING, then=KEEP_SESSION, seconds=self.warning_seconds)
        elif kind == "closing":
            self.core.warned("end", seconds=self.warning_seconds)
            self.warn(END_WARNING, seconds=self.warning_seconds)
        elif kind == "input_limited":
            self.core.journal.record("session", "input_limited")

    # Input

    def ask(self, label: str, *, secret: bool = False, private: bool = False) -> str | None:
        """The answer to one prompt; None when it was a command (already carried out, or
        to be carried out by the caller: see :attr:`command`). ``secret``: read without
        echo, never a command; ``private``: echoed but never recorded (the CAPTCHA)."""
        self.command = None
        prompt = self.t.format(N_("{label}:"), label=label)
        while True:
            self._prompt = prompt
            try:
                self.io.write(printable(prompt) + " ")
                answer = self.io.read(secret=secret)
            except LineTooLong:
                self.say(prompt, record=False)
                self.say(self.t.format(ERROR, message=self.t.format(TOO_LONG, n=MAX_LINE_CHARS)))
                continue
            finally:
                self._prompt = ""
            if secret:
                self._transcript.append(prompt)
                return answer
            answer = _ESCAPES.sub("", answer).strip()
            word, _, argument = answer.partition(" ")
            command = COMMANDS.get(word.lower())
            self._transcript.append(prompt if private and command is None else f"{prompt} {printable(answer)}")
            if command is None:
                return answer
            if command == "help":
                self.say(self._(COMMANDS_HELP))
                continue
            if command == "reference":
                self.say(self.t.format(REFERENCE, ref=self.core.reference))
                continue
            self.command, self.word = (command, argument), word
            if command == "language":  # the step again, in that language (its prompts too)
                self.switch_language(argument)
            return None

    def switch_language(self, value: str) -> None:
        wanted = {"english": "en", "anglais": "en", "français": "fr", "francais": "fr", "french": "fr"}.get(
            value.strip().lower(), value.strip().lower()
        )
        language = parse_language(wanted, "en" if self.t.lang == "fr" else "fr")
        self.t = Translator(language)
        self.core.journal.record("action", "language", language=language)
        self.say(self._(LANGUAGE_SET))
        self._again, self._shown_captcha = True, 0

    def choose(self, choices: Sequence[Choice]) -> Choice:
        """A numbered choice; Enter alone picks the only one."""
        self.say("  ".join(f"{n}) {self._(choice.label)}" for n, choice in enumerate(choices, 1)))
        label = self._(YOUR_CHOICE_ONE) if len(choices) == 1 else self.t.format(YOUR_CHOICE, first=1, last=len(choices))
        while True:
            answer = self.ask(label, private=True)
            if answer is None:
                command = self.command
                if command is not None and command[0] == "quit":
                    return Choice(QUIT, EndSession("quit"))
                if command is not None and command[0] == "back":
                    back = next((c for c in choices if isinstance(c.intent, Back)), None)
                    if back is not None:
                        return back
                if command is not None and command[0] == "choices":
                    self.say("  ".join(f"{n}) {self._(choice.label)}" for n, choice in enumerate(choices, 1)))
                    continue
                if command is not None and command[0] == "language":
                    return Choice(QUIT, _Stay())
                self.say(self.t.format(ERROR, message=self.t.format(NOT_HERE, word=self.word)))
                continue
            if not answer and len(choices) == 1:
                return choices[0]
            if answer.isdigit() and 1 <= int(answer) <= len(choices):
                self._transcript[-1] += f" {answer}"  # only a valid choice is recorded
                return choices[int(answer) - 1]
            # anything else may be a secret typed in the wrong place: never recorded
            self.io.discard_typed_ahead()
            self.say(self.t.format(ERROR, message=self.t.format(CHOICE_INVALID, first=1, last=len(choices))))

    def yes_no(self, label: str) -> bool | None:
        """True, False, or None for a command (see :attr:`command`)."""
        lang = self.t.lang
        while True:
            answer = self.ask(self.t.format(YES_NO, label=label), private=True)
            if answer is None:
                return None
            word = answer.lower()
            if word in YES_WORDS[lang] or word in ("o", "oui", "y", "yes"):
                self._transcript[-1] += f" {answer}"
                return True
            if word in NO_WORDS[lang] or word in ("non", "no"):
                self._transcript[-1] += f" {answer}"
                return False
            self.io.discard_typed_ahead()
            self.say(self.t.format(ERROR, message=self._(YES_NO_INVALID)))

    # The session

    def run(self) -> str:
        """Until the session ends; returns how it ended."""
        how = "quit"
        self.io.start()
        try:
            self.say(self.t.format(STARTED, ref=self.core.reference))
            self.say(self._(COMMANDS_HELP))
            if self.demo_accounts:
                self.show_demo_accounts()
            view = self.core.view()
            while not view.ended:
                self.show(view)
                intent = self.next_intent(view)
                self.flush_transcript()
                if isinstance(intent, _Stay):  # a command was carried out: the step again
                    view = dataclasses.replace(self.core.view(), notes=(), resets=(), focus=None)
                    continue
                view = self.send(intent, view)
            if isinstance(view.detail, EndedDetail):
                how = view.detail.reason
        except LineEnded as ended:
            how = ended.how
        except KeyboardInterrupt:
            how = "interrupted"
        finally:
            with contextlib.suppress(LineEnded):
                self.say(self.t.format(ENDED, ref=self.core.reference))
            self.flush_transcript()
            self.core.close(how)
            self.io.stop()
        return how

    def send(self, intent: Intent, view: View) -> View:
        """Send ``intent`` from a worker thread; « Vérification en cours… » after a second."""
        result: dict[str, Any] = {}

        def work() -> None:
            try:
                # The form was filled against the latest view: the CAPTCHA may have been
                # changed meanwhile, from this same prompt; nothing else sends intents.
                result["view"] = self.core.send(intent, revision=self.core.view().revision)
            except BaseException as error:  # noqa: BLE001 - given back to the caller below
                result["error"] = error

        worker = threading.Thread(target=work, name="line-step", daemon=True)
        worker.start()
        worker.join(SLOW_STEP_SECONDS)
        if worker.is_alive():
            self.say(self._(CHECKING))
            worker.join()
        if "error" in result:
            raise result["error"]
        new: View = result["view"]
        return new

    def show_demo_accounts(self) -> None:
        _ = self._
        self.say(_("Demo accounts (shown in the demo only)"), record=False)
        for account in self.demo_accounts:  # their secrets: never in the transcript
            self.say(f"- {account.name}, {account.email}: {_(CASES[account.case])}", record=False)
            self.say("  " + _("Question: {question}").format(question=account.question), record=False)
            self.say("  " + _("Answer: {answer}").format(answer=account.answer), record=False)
            self.say("  " + _("Password: {password}").format(password=account.password), record=False)

    def show(self, view: View) -> None:
        """The step's header and facts when the step is new, then its messages."""
        if view.step is not self._shown_step or self._again:
            if view.step is not self._shown_step:
                self.values = {}
            self._shown_step, self._again = view.step, False
            self.say()
            if view.progress is not None:
                progress = view.progress
                self.say(self._(progress.title))
                label = self._(progress.labels[progress.number - 1])
                self.say(self.t.format(STEP, number=progress.number, total=progress.total, label=label))
            else:
                self.say(self._(view.title))
            if view.test_mode and view.captcha is not None:
                self.say(self.t.format(WARNING, message=self._(CAPTCHA_OFF)))
            for line in self.facts(view):
                self.say(line)
        for name, value in view.resets:
            self.values[name] = value
        for note in view.notes:
            self.say(self.note(note))
            if note.severity is Severity.ERROR and note.field in self.values:
                del self.values[note.field]  # a refused value is not offered again
        if any(note.severity is Severity.ERROR for note in view.notes):
            # What was typed ahead was meant for the prompts after this one: a secret
            # among it must not land on the prompt asked again (or on an echoing one).
            self.io.discard_typed_ahead()

    def note(self, note: Note) -> str:
        # the full-screen wording speaks of an image: here the code is spelled
        spoken = {"captcha_wrong": CAPTCHA_WRONG, "captcha_expired": CAPTCHA_EXPIRED}.get(note.code)
        text = self._(spoken) if spoken else note.render(self.t)
        if note.severity is Severity.ERROR:
            return self.t.format(ERROR, message=text)
        if note.severity is Severity.WARNING:
            return self.t.format(WARNING, message=text)
        return text

    def facts(self, view: View) -> list[str]:
        """The step's facts, one labelled line each."""
        _ = self._
        detail = view.detail
        t = self.t
        lines: list[str] = []
        if isinstance(detail, QuestionDetail | ChangeDetail):
            lines.append(_("Login email address: ") + printable(detail.email))
            lines.append(_("Security question: ") + printable(detail.question))
        elif isinstance(detail, SummaryDetail):
            done = _("Your changes have been saved.") if view.step is Step.CHANGE_DONE else None
            lines.append(done or _("Your password has been changed."))
            lines.append(_("Your new password is valid until {date}.").format(date=t.long_date(detail.valid_until)))
            lines.append(_("A confirmation email is on its way to your login email address."))
            if view.step is not Step.CHANGE_DONE:
                lines.append(_("Log in again with your email address and your new password."))
        elif isinstance(detail, AlertDetail):
            lines.append(t.format(ALERT, date=t.long_date(detail.expiry.expires_on)))
        elif isinstance(detail, AccountDetail) and view.step is Step.HOME:
            card, expiry = detail.card, detail.expiry
            lines.append(
                _("Welcome, {first_name} {last_name}.").format(
                    first_name=printable(card.first_name), last_name=printable(card.last_name)
                )
            )
            lines.append(_("Subscriber number: {number}").format(number=printable(card.subscriber_number)))
            if expiry is not None and expiry.expiring_soon:
                lines.append(_("Your password"))
                lines.append(_("Expiry date: {date}").format(date=t.long_date(expiry.expires_on)))
                lines.append(
                    _("Days left before access to your account is blocked: {n}").format(n=expiry.days_before_blocking)
                )
        elif isinstance(detail, AccountDetail):
            card = detail.card
            for label, value in coordinates(card):
                lines.append(_("{label}: ").format(label=_(label)) + printable(value or ""))
            lines.append(_("The answer to your security question is never shown, to anyone."))
        elif isinstance(detail, FallbackDetail):
            lines.extend(self.fallback_lines(view, detail))
        elif isinstance(detail, AdviceDetail):
            lines.extend("- " + _(point) for point in detail.points)
            lines.append(_(detail.sentence))
            lines.append(self.t.format(detail.memorable, min=detail.min_length))
            lines.append(_(detail.browser))
        if view.rules is not None:
            lines.append(_(m.RULES_AVOID))
            lines.append(self.t.format(ADVICE_HINT, advice=_(m.ADVICE)))
        return lines

    def fallback_lines(self, view: View, detail: FallbackDetail) -> list[str]:
        """The same content as the full-screen app's, by procedure, from the view."""
        _ = self._
        lang = self.t.lang
        lines = [_(detail.needs)]
        if detail.other_way is not None:
            lines.append(_(detail.other_way))
        lines.append(_(detail.if_not))
        lines.extend("- " + _(step) for step in detail.steps)
        lines += [
            _(m.SUPPORT),
            self.t.format(m.SUPPORT_PHONE, phone=detail.support.phone, hours=detail.support.hours[lang]),
            self.t.format(m.SUPPORT_FORM, form=detail.support.form[lang]),
            _(m.SUPPORT_CAN),
            self.t.format(REFERENCE, ref=view.reference),
        ]
        return lines

    # What to send next

    def next_intent(self, view: View) -> Intent:
        if view.step is Step.LOGIN:
            return self.login(view)
        if any(f.kind is not FieldKind.CHECKBOX for f in view.fields):
            return self.form(view)
        return self.menu(view)

    def menu_choices(self, view: View, *, form: bool) -> list[Choice]:
        choices = []
        for action in view.actions:
            if action.intent in _NO_MENU:
                continue
            intent = _INTENTS.get(action.intent)
            if intent is None:  # a form's own submission: not a menu entry
                continue
            if intent is OpenForgot:  # with the email typed so far, as the full-screen app
                choices.append(Choice(action.label, OpenForgot(self.values.get("email", ""))))
                continue
            choices.append(Choice(action.label, intent()))
        if form:
            choices.insert(0, Choice(TYPE_AGAIN, None))
        if view.step in (Step.HOME, Step.SERVICES, Step.COORDINATES):
            choices.append(Choice(QUIT, EndSession("quit")))
        return choices

    def menu(self, view: View) -> Intent:
        choice = self.choose(self.menu_choices(view, form=False))
        assert choice.intent is not None
        return choice.intent

    def login(self, view: View) -> Intent:
        """« 1) Connexion  2) Mot de passe oublié  3) Aide  4) Quitter », then the form."""
        if not self.values.get("_form"):
            choices = [Choice(m.LOG_IN, None), Choice(m.FORGOT, OpenForgot()), Choice(m.HELP, OpenHelp())]
            choices.append(Choice(QUIT, EndSession("quit")))
            choice = self.choose(choices)
            if choice.intent is not None:
                if isinstance(choice.intent, OpenForgot):
                    return OpenForgot(self.values.get("email", ""))
                return choice.intent
            self.values["_form"] = "1"
            self.values.pop("email", None)
        return self.form(view)

    def form(self, view: View) -> Intent:
        """The step's fields, one prompt each (from the first one to type again), then its
        submission."""
        typed = {name: value for name, value in self.values.items() if value}
        todo = list(view.fields)
        if view.focus and view.notes:  # after a refusal: the field in error and those after it
            names = [f.name for f in view.fields]
            start = names.index(view.focus) if view.focus in names else 0
            todo = [f for f in view.fields[start:] if f.kind is not FieldKind.CHECKBOX or not typed.get(f.name)]
            todo += [f for f in view.fields[:start] if not typed.get(f.name) or f.kind is FieldKind.CAPTCHA]
            todo.sort(key=lambda f: names.index(f.name))
        for spec in todo:
            result = self.field(view, spec)
            if isinstance(result, Intent):
                return result
        return self.submission(view)

    def field(self, view: View, spec: FieldSpec) -> Intent | None:
        """Fill one field (in :attr:`values`); an intent when the user chose something else."""
        _ = self._
        while True:
            label = _(spec.label)
            if spec.kind is FieldKind.CHECKBOX:
                ticked = self.yes_no(label)
                if ticked is None:
                    return self.command_intent(view)
                if not ticked:
                    return self.menu(view)
                self.values[spec.name] = "1"
                self.core.send(TickNewPassword(True))
                return None
            if spec.kind is FieldKind.CAPTCHA:
                if view.captcha is None or not view.captcha.enabled:
                    self.values[spec.name] = ""
                    return None
                captcha = self.core.view().captcha
                assert captcha is not None
                if captcha.serial != self._shown_captcha:
                    self._shown_captcha = captcha.serial
                    self.core.captcha_shown()
                    spelled = ", ".join(_(word) for word in captcha.spelled)
                    self.say(self.t.format(CAPTCHA_SPELLED, spelled=spelled), record=False)
                    self._transcript.append(self._(CAPTCHA_NOT_RECORDED))
                    ttl = int(self.core.services.settings.captcha_ttl_seconds)
                    self.say(self.t.format(CAPTCHA_LIFETIME, duration=self.t.duration(ttl)))
                answer = self.ask(self.t.format(CAPTCHA_PROMPT, n=len(captcha.spelled)), private=True)
                if answer is None:
                    if self.command is not None and self.command[0] == "new":
                        self.core.send(ChangeImage())
                        continue
                    return self.command_intent(view)
                self.values[spec.name] = answer
                self.core.typing(spec.name, len(answer))  # a band of its length, never the code
                return None
            secret = spec.kind is FieldKind.SECRET
            if spec.name in ("new", "confirm") and view.rules is not None:
                label = self.t.format(MINIMUM, label=label, n=view.rules.min_length)
            elif spec.kind is FieldKind.TEXT and spec.name == "email" and self.values.get("email"):
                label = self.t.format(KEPT, label=label, value=printable(self.values["email"]))
            answer = self.ask(label, secret=secret)
            if answer is None:
                if self.command is not None and self.command[0] == "new":
                    self.say(self.t.format(ERROR, message=self.t.format(NOT_HERE, word=self.word)))
                    continue
                return self.command_intent(view)
            if secret and not answer:
                self.io.discard_typed_ahead()
                self.say(self._(NOTHING_TYPED))
                choice = self.choose([*self.menu_choices(view, form=True), Choice(QUIT, EndSession("quit"))])
                if choice.intent is None:
                    continue
                return choice.intent
            if not answer and spec.name == "email" and self.values.get("email"):
                return None  # Enter keeps the address already typed
            if len(answer) > spec.max_length:
                self.say(self.t.format(ERROR, message=self.t.format(TOO_LONG, n=spec.max_length)))
                continue
            if spec.name == "new":
                refused = self.strength(answer)
                if refused:
                    continue
            self.values[spec.name] = answer
            self.core.typing(spec.name, len(answer))  # a count (a band for a secret), never what
            return None

    def strength(self, password: str) -> bool:
        """« Niveau de sécurité : Moyen (accepté) » (« Trop court (refusé) » under the
        minimum length) and the policy's refusals; True when the password is refused (it
        is asked again)."""
        level, notes = self.core.precheck_new_password(password)
        if level is not None:
            verdict = self._(ACCEPTED if level.accepted and not notes else REFUSED)
            self.say(self.t.format(STRENGTH, level=self._(level.label), verdict=verdict))
            found = [dict(note.params).get("reasons") for note in notes]
            reasons = next((r.codes for r in found if isinstance(r, Findings)), ())
            self.core.meter_shown(level, reasons if level is MeterLevel.FAIBLE else ())
        for note in notes:
            self.say(self.note(note))
        return bool(notes)

    def command_intent(self, view: View) -> Intent:
        """What a command typed at a prompt asks for (back, quit, the choices)."""
        command = self.command
        if command is not None and command[0] == "quit":
            return EndSession("quit")
        if command is not None and command[0] == "back":
            if view.step is Step.LOGIN:
                self.values.pop("_form", None)
                return _Stay()
            if view.can(Back.name):
                return Back()
        if command is not None and command[0] == "choices":
            choice = self.choose([*self.menu_choices(view, form=True), Choice(QUIT, EndSession("quit"))])
            return choice.intent or _Stay()
        if command is not None and command[0] == "language":
            return _Stay()
        self.say(self.t.format(ERROR, message=self.t.format(NOT_HERE, word=self.word)))
        return _Stay()

    def submission(self, view: View) -> Intent:
        v = self.values.get
        step = view.step
        if step is Step.LOGIN:
            return LogIn(v("email", ""), v("password", ""), v("captcha", ""))
        if step in (Step.FORGOT_EMAIL, Step.EXPIRED_EMAIL):
            return SubmitEmail(v("email", ""), v("captcha", ""))
        if step is Step.FORGOT_QUESTION:
            return SubmitAnswer(v("answer", ""))
        if step is Step.FORGOT_NEW_PASSWORD:
            return SubmitNewPassword(v("new", ""), v("confirm", ""))
        if step is Step.EXPIRED_PASSWORDS:
            return SubmitPasswords(v("old", ""), v("new", ""), v("confirm", ""))
        if step is Step.CHANGE:
            return SubmitChange(bool(v("tick")), v("new", ""), v("confirm", ""), v("answer", ""))
        raise AssertionError(f"no form at {step}")


class _Stay(Intent):
    """Nothing to send: the same step is shown again (a command was carried out)."""

    name = "stay"
    quiet = True


_INTENTS: dict[str, Callable[[], Intent]] = {
    OpenForgot.name: OpenForgot,
    OpenHelp.name: OpenHelp,
    Back.name: Back,
    Proceed.name: Proceed,
    OpenFallback.name: OpenFallback,
    OpenAdvice.name: OpenAdvice,
    OpenServices.name: OpenServices,
    OpenCoordinates.name: OpenCoordinates,
    OpenChange.name: OpenChange,
    SignOut.name: SignOut,
}
"""The menu's actions: intents without a form."""
