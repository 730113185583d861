"""The account home, reached after a successful login."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Button, Static

from domain.accounts import AccountCard
from domain.services import UserSession
from domain.text import printable
from screens.base import BackToLogin, BaseScreen


class HomeScreen(BaseScreen):
    screen_name = "home"

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "noop", show=False)]

    def __init__(self, session: UserSession, card: AccountCard) -> None:
        super().__init__(session)
        self.card = card

    def title_text(self) -> str:
        return self._("My professional account")

    def key_hints(self) -> str:
        return self._("Tab: next · Enter: choose · Ctrl+Q: quit")

    def compose_body(self) -> ComposeResult:
        _ = self._
        card = self.card
        text = Text()
        text.append(
            _("Welcome, {first_name} {last_name}.").format(
                first_name=printable(card.first_name), last_name=printable(card.last_name)
            ),
            style="bold",
        )
        text.append("\n")
        text.append(_("Subscriber number: {number}").format(number=card.subscriber_number))
        if card.password_expires_on is not None:
            text.append("\n")
            text.append(
                _("Your password is valid until {date}.").format(date=self.t.date(card.password_expires_on))
            )
        yield Static(text, markup=False, classes="info")
        yield Button(_("Log out"), id="logout", variant="primary", compact=True)

    def on_mount(self) -> None:
        self.query_one("#logout", Button).focus()

    def action_noop(self) -> None:
        """Escape does not sign out: « Déconnexion » does."""

    @on(Button.Pressed, "#logout")
    def _logout(self) -> None:
        self.session.journal.record("action", "logout")
        self.session.signed_in_account = None
        self.post_message(BackToLogin())
