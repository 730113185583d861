"""What the screens with a CAPTCHA share (« Connexion », and the first step of « Mot de
passe oublié » and « Mot de passe expiré »): the image, its field, « Changer l'image » and
« Épeler les caractères »."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.widgets import Button, Input, Label

from screens.base import BaseScreen
from tui.widgets.captcha_view import CaptchaView
from tui.widgets.safe_input import SafeInput


class CaptchaScreen(BaseScreen):
    def compose_captcha(self) -> ComposeResult:
        yield Label(self._("Copy the characters of the image"), classes="field-label")
        yield CaptchaView(self.session.captcha, self.t)
        yield SafeInput(id="captcha", max_length=20, compact=True)

    def compose_captcha_buttons(self) -> ComposeResult:
        yield Button(self._("Change the image"), id="refresh", compact=True)
        yield Button(self._("Spell the characters"), id="spell", compact=True)

    def reset_captcha(self) -> None:
        """Show the current challenge (each check draws a new one) with an empty field."""
        self.query_one(CaptchaView).refresh_challenge()
        self.query_one("#captcha", Input).value = ""

    def on_screen_resume(self) -> None:
        self.reset_captcha()

    @on(Button.Pressed, "#refresh")
    def _refresh(self) -> None:
        self.session.captcha.refresh()
        self.session.journal.record("action", "captcha_refresh")
        self.reset_captcha()
        self.query_one("#captcha", Input).focus()

    @on(Button.Pressed, "#spell")
    def _spell(self) -> None:
        shown = self.query_one(CaptchaView).toggle_spelled()
        self.session.journal.record("action", "captcha_spelled", shown=shown)
