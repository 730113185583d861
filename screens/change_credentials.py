"""« Modifiez vos identifiants » (seed 000 §2): tick « Saisir mon nouveau mot de passe »,
type and confirm it, confirm with the security answer, « Valider les modifications »."""

from __future__ import annotations

import asyncio

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Checkbox, Input, Label, Static

from domain.flows.change import ChangeCredentialsFlow
from domain.text import printable
from screens.base import FlowAdvanced, SignedOut
from screens.signed_in import SignedInScreen
from tui.widgets.new_password import NewPasswordFields
from tui.widgets.safe_input import SafeInput


class ChangeCredentialsScreen(SignedInScreen):
    screen_name = "change_credentials"

    def __init__(self, flow: ChangeCredentialsFlow, question: str) -> None:
        super().__init__(flow.session)
        self.flow = flow
        self.question = question

    def title_text(self) -> str:
        return self._("Change your credentials")

    def key_hints(self) -> str:
        return self._("Tab: next · Space: tick · Enter: confirm · Esc: back")

    def compose_body(self) -> ComposeResult:
        _ = self._
        facts = Text()
        facts.append(_("Login email address: "), style="bold")
        facts.append(printable(self.flow.email))
        yield Static(facts, markup=False, classes="intro")
        yield Checkbox(_("Enter my new password"), id="tick")
        with Vertical(id="password-part"):
            yield Static(self.password_rules(), markup=False, classes="intro")
            yield NewPasswordFields(
                self.t, max_length=self.session.services.policy.max_length, estimate=self.flow.strength
            )
        question = Text()
        question.append(_("Security question: "), style="bold")
        question.append(printable(self.question))
        yield Static(question, markup=False, classes="intro")
        yield Label(_("Your answer to the security question"), classes="field-label")
        yield SafeInput(id="answer", password=True, max_length=200, compact=True)
        with Horizontal(classes="buttons"):
            yield Button(_("Confirm the changes"), id="validate", classes="submit", variant="primary", compact=True)
            yield Button(_("Cancel"), id="cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#password-part").display = False
        self.query_one("#tick", Checkbox).focus()

    @on(Checkbox.Changed, "#tick")
    def _ticked(self, event: Checkbox.Changed) -> None:
        self.query_one("#password-part").display = event.value
        self.session.journal.record("action", "tick_new_password", ticked=event.value)
        if event.value:
            self.query_one(NewPasswordFields).new.focus()

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
        new, confirm = fields.new.value, fields.confirm.value
        answer = self.query_one("#answer", Input).value
        self.session.journal.record(
            "action",
            "submit",
            step="change_credentials",
            ticked=ticked,
            length=len(new),
            confirmation_length=len(confirm),
            answer_length=len(answer),
        )
        self.run_worker(self._submit(ticked, new, confirm, answer), exclusive=True, group="submit")

    async def _submit(self, ticked: bool, new: str, confirm: str, answer: str) -> None:
        self.set_busy(True)
        try:
            outcome = await asyncio.to_thread(
                lambda: self.flow.submit(change_password_ticked=ticked, new=new, confirmation=confirm, answer=answer)
            )
        finally:
            self.set_busy(False)
        if outcome.ok:
            self.show_errors([])
            self.post_message(FlowAdvanced())
            return
        if "signed_out" in outcome.codes:
            self.post_message(SignedOut(outcome.messages[0]))
            return
        self.show_errors(outcome.messages)
        if {"wrong_answer", "empty_answer", "locked"} & set(outcome.codes):
            field = self.query_one("#answer", Input)
            field.value = ""
            field.focus()
        elif "nothing_to_change" in outcome.codes:
            self.query_one("#tick", Checkbox).focus()
        else:
            self.query_one(NewPasswordFields).refused()

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.action_back()
