"""A time limit about to end, as a dialog (not a toast in a corner): it takes the focus and
the terminal's cursor, counts down, and says which key acts — Enter keeps an idle session
open, or extends the session at its maximum length while extensions are left. The key is
taken by the dialog, never passed to the form beneath. Not a step of the session."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar, Literal

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from domain.i18n import N_, Translator

IDLE_TITLE = N_("Still there?")
END_TITLE = N_("End of the session")
IDLE_COUNTDOWN = N_("Without activity, this session will close in {seconds} seconds.")
END_COUNTDOWN = N_("This session will close in {seconds} seconds.")
IDLE_KEY = N_("Enter: stay connected (what you typed is kept).")
END_KEY = N_("Enter: extend the session by {duration}. Extensions left: {left}.")
END_FINAL = N_("The session cannot be extended again: finish your step or note where you are.")
STAY = N_("Stay connected")
EXTEND = N_("Extend the session")
OK = N_("OK")

Answer = Literal["stay", "extend", "dismissed", "timeout"]
"""What the user did with a warning: kept the idle session (« Rester connecté »), extended
the session (« Prolonger la session »), closed the warning otherwise (Escape, « OK »), or
let the idle countdown run out."""


class TimeLimitDialog(ModalScreen[bool]):
    """Dismissed with True when the user keeps (idle) or extends (end) the session;
    ``on_answer`` is told how (:data:`Answer`)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "close", show=False)]

    def __init__(
        self,
        t: Translator,
        kind: Literal["idle", "end"],
        seconds: int,
        *,
        extension: int = 0,
        left: int = 0,
        on_answer: Callable[[Answer], None] = lambda _answer: None,
    ) -> None:
        super().__init__()
        self.t = t
        self.kind = kind
        self.remaining = seconds
        self.extension = extension
        self.left = left
        self.on_answer = on_answer
        """Called once with the answer (True: keep or extend), even if the app replaces
        the dialog by a copy of itself when the step beneath changes."""

    def again(self) -> TimeLimitDialog:
        """The same warning, its countdown where it is (to show again over a new step)."""
        return TimeLimitDialog(
            self.t, self.kind, self.remaining, extension=self.extension, left=self.left, on_answer=self.on_answer
        )

    def _answer(self, answer: Answer) -> None:
        tell, self.on_answer = self.on_answer, lambda _answer: None
        tell(answer)
        self.dismiss(answer in ("stay", "extend"))

    def compose(self) -> ComposeResult:
        _ = self.t._
        with VerticalScroll(classes="dialog", can_focus=False, id="time-limit"):
            title = IDLE_TITLE if self.kind == "idle" else END_TITLE
            yield Static(Text(_(title), style="bold"), markup=False)
            yield Static(self._countdown(), markup=False, id="countdown")
            if self.kind == "idle":
                yield Static(Text(_(IDLE_KEY)), markup=False)
                yield Button(_(STAY), id="act", variant="primary", compact=True)
            elif self.left > 0:
                key = _(END_KEY).format(duration=self.t.duration(self.extension), left=self.left)
                yield Static(Text(key), markup=False)
                yield Button(_(EXTEND), id="act", variant="primary", compact=True)
            else:
                yield Static(Text(_(END_FINAL)), markup=False)
                yield Button(_(OK), id="ok", variant="primary", compact=True)

    def _countdown(self) -> Text:
        message = IDLE_COUNTDOWN if self.kind == "idle" else END_COUNTDOWN
        return Text(self.t._(message).format(seconds=max(0, self.remaining)))

    def on_mount(self) -> None:
        self.query_one(Button).focus()
        self.set_interval(1.0, self._tick)

    def _tick(self) -> None:
        self.remaining -= 1
        self.query_one("#countdown", Static).update(self._countdown())
        if self.remaining <= 0 and self.kind == "idle":
            self._answer("timeout")

    @on(Button.Pressed, "#act")
    def _act(self) -> None:
        self._answer("stay" if self.kind == "idle" else "extend")

    @on(Button.Pressed, "#ok")
    def action_close(self) -> None:
        self._answer("dismissed")
