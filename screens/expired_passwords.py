"""Step 2 of « Mot de passe expiré »: the old password, then the new one and its
confirmation."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Button, Input, Label, Static

from domain.flows.expired import ExpiredPasswordFlow
from screens.flow_step import FlowStepScreen
from tui.widgets.new_password import NewPasswordFields
from tui.widgets.safe_input import SafeInput


class ExpiredPasswordsScreen(FlowStepScreen):
    screen_name = "expired_passwords"

    def __init__(self, flow: ExpiredPasswordFlow) -> None:
        super().__init__(flow)
        self.expired = flow

    def key_hints(self) -> str:
        return self._("Tab: next field · Enter: confirm · F1 or ?: advice · Esc: previous step")

    def compose_body(self) -> ComposeResult:
        _ = self._
        yield from self.compose_step()
        yield Static(self.password_rules(), markup=False, classes="intro")
        yield Label(_("Old password"), classes="field-label")
        yield SafeInput(id="old", password=True, max_length=1024, compact=True)
        yield NewPasswordFields(
            self.t, max_length=self.session.services.policy.max_length, estimate=self.expired.strength
        )
        with Horizontal(classes="buttons"):
            yield Button(_("Confirm"), id="validate", classes="submit", variant="primary", compact=True)
            yield Button(_("Previous step"), id="back", compact=True)

    def on_mount(self) -> None:
        self.query_one("#old", Input).focus()

    def _fields(self) -> list[Input]:
        fields = self.query_one(NewPasswordFields)
        return [self.query_one("#old", Input), fields.new, fields.confirm]

    def enter_pressed(self) -> bool:
        if self.next_empty_or_submit(self._fields()):
            self._validate()
        return True

    @on(Button.Pressed, "#validate")
    def _validate(self) -> None:
        old, new, confirm = (field.value for field in self._fields())
        self.session.journal.record(
            "action",
            "submit",
            step="expired_passwords",
            old_length=len(old),
            length=len(new),
            confirmation_length=len(confirm),
        )
        self.run_worker(self._submit(old, new, confirm), exclusive=True, group="submit")

    async def _submit(self, old: str, new: str, confirm: str) -> None:
        outcome = await self.run_step(lambda: self.expired.submit_passwords(old, new, confirm))
        if outcome.ok:
            return
        if {"wrong_old_password", "throttled"} & set(outcome.codes):
            field = self.query_one("#old", Input)
            field.value = ""
            field.focus()
        else:
            self.query_one(NewPasswordFields).refused()

    @on(Button.Pressed, "#back")
    def _back(self) -> None:
        self.action_back()
