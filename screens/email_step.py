"""First step of « Mot de passe oublié » and « Mot de passe expiré »: the login email
address and the CAPTCHA."""

from __future__ import annotations

from typing import Protocol

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Button, Input, Label, Static

from domain.flows.common import Outcome
from screens.base import ShowFallback
from screens.captcha_screen import CaptchaScreen
from screens.flow_step import FlowStepScreen, ProcedureFlow
from tui.widgets.safe_input import SafeInput


class EmailFlow(ProcedureFlow, Protocol):
    def submit_email(self, email: str, captcha_answer: str) -> Outcome: ...


class EmailStepScreen(FlowStepScreen, CaptchaScreen):
    screen_name = "email_step"

    def __init__(self, flow: EmailFlow, email: str = "") -> None:
        super().__init__(flow)
        self.email_flow = flow
        self._initial_email = email

    def key_hints(self) -> str:
        return self._("Tab: next field · Enter: confirm · Esc: back to login")

    def compose_body(self) -> ComposeResult:
        _ = self._
        yield from self.compose_step()
        yield Static(
            _('Type your login email address and the characters of the image, then "Continue".'),
            markup=False,
            classes="intro",
        )
        yield Label(_("Login email address"), classes="field-label")
        yield SafeInput(self._initial_email, id="email", max_length=254, compact=True)
        yield from self.compose_captcha()
        with Horizontal(classes="buttons"):
            yield Button(_("Continue"), id="continue", classes="submit", variant="primary", compact=True)
            yield from self.compose_captcha_buttons()
        with Horizontal(classes="buttons"):
            yield Button(_("Back to login"), id="back", compact=True)
            yield Button(_("I cannot complete this procedure"), id="fallback", compact=True)

    def on_mount(self) -> None:
        target = "#captcha" if self._initial_email else "#email"
        self.query_one(target, Input).focus()

    def _fields(self) -> list[Input]:
        return [self.query_one("#email", Input), self.query_one("#captcha", Input)]

    def enter_pressed(self) -> bool:
        if self.next_empty_or_submit(self._fields()):
            self._continue()
        return True

    @on(Button.Pressed, "#continue")
    def _continue(self) -> None:
        email, captcha = (field.value for field in self._fields())
        self.session.journal.record("action", "submit", step="email", email_length=len(email))
        self.run_worker(self._submit(email, captcha), exclusive=True, group="submit")

    async def _submit(self, email: str, captcha: str) -> None:
        outcome = await self.run_step(lambda: self.email_flow.submit_email(email, captcha))
        self.reset_captcha()
        if not outcome.ok:
            target = "#email" if "invalid_email" in outcome.codes else "#captcha"
            self.query_one(target, Input).focus()

    @on(Button.Pressed, "#back")
    def _back(self) -> None:
        self.action_back()

    @on(Button.Pressed, "#fallback")
    def _fallback(self) -> None:
        self.session.journal.record("action", "fallback_info")
        self.post_message(ShowFallback())
