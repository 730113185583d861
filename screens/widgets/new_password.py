"""The new password, its live strength meter and its confirmation: one widget shared by
every procedure that sets a password."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Input, Label

from domain.i18n import Translator
from domain.policy import MeterReading
from screens.widgets.safe_input import SafeInput
from screens.widgets.strength_meter import StrengthMeter

METER_DEBOUNCE_SECONDS = 0.08
"""Typing faster than this estimates only the last value."""


class NewPasswordFields(Vertical):
    DEFAULT_CSS = """
    NewPasswordFields { height: auto; }
    NewPasswordFields .label-row { height: auto; margin-top: 1; }
    NewPasswordFields .label-row Label { margin-right: 1; text-style: bold; }
    NewPasswordFields .confirm-label { margin-top: 1; text-style: bold; }
    """

    class HelpRequested(Message):
        """The « ? » next to the field was pressed."""

    def __init__(
        self,
        t: Translator,
        *,
        max_length: int,
        estimate: Callable[[str], MeterReading | None],
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self._t = t
        self._max_length = max_length
        self._estimate = estimate

    def compose(self) -> ComposeResult:
        _ = self._t._
        with Horizontal(classes="label-row"):
            yield Label(_("New password"))
            yield Button("?", id="password-help", compact=True, tooltip=_("Advice against identity theft"))
        yield SafeInput(id="new", password=True, max_length=self._max_length, compact=True)
        yield StrengthMeter(self._t, id="meter")
        yield Label(_("Confirm the new password"), classes="confirm-label")
        yield SafeInput(id="confirm", password=True, max_length=self._max_length, compact=True)

    @property
    def new(self) -> Input:
        return self.query_one("#new", Input)

    @property
    def confirm(self) -> Input:
        return self.query_one("#confirm", Input)

    @property
    def meter(self) -> StrengthMeter:
        return self.query_one(StrengthMeter)

    @on(Input.Changed, "#new")
    def _typed(self, event: Input.Changed) -> None:
        event.stop()
        self.run_worker(self._update_meter(event.value), exclusive=True, group="meter", exit_on_error=False)

    async def _update_meter(self, value: str) -> None:
        await asyncio.sleep(METER_DEBOUNCE_SECONDS)
        reading = await asyncio.to_thread(self._estimate, value)
        fields = self.query("#new").results(Input)
        meters = self.query(StrengthMeter)
        if not self.is_attached or not fields or not meters:
            return  # the step was left while the estimate ran (Escape right after typing)
        if next(iter(fields)).value == value:
            meters.first().reading = reading

    @on(Button.Pressed, "#password-help")
    def _help(self, event: Button.Pressed) -> None:
        event.stop()
        self.post_message(self.HelpRequested())

    def refused(self) -> None:
        """After a refusal: the confirmation is cleared, the new password gets the focus."""
        self.confirm.value = ""
        self.new.focus()
