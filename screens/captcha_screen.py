"""What the screens with a CAPTCHA share (« Connexion », and the first step of « Mot de
passe oublié » and « Mot de passe expiré »): the image, its field, « Changer l'image » and
« Épeler les caractères »."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.widgets import Button, Label

from domain.session.intents import ChangeImage, SpellImage
from screens.base import StepScreen
from screens.widgets.captcha_view import CaptchaView
from screens.widgets.safe_input import SafeInput


class CaptchaScreen(StepScreen):
    def compose_captcha(self) -> ComposeResult:
        yield Label(self._("Copy the characters of the image"), classes="field-label")
        yield CaptchaView()
        yield SafeInput(id="captcha", max_length=20, compact=True)

    def compose_captcha_buttons(self) -> ComposeResult:
        yield Button(self._("Change the image"), id="refresh", compact=True)
        yield Button(self._("Spell the characters"), id="spell", compact=True)

    @on(Button.Pressed, "#refresh")
    def _refresh(self) -> None:
        self.send(ChangeImage())

    @on(Button.Pressed, "#spell")
    def _spell(self) -> None:
        self.send(SpellImage())
