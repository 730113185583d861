"""The application: one instance per user session; navigation follows the flows."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual.app import App
from textual.binding import Binding, BindingType

from domain.demo import DemoAccount
from domain.flows.forgot import ForgotPasswordFlow, ForgotStep
from domain.services import Services, UserSession
from domain.settings import Language
from screens.base import (
    BackToLogin,
    FlowAdvanced,
    FlowBack,
    ForgotRequested,
    ShowFallback,
    SignedIn,
)
from screens.demo_accounts import DemoAccountsScreen
from screens.fallback import FallbackScreen
from screens.forgot_base import ForgotStepScreen
from screens.forgot_email import ForgotEmailScreen
from screens.forgot_new_password import ForgotNewPasswordScreen
from screens.forgot_question import ForgotQuestionScreen
from screens.forgot_summary import ForgotSummaryScreen
from screens.home import HomeScreen
from screens.login import LoginScreen

FORGOT_SCREENS: dict[ForgotStep, type[ForgotStepScreen]] = {
    ForgotStep.QUESTION: ForgotQuestionScreen,
    ForgotStep.NEW_PASSWORD: ForgotNewPasswordScreen,
    ForgotStep.SUMMARY: ForgotSummaryScreen,
}


class MotDePasseApp(App[None]):
    """Receives its services (dependency injection): the CLI, the SSH server and the
    tests build them with :func:`domain.services.build_services`."""

    CSS_PATH = "app.tcss"
    TITLE = "motdepasse"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f2", "demo_accounts", show=False),
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
        self.forgot_flow: ForgotPasswordFlow | None = None

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
        self.push_screen(LoginScreen(self.user_session, self.demo_accounts))

    def on_unmount(self) -> None:
        if self.user_session is not None:
            self.user_session.journal.end("quit")

    def on_forgot_requested(self, message: ForgotRequested) -> None:
        self.forgot_flow = ForgotPasswordFlow(self.session)
        self.push_screen(ForgotEmailScreen(self.forgot_flow, message.email))

    def on_flow_advanced(self, _message: FlowAdvanced) -> None:
        assert self.forgot_flow is not None
        screen = FORGOT_SCREENS[self.forgot_flow.step]
        self.push_screen(screen(self.forgot_flow))

    def on_flow_back(self, _message: FlowBack) -> None:
        if len(self.screen_stack) > 2:
            self.pop_screen()

    def on_show_fallback(self, _message: ShowFallback) -> None:
        self.push_screen(FallbackScreen(self.session))

    def on_signed_in(self, message: SignedIn) -> None:
        self.push_screen(HomeScreen(self.session, message.card))

    def on_back_to_login(self, _message: BackToLogin) -> None:
        self.forgot_flow = None
        while len(self.screen_stack) > 2:
            self.pop_screen()

    def _fatal_error(self) -> None:
        """Textual's crash report shows every local variable, passwords included: keep
        the traceback (exception messages never hold a secret) but without the locals."""
        import sys

        from rich.segment import Segments
        from rich.traceback import Traceback

        error = sys.exc_info()[1]
        if self.user_session is not None:
            self.user_session.journal.record(
                "session", "crash", error=type(error).__name__ if error else "unknown"
            )
        self.bell()
        traceback = Traceback(show_locals=False, width=None)
        self._exit_renderables.append(Segments(self.console.render(traceback, self.console.options)))
        self._close_messages_no_wait()

    def action_demo_accounts(self) -> None:
        if self.demo_accounts and not isinstance(self.screen, DemoAccountsScreen):
            self.push_screen(DemoAccountsScreen(self.session.t, self.demo_accounts))
