"""Step 3 of « Mot de passe oublié »: « Nouveau mot de passe », with the live strength
meter and the « ? » advice."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Button, Static

from domain.flows.forgot import ForgotPasswordFlow
from screens.flow_step import FlowStepScreen
from tui.widgets.new_password import NewPasswordFields


class ForgotNewPasswordScreen(FlowStepScreen):
    screen_name = "forgot_new_password"

    def __init__(self, flow: ForgotPasswordFlow) -> None:
        super().__init__(flow)
        self.forgot = flow

    def key_hints(self) -> str:
        return self._("Tab: next field · Enter: confirm · F1 or ?: advice · Esc: previous step")

    def compose_body(self) -> ComposeResult:
        _ = self._
        yield from self.compose_step()
        yield Static(self.password_rules(), markup=False, classes="intro")
        yield NewPasswordFields(
            self.t, max_length=self.session.services.policy.max_length, estimate=self.forgot.strength
        )
        with Horizontal(classes="buttons"):
            yield Button(_("Confirm"), id="validate", classes="submit", variant="primary", compact=True)
            yield Button(_("Previous step"), id="back", compact=True)

    def on_mount(self) -> None:
        self.query_one(NewPasswordFields).new.focus()

    def enter_pressed(self) -> bool:
        fields = self.query_one(NewPasswordFields)
        if self.next_empty_or_submit([fields.new, fields.confirm]):
            self._validate()
        return True

    @on(Button.Pressed, "#validate")
    def _validate(self) -> None:
        fields = self.query_one(NewPasswordFields)
        new, confirm = fields.new.value, fields.confirm.value
        self.session.journal.record(
            "action", "submit", step="new_password", length=len(new), confirmation_length=len(confirm)
        )
        self.run_worker(self._submit(new, confirm), exclusive=True, group="submit")

    async def _submit(self, new: str, confirm: str) -> None:
        outcome = await self.run_step(lambda: self.forgot.submit_password(new, confirm))
        if not outcome.ok:
            self.query_one(NewPasswordFields).refused()

    @on(Button.Pressed, "#back")
    def _back(self) -> None:
        self.action_back()
