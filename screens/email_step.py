"""First step of « Mot de passe oublié » and « Mot de passe expiré »: the login email
address and the CAPTCHA."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.widgets import Button, Input, Label, Static

from domain.session.intents import Back, OpenFallback, SubmitEmail
from domain.session.states import Step
from screens.captcha_screen import CaptchaScreen
from screens.flow_step import FlowStepScreen
from screens.widgets.button_row import ButtonRow
from screens.widgets.safe_input import SafeInput


class EmailStepScreen(FlowStepScreen, CaptchaScreen):
    step = Step.FORGOT_EMAIL

    def key_hints(self) -> str:
        return self._("Tab: next field · Enter: confirm · Esc: back to login")

    def short_key_hints(self) -> str:
        return self._("Tab: next · Enter: confirm · Esc: back")

    def compose_body(self) -> ComposeResult:
        _ = self._
        yield from self.compose_step()
        yield Static(
            _('Type your login email address and the characters of the image, then "Continue".'),
            markup=False,
            classes="intro",
        )
        yield Label(_("Login email address"), classes="field-label")
        yield SafeInput(id="email", max_length=254, compact=True)
        yield from self.compose_captcha()
        with ButtonRow():
            yield Button(_("Continue"), id="continue", classes="submit", variant="primary", compact=True)
            yield from self.compose_captcha_buttons()
        with ButtonRow():
            yield Button(_("Back to login"), id="back", compact=True)
            yield Button(_("I cannot complete this procedure"), id="fallback", compact=True)

    def _fields(self) -> list[Input]:
        return [self.query_one("#email", Input), self.query_one("#captcha", Input)]

    def enter_pressed(self) -> bool:
        if self.next_empty_or_submit(self._fields()):
            self._continue()
        return True

    @on(Button.Pressed, "#continue")
    def _continue(self) -> None:
        email, captcha = (field.value for field in self._fields())
        self.send(SubmitEmail(email, captcha))

    @on(Button.Pressed, "#back")
    def _back(self) -> None:
        self.send(Back())

    @on(Button.Pressed, "#fallback")
    def _fallback(self) -> None:
        self.send(OpenFallback())


class ExpiredEmailScreen(EmailStepScreen):
    step = Step.EXPIRED_EMAIL
