"""The CAPTCHA image, with its accessible alternative spelled out in words on demand."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from domain.i18n import Translator
from domain.session.messages import CAPTCHA_LIFETIME
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
        yield Static(markup=False, classes="captcha-lifetime")

    FRAME = 4
    """Columns the image's border and padding take."""

    _picture: CaptchaPicture | None = None

    def show(self, picture: CaptchaPicture, t: Translator) -> None:
        """Show the challenge of the view (a new one after each check or « Changer
        l'image »), and its spelling when asked for — or when no drawing fits the width."""
        self._picture = picture
        image = self.query_one(".captcha-image", Static)
        if picture.enabled:
            spelled = t._("Characters of the image, spelled out: {spelled}").format(
                spelled=", ".join(t._(word) for word in picture.spelled)
            )
        else:
            image.update(Text(t._("(CAPTCHA disabled: type anything)")))
            spelled = ""
        self.query_one(".captcha-spelled", Static).update(Text(spelled))
        lifetime = ""
        if picture.enabled and picture.lifetime_seconds:
            lifetime = t._(CAPTCHA_LIFETIME).format(duration=t.duration(picture.lifetime_seconds))
        lifetime_line = self.query_one(".captcha-lifetime", Static)
        lifetime_line.update(Text(lifetime))
        lifetime_line.display = bool(lifetime)
        self._fit()

    def _fit(self) -> None:
        """The widest drawing that fits (never wrapped: a wrapped drawing is unreadable);
        none fits: the spelling instead."""
        picture = self._picture
        if picture is None:
            return
        image = self.query_one(".captcha-image", Static)
        fitting = None
        if picture.enabled:
            # From the screen's width, not this view's: the body's scroll bar comes and
            # goes with the drawing's height, which would make the choice flip for ever.
            room = self.app.size.width - self.FRAME - 4  # the body's padding and scroll bar
            fitting = next(
                (form for form in (picture.image, *picture.narrower) if _width(form) <= room),
                None,
            )
            if fitting is not None:
                image.update(Text(fitting, no_wrap=True))
        image.display = not picture.enabled or fitting is not None
        self.set_class(picture.spelled_shown or (picture.enabled and fitting is None), "-spelled")

    def on_resize(self) -> None:
        self._fit()  # (the screen was resized: this view too)


def _width(image: str) -> int:
    return max((len(line) for line in image.split("\n")), default=0)
