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
from datetime import datetime
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import ScrollableContainer, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from domain import support
from domain.clock import as_utc
from domain.files import private_dir, write_private
from domain.i18n import Translator
from domain.replay import TRANSCRIPT, Event, Frame, Step, asciicast, describe, is_failure, steps
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
class FollowAccount(Message):
    """« Depuis l'appel »: the account's latest session, kept up to date."""

    account_id: int


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


class ConfirmDialog(ModalScreen[bool]):
    """A yes/no question before an action that users feel (deactivating an account):
    « Annuler » has the focus, Esc cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", show=False)]

    def __init__(self, question: str, confirm: str, cancel: str) -> None:
        super().__init__()
        self.question, self.confirm, self.cancel = question, confirm, cancel

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog", can_focus=False):
            yield Static(Text(self.question), markup=False, classes="intro")
            with ButtonRow():
                yield Button(self.confirm, id="confirm", variant="error", compact=True)
                yield Button(self.cancel, id="cancel", variant="primary", compact=True)

    def on_mount(self) -> None:
        self.query_one("#cancel", Button).focus()

    @on(Button.Pressed, "#confirm")
    def _confirm(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(False)


class SupportAccountScreen(SupportScreen):
    screen_name = "support_account"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", show=False),
        Binding("d", "follow", show=False),
    ]

    def __init__(self, console: Console, staff: StaffIdentity, view: SupportCard) -> None:
        super().__init__(console, staff)
        self.view = view

    def key_hints(self) -> str:
        return self._("Tab: next · Enter: choose · d: since the call · Esc: back")

    def compose_body(self) -> ComposeResult:
        _ = self._
        yield Static(markup=False, id="card", classes="info")
        yield Label(_("Sessions (newest first)"), classes="field-label")
        yield OptionList(id="sessions")
        with ButtonRow():
            yield Button(_("Since the call"), id="follow", variant="primary", compact=True)
            yield Button(_("Lift the locks"), id="lift", compact=True)
            yield Button(_("Deactivate"), id="toggle", compact=True)
            yield Button(_("Back"), id="back", compact=True)

    def on_mount(self) -> None:
        self.show_view(self.view)
        self.query_one("#sessions", OptionList).focus()

    def _when(self, instant: datetime) -> str:
        """An instant in the users' time zone (the one every time of the card is in)."""
        local = as_utc(instant).astimezone(self.console.services.tz)
        return f"{self.t.short_date(local.date())} {local:%H:%M}"

    def card_rows(self, view: SupportCard) -> list[tuple[str, str]]:
        """The card as (label, value) lines, in the agent's language and the users' time
        zone, with the figures the user sees."""
        _ = self._
        t = self.t
        card = view.card
        status = card.status
        rows = [
            (_("Last name"), card.last_name),
            (_("First name"), card.first_name),
            (_("Subscriber number"), card.subscriber_number),
            (_("Login email address"), card.email),
            (_("Phone"), card.phone),
            (_("Security question"), card.security_question),
            (_("Status"), t._(support.STATUS_WORDS[status]) if status in support.STATUS_WORDS else status),
        ]
        if view.expiry is not None:
            expiry = view.expiry
            if expiry.expired:
                value = _("expired since {date} ({n} days)").format(
                    date=t.date(expiry.blocked_on), n=expiry.days_expired()
                )
            else:
                value = _("{date} — days left before access is blocked: {n}").format(
                    date=t.date(expiry.expires_on), n=expiry.days_before_blocking
                )
            rows.append((_("Password valid until"), value))
        rows.append((_("Last login"), self._when(view.last_login) if view.last_login else _("none recorded")))
        locked = view.answer_locked_until
        limit = self.console.services.answer_throttle.max_failures
        lock = _("forgot-password locked until {when}").format(when=self._when(locked)) if locked else _("no lock")
        answers = _("{n} of {max}").format(n=view.answer_failures, max=limit)
        rows.append((_("Wrong security answers"), f"{answers} — {lock}"))
        wait = int(view.login_wait.total_seconds())
        delay = _("no delay")
        if wait > 0 and view.now is not None:
            delay = _("next attempt from {when} ({n} s)").format(when=self._when(view.now + view.login_wait), n=wait)
        rows.append((_("Wrong passwords at login"), f"{view.login_failures} — {delay}"))
        for mail in view.emails:
            state = t._(support.EMAIL_STATES.get(mail.state, mail.state))
            if mail.state == "sent" and mail.sent_at is not None:
                state += " " + self._when(mail.sent_at)
            elif mail.state != "sent" and mail.attempts:
                state += " — " + _("attempts: {n}").format(n=mail.attempts)
            if mail.last_error and mail.state != "sent":
                state += " — " + mail.last_error
            rows.append(
                (
                    _("Email of {when}").format(when=self._when(mail.created_at)),
                    f"{support.email_kind_words(mail.kind, t)} — {state}",
                )
            )
        if not view.emails:
            rows.append((_("Emails"), _("none")))
        return rows

    def show_view(self, view: SupportCard) -> None:
        _ = self._
        self.view = view
        text = Text()
        text.append(_("Times in {zone}.").format(zone=self.console.services.settings.timezone) + "\n")
        for label, value in self.card_rows(view):
            text.append(_("{label}: ").format(label=label), style="bold")
            text.append(printable(value) + "\n")
        text.append(_("The answer to the security question is never shown, to anyone."))
        self.query_one("#card", Static).update(text)
        sessions = self.query_one("#sessions", OptionList)
        sessions.clear_options()
        tz = self.console.services.tz
        for item in view.sessions:
            said = describe(item.outcome, self.t, tz) if item.outcome else None
            line = f"{item.reference}  {self._when(item.started_at)}  {item.channel}  "
            line += said or (describe(item.end, self.t, tz) if item.end else None) or _("no action")
            if item.failures:
                line += " — " + _("failures: {n}").format(n=item.failures)
            sessions.add_option(Option(Text(printable(line)), id=item.reference))
        if not view.sessions:
            sessions.add_option(Option(Text(_("No session recorded for this account.")), disabled=True))
        self.query_one("#toggle", Button).label = (
            _("Reactivate") if view.card.status == "deactivated" else _("Deactivate")
        )

    def on_screen_resume(self) -> None:
        sessions = self.query_one("#sessions", OptionList)
        if sessions.option_count and sessions.highlighted is None:
            sessions.highlighted = 0

    @on(OptionList.OptionSelected, "#sessions")
    def _open(self, event: OptionList.OptionSelected) -> None:
        if event.option.id is not None:
            self.post_message(OpenSession(event.option.id))

    @on(Button.Pressed, "#follow")
    def action_follow(self) -> None:
        self.post_message(FollowAccount(self.view.card.id))

    @on(Button.Pressed, "#lift")
    def _lift(self) -> None:
        self.run_worker(self._act(lambda: support.lift_locks(self.console.services, self._staff(), self.view.card.id)))

    @on(Button.Pressed, "#toggle")
    def _toggle(self) -> None:
        _ = self._
        card = self.view.card
        if card.status == "deactivated":
            self._set_status("active")
            return
        name = printable(f"{card.first_name} {card.last_name} ({card.email})")
        question = _("Deactivate the account of {name}? Its sessions are signed out and it can no longer sign in.")

        def answered(yes: bool | None) -> None:
            if yes:
                self._set_status("deactivated")

        self.app.push_screen(ConfirmDialog(question.format(name=name), _("Deactivate"), _("Cancel")), callback=answered)

    def _set_status(self, status: str) -> None:
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
    """A session as the user saw it, screen by screen (←/→), its failures one key away (n),
    the user's whole screen alone on the terminal (f), or at the original pace (p).

    With ``follow`` (an account id: « depuis l'appel »), the screen keeps up with the
    account's latest session: new screens appear as the user, on the phone, tries again."""

    screen_name = "support_session"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", show=False),
        Binding("left", "step(-1)", show=False, priority=True),
        Binding("right", "step(1)", show=False, priority=True),
        Binding("n", "failure(1)", show=False),
        Binding("N,b", "failure(-1)", show=False),
        Binding("home", "go(0)", show=False, priority=True),
        Binding("end", "go(-1)", show=False, priority=True),
        Binding("shift+left,h", "pan(-8)", show=False, priority=True),
        Binding("shift+right,l", "pan(8)", show=False, priority=True),
        Binding("f", "full_view", show=False),
        Binding("p", "play", show=False),
        Binding("t", "toggle_timeline", show=False),
        Binding("e", "export", show=False),
    ]

    FOLLOW_SECONDS: ClassVar[float] = 1.0
    """How often « depuis l'appel » looks for what the user did since."""

    def __init__(
        self,
        console: Console,
        staff: StaffIdentity,
        reference: str,
        events: list[Event],
        frames: list[Frame],
        export_dir: Path,
        *,
        follow: int | None = None,
    ) -> None:
        super().__init__(console, staff)
        self.export_dir = export_dir
        self.follow = follow
        self.reference = reference
        self.events: list[Event] = []
        self.frames: list[Frame] = []
        self.steps: list[Step] = []
        self.index = 0
        self._load(reference, events, frames)
        if follow is not None:
            self.index = max(0, len(self.frames) - 1)

    def _load(self, reference: str, events: list[Event], frames: list[Frame]) -> None:
        self.reference = reference
        self.events = events
        self.frames = frames
        self.steps = steps(events, frames)

    @property
    def failures(self) -> list[int]:
        """The indexes of the screens that show a failure."""
        return [index for index, step in enumerate(self.steps) if step.failed]

    def key_hints(self) -> str:
        return self._(
            "←/→: screen · n/N: next/previous failure · f: full view · ↑/↓, Shift+←/→: scroll"
            " · t: timeline · p: play · e: export · Esc: back"
        )

    def short_key_hints(self) -> str:
        return self._("←/→: screen · n: failure · f: full view · t: timeline · Esc: back")

    def compose(self) -> ComposeResult:
        # No title bar: every line goes to the user's screen (the console's own reference
        # is on the screens before this one).
        yield Static(markup=False, id="position", classes="replay-line")
        yield Static(markup=False, id="what", classes="replay-line")
        with ScrollableContainer(id="replay"):
            yield Static(markup=False, id="frame")
        with VerticalScroll(id="timeline-box"):
            yield Static(markup=False, id="timeline")
        yield Static(Text(self.key_hints()), markup=False, classes="key-hints -long")
        yield Static(Text(self.short_key_hints()), markup=False, classes="key-hints -short")

    def on_mount(self) -> None:
        self.query_one("#timeline-box").display = False
        self.query_one("#replay").focus()
        self.show_frame()
        if self.follow is not None:
            self.set_interval(self.FOLLOW_SECONDS, self._poll)

    def show_frame(self) -> None:
        _ = self._
        tz = self.console.services.tz
        position = self.query_one("#position", Static)
        what = self.query_one("#what", Static)
        following = _("Following the account since the call. ") if self.follow is not None else ""
        if not self.reference:
            position.update(following + _("No session of this account yet: waiting for one."))
            what.update("")
            return
        if not self.frames:
            position.update(following + _("Session {ref}: no screen recorded.").format(ref=self.reference))
            what.update("")
            self.query_one("#frame", Static).update("")
            return
        step = self.steps[self.index]
        frame = step.frame
        failures = self.failures
        line = following + _("Session {ref} — screen {n} of {total} — {size} — {at}").format(
            ref=self.reference,
            n=self.index + 1,
            total=len(self.frames),
            size=f"{frame.columns}x{frame.rows}",
            at=as_utc(frame.at).astimezone(tz).strftime("%H:%M:%S"),
        )
        if failures:
            if self.index in failures:
                line += " — " + _("failure {n} of {total}").format(
                    n=failures.index(self.index) + 1, total=len(failures)
                )
            else:
                line += " — " + _("{total} failures (n: next)").format(total=len(failures))
        else:
            line += " — " + _("no failure")
        position.update(Text(line))
        words = Text()
        for event in step.events:
            # (typing is in the timeline: here, what the user was told)
            said = describe(event, self.t, tz) if event.kind != "input" else None
            if said is None:
                continue
            if words:
                words.append(" · ")
            if is_failure(event):
                words.append(_("FAILURE: ") + printable(said), style="bold reverse")
            else:
                words.append(printable(said))
        what.update(words)
        what.display = bool(words) and not self.has_class("-full")
        if frame.reason == TRANSCRIPT:  # a line-mode session: its lines, wrapped as text
            self.query_one("#frame", Static).update(Text(printable(frame.text, lines=True)))
        else:
            self.query_one("#frame", Static).update(Text.from_ansi(frame.ansi, no_wrap=True, overflow="ignore"))

    def action_step(self, delta: int) -> None:
        if self.frames:
            self.index = max(0, min(len(self.frames) - 1, self.index + delta))
            self.show_frame()

    def action_go(self, index: int) -> None:
        if self.frames:
            self.index = index % len(self.frames)
            self.show_frame()

    def action_failure(self, direction: int) -> None:
        """The next (or previous) screen that shows a failure; the bell when there is none."""
        ahead = [i for i in self.failures if (i > self.index if direction > 0 else i < self.index)]
        if not ahead:
            self.app.bell()
            return
        self.index = ahead[0] if direction > 0 else ahead[-1]
        self.show_frame()

    def action_pan(self, columns: int) -> None:
        replay = self.query_one("#replay", ScrollableContainer)
        replay.scroll_relative(x=columns, animate=False)

    def action_full_view(self) -> None:
        """The user's screen alone on the terminal (every line the user had), and back."""
        self.set_class(not self.has_class("-full"), "-full")
        self.query_one("#replay").focus()
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
        box = self.query_one("#timeline-box", VerticalScroll)
        replay = self.query_one("#replay", ScrollableContainer)
        showing = not box.display
        box.display = showing
        replay.display = not showing
        (box if showing else replay).focus()
        if showing:
            self.query_one("#timeline", Static).update(self._timeline_text())

    def _timeline_text(self) -> Text:
        """Every event, in words where it has some, failures marked."""
        _ = self._
        tz = self.console.services.tz
        text = Text()
        for event in self.events:
            said = describe(event, self.t, tz)
            details = " ".join(f"{k}={v}" for k, v in event.detail.items())
            at = as_utc(event.at).astimezone(tz).strftime("%H:%M:%S")
            line = f"{event.seq:>4} {at} {event.kind} {event.name} {details}".rstrip()
            if said is not None:
                line += " — " + said
            style = "bold reverse" if is_failure(event) else ""
            text.append(printable((_("FAILURE: ") if is_failure(event) else "") + line) + "\n", style=style)
        return text

    async def _poll(self) -> None:
        """« Depuis l'appel »: what the user did since (a new session of the account
        included). The agent who has gone back to an earlier screen stays there."""
        if self.follow is None or not self.still_shown:
            return
        services, staff, account_id = self.console.services, self._staff(), self.follow
        try:
            found = await asyncio.to_thread(support.follow_account, services, staff, account_id, self.reference)
        except StaffRevoked:
            self.post_message(StaffNoLongerAllowed(staff))
            return
        if found is None or not self.still_shown:
            return
        reference, events, frames = found
        if reference == self.reference and len(frames) == len(self.frames) and len(events) == len(self.events):
            return
        at_end = reference != self.reference or self.index >= len(self.frames) - 1
        self._load(reference, events, frames)
        if at_end:
            self.index = max(0, len(self.frames) - 1)
        self.index = min(self.index, max(0, len(self.frames) - 1))
        self.show_frame()

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
