"""The support console in line mode: for support staff who use a screen reader or a
braille display. Sign in (or come with an SSH key), then read a user's session as text by
the reference the user reads on the phone: its events and, for a line-mode session, its
transcript (never a secret); a full-screen session's screens as their text.

Same rules as the full-screen console (:mod:`domain.support`): every action is audited and
refused once the staff member or the key is removed. Output is plain lines only.
"""

from __future__ import annotations

import contextlib

from domain import support
from domain.clock import as_utc
from domain.i18n import N_, Translator
from domain.replay import TRANSCRIPT, describe, is_failure, timeline_lines
from domain.services import Services
from domain.session import messages as m
from domain.settings import Language
from domain.support import StaffIdentity, StaffRevoked
from tui.line_mode import (
    END_WARNING,
    ERROR,
    IDLE_WARNING,
    KEEP_SESSION,
    LOCAL_SIGNALS,
    WARNING,
    LineEnded,
    LineIO,
    LineTooLong,
)

INTRO = N_("motdepasse, support console, line mode.")
REFERENCE_PROMPT = N_('Session reference ("quit" to leave)')
LINE_TOO_LONG = N_("This line is too long.")
SCREEN = N_("Screen {n} of {total}, {size}, at {at}:")


class LineSupport:
    """One support console session in line mode. :meth:`run` returns how it ended."""

    def __init__(
        self,
        services: Services,
        *,
        io: LineIO,
        language: Language = "fr",
        identity: StaffIdentity | None = None,
        client_address: str | None = None,
        warning_seconds: int = 60,
    ) -> None:
        self.services = services
        self.warning_seconds = warning_seconds
        self.io = io
        self.t = Translator(language)
        self.identity = identity
        self.client_address = client_address
        io.on_event = self.event

    def event(self, name: str) -> None:
        """A signal's event (see :meth:`LineIO.listen`), between two keys."""
        kind, _, how = name.partition(":")
        if kind == "end":
            raise LineEnded(how or "server")
        if kind in ("idle", "closing"):
            message = IDLE_WARNING if kind == "idle" else END_WARNING
            text = self.t.format(message, seconds=self.warning_seconds)
            if kind == "idle":
                text += " " + self._(KEEP_SESSION)
            self.io.line("")
            self.io.line(self.t.format(WARNING, message=text))

    def _(self, message: str) -> str:
        return self.t._(message)

    def ask(self, label: str, *, secret: bool = False) -> str:
        while True:
            self.io.write(self.t.format(N_("{label}:"), label=label).replace("\n", " ") + " ")
            try:
                answer = self.io.read(secret=secret)
                return answer if secret else answer.strip()  # a password is what was typed
            except LineTooLong:
                self.io.line(self.t.format(ERROR, message=self._(LINE_TOO_LONG)))

    def run(self) -> str:
        try:
            self.io.line(self._(INTRO))
            if self.identity is None:
                self.io.line(self._("Support staff only. Sign in with your staff account."))
                self.identity = self.sign_in()
            else:
                support.sign_in_key(self.services, self.identity, self.client_address)
            self.io.line(self._("Signed in as {staff}").format(staff=self.identity.label))
            while True:
                reference = self.ask(self._(REFERENCE_PROMPT))
                if reference.lower() in ("quitter", "quit", "q"):
                    return "quit"
                if reference:
                    self.show_session(self.identity, reference)
        except StaffRevoked:
            self.io.line(self._(support.STAFF_REVOKED))
            return "staff_revoked"
        except LineEnded as ended:
            return ended.how
        except KeyboardInterrupt:
            return "interrupted"

    def sign_in(self) -> StaffIdentity:
        while True:
            username = self.ask(self._("Staff user name"))
            password = self.ask(self._("Password"), secret=True)
            identity = support.sign_in_staff(self.services, username, password, self.client_address)
            if identity is not None:
                return identity
            message = self._("Unknown staff user name or wrong password (or too many attempts).")
            self.io.discard_typed_ahead()
            self.io.line(self.t.format(ERROR, message=message))

    def show_session(self, identity: StaffIdentity, reference: str) -> None:
        record, events, frames = support.open_session(self.services, identity, reference)
        if record is None:
            self.io.line(self.t.format(ERROR, message=self._("No session with this reference.")))
            return
        self.io.line(
            f"{record.reference}: {record.channel} {record.client_address or '-'} {record.language} "
            f"{record.columns}x{record.rows} {record.started_at:%Y-%m-%d %H:%M:%S}"
        )
        tz = self.services.tz
        failures = [event for event in events if is_failure(event)]
        if failures:  # what the user called about, first
            self.io.line(self._("Failures in this session: {n}").format(n=len(failures)))
            for event in failures:
                self.io.line(f"  {as_utc(event.at).astimezone(tz):%H:%M:%S} {describe(event, self.t, tz)}")
        else:
            self.io.line(self._("no failure"))
        for line in timeline_lines(events, frames, t=self.t, tz=tz):
            self.io.line(line)
        screens = [frame for frame in frames if frame.reason != TRANSCRIPT]
        for number, frame in enumerate(screens, 1):  # the full-screen app's screens, as text
            at = frame.at.strftime("%H:%M:%S")
            size = f"{frame.columns}x{frame.rows}"
            self.io.line(self.t.format(SCREEN, n=number, total=len(screens), size=size, at=at))
            for line in frame.text.rstrip().split("\n"):
                if line.strip():
                    self.io.line("     | " + line.rstrip())


def run_plain_console(
    services: Services,
    *,
    language: Language,
    identity: StaffIdentity | None = None,
    client_address: str | None = None,
    io: LineIO | None = None,
    signals: dict[int, str] | None = None,
    warning_seconds: int = 60,
) -> str:
    """The console on ``io`` (default: standard input and output); ``signals``: what they
    mean here (default: a local terminal's, :data:`LOCAL_SIGNALS`)."""
    console = LineSupport(
        services,
        io=io or LineIO(),
        language=language,
        identity=identity,
        client_address=client_address,
        warning_seconds=warning_seconds,
    )
    if io is None or signals is not None:
        console.io.listen(signals if signals is not None else LOCAL_SIGNALS)
    console.io.start()
    try:
        how = console.run()
        with contextlib.suppress(LineEnded):
            console.io.line(console._(m.ENDED_TITLE))
    finally:
        console.io.stop()
    return how
