"""The CAPTCHA image, with its accessible alternative spelled out in words on demand."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from domain.captcha import Captcha
from domain.i18n import Translator


class CaptchaView(Vertical):
    DEFAULT_CSS = """
    CaptchaView { height: auto; }
    CaptchaView > .captcha-image { height: auto; width: auto; padding: 0 1; border: round $primary; }
    CaptchaView > .captcha-spelled { height: auto; display: none; }
    CaptchaView.-spelled > .captcha-spelled { display: block; }
    """

    def __init__(self, captcha: Captcha, t: Translator) -> None:
        super().__init__()
        self._captcha = captcha
        self._t = t

    def compose(self) -> ComposeResult:
        yield Static(markup=False, classes="captcha-image")
        yield Static(markup=False, classes="captcha-spelled")

    def on_mount(self) -> None:
        self.refresh_challenge()

    def refresh_challenge(self) -> None:
        """Show the session's current challenge (after a check or « Changer l'image »)."""
        challenge = self._captcha.current
        image = self.query_one(".captcha-image", Static)
        if self._captcha.enabled:
            image.update(Text(challenge.image()))
            spelled = self._t._("Characters of the image, spelled out: {spelled}").format(
                spelled=challenge.spelled(self._t)
            )
        else:
            image.update(Text(self._t._("(CAPTCHA disabled: type anything)")))
            spelled = ""
        self.query_one(".captcha-spelled", Static).update(Text(spelled))

    def toggle_spelled(self) -> bool:
        self.toggle_class("-spelled")
        return self.has_class("-spelled")
