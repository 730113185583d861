"""Step 2 of « Mot de passe expiré »: the old password, then the new one and its
confirmation."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.widgets import Button, Input, Label, Static

from domain.session.intents import Back, SubmitPasswords
from domain.session.states import Step
from screens.forgot_new_password import NewPasswordStepScreen
from screens.widgets.button_row import ButtonRow
from screens.widgets.new_password import NewPasswordFields
from screens.widgets.safe_input import SafeInput


class ExpiredPasswordsScreen(NewPasswordStepScreen):
    step = Step.EXPIRED_PASSWORDS

    def compose_body(self) -> ComposeResult:
        _ = self._
        yield from self.compose_step()
        yield Static(self.password_rules(self.view.rules), markup=False, classes="intro")
        yield Label(_("Old password"), classes="field-label")
        yield SafeInput(id="old", password=True, max_length=1024, compact=True)
        yield NewPasswordFields(self.t, max_length=self._max_length(), estimate=self.frontend.estimate)
        with ButtonRow():
            yield Button(_("Confirm"), id="validate", classes="submit", variant="primary", compact=True)
            yield Button(_("Previous step"), id="back", compact=True)

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
        self.send(SubmitPasswords(old, new, confirm))

    @on(Button.Pressed, "#back")
    def _back(self) -> None:
        self.send(Back())
