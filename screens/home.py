"""The account home: top left, the expiry notice and « Modifier le mot de passe » when the
password expires within 60 days (seed 000 §2); « Gérer les services », « Gérer vos
coordonnées », « Déconnexion »."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Button, Static

from domain.session.intents import OpenChange, OpenCoordinates, OpenServices, SignOut
from domain.session.states import Step
from domain.session.views import AccountDetail, View
from domain.text import printable
from screens.signed_in import SignedInScreen
from screens.widgets.button_row import ButtonRow


class HomeScreen(SignedInScreen):
    step = Step.HOME

    def key_hints(self) -> str:
        return self._("Tab: next · Enter: choose · Ctrl+Q: quit")

    def compose_body(self) -> ComposeResult:
        _ = self._
        with Vertical(id="expiry-notice", classes="notice"):
            yield Static(markup=False, id="expiry-text")
            yield Button(_("Change the password"), id="change-password", compact=True)
        yield Static(markup=False, id="welcome", classes="info")
        with ButtonRow():
            yield Button(_("Manage the services"), id="services", compact=True)
            yield Button(_("Manage your contact details"), id="coordinates", compact=True)
        with ButtonRow():
            yield Button(_("Log out"), id="logout", variant="primary", compact=True)

    def on_mount(self) -> None:
        self.show_detail(self.view)
        notice = self.query_one("#expiry-notice")
        (self.query_one("#change-password") if notice.display else self.query_one("#services")).focus()

    def show_detail(self, view: View) -> None:
        _ = self._
        detail = view.detail
        assert isinstance(detail, AccountDetail)
        card, expiry = detail.card, detail.expiry
        notice = self.query_one("#expiry-notice")
        notice.display = bool(expiry and expiry.expiring_soon)
        self.query_one("#expiry-text", Static).update("")
        if expiry is not None and expiry.expiring_soon:
            text = Text()
            text.append(_("Your password"), style="bold")
            text.append("\n")
            text.append(_("Expiry date: {date}").format(date=self.t.long_date(expiry.expires_on)))
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
        welcome.append(_("Subscriber number: {number}").format(number=printable(card.subscriber_number)))
        self.query_one("#welcome", Static).update(welcome)

    def action_back(self) -> None:
        """Escape does not sign out: « Déconnexion » does."""

    @on(Button.Pressed, "#change-password")
    def _change(self) -> None:
        self.send(OpenChange())

    @on(Button.Pressed, "#services")
    def _services(self) -> None:
        self.send(OpenServices())

    @on(Button.Pressed, "#coordinates")
    def _coordinates(self) -> None:
        self.send(OpenCoordinates())

    @on(Button.Pressed, "#logout")
    def _logout(self) -> None:
        self.send(SignOut())
