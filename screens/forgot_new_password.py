"""Step 3 of « Mot de passe oublié »: « Nouveau mot de passe », with the live strength
meter and the « ? » advice."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.widgets import Button, Static

from domain.session.intents import Back, SubmitNewPassword
from domain.session.states import Step
from screens.flow_step import FlowStepScreen
from screens.widgets.button_row import ButtonRow
from screens.widgets.new_password import NewPasswordFields


class NewPasswordStepScreen(FlowStepScreen):
    """A step where a new password is typed (with the meter and the « ? » advice)."""

    def key_hints(self) -> str:
        return self._("Tab: next field · Enter: confirm · F1 or ?: advice · Esc: previous step")

    def short_key_hints(self) -> str:
        return self._("Tab: next · Enter: confirm · F1: advice · Esc: back")

    def _max_length(self) -> int:
        spec = self.view.get_field("new")
        return spec.max_length if spec else 129


class ForgotNewPasswordScreen(NewPasswordStepScreen):
    step = Step.FORGOT_NEW_PASSWORD

    def compose_body(self) -> ComposeResult:
        _ = self._
        yield from self.compose_step()
        yield Static(self.password_rules(self.view.rules), markup=False, classes="intro")
        yield NewPasswordFields(self.t, max_length=self._max_length(), estimate=self.frontend.estimate)
        with ButtonRow():
            yield Button(_("Confirm"), id="validate", classes="submit", variant="primary", compact=True)
            yield Button(_("Previous step"), id="back", compact=True)

    def enter_pressed(self) -> bool:
        fields = self.query_one(NewPasswordFields)
        if self.next_empty_or_submit([fields.new, fields.confirm]):
            self._validate()
        return True

    @on(Button.Pressed, "#validate")
    def _validate(self) -> None:
        fields = self.query_one(NewPasswordFields)
        self.send(SubmitNewPassword(fields.new.value, fields.confirm.value))

    @on(Button.Pressed, "#back")
    def _back(self) -> None:
        self.send(Back())
