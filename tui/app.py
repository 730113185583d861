"""The application: one instance per user session; navigation follows the flows."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

from rich.console import Console
from textual.app import App
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Input

from domain.demo import DemoAccount
from domain.flows.change import ChangeCredentialsFlow
from domain.flows.expired import ExpiredPasswordFlow, ExpiredStep
from domain.flows.forgot import ForgotPasswordFlow, ForgotStep
from domain.services import Services, UserSession
from domain.settings import Language
from screens.base import (
    BackToLogin,
    ExpiredLogin,
    FlowAdvanced,
    FlowBack,
    ForgotRequested,
    FrameWanted,
    Go,
    ShowFallback,
    SignedIn,
    SignedOut,
)
from screens.change_credentials import ChangeCredentialsScreen
from screens.change_done import ChangeDoneScreen
from screens.coordinates import CoordinatesScreen
from screens.demo_accounts import DemoAccountsScreen
from screens.demo_mailbox import DemoMailboxScreen
from screens.email_step import EmailStepScreen
from screens.expired_passwords import ExpiredPasswordsScreen
from screens.expiry_alert import ExpiryAlertScreen
from screens.fallback import FallbackScreen
from screens.forgot_new_password import ForgotNewPasswordScreen
from screens.forgot_question import ForgotQuestionScreen
from screens.home import HomeScreen
from screens.login import LoginScreen
from screens.recommendations import RecommendationsScreen
from screens.services import ServicesScreen
from screens.summary import SummaryScreen
from tui.widgets.new_password import NewPasswordFields

Procedure = ForgotPasswordFlow | ExpiredPasswordFlow


STEP_SCREENS: dict[str, Callable[[Any], Screen[None]]] = {
    ForgotStep.QUESTION.value: ForgotQuestionScreen,
    ForgotStep.NEW_PASSWORD.value: ForgotNewPasswordScreen,
    ForgotStep.SUMMARY.value: SummaryScreen,
    ExpiredStep.PASSWORDS.value: ExpiredPasswordsScreen,
    ExpiredStep.SUMMARY.value: SummaryScreen,
}
"""The screen of each step a flow can advance to (the first step is pushed on start)."""


class MotDePasseApp(App[None]):
    """Receives its services (dependency injection): the CLI, the SSH server and the
    tests build them with :func:`domain.services.build_services`."""

    CSS_PATH = "app.tcss"
    TITLE = "motdepasse"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f1", "recommendations", show=False),
        Binding("f2", "demo_accounts", show=False),
        Binding("f3", "demo_mailbox", show=False),
        Binding("ctrl+q", "quit", show=False, priority=True),
    ]

    def __init__(
        self,
        services: Services,
        *,
        language: Language | None = None,
        demo_accounts: Sequence[DemoAccount] = (),
        channel: str = "local",
        client_address: str | None = None,
        reference: str | None = None,
    ) -> None:
        super().__init__()
        self.services = services
        self.language = language
        self.demo_accounts = tuple(demo_accounts)
        self._channel = channel
        self._client_address = client_address
        self._reference = reference
        self.user_session: UserSession | None = None
        self.flow: Procedure | None = None
        self.change_flow: ChangeCredentialsFlow | None = None

    @property
    def session(self) -> UserSession:
        assert self.user_session is not None
        return self.user_session

    def on_mount(self) -> None:
        self.user_session = self.services.open_session(
            language=self.language,
            channel=self._channel,
            client_address=self._client_address,
            size=(self.size.width, self.size.height),
            reference=self._reference,
        )
        self.push_screen(self.first_screen())

    def first_screen(self) -> Screen[None]:
        """The screen a session starts on."""
        return LoginScreen(self.session, self.demo_accounts)

    def on_unmount(self) -> None:
        if self.user_session is not None:
            self.user_session.journal.end("quit")

    # Procedures started from the login screen

    def on_forgot_requested(self, message: ForgotRequested) -> None:
        flow = ForgotPasswordFlow(self.session)
        self.flow = flow
        self.push_screen(EmailStepScreen(flow, message.email))

    def on_expired_login(self, message: ExpiredLogin) -> None:
        flow = ExpiredPasswordFlow(self.session, message.email)
        self.flow = flow
        self.push_screen(EmailStepScreen(flow, message.email))

    def on_flow_advanced(self, _message: FlowAdvanced) -> None:
        if isinstance(self.screen, ChangeCredentialsScreen):
            assert self.change_flow is not None and self.change_flow.valid_until is not None
            self.switch_screen(ChangeDoneScreen(self.session, self.change_flow.valid_until))
            return
        assert self.flow is not None
        self.push_screen(STEP_SCREENS[self.flow.step.value](self.flow))

    def on_flow_back(self, _message: FlowBack) -> None:
        if len(self.screen_stack) > 2:
            self.pop_screen()

    def on_show_fallback(self, _message: ShowFallback) -> None:
        self.push_screen(FallbackScreen(self.session))

    def on_back_to_login(self, _message: BackToLogin) -> None:
        self._to_login()

    # The account space

    def on_signed_in(self, message: SignedIn) -> None:
        self.push_screen(HomeScreen(self.session, message.card))
        if message.expiry is not None and message.expiry.expiring_soon:
            self.push_screen(ExpiryAlertScreen(self.session, message.expiry))

    def on_signed_out(self, message: SignedOut) -> None:
        self._to_login()
        login = self.screen
        if isinstance(login, LoginScreen) and message.message:
            login.show_errors([message.message])

    def on_go(self, message: Go) -> None:
        home = next((s for s in self.screen_stack if isinstance(s, HomeScreen)), None)
        if home is None:
            return
        if message.destination == "home":
            while self.screen is not home:
                self.pop_screen()
        elif message.destination == "services":
            self.push_screen(ServicesScreen(self.session))
        elif message.destination == "coordinates":
            self.push_screen(CoordinatesScreen(self.session, home.card))
        elif message.destination == "change":
            self.run_worker(self._open_change(home.card.security_question), exclusive=True)

    async def _open_change(self, question: str) -> None:
        flow = await asyncio.to_thread(ChangeCredentialsFlow, self.session)
        self.change_flow = flow
        self.push_screen(ChangeCredentialsScreen(flow, question))

    def _to_login(self) -> None:
        self.flow = None
        self.change_flow = None
        while len(self.screen_stack) > 2:
            self.pop_screen()

    def on_frame_wanted(self, message: FrameWanted) -> None:
        self.record_frame(message.reason)

    def on_resize(self) -> None:
        if self.user_session is not None:
            self.user_session.journal.record("action", "resize", columns=self.size.width, rows=self.size.height)
            self.call_after_refresh(self.record_frame, "resize")

    def capture(self) -> str:
        """The screen as the user sees it, as ANSI text (the way Textual exports a screenshot)."""
        console = Console(
            width=self.size.width,
            height=self.size.height,
            file=io.StringIO(),
            force_terminal=True,
            color_system="truecolor",
            record=True,
            legacy_windows=False,
            safe_box=False,
        )
        update = self.screen._compositor.render_update(full=True, screen_stack=self._background_screens)
        console.print(update)
        return console.export_text(styles=True)

    def record_frame(self, reason: str) -> None:
        """Journal the current frame, unless a CAPTCHA field holds typed characters (an
        unused CAPTCHA solution is a secret); password fields are drawn as bullets."""
        if self.user_session is None or not self.is_running:
            return
        if any(field.value for field in self.screen.query("#captcha").results(Input)):
            return
        self.user_session.journal.frame(reason, columns=self.size.width, rows=self.size.height, ansi=self.capture())

    def _fatal_error(self) -> None:
        """Textual's crash report shows every local variable, passwords included: keep
        the traceback (exception messages never hold a secret) but without the locals."""
        import sys

        from rich.segment import Segments
        from rich.traceback import Traceback

        error = sys.exc_info()[1]
        if self.user_session is not None:
            self.user_session.journal.record("session", "crash", error=type(error).__name__ if error else "unknown")
        self.bell()
        traceback = Traceback(show_locals=False, width=None)
        self._exit_renderables.append(Segments(self.console.render(traceback, self.console.options)))
        self._close_messages_no_wait()

    def on_new_password_fields_help_requested(self, _message: NewPasswordFields.HelpRequested) -> None:
        self.action_recommendations()

    def action_recommendations(self) -> None:
        """F1 or « ? » next to a new password: the advice against identity theft."""
        if self.screen.query(NewPasswordFields):
            self.session.journal.record("action", "help", topic="recommendations")
            self.push_screen(RecommendationsScreen(self.session))

    def action_demo_mailbox(self) -> None:
        if self.demo_accounts and not isinstance(self.screen, DemoMailboxScreen):
            self.push_screen(DemoMailboxScreen(self.session))

    def action_demo_accounts(self) -> None:
        if self.demo_accounts and not isinstance(self.screen, DemoAccountsScreen):
            self.push_screen(DemoAccountsScreen(self.session.t, self.demo_accounts))
