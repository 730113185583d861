"""The screens of the account space: they sign out as soon as the password changed in
another session (checked against the database, so it holds across server processes)."""

from __future__ import annotations

import asyncio
from typing import ClassVar

from textual.binding import Binding, BindingType

from domain.credentials import session_end_message
from screens.base import BaseScreen, SignedOut

CHECK_EVERY_SECONDS = 5.0


class SignedInScreen(BaseScreen):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "back", show=False)]

    def on_mount(self) -> None:
        self.set_interval(CHECK_EVERY_SECONDS, self.check_signed_in)

    def on_screen_resume(self) -> None:
        self.check_signed_in()

    def check_signed_in(self) -> None:
        if self.is_current:
            self.run_worker(self._check(), exclusive=True, group="signed-in")

    async def _check(self) -> None:
        ended = await asyncio.to_thread(session_end_message, self.session)
        if ended is not None:
            self.post_message(SignedOut(ended))

    def action_back(self) -> None:
        self.dismiss()
