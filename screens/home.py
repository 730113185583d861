"""The account home: top left, the expiry notice and « Modifier le mot de passe » when the
password expires within 60 days (seed 000 §2); « Gérer les services », « Gérer vos
coordonnées », « Déconnexion »."""

from __future__ import annotations

import asyncio

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Static

from domain.accounts import AccountCard
from domain.credentials import sign_out, signed_in_card
from domain.expiry import ExpiryStatus
from domain.services import UserSession
from domain.text import printable
from screens.base import BackToLogin, Go, SignedOut
from screens.signed_in import SignedInScreen


class HomeScreen(SignedInScreen):
    screen_name = "home"

    def __init__(self, session: UserSession, card: AccountCard) -> None:
        super().__init__(session)
        self.card = card

    def title_text(self) -> str:
        return self._("My professional account")

    def key_hints(self) -> str:
        return self._("Tab: next · Enter: choose · Ctrl+Q: quit")

    def _expiry(self) -> ExpiryStatus | None:
        if self.card.password_expires_on is None:
            return None
        return self.session.services.expiry(self.card.password_expires_on)

    def compose_body(self) -> ComposeResult:
        _ = self._
        with Vertical(id="expiry-notice", classes="notice"):
            yield Static(markup=False, id="expiry-text")
            yield Button(_("Change the password"), id="change-password", compact=True)
        yield Static(markup=False, id="welcome", classes="info")
        with Horizontal(classes="buttons"):
            yield Button(_("Manage the services"), id="services", compact=True)
            yield Button(_("Manage your contact details"), id="coordinates", compact=True)
        with Horizontal(classes="buttons"):
            yield Button(_("Log out"), id="logout", variant="primary", compact=True)

    def on_mount(self) -> None:
        self.show_card(self.card)
        notice = self.query_one("#expiry-notice")
        (self.query_one("#change-password") if notice.display else self.query_one("#services")).focus()

    def show_card(self, card: AccountCard) -> None:
        _ = self._
        self.card = card
        expiry = self._expiry()
        notice = self.query_one("#expiry-notice")
        notice.display = bool(expiry and expiry.expiring_soon)
        self.query_one("#expiry-text", Static).update("")
        if expiry is not None and expiry.expiring_soon:
            text = Text()
            text.append(_("Your password"), style="bold")
            text.append("\n")
            text.append(_("Expiry date: {date}").format(date=self.t.short_date(expiry.expires_on)))
            text.append("\n")
            text.append(
                _("Days left before access to your account is blocked: {n}").format(n=expiry.days_before_blocking)
            )
            self.query_one("#expiry-text", Static).update(text)
        welcome = Text()
        welcome.append(
            _("Welcome, {first_name} {last_name}.").format(
                first_name=printable(card.first_name), last_name=printable(card.last_name)
            ),
            style="bold",
        )
        welcome.append("\n")
        welcome.append(_("Subscriber number: {number}").format(number=card.subscriber_number))
        self.query_one("#welcome", Static).update(welcome)

    def on_screen_resume(self) -> None:
        """Back from a change: show the account as it is now (or sign out)."""
        self.run_worker(self._reload(), exclusive=True, group="reload")

    async def _reload(self) -> None:
        card, ended = await asyncio.to_thread(signed_in_card, self.session)
        if card is None:
            self.post_message(SignedOut(ended or ""))
        else:
            self.show_card(card)

    def action_back(self) -> None:
        """Escape does not sign out: « Déconnexion » does."""

    @on(Button.Pressed, "#change-password")
    def _change(self) -> None:
        self.session.journal.record("action", "open", target="change", via="home_notice")
        self.post_message(Go("change"))

    @on(Button.Pressed, "#services")
    def _services(self) -> None:
        self.session.journal.record("action", "open", target="services")
        self.post_message(Go("services"))

    @on(Button.Pressed, "#coordinates")
    def _coordinates(self) -> None:
        self.session.journal.record("action", "open", target="coordinates")
        self.post_message(Go("coordinates"))

    @on(Button.Pressed, "#logout")
    def _logout(self) -> None:
        self.session.journal.record("action", "logout")
        sign_out(self.session)
        self.post_message(BackToLogin())
