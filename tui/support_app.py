"""``motdepasse support`` and the SSH user ``support``: the support console."""

from __future__ import annotations

import asyncio
import logging
import os
from typing import ClassVar

from sqlalchemy.exc import SQLAlchemyError
from textual.app import App
from textual.binding import Binding, BindingType

from domain import support
from domain.services import Services, UserSession
from domain.settings import Language
from domain.support import STAFF_REVOKED, StaffIdentity, StaffRevoked
from screens.support import (
    Console,
    ConsoleScreenShown,
    FollowAccount,
    OpenAccount,
    OpenSession,
    StaffNoLongerAllowed,
    StaffSignedIn,
    SupportAccountScreen,
    SupportSearchScreen,
    SupportSessionScreen,
    SupportSignInScreen,
)
from screens.widgets.textual_adapter import NARROW_BREAKPOINTS, CursorFollowsFocus, without_colour
from screens.widgets.themes import install_themes
from tui.app import QUIT_HINT, monochrome

log = logging.getLogger("motdepasse.support")

RECHECK_SECONDS = 5.0
"""How often an idle console checks that its staff member is still allowed (every action
checks it too): a removed agent does not keep reading what is on screen."""


class SupportApp(CursorFollowsFocus, App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "motdepasse support"
    ENABLE_COMMAND_PALETTE = False
    HORIZONTAL_BREAKPOINTS = NARROW_BREAKPOINTS

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit", show=False, priority=True),
    ]

    def action_help_quit(self) -> None:
        """Ctrl+C: say how to quit, in the console's language."""
        self.notify(self.session.t._(QUIT_HINT), severity="information")

    def __init__(
        self,
        services: Services,
        *,
        language: Language | None = None,
        identity: StaffIdentity | None = None,
        channel: str = "support",
        client_address: str | None = None,
        reference: str | None = None,
        recheck_seconds: float = RECHECK_SECONDS,
        theme: str = "standard",
    ) -> None:
        """``identity``: staff authenticated before the console opened (an SSH key), who
        skip the sign-in screen and whose session ends if they are removed; without it,
        staff sign in with a password and come back to the sign-in screen if removed.
        ``reference``: the session reference already given to this session (the SSH
        server's, so that its log and the journal name the same session)."""
        super().__init__()
        install_themes(self, theme)
        if monochrome(os.environ):
            without_colour(self)
        self.services = services
        self.language = language
        self.identity = identity
        self._channel = channel
        self._client_address = client_address
        self._reference = reference
        self._recheck_seconds = recheck_seconds
        self._ends_when_revoked = identity is not None
        self._end_how = "quit"
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
            reference=self._reference,
        )
        self.set_interval(self._recheck_seconds, self._recheck)
        if self.identity is None:
            self.push_screen(SupportSignInScreen(self.console_context))
            return
        try:
            support.sign_in_key(self.services, self.identity, self._client_address)
        except StaffRevoked:
            self._revoked()
            return
        self.push_screen(SupportSearchScreen(self.console_context, self.identity))

    def on_unmount(self) -> None:
        if self.user_session is not None:
            self.user_session.journal.end(self._end_how)

    def on_console_screen_shown(self, message: ConsoleScreenShown) -> None:
        self.session.journal.record("screen", message.name)

    def on_staff_signed_in(self, message: StaffSignedIn) -> None:
        self.identity = message.identity
        self.switch_screen(SupportSearchScreen(self.console_context, message.identity))

    def on_open_account(self, message: OpenAccount) -> None:
        if self.identity is not None:
            self.run_worker(self._open_account(self.identity, message.account_id), exclusive=True)

    async def _open_account(self, identity: StaffIdentity, account_id: int) -> None:
        try:
            view = await asyncio.to_thread(support.view_account, self.services, identity, account_id)
        except StaffRevoked:
            self.post_message(StaffNoLongerAllowed(identity))
            return
        if self.identity is identity:  # not signed out (or removed) meanwhile
            self.push_screen(SupportAccountScreen(self.console_context, identity, view))

    def on_open_session(self, message: OpenSession) -> None:
        if self.identity is not None:
            self.run_worker(self._open_session(self.identity, message.reference), exclusive=True)

    async def _open_session(self, identity: StaffIdentity, reference: str) -> None:
        try:
            record, events, frames = await asyncio.to_thread(support.open_session, self.services, identity, reference)
        except StaffRevoked:
            self.post_message(StaffNoLongerAllowed(identity))
            return
        if self.identity is not identity:
            return
        if record is None:
            self.notify(self.session.t._("No session with this reference."), severity="warning")
            return
        self.push_screen(
            SupportSessionScreen(
                self.console_context,
                identity,
                record.reference,
                events,
                frames,
                self.services.settings.data_dir / "exports",
            )
        )

    def on_follow_account(self, message: FollowAccount) -> None:
        if self.identity is not None:
            self.run_worker(self._follow(self.identity, message.account_id), exclusive=True)

    async def _follow(self, identity: StaffIdentity, account_id: int) -> None:
        """« Depuis l'appel »: the account's latest session, at its latest screen, kept
        up to date while the user tries again on the phone."""
        try:
            found = await asyncio.to_thread(support.follow_account, self.services, identity, account_id, None)
        except StaffRevoked:
            self.post_message(StaffNoLongerAllowed(identity))
            return
        if self.identity is not identity:
            return
        reference, events, frames = found if found is not None else ("", [], [])
        if found is None:
            self.notify(self.session.t._("No session recorded for this account yet: waiting for one."))
        self.push_screen(
            SupportSessionScreen(
                self.console_context,
                identity,
                reference,
                events,
                frames,
                self.services.settings.data_dir / "exports",
                follow=account_id,
            )
        )

    def _recheck(self) -> None:
        if self.identity is not None:
            self.run_worker(self._recheck_staff(self.identity), exclusive=True, group="recheck")

    async def _recheck_staff(self, identity: StaffIdentity) -> None:
        try:
            await asyncio.to_thread(support.require_allowed, self.services, identity, "console_open")
        except StaffRevoked:
            self.post_message(StaffNoLongerAllowed(identity))
        except SQLAlchemyError as error:  # the database away for a moment: the next check will tell
            log.warning("staff check failed ref=%s: %s", self.session.reference, type(error).__name__)

    async def on_staff_no_longer_allowed(self, message: StaffNoLongerAllowed) -> None:
        if message.staff != self.identity:
            return  # already handled, or about an identity this console no longer uses
        self._revoked()
        if self._ends_when_revoked:
            return
        # Every screen of the withdrawn identity goes: none stays below to come back to.
        while len(self.screen_stack) > 2:
            await self.pop_screen()
        if not isinstance(self.screen, SupportSignInScreen):
            await self.switch_screen(SupportSignInScreen(self.console_context, notice=self.session.t._(STAFF_REVOKED)))

    def _revoked(self) -> None:
        """The identity is dropped at once (later results of its workers are not shown);
        staff authenticated by the SSH server have no sign-in screen: the session ends,
        saying why."""
        if self.identity is not None:
            self.session.journal.record("outcome", "staff_revoked")
        self.identity = None
        if self._ends_when_revoked:
            self._end_how = "staff_revoked"
            self.exit(message=self.session.t._(STAFF_REVOKED))
