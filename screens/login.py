"""« Connexion à mon espace professionnel » (SPEC §3.4)."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Button, Input, Label, Static

from domain.demo import CASES
from domain.session.intents import LogIn, OpenForgot, OpenHelp, SwitchLanguage
from domain.session.messages import OTHER_LANGUAGE
from domain.session.states import Step
from screens.captcha_screen import CaptchaScreen
from screens.widgets.button_row import ButtonRow
from screens.widgets.safe_input import SafeInput
from screens.widgets.themes import DESCRIPTIONS, install_themes, next_theme, theme_name


class LoginScreen(CaptchaScreen):
    step = Step.LOGIN

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "noop", show=False),
    ]

    def key_hints(self) -> str:
        return self._("Tab: next field · Enter: confirm · Ctrl+Q: quit")

    def short_key_hints(self) -> str:
        return self._("Tab: next · Enter: confirm · Ctrl+Q: quit")

    def compose_body(self) -> ComposeResult:
        _ = self._
        # First in the focus order (Shift+Tab from the email): screen-reader and braille
        # users leave the full screen for the line mode of the same session's rules.
        with ButtonRow(classes="first"):
            yield Button(_("Line mode (screen reader, braille)"), id="line-mode", compact=True)
            yield Button(self._display_label(), id="display", compact=True)
        yield Label(_("Login email address"), classes="field-label")
        yield SafeInput(id="email", max_length=254, compact=True)
        yield Label(_("Password"), classes="field-label")
        yield SafeInput(id="password", password=True, max_length=1024, compact=True)
        yield from self.compose_captcha()
        with ButtonRow():
            yield Button(_("Log in"), id="login", classes="submit", variant="primary", compact=True)
            yield from self.compose_captcha_buttons()
        with ButtonRow():
            yield Button(_("Forgot password"), id="forgot", compact=True)
            yield Button(_("Help"), id="help", compact=True)
            yield Button(_(OTHER_LANGUAGE), id="language", compact=True)
        # The demo's accounts below the form: at 80×24 the whole form, « Mot de passe
        # oublié » included, is on the first screen.
        if self.frontend.demo_accounts:
            notice = Text(_("Demo accounts (F2: their answers and passwords; F3: the emails sent):"), style="bold")
            for account in self.frontend.demo_accounts:
                notice.append(f"\n{account.email} — {_(CASES[account.case])}")
            yield Static(notice, markup=False, classes="demo-notice")

    def covered(self) -> None:
        """Signed in, or on to a procedure: the password typed here is not kept beneath."""
        for name in ("password", "captcha"):
            self.query_one(f"#{name}", Input).value = ""

    def action_noop(self) -> None:
        """Escape does nothing on the first screen."""

    def _fields(self) -> list[Input]:
        return [self.query_one(f"#{name}", Input) for name in ("email", "password", "captcha")]

    def enter_pressed(self) -> bool:
        if self.next_empty_or_submit(self._fields()):
            self._submit()
        return True

    @on(Button.Pressed, "#login")
    def _submit(self) -> None:
        email, password, captcha = (field.value for field in self._fields())
        self.send(LogIn(email, password, captcha))

    @on(Button.Pressed, "#forgot")
    def _forgot(self) -> None:
        self.send(OpenForgot(self.query_one("#email", Input).value))

    @on(Button.Pressed, "#line-mode")
    def _line_mode(self) -> None:
        self.app.exit("plain")

    def _display_label(self) -> str:
        name = DESCRIPTIONS[theme_name(self.app)]
        return self._("Display: {theme}").format(theme=self._(name))

    @on(Button.Pressed, "#display")
    def _display(self) -> None:
        """« Affichage »: the next theme, at once (standard, high contrast, terminal colours)."""
        install_themes(self.app, next_theme(theme_name(self.app)))
        button = self.query_one("#display", Button)
        button.label = self._display_label()
        button.refresh(layout=True)  # a longer label: a wider button (Textual keeps the old size)
        for row in self.query(ButtonRow):
            row.fit()

    @on(Button.Pressed, "#language")
    def _language(self) -> None:
        self.send(SwitchLanguage())

    @on(Button.Pressed, "#help")
    def _help(self) -> None:
        self.send(OpenHelp())
