"""The support console's screens: sign-in, search, account card, session replay. Staff
never see an answer or a hash; every view and action is audited (domain.support).

Every action goes through the domain, which refuses it once the staff member (or their
SSH key) has been removed: the screen then posts ``StaffNoLongerAllowed`` and shows
nothing more; the app decides where the console goes. Screens may be gone when a worker
resumes (the app took them down meanwhile): they check before touching their widgets."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import Button, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from domain import support
from domain.files import private_dir, write_private
from domain.i18n import Translator
from domain.replay import TRANSCRIPT, Event, Frame, asciicast
from domain.services import Services
from domain.support import StaffIdentity, StaffRevoked, SupportCard
from domain.text import printable
from screens.base import Chrome
from screens.widgets.button_row import ButtonRow
from screens.widgets.safe_input import SafeInput


@dataclass(frozen=True)
class Console:
    """What the console's screens need of their session."""

    services: Services
    t: Translator
    reference: str
    client_address: str | None = None


@dataclass
class ConsoleScreenShown(Message):
    """A console screen is shown: the app journals it (screens never write the journal)."""

    name: str


@dataclass
class StaffSignedIn(Message):
    identity: StaffIdentity


@dataclass
class OpenAccount(Message):
    account_id: int


@dataclass
class OpenSession(Message):
    reference: str


@dataclass
class StaffNoLongerAllowed(Message):
    """The domain refused an action: the staff member or their key was removed. The app
    takes the console back to its sign-in screen, or ends it."""

    staff: StaffIdentity


class SupportScreen(Chrome):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "back", show=False)]

    screen_name: ClassVar[str] = "support"
    """Stable name of the screen in the journal."""

    def __init__(self, console: Console, staff: StaffIdentity | None = None) -> None:
        super().__init__()
        self.console = console
        self.t = console.t
        self._ = console.t._
        self.session_reference = console.reference
        self.staff = staff

    def on_screen_resume(self) -> None:
        # Textual calls this handler of every class in the MRO (subclasses never super()).
        self.post_message(ConsoleScreenShown(self.screen_name))

    @property
    def still_shown(self) -> bool:
        """False once the screen is off the stack (or the app ending): a worker that
        resumes then drops its result, the widgets may be gone. (Textual's ``is_mounted``
        stays true after removal, and a screen's children go before the screen.)"""
        return self.is_attached and self in self.app.screen_stack

    def show_errors(self, messages: list[str]) -> None:
        self.show_messages([(message, True) for message in messages])

    def title_text(self) -> str:
        return self._("Support console")

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 2:
            self.dismiss()


class SupportSignInScreen(SupportScreen):
    screen_name = "support_sign_in"

    def __init__(self, console: Console, notice: str | None = None) -> None:
        super().__init__(console)
        self.notice = notice
        """Why the console came back here (a staff member who was removed), shown at once."""

    def key_hints(self) -> str:
        return self._("Tab: next field · Enter: confirm · Ctrl+Q: quit")

    def compose_body(self) -> ComposeResult:
        _ = self._
        yield Static(_("Support staff only. Sign in with your staff account."), markup=False, classes="intro")
        yield Label(_("Staff user name"), classes="field-label")
        yield SafeInput(id="username", max_length=64, compact=True)
        yield Label(_("Password"), classes="field-label")
        yield SafeInput(id="password", password=True, max_length=1024, compact=True)
        yield Button(_("Sign in"), id="sign-in", classes="submit", variant="primary", compact=True)

    def on_mount(self) -> None:
        self.query_one("#username", Input).focus()
        if self.notice:
            self.show_errors([self.notice])

    def enter_pressed(self) -> bool:
        self._submit()
        return True

    @on(Button.Pressed, "#sign-in")
    def _submit(self) -> None:
        fields = [self.query_one("#username", Input), self.query_one("#password", Input)]
        if self.next_empty_or_submit(fields):
            self.run_worker(self._sign_in(fields[0].value, fields[1].value), exclusive=True)

    async def _sign_in(self, username: str, password: str) -> None:
        self.set_busy(True)
        try:
            identity = await asyncio.to_thread(
                support.sign_in_staff,
                self.console.services,
                username.strip(),
                password,
                self.console.client_address,
            )
        finally:
            if self.still_shown:
                self.set_busy(False)
        if not self.still_shown:
            return
        self.query_one("#password", Input).value = ""
        if identity is None:
            self.show_errors([self._("Unknown staff user name or wrong password (or too many attempts).")])
            return
        self.post_message(StaffSignedIn(identity))


