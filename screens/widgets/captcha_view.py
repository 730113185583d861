"""The CAPTCHA image, with its accessible alternative spelled out in words on demand."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from domain.i18n import Translator
from domain.session.views import CaptchaPicture


class CaptchaView(Vertical):
    DEFAULT_CSS = """
    CaptchaView { height: auto; }
    CaptchaView > .captcha-image { height: auto; width: auto; padding: 0 1; border: round $primary; }
    CaptchaView > .captcha-spelled { height: auto; display: none; }
    CaptchaView.-spelled > .captcha-spelled { display: block; }
    """

    def compose(self) -> ComposeResult:
        yield Static(markup=False, classes="captcha-image")
        yield Static(markup=False, classes="captcha-spelled")

    def show(self, picture: CaptchaPicture, t: Translator) -> None:
        """Show the challenge of the view (a new one after each check or « Changer
        l'image »), and its spelling when asked for."""
        image = self.query_one(".captcha-image", Static)
        if picture.enabled:
            image.update(Text(picture.image))
            spelled = t._("Characters of the image, spelled out: {spelled}").format(
                spelled=", ".join(t._(word) for word in picture.spelled)
            )
        else:
            image.update(Text(t._("(CAPTCHA disabled: type anything)")))
            spelled = ""
        self.query_one(".captcha-spelled", Static).update(Text(spelled))
        self.set_class(picture.spelled_shown, "-spelled")
