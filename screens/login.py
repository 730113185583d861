"""« Connexion à mon espace professionnel » (SPEC §3.4)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import Button, Input, Label, Static

from domain.demo import CASES, DemoAccount
from domain.flows.login import LoginStatus, log_in
from domain.services import UserSession
from screens.base import ExpiredLogin, ForgotRequested, ShowFallback, SignedIn
from screens.captcha_screen import CaptchaScreen
from tui.widgets.safe_input import SafeInput


class LoginScreen(CaptchaScreen):
    screen_name = "login"

    def __init__(self, session: UserSession, demo_accounts: Sequence[DemoAccount] = ()) -> None:
        super().__init__(session)
        self.demo_accounts = tuple(demo_accounts)

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "noop", show=False),
    ]

    def title_text(self) -> str:
        return self._("Log in to my professional account")

    def key_hints(self) -> str:
        return self._("Tab: next field · Enter: confirm · Ctrl+Q: quit")

    def compose_body(self) -> ComposeResult:
        _ = self._
        if self.demo_accounts:
            notice = Text(_("Demo accounts (F2: their answers and passwords):"), style="bold")
            for account in self.demo_accounts:
                notice.append(f"\n{account.email} — {_(CASES[account.case])}")
            yield Static(notice, markup=False, classes="demo-notice")
        yield Label(_("Login email address"), classes="field-label")
        yield SafeInput(id="email", max_length=254, compact=True)
        yield Label(_("Password"), classes="field-label")
        yield SafeInput(id="password", password=True, max_length=1024, compact=True)
        yield from self.compose_captcha()
        with Horizontal(classes="buttons"):
            yield Button(_("Log in"), id="login", classes="submit", variant="primary", compact=True)
            yield from self.compose_captcha_buttons()
        with Horizontal(classes="buttons"):
            yield Button(_("Forgot password"), id="forgot", compact=True)
            yield Button(_("Help"), id="help", compact=True)

    def on_mount(self) -> None:
        self.query_one("#email", Input).focus()

    def on_screen_resume(self) -> None:
        self.query_one("#password", Input).value = ""
        email = self.query_one("#email", Input)
        (self.query_one("#password", Input) if email.value else email).focus()

    def action_noop(self) -> None:
        """Escape does nothing on the first screen."""

    def _fields(self) -> list[Input]:
        return [self.query_one(f"#{name}", Input) for name in ("email", "password", "captcha")]

    def enter_pressed(self) -> bool:
        if self.next_empty_or_submit(self._fields()):
            self._submit()
        return True

    @on(Button.Pressed, "#login")
    def _submit(self) -> None:
        email, password, captcha = (field.value for field in self._fields())
        self.session.journal.record("action", "login", email_length=len(email), password_length=len(password))
        self.set_busy(True)
        self.run_worker(self._log_in(email, password, captcha), exclusive=True, group="submit")

    async def _log_in(self, email: str, password: str, captcha: str) -> None:
        try:
            result = await asyncio.to_thread(log_in, self.session, email, password, captcha)
        finally:
            self.set_busy(False)
        self.reset_captcha()
        if result.status is LoginStatus.OK and result.card is not None:
            self.show_errors([])
            self.post_message(SignedIn(result.card, result.expiry))
            return
        if result.status is LoginStatus.EXPIRED:
            self.show_errors([])
            self.post_message(ExpiredLogin(email))
            return
        self.show_errors([result.message])
        if result.status is LoginStatus.CAPTCHA:
            self.query_one("#captcha", Input).focus()
        else:
            self.query_one("#password", Input).value = ""
            self.query_one("#password", Input).focus()

    @on(Button.Pressed, "#forgot")
    def _forgot(self) -> None:
        self.session.journal.record("action", "forgot_password")
        self.post_message(ForgotRequested(self.query_one("#email", Input).value))

    @on(Button.Pressed, "#help")
    def _help(self) -> None:
        self.session.journal.record("action", "help")
        self.post_message(ShowFallback())
