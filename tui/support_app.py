"""``motdepasse support`` and the SSH user ``support``: the support console."""

from __future__ import annotations

import asyncio
from typing import ClassVar

from textual.app import App
from textual.binding import Binding, BindingType

from domain import support
from domain.services import Services, UserSession
from domain.settings import Language
from domain.support import StaffIdentity
from screens.support import (
    Console,
    ConsoleScreenShown,
    OpenAccount,
    OpenSession,
    StaffSignedIn,
    SupportAccountScreen,
    SupportSearchScreen,
    SupportSessionScreen,
    SupportSignInScreen,
)


class SupportApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "motdepasse support"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit", show=False, priority=True),
    ]

    def __init__(
        self,
        services: Services,
        *,
        language: Language | None = None,
        identity: StaffIdentity | None = None,
        channel: str = "support",
        client_address: str | None = None,
    ) -> None:
        super().__init__()
        self.services = services
        self.language = language
        self.identity = identity
        self._channel = channel
        self._client_address = client_address
        self.user_session: UserSession | None = None

    @property
    def session(self) -> UserSession:
        assert self.user_session is not None
        return self.user_session

    @property
    def console_context(self) -> Console:
        session = self.session
        return Console(self.services, session.t, session.reference, session.client_address)

    def on_mount(self) -> None:
        self.user_session = self.services.open_session(
            language=self.language,
            channel=self._channel,
            client_address=self._client_address,
            size=(self.size.width, self.size.height),
        )
        if self.identity is None:
            self.push_screen(SupportSignInScreen(self.console_context))
        else:
            support.audit(self.services, self.identity, "sign_in")
            self.push_screen(SupportSearchScreen(self.console_context, self.identity))

    def on_unmount(self) -> None:
        if self.user_session is not None:
            self.user_session.journal.end("quit")

    def on_console_screen_shown(self, message: ConsoleScreenShown) -> None:
        self.session.journal.record("screen", message.name)

    def on_staff_signed_in(self, message: StaffSignedIn) -> None:
        self.identity = message.identity
        self.switch_screen(SupportSearchScreen(self.console_context, message.identity))

    def on_open_account(self, message: OpenAccount) -> None:
        self.run_worker(self._open_account(message.account_id), exclusive=True)

    async def _open_account(self, account_id: int) -> None:
        assert self.identity is not None
        view = await asyncio.to_thread(support.view_account, self.services, self.identity, account_id)
        self.push_screen(SupportAccountScreen(self.console_context, self.identity, view))

    def on_open_session(self, message: OpenSession) -> None:
        self.run_worker(self._open_session(message.reference), exclusive=True)

    async def _open_session(self, reference: str) -> None:
        assert self.identity is not None
        record, events, frames = await asyncio.to_thread(support.open_session, self.services, self.identity, reference)
        if record is None:
            self.notify(self.session.t._("No session with this reference."), severity="warning")
            return
        self.push_screen(
            SupportSessionScreen(
                self.console_context,
                self.identity,
                record.reference,
                events,
                frames,
                self.services.settings.data_dir / "exports",
            )
        )