class SupportSearchScreen(SupportScreen):
    screen_name = "support_search"

    def key_hints(self) -> str:
        return self._("Enter: search or open · Tab: next · Ctrl+Q: quit")

    def compose_body(self) -> ComposeResult:
        _ = self._
        assert self.staff is not None
        yield Static(_("Signed in as {staff}").format(staff=self.staff.label), markup=False, classes="intro")
        yield Label(_("Find an account (email, subscriber number, name) or a session reference"), classes="field-label")
        yield SafeInput(id="query", max_length=100, compact=True)
        yield OptionList(id="results")
        yield Label(_("Open a session by its reference"), classes="field-label")
        yield SafeInput(id="reference", max_length=24, compact=True, placeholder="K7QF-92DX")

    def on_mount(self) -> None:
        self.query_one("#query", Input).focus()

    @on(Input.Submitted, "#query")
    def _search(self, event: Input.Submitted) -> None:
        self.run_worker(self._find(event.value), exclusive=True)

    async def _find(self, query: str) -> None:
        assert self.staff is not None
        try:
            # A session reference typed here (the user read it on the phone) opens it.
            reference = await asyncio.to_thread(support.session_reference, self.console.services, self.staff, query)
            if reference is not None:
                self.post_message(OpenSession(reference))
                return
            cards = await asyncio.to_thread(support.search, self.console.services, self.staff, query)
        except StaffRevoked:
            self.post_message(StaffNoLongerAllowed(self.staff))
            return
        if not self.still_shown:
            return
        results = self.query_one("#results", OptionList)
        results.clear_options()
        for card in cards:
            label = Text(f"{printable(card.last_name)} {printable(card.first_name)} — {printable(card.email)}")
            label.append(f" — {printable(card.subscriber_number)} — {printable(card.status)}")
            results.add_option(Option(label, id=str(card.id)))
        self.show_errors([] if cards else [self._("No account found.")])
        if cards:
            results.highlighted = 0
            results.focus()

    @on(OptionList.OptionSelected, "#results")
    def _open(self, event: OptionList.OptionSelected) -> None:
        if event.option.id is not None:
            self.post_message(OpenAccount(int(event.option.id)))

    @on(Input.Submitted, "#reference")
    def _open_session(self, event: Input.Submitted) -> None:
        if event.value.strip():
            self.post_message(OpenSession(event.value.strip()))


class SupportAccountScreen(SupportScreen):
    screen_name = "support_account"

    def __init__(self, console: Console, staff: StaffIdentity, view: SupportCard) -> None:
        super().__init__(console, staff)
        self.view = view

    def key_hints(self) -> str:
        return self._("Tab: next · Enter: choose · Esc: back")

    def compose_body(self) -> ComposeResult:
        _ = self._
        yield Static(markup=False, id="card", classes="info")
        yield OptionList(id="sessions")
        with ButtonRow():
            yield Button(_("Lift the locks"), id="lift", compact=True)
            yield Button(_("Deactivate"), id="toggle", compact=True)
            yield Button(_("Back"), id="back", variant="primary", compact=True)

    def on_mount(self) -> None:
        self.show_view(self.view)
        self.query_one("#sessions", OptionList).focus()

    def show_view(self, view: SupportCard) -> None:
        _ = self._
        t = self.t
        self.view = view
        card = view.card
        text = Text()
        rows = [
            (_("Last name"), card.last_name),
            (_("First name"), card.first_name),
            (_("Subscriber number"), card.subscriber_number),
            (_("Login email address"), card.email),
            (_("Phone"), card.phone),
            (_("Security question"), card.security_question),
            (_("Status"), card.status),
        ]
        if view.expiry is not None:
            rows.append((_("Password valid until"), f"{t.date(view.expiry.expires_on)} ({view.expiry.days_left})"))
        locked = view.answer_locked_until
        rows.append(
            (
                _("Forgot-password lock"),
                t.time(locked.astimezone(self.console.services.tz)) if locked else _("none"),
            )
        )
        rows.append((_("Login delay"), f"{int(view.login_wait.total_seconds())} s"))
        for label, value in rows:
            text.append(_("{label}: ").format(label=label), style="bold")
            text.append(printable(value) + "\n")
        text.append(_("The answer to the security question is never shown, to anyone."))
        self.query_one("#card", Static).update(text)
        sessions = self.query_one("#sessions", OptionList)
        sessions.clear_options()
        for item in view.sessions:
            started = item.started_at.strftime("%Y-%m-%d %H:%M")
            sessions.add_option(
                Option(
                    Text(
                        f"{printable(item.reference)}  {started}  {printable(item.channel)}"
                        f"  {printable(item.client_address or '-')}"
                    ),
                    id=item.reference,
                )
            )
        self.query_one("#toggle", Button).label = _("Reactivate") if card.status == "deactivated" else _("Deactivate")

    def on_screen_resume(self) -> None:
        sessions = self.query_one("#sessions", OptionList)
        if sessions.option_count and sessions.highlighted is None:
            sessions.highlighted = 0

    @on(OptionList.OptionSelected, "#sessions")
    def _open(self, event: OptionList.OptionSelected) -> None:
        if event.option.id is not None:
            self.post_message(OpenSession(event.option.id))

    @on(Button.Pressed, "#lift")
    def _lift(self) -> None:
        self.run_worker(self._act(lambda: support.lift_locks(self.console.services, self._staff(), self.view.card.id)))

    @on(Button.Pressed, "#toggle")
    def _toggle(self) -> None:
        status = "active" if self.view.card.status == "deactivated" else "deactivated"
        self.run_worker(
            self._act(
                lambda: support.set_account_status(self.console.services, self._staff(), self.view.card.id, status)
            )
        )

    def _staff(self) -> StaffIdentity:
        assert self.staff is not None
        return self.staff

    async def _act(self, action: Callable[[], object]) -> None:
        services, staff, account_id = self.console.services, self._staff(), self.view.card.id
        try:
            await asyncio.to_thread(action)
            view = await asyncio.to_thread(support.view_account, services, staff, account_id)
        except StaffRevoked:
            self.post_message(StaffNoLongerAllowed(staff))
            return
        if self.still_shown:
            self.show_view(view)

    @on(Button.Pressed, "#back")
    def _back(self) -> None:
        self.action_back()


