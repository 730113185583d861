"""« Modifiez vos identifiants » (seed 000 §2): tick « Saisir mon nouveau mot de passe »,
type and confirm it, confirm with the security answer, « Valider les modifications »."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Button, Checkbox, Input, Label, Static

from domain.session.intents import Back, SubmitChange, TickNewPassword
from domain.session.states import Step
from domain.session.views import ChangeDetail, View
from domain.text import printable
from screens.signed_in import SignedInScreen
from screens.widgets.button_row import ButtonRow
from screens.widgets.new_password import NewPasswordFields
from screens.widgets.safe_input import SafeInput
from screens.widgets.tick_box import TickBox


class ChangeCredentialsScreen(SignedInScreen):
    step = Step.CHANGE

    def key_hints(self) -> str:
        return self._("Tab: next · Space: tick · Enter: confirm · Esc: back")

    def compose_body(self) -> ComposeResult:
        _ = self._
        detail = self.view.detail
        assert isinstance(detail, ChangeDetail)
        spec = self.view.get_field("new")
        facts = Text()
        facts.append(_("Login email address: "), style="bold")
        facts.append(printable(detail.email))
        yield Static(facts, markup=False, classes="intro")
        yield TickBox(_("Enter my new password"), id="tick")
        with Vertical(id="password-part"):
            yield Static(self.password_rules(self.view.rules), markup=False, classes="intro")
            yield NewPasswordFields(
                self.t, max_length=spec.max_length if spec else 129, estimate=self.frontend.estimate
            )
        question = Text()
        question.append(_("Security question: "), style="bold")
        question.append(printable(detail.question))
        yield Static(question, markup=False, classes="intro")
        yield Label(_("Your answer to the security question"), classes="field-label")
        yield SafeInput(id="answer", password=True, max_length=200, compact=True)
        with ButtonRow():
            yield Button(_("Confirm the changes"), id="validate", classes="submit", variant="primary", compact=True)
            yield Button(_("Cancel"), id="cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#password-part").display = False

    def show_detail(self, view: View) -> None:
        detail = view.detail
        assert isinstance(detail, ChangeDetail)
        self.query_one("#password-part").display = detail.ticked
        tick = self.query_one("#tick", Checkbox)
        if tick.value != detail.ticked:
            with tick.prevent(Checkbox.Changed):
                tick.value = detail.ticked

    @on(Checkbox.Changed, "#tick")
    def _ticked(self, event: Checkbox.Changed) -> None:
        # Shown at once, so that what is typed next lands in the new field; the core
        # records the choice and its view confirms it.
        self.query_one("#password-part").display = event.value
        if event.value:
            self.query_one(NewPasswordFields).new.focus()
        self.send(TickNewPassword(event.value), check_revision=False)

    def _fields(self) -> list[Input]:
        fields = self.query_one(NewPasswordFields)
        answer = self.query_one("#answer", Input)
        if self.query_one("#tick", Checkbox).value:
            return [fields.new, fields.confirm, answer]
        return [answer]

    def enter_pressed(self) -> bool:
        if self.next_empty_or_submit(self._fields()):
            self._validate()
        return True

    @on(Button.Pressed, "#validate")
    def _validate(self) -> None:
        fields = self.query_one(NewPasswordFields)
        ticked = self.query_one("#tick", Checkbox).value
        answer = self.query_one("#answer", Input).value
        self.send(SubmitChange(ticked, fields.new.value, fields.confirm.value, answer))

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.send(Back())
