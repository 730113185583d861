"""Step 3: « Nouveau mot de passe », with the live strength meter and the « ? » help."""

from __future__ import annotations

import asyncio
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import Button, Input, Label, Static

from screens.forgot_base import ForgotStepScreen
from screens.recommendations import RecommendationsScreen
from tui.widgets.safe_input import SafeInput
from tui.widgets.strength_meter import StrengthMeter

METER_DEBOUNCE_SECONDS = 0.08


class ForgotNewPasswordScreen(ForgotStepScreen):
    screen_name = "forgot_new_password"
    step_number = 3

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", show=False),
        Binding("f1", "recommendations", show=False),
    ]

    def key_hints(self) -> str:
        return self._("Tab: next field · Enter: confirm · F1 or « ? »: advice · Esc: previous step")

    def compose_body(self) -> ComposeResult:
        _ = self._
        policy = self.session.services.policy
        yield from self.compose_step()
        rules = _(
            "At least {min} characters, different from your previous password. "
            "Level Weak is refused; Medium and Strong are accepted."
        ).format(min=policy.min_length)
        if policy.strict_charset:
            rules += " " + _("Letters and digits only: no spaces, no accented letters.")
        yield Static(rules, markup=False, classes="intro")
        with Horizontal(classes="label-row"):
            yield Label(_("New password"), classes="field-label")
            yield Button("?", id="help", compact=True, tooltip=_("Advice against identity theft"))
        yield SafeInput(id="new", password=True, max_length=policy.max_length + 1, compact=True)
        yield StrengthMeter(self.t, id="meter")
        yield Label(_("Confirm the new password"), classes="field-label")
        yield SafeInput(id="confirm", password=True, max_length=policy.max_length + 1, compact=True)
        with Horizontal(classes="buttons"):
            yield Button(_("Confirm"), id="validate", classes="submit", variant="primary", compact=True)
            yield Button(_("Previous step"), id="back", compact=True)

    def on_mount(self) -> None:
        self.query_one("#new", Input).focus()

    @on(Input.Changed, "#new")
    def _typed(self, event: Input.Changed) -> None:
        self.run_worker(self._estimate(event.value), exclusive=True, group="meter")

    async def _estimate(self, value: str) -> None:
        await asyncio.sleep(METER_DEBOUNCE_SECONDS)
        level = await asyncio.to_thread(self.flow.strength, value)
        if self.query_one("#new", Input).value == value:
            self.query_one(StrengthMeter).level = level

    def _fields(self) -> list[Input]:
        return [self.query_one("#new", Input), self.query_one("#confirm", Input)]

    @on(Input.Submitted)
    def _enter(self) -> None:
        if self.next_empty_or_submit(self._fields()):
            self._validate()

    @on(Button.Pressed, "#validate")
    def _validate(self) -> None:
        new, confirm = (field.value for field in self._fields())
        self.session.journal.record(
            "action", "submit", step="new_password", length=len(new), confirmation_length=len(confirm)
        )
        self.run_worker(self._submit(new, confirm), exclusive=True, group="submit")

    async def _submit(self, new: str, confirm: str) -> None:
        outcome = await self.run_step(lambda: self.flow.submit_password(new, confirm))
        if not outcome.ok:
            self.query_one("#confirm", Input).value = ""
            self.query_one("#new", Input).focus()

    @on(Button.Pressed, "#help")
    def action_recommendations(self) -> None:
        self.session.journal.record("action", "help", topic="recommendations")
        self.app.push_screen(RecommendationsScreen(self.session))

    @on(Button.Pressed, "#back")
    def _back(self) -> None:
        self.action_back()
