"""What every step screen shares: the session bar, the test-mode banner, the messages, the
"being checked" status, and the way a screen talks to the session core ("attributes down,
messages up"): the app gives it a :class:`~domain.session.views.View`, it sends
:class:`IntentWanted` up. A screen renders views; it never decides where to go and never
writes to the journal.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.widget import Widget
from textual.widgets import Checkbox, Input, Static

from domain.demo import DemoAccount
from domain.i18n import Translator
from domain.policy import MeterReading
from domain.session import messages as m
from domain.session.intents import Back, Intent
from domain.session.states import Step
from domain.session.views import Note, PasswordRules, Severity, View
from screens.widgets.captcha_view import CaptchaView


@dataclass
class IntentWanted(Message):
    """A screen asks the app to send ``intent`` to the session core."""

    intent: Intent
    check_revision: bool = True
    """False for a choice that stands whatever the view (a ticked box)."""


class FieldError(Static):
    """A message shown directly under the field it is about."""

    def __init__(self, text: Text, field_name: str | None) -> None:
        super().__init__(text, markup=False, classes="field-error")
        self.field_name = field_name


class ScreenResized(Message):
    """A step screen took its new size (after the app's): the frame to record is ready
    once it is drawn."""


@dataclass(frozen=True)
class Frontend:
    """What the app gives every screen besides the view."""

    t: Translator
    estimate: Callable[[str], MeterReading | None]
    """What the strength meter shows for a new password (blocking: the meter runs it in
    a thread)."""
    demo_accounts: tuple[DemoAccount, ...] = ()
    captcha_shown: Callable[[], None] = lambda: None
    """Tells the session a new CAPTCHA is on screen: its lifetime counts from then."""


class StepScreenMixin:
    """The parts of a step screen that do not depend on it being modal or not."""

    step: ClassVar[Step]
    view: View
    frontend: Frontend
    depth: int = 0
    """The index of this step in the core's trail (set by the app)."""

    def setup(self, view: View, frontend: Frontend) -> None:
        self.view = view
        self.frontend = frontend
        self.t = frontend.t
        self._ = frontend.t._
        self._captcha_serial: int | None = None

    def send(self, intent: Intent, *, check_revision: bool = True) -> None:
        assert isinstance(self, Screen)
        self.post_message(IntentWanted(intent, check_revision))

    def on_resize(self) -> None:
        assert isinstance(self, Screen)
        if self.is_current:
            self.post_message(ScreenResized())

    def action_back(self) -> None:
        """Escape: one step back, when this step has a way back."""
        if self.view.can(Back.name):
            self.send(Back())

    # Rendering a view

    def apply(self, view: View) -> None:
        """Show ``view`` (a new one for this step): fields to reset, CAPTCHA, messages,
        focus, and what the step shows of its own (:meth:`show_detail`)."""
        assert isinstance(self, Screen)
        self.view = view
        for name, value in view.resets:
            for widget in self.query(f"#{name}"):
                if isinstance(widget, Input):
                    widget.value = value
                elif isinstance(widget, Checkbox):
                    widget.value = value == "1"
        if view.captcha is not None:
            self.show_captcha(view)
        self.show_detail(view)
        self.show_notes(view.notes)
        self.focus_field(view.focus)

    def show_detail(self, view: View) -> None:
        """What the step shows besides fields and messages (override)."""

    def covered(self) -> None:
        """Another step is shown over this one: a CAPTCHA typed here is used up (each
        check draws a new image), so it is cleared rather than left beneath."""
        assert isinstance(self, Screen)
        for field in self.query("#captcha").results(Input):
            field.value = ""

    def show_captcha(self, view: View) -> None:
        assert isinstance(self, Screen) and view.captcha is not None
        for picture in self.query(CaptchaView):
            picture.show(view.captcha, self.t)
            if view.captcha.serial != self._captcha_serial:
                self._captcha_serial = view.captcha.serial
                self.frontend.captcha_shown()  # its lifetime counts from now
                for field in self.query("#captcha").results(Input):
                    field.value = ""

    def show_notes(self, notes: Sequence[Note]) -> None:
        """The view's messages (a dialog has none to show)."""

    def focus_field(self, name: str | None) -> None:
        assert isinstance(self, Screen)
        if name is None:
            return
        for widget in self.query(f"#{name}"):
            if widget.focusable and widget.display:
                widget.focus()  # the app scrolls it into view once laid out
                return

    # Forms

    def enter_pressed(self) -> bool:
        """Enter in a text field of this screen (called by the field itself, so the keys
        typed before Enter are in, and the focus moves before the keys typed after it are
        taken: a password typed ahead never lands in the field that had the focus). False
        lets the field post Input.Submitted as usual."""
        return False

    def password_rules(self, rules: PasswordRules | None) -> str:
        """The rules of a new password, as the policy sets them, in words."""
        _ = self._
        if rules is None:
            return ""
        text = _(
            "At least {min} characters, different from your previous password. "
            "Level Weak is refused; Medium and Strong are accepted."
        ).format(min=rules.min_length)
        text += " " + _(m.RULES_AVOID)
        if rules.letters_and_digits_only:
            text += " " + _("Letters and digits only: no spaces, no accented letters.")
        return text


class Chrome(Screen[None]):
    """The layout every full screen shares: title and session reference, test-mode
    banner, a scrolling body, the messages, a "being checked" status, the keys in words."""

    t: Translator
    session_reference: str = ""
    """The reference of the session this screen belongs to (shown top right)."""
    test_mode: bool = False
    demo: bool = False

    def title_text(self) -> str:
        """The title at the top left; every screen names itself."""
        return "motdepasse"

    def key_hints(self) -> str:
        """The keys of this screen, in words, on the last line (translated)."""
        return self.t._("Tab: next field · Enter: confirm · Esc: previous step")

    def short_key_hints(self) -> str:
        """The same keys in fewer words, for a terminal narrower than 80 columns."""
        if type(self).key_hints is not Chrome.key_hints:
            return self.key_hints()
        return self.t._("Tab: next · Enter: confirm · Esc: back")

    def compose_body(self) -> ComposeResult:
        yield from ()

    def compose(self) -> ComposeResult:
        _ = self.t._
        with Horizontal(classes="title-bar"):
            yield Static(Text(self.title_text()), markup=False, classes="title")
            yield Static(
                Text(_("Session ref. {ref}").format(ref=self.session_reference)),
                markup=False,
                classes="session-ref",
            )
        if self.test_mode:
            yield Static(
                Text(
                    _(
                        "⚠ TEST MODE: the CAPTCHA is disabled (MOTDEPASSE_CAPTCHA=off). "
                        "Never use this setting in production."
                    )
                ),
                markup=False,
                classes="test-banner",
            )
        with VerticalScroll(classes="body", can_focus=False):
            yield from self.compose_body()
            yield Static("", markup=False, classes="errors", id="errors")
        status = Static(Text(_("Checking…")), markup=False, id="status", classes="status")
        status.display = False
        yield status
        hints, short = self.key_hints(), self.short_key_hints()
        if self.demo:  # (the demo's notice on the login screen says what F2 and F3 show)
            hints += " · " + _("F2, F3: demo")
            short += " · " + _("F2, F3: demo")
        # One of the two shows, by the terminal's width (the app's breakpoints).
        yield Static(Text(hints), markup=False, classes="key-hints -long")
        yield Static(Text(short), markup=False, classes="key-hints -short")

    def show_messages(self, messages: Sequence[tuple[str, bool]]) -> None:
        """Messages as plain text (never markup); errors (the flag) marked « Erreur : »."""
        errors = self.query_one("#errors", Static)
        if not messages:
            errors.update("")
            errors.remove_class("-shown")
            return
        errors.update(self.message_text(messages))
        errors.add_class("-shown")
        errors.scroll_visible()

    def message_text(self, messages: Sequence[tuple[str, bool]]) -> Text:
        text = Text()
        for index, (message, is_error) in enumerate(messages):
            if index:
                text.append("\n")
            if is_error:
                text.append(self.t._("Error: "), style="bold")
            text.append(message)
        return text

    def set_busy(self, busy: bool) -> None:
        """While something is being checked: the submit buttons are off, a status says so."""
        for button in self.query("Button.submit"):
            button.disabled = busy
        for status in self.query("#status"):
            status.display = busy

    def next_empty_or_submit(self, inputs: list[Input]) -> bool:
        """Enter moves to the next empty field (at once); True when every field is filled."""
        for field in inputs:
            if not field.value:
                self.set_focus(field)
                return False
        return True


class StepScreen(StepScreenMixin, Chrome):
    """A full screen of the procedure."""

    def __init__(self, view: View, frontend: Frontend) -> None:
        super().__init__()
        self.setup(view, frontend)
        self.session_reference = view.reference
        self.test_mode = view.test_mode
        self.demo = bool(frontend.demo_accounts)

    def title_text(self) -> str:
        return self._(self.view.title)

    def show_notes(self, notes: Sequence[Note]) -> None:
        """Each message directly under its field (the field the note names, or else the
        one the view sends the focus to): the cursor lands on the field, the message is
        the next line. Messages tied to no field shown here go to the step's area."""
        for old in self.query(".field-error"):
            old.remove()
        beside: dict[Widget, list[tuple[str, bool]]] = {}
        elsewhere: list[tuple[str, bool]] = []
        for note in notes:
            message = (note.render(self.t), note.severity is Severity.ERROR)
            field = self._shown_field(note.field) or self._shown_field(self.view.focus)
            if field is None:
                elsewhere.append(message)
            else:
                beside.setdefault(field, []).append(message)
        for field, messages in beside.items():
            error = FieldError(self.message_text(messages), field.id)
            parent = field.parent
            assert isinstance(parent, Widget)
            parent.mount(error, after=field)
            self.call_after_refresh(self._bring_into_view, error)
        self.show_messages(elsewhere)

    def _bring_into_view(self, error: Widget) -> None:
        """The message in view, then the focused field (the field wins on a tiny screen).
        A smooth scroll under way is stopped first (Textual centring the button just
        clicked): it would carry the message out of view after these scrolls."""
        for body in error.ancestors:
            if isinstance(body, VerticalScroll):
                body.scroll_to(y=body.scroll_y, animate=False, immediate=True)
        error.scroll_visible(animate=False, immediate=True)
        if self.focused is not None:
            self.focused.scroll_visible(animate=False, immediate=True)

    def _shown_field(self, name: str | None) -> Widget | None:
        if name is None:
            return None
        for widget in self.query(f"#{name}"):
            if widget.display and widget.focusable:
                return widget
        return None

    @on(Input.Changed)
    def _field_changed(self, event: Input.Changed) -> None:
        """A field's message stays until the user types in it (a field emptied by the
        step itself keeps it)."""
        if event.value:
            for error in self.query(".field-error"):
                if isinstance(error, FieldError) and error.field_name == event.input.id:
                    error.remove()

    def on_mount(self) -> None:
        # Textual calls this handler of every class in the screen's MRO: subclasses add
        # their own on_mount and never call super() for it.
        self.apply(self.view)


class StepDialog(StepScreenMixin, ModalScreen[None]):
    """A step shown as a dialog over the screen below (the advice, the expiry alert)."""

    def __init__(self, view: View, frontend: Frontend) -> None:
        super().__init__()
        self.setup(view, frontend)

    def set_busy(self, busy: bool) -> None:
        """A dialog has nothing to disable."""

    def on_mount(self) -> None:
        self.apply(self.view)