class SupportSessionScreen(SupportScreen):
    """A session as the user saw it, screen by screen (←/→), or at the original pace (p)."""

    screen_name = "support_session"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", show=False),
        Binding("left", "step(-1)", show=False, priority=True),
        Binding("right", "step(1)", show=False, priority=True),
        Binding("p", "play", show=False),
        Binding("t", "toggle_timeline", show=False),
        Binding("e", "export", show=False),
    ]

    def __init__(
        self,
        console: Console,
        staff: StaffIdentity,
        reference: str,
        events: list[Event],
        frames: list[Frame],
        export_dir: Path,
    ) -> None:
        super().__init__(console, staff)
        self.reference = reference
        self.events = events
        self.frames = frames
        self.index = 0
        self.export_dir = export_dir

    def key_hints(self) -> str:
        return self._("←/→: screen · p: play · t: timeline · e: export · Esc: back")

    def compose_body(self) -> ComposeResult:
        yield Static(markup=False, id="position", classes="intro")
        with VerticalScroll(id="replay"):
            yield Static(markup=False, id="frame")
            yield Static(markup=False, id="timeline")

    def on_mount(self) -> None:
        self.query_one("#timeline").display = False
        self.show_frame()

    def show_frame(self) -> None:
        _ = self._
        if not self.frames:
            self.query_one("#position", Static).update(
                _("Session {ref}: no screen recorded.").format(ref=self.reference)
            )
            return
        frame = self.frames[self.index]
        self.query_one("#position", Static).update(
            _("Session {ref} — screen {n} of {total} — {size} — {at}").format(
                ref=self.reference,
                n=self.index + 1,
                total=len(self.frames),
                size=f"{frame.columns}x{frame.rows}",
                at=frame.at.strftime("%H:%M:%S"),
            )
        )
        if frame.reason == TRANSCRIPT:  # a line-mode session: its lines, wrapped as text
            self.query_one("#frame", Static).update(Text(printable(frame.text, lines=True)))
        else:
            self.query_one("#frame", Static).update(Text.from_ansi(frame.ansi, no_wrap=True, overflow="ignore"))

    def action_step(self, delta: int) -> None:
        if self.frames:
            self.index = max(0, min(len(self.frames) - 1, self.index + delta))
            self.show_frame()

    def action_play(self) -> None:
        self.run_worker(self._play(), exclusive=True, group="play")

    async def _play(self) -> None:
        for index in range(len(self.frames)):
            if index:
                gap = (self.frames[index].at - self.frames[index - 1].at).total_seconds()
                await asyncio.sleep(min(max(gap, 0.3), 5.0))
            if not self.still_shown:
                return
            self.index = index
            self.show_frame()

    def action_toggle_timeline(self) -> None:
        timeline = self.query_one("#timeline", Static)
        frame = self.query_one("#frame", Static)
        showing = not timeline.display
        timeline.display = showing
        frame.display = not showing
        if showing:
            text = Text()
            for event in self.events:
                details = " ".join(f"{k}={v}" for k, v in event.detail.items())
                text.append(printable(f"{event.seq:>4} {event.at:%H:%M:%S} {event.kind} {event.name} {details}") + "\n")
            timeline.update(text)

    def action_export(self) -> None:
        if self.frames:
            self.run_worker(self._export(), exclusive=True, group="export")

    async def _export(self) -> None:
        try:
            path = await asyncio.to_thread(self._write_export)
        except StaffRevoked:
            self.post_message(StaffNoLongerAllowed(self._staff()))
            return
        if self.still_shown:
            self.notify(self._("Written: {path}").format(path=path))

    def _write_export(self) -> Path:
        """In a worker thread: checked (a removed staff member exports nothing), written,
        then audited."""
        services, staff = self.console.services, self._staff()
        support.require_allowed(services, staff, "export_session")
        private_dir(self.export_dir)
        path = self.export_dir / f"{self.reference}.cast"
        write_private(path, asciicast(self.reference, self.frames))
        support.audit(services, staff, "export_session", session_reference=self.reference)
        return path

    def _staff(self) -> StaffIdentity:
        assert self.staff is not None
        return self.staff
