"""Step 2: « Réponse à la question de confiance »."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.widgets import Button, Input, Label, Static

from domain.session.intents import Back, OpenFallback, SubmitAnswer
from domain.session.states import Step
from domain.session.views import QuestionDetail
from domain.text import printable
from screens.flow_step import FlowStepScreen
from screens.widgets.button_row import ButtonRow
from screens.widgets.safe_input import SafeInput


class ForgotQuestionScreen(FlowStepScreen):
    step = Step.FORGOT_QUESTION

    def compose_body(self) -> ComposeResult:
        _ = self._
        detail = self.view.detail
        assert isinstance(detail, QuestionDetail)
        yield from self.compose_step()
        facts = Text()
        facts.append(_("Login email address: "), style="bold")
        facts.append(printable(detail.email))
        facts.append("\n")
        facts.append(_("Security question: "), style="bold")
        facts.append(printable(detail.question))
        yield Static(facts, markup=False, classes="facts")
        yield Label(_("Your answer to the security question"), classes="field-label")
        yield SafeInput(id="answer", password=True, max_length=200, compact=True)
        with ButtonRow():
            yield Button(_("Continue"), id="continue", classes="submit", variant="primary", compact=True)
            yield Button(_("Previous step"), id="back", compact=True)
        with ButtonRow():
            yield Button(_("I cannot complete this procedure"), id="fallback", compact=True)

    def enter_pressed(self) -> bool:
        self._continue()
        return True

    @on(Button.Pressed, "#continue")
    def _continue(self) -> None:
        self.send(SubmitAnswer(self.query_one("#answer", Input).value))

    @on(Button.Pressed, "#back")
    def _back(self) -> None:
        self.send(Back())

    @on(Button.Pressed, "#fallback")
    def _fallback(self) -> None:
        self.send(OpenFallback())
