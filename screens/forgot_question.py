"""Step 2: « Réponse à la question de confiance »."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Button, Input, Label, Static

from domain.flows.forgot import ForgotPasswordFlow
from domain.text import printable
from screens.base import ShowFallback
from screens.flow_step import FlowStepScreen
from tui.widgets.safe_input import SafeInput


class ForgotQuestionScreen(FlowStepScreen):
    screen_name = "forgot_question"

    def __init__(self, flow: ForgotPasswordFlow) -> None:
        super().__init__(flow)
        self.forgot = flow

    def compose_body(self) -> ComposeResult:
        _ = self._
        yield from self.compose_step()
        facts = Text()
        facts.append(_("Login email address: "), style="bold")
        facts.append(printable(self.flow.email))
        facts.append("\n")
        facts.append(_("Security question: "), style="bold")
        facts.append(printable(self.forgot.question))
        yield Static(facts, markup=False, classes="facts")
        yield Label(_("Your answer to the security question"), classes="field-label")
        yield SafeInput(id="answer", password=True, max_length=200, compact=True)
        with Horizontal(classes="buttons"):
            yield Button(_("Continue"), id="continue", classes="submit", variant="primary", compact=True)
            yield Button(_("Previous step"), id="back", compact=True)
        with Horizontal(classes="buttons"):
            yield Button(_("I cannot complete this procedure"), id="fallback", compact=True)

    def on_mount(self) -> None:
        self.query_one("#answer", Input).focus()

    def enter_pressed(self) -> bool:
        self._continue()
        return True

    @on(Button.Pressed, "#continue")
    def _continue(self) -> None:
        answer = self.query_one("#answer", Input).value
        self.session.journal.record("action", "submit", step="question", answer_length=len(answer))
        self.run_worker(self._submit(answer), exclusive=True, group="submit")

    async def _submit(self, answer: str) -> None:
        outcome = await self.run_step(lambda: self.forgot.submit_answer(answer))
        if not outcome.ok:
            field = self.query_one("#answer", Input)
            field.value = ""
            field.focus()

    @on(Button.Pressed, "#back")
    def _back(self) -> None:
        self.action_back()

    @on(Button.Pressed, "#fallback")
    def _fallback(self) -> None:
        self.session.journal.record("action", "fallback_info")
        self.post_message(ShowFallback())
