"""The forgot-password procedure walked with the keyboard only, in French and English,
then a login with the new password (and not with the old one)."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input, Static

from domain.settings import Language
from screens.email_step import EmailStepScreen as ForgotEmailScreen
from screens.forgot_new_password import ForgotNewPasswordScreen
from screens.forgot_question import ForgotQuestionScreen
from screens.home import HomeScreen
from screens.login import LoginScreen
from screens.summary import SummaryScreen as ForgotSummaryScreen
from tests.ui_helpers import (
    LILA,
    LILA_PASSWORD,
    NEW_PASSWORD,
    make_app,
    make_services,
    settle,
    solution,
    type_text,
    walk_to_new_password,
    walk_to_question,
    walk_to_summary,
)


def screen_text(app: object) -> str:
    from tui.app import MotDePasseApp

    assert isinstance(app, MotDePasseApp)
    return "\n".join(str(widget.render()) for widget in app.screen.query(Static))


async def log_in(pilot, app, email: str, password: str) -> None:  # type: ignore[no-untyped-def]
    for name in ("email", "password", "captcha"):
        app.screen.query_one(f"#{name}", Input).value = ""
    app.screen.query_one("#email", Input).focus()
    await type_text(pilot, email)
    await pilot.press("tab")
    await type_text(pilot, password)
    await pilot.press("tab")
    await type_text(pilot, solution(app))
    await pilot.press("enter")
    await settle(pilot, app)


@pytest.mark.parametrize(
    ("lang", "valid_until", "summary_title"),
    [
        ("fr", "24 novembre 2029", "Votre mot de passe a bien été modifié."),
        ("en", "24 November 2029", "Your password has been changed."),
    ],
)
async def test_forgot_password_then_login(tmp_path: Path, lang: Language, valid_until: str, summary_title: str) -> None:
    services = make_services(tmp_path)
    app = make_app(services, lang)
    async with app.run_test(size=(80, 24)) as pilot:
        assert isinstance(app.screen, LoginScreen)
        await walk_to_question(pilot, app)
        assert isinstance(app.screen, ForgotQuestionScreen)
        assert "Le prénom de votre conjoint(e) ?" in screen_text(app)
        await type_text(pilot, "  PAUL ")
        await pilot.press("enter")
        await settle(pilot, app)
        assert isinstance(app.screen, ForgotNewPasswordScreen)
        await type_text(pilot, NEW_PASSWORD)
        await pilot.press("enter")
        await settle(pilot, app)
        await type_text(pilot, NEW_PASSWORD)
        await pilot.press("enter")
        await settle(pilot, app)
        assert isinstance(app.screen, ForgotSummaryScreen)
        text = screen_text(app)
        assert summary_title in text
        assert valid_until in text
        await pilot.press("enter")
        await settle(pilot, app)
        assert isinstance(app.screen, LoginScreen)

        await log_in(pilot, app, LILA, LILA_PASSWORD)
        assert isinstance(app.screen, LoginScreen)
        await log_in(pilot, app, LILA, NEW_PASSWORD)
        assert isinstance(app.screen, HomeScreen), app.screen.query_one("#errors").render()
    services.close()


async def test_no_stale_error_on_the_login_after_a_reset(tmp_path: Path) -> None:
    """Issue 13: « mot de passe erroné » from an attempt before the procedure stayed on
    the login screen the procedure led back to. The login shown again has no message of
    an earlier attempt — on screen, and in the frame the journal keeps of it."""
    from domain.replay import timeline
    from tests.ui_helpers import REFERENCE

    services = make_services(tmp_path)
    app = make_app(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, app, LILA, "Mauvais-Mot-De-Passe-123")
        wrong = "L'adresse électronique ou le mot de passe est erroné."
        assert any(wrong in str(error.render()) for error in app.screen.query(".field-error"))
        app.screen.query_one("#email", Input).value = ""
        app.screen.query_one("#email", Input).focus()
        await walk_to_summary(pilot, app, keyboard=False)  # from the email: « Mot de passe oublié »
        assert isinstance(app.screen, ForgotSummaryScreen)
        await pilot.press("enter")  # « Accédez à vos services en ligne »
        await settle(pilot, app)
        await pilot.pause(0.3)
        assert isinstance(app.screen, LoginScreen)
        shown = [str(error.render()) for error in app.screen.query(".field-error")]
        shown.append(str(app.screen.query_one("#errors", Static).render()))
        assert not any(text.strip() for text in shown), shown
        assert "erroné" not in app.capture()
    services.journal_writer.flush()
    _record, _events, frames = timeline(services, REFERENCE)
    last_login = [frame for frame in frames if "Connexion à mon espace professionnel" in frame.text][-1]
    assert "erroné" not in last_login.text
    services.close()


async def test_escape_goes_back_without_losing_what_was_typed(tmp_path: Path) -> None:
    services = make_services(tmp_path)
    app = make_app(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await walk_to_new_password(pilot, app, keyboard=False)
        await type_text(pilot, "Partiel")
        await pilot.press("escape")
        await settle(pilot, app)
        assert isinstance(app.screen, ForgotQuestionScreen)
        assert app.screen.query_one("#answer", Input).value == "  PAUL "
        await pilot.press("escape")
        await settle(pilot, app)
        assert isinstance(app.screen, ForgotEmailScreen)
        assert app.screen.query_one("#email", Input).value == LILA
        # the CAPTCHA was used: a new one is asked for, and the procedure goes on
        assert app.screen.query_one("#captcha", Input).value == ""
        app.screen.query_one("#captcha", Input).focus()
        await type_text(pilot, solution(app))
        await pilot.press("enter")
        await settle(pilot, app)
        assert isinstance(app.screen, ForgotQuestionScreen)
    services.close()


async def test_wrong_captcha_draws_a_new_image(tmp_path: Path) -> None:
    services = make_services(tmp_path)
    app = make_app(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await type_text(pilot, LILA, keyboard=False)
        await pilot.press(*["tab"] * 6, "enter")
        await settle(pilot, app)
        before = app.core.captcha.current.serial
        wrong = "".join("2" if c != "2" else "3" for c in solution(app))
        await type_text(pilot, wrong)
        await pilot.press("enter")
        await settle(pilot, app)
        assert isinstance(app.screen, ForgotEmailScreen)
        assert app.core.captcha.current.serial > before
        assert "ne correspondent pas à l'image" in screen_text(app)
    services.close()


async def test_unknown_email_gets_a_question_like_a_known_one(tmp_path: Path) -> None:
    services = make_services(tmp_path)
    app = make_app(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await walk_to_question(pilot, app, "personne@exemple.fr", keyboard=False)
        assert isinstance(app.screen, ForgotQuestionScreen)
        await type_text(pilot, "Paul")
        await pilot.press("enter")
        await settle(pilot, app)
        assert isinstance(app.screen, ForgotQuestionScreen)
        assert "ne correspond pas à la question de confiance" in screen_text(app)
    services.close()


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("court-mais-fort-9", "au moins 20 caractères"),
        ("aaaaaaaaaaaaaaaaaaaaaaaa", "trop faible"),
        ("Glycine-Orage-Violon-2023", "différent du précédent"),
    ],
)
async def test_refused_passwords_change_nothing(tmp_path: Path, typed: str, expected: str) -> None:
    services = make_services(tmp_path)
    app = make_app(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await walk_to_new_password(pilot, app, keyboard=False)
        await type_text(pilot, typed, keyboard=False)
        await pilot.press("enter")
        await settle(pilot, app)
        await type_text(pilot, typed, keyboard=False)
        await pilot.press("enter")
        await settle(pilot, app)
        assert isinstance(app.screen, ForgotNewPasswordScreen)
        assert expected in screen_text(app)
    from sqlmodel import select

    from domain.models import OutboxEmail

    with services.uow() as uow:
        assert uow.session.exec(select(OutboxEmail)).all() == []
    services.close()


async def test_meter_updates_as_you_type(tmp_path: Path) -> None:
    services = make_services(tmp_path)
    app = make_app(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await walk_to_new_password(pilot, app, keyboard=False)
        from screens.widgets.strength_meter import StrengthMeter

        meter = app.screen.query_one(StrengthMeter)
        await type_text(pilot, "aaaaaaaaaaaaaaaaaaaa")
        await settle(pilot, app)
        await pilot.pause(0.2)
        assert "Faible (refusé)" in meter.describe()
        await type_text(pilot, "-Nuage-Citron-Piano")
        await pilot.pause(0.3)
        await settle(pilot, app)
        assert "Fort (accepté)" in meter.describe() or "Moyen (accepté)" in meter.describe()
    services.close()


async def test_the_meter_says_too_short_under_the_minimum_length(tmp_path: Path) -> None:
    """Issue 13: a 16-character password was « Moyen (accepté) » on the meter, then
    refused for its length."""
    from screens.widgets.strength_meter import StrengthMeter

    services = make_services(tmp_path)
    app = make_app(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await walk_to_new_password(pilot, app, keyboard=False)
        meter = app.screen.query_one(StrengthMeter)
        await type_text(pilot, "Tournesol-Violon")  # 16 characters, Medium for zxcvbn
        await pilot.pause(0.3)
        await settle(pilot, app)
        assert meter.describe() == "Niveau de sécurité : Trop court (refusé)".replace(" :", "\u00a0:")
        assert "accepté" not in str(meter.render())
        await type_text(pilot, "-Kayak")  # 22 characters: the strength level now
        await pilot.pause(0.3)
        await settle(pilot, app)
        assert "(accepté)" in meter.describe()
    services.close()


async def test_user_text_is_shown_as_text_not_markup(tmp_path: Path) -> None:
    from domain.models import AccountBase
    from domain.registration import register
    from tests.domain.support import store_raw_fields

    services = make_services(tmp_path)
    question = "[@click=app.quit]Q[/] [b]gras[/b] \x1b[31mrouge ?"
    register(
        services,
        AccountBase(
            subscriber_number="20232990000999",
            last_name="[bold]X[/bold]",
            first_name="Y",
            email="markup@exemple.fr",
            security_question="Question ?",
        ),
        password="Tilleul-Horizon-Mistral-88",
        answer="réponse",
    )
    # Today's registration refuses the escape character; an older database may hold it.
    store_raw_fields(services, "markup@exemple.fr", security_question=question)
    app = make_app(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await walk_to_question(pilot, app, "markup@exemple.fr", keyboard=False)
        assert isinstance(app.screen, ForgotQuestionScreen)
        text = screen_text(app)
        assert "markup@exemple.fr" in text
        assert "[@click=app.quit]Q[/] [b]gras[/b] \N{REPLACEMENT CHARACTER}[31mrouge ?" in text
        assert "\x1b" not in text
        await pilot.click("#errors")
        assert app.is_running
    services.close()


async def test_pasted_escape_sequences_and_newlines_are_dropped(tmp_path: Path) -> None:
    from textual import events

    services = make_services(tmp_path)
    app = make_app(services)
    async with app.run_test(size=(80, 24)) as pilot:
        field = app.screen.query_one("#email", Input)
        field.post_message(events.Paste("\x1b[31mlila\x1b]0;titre\x07@orange.fr\nsecond line"))
        await pilot.pause()
        assert "\x1b" not in field.value and "\x07" not in field.value
        assert "second line" not in field.value
        assert field.value.endswith("@orange.fr")
    services.close()


async def test_summary_is_reached_only_once(tmp_path: Path) -> None:
    services = make_services(tmp_path)
    app = make_app(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await walk_to_summary(pilot, app, keyboard=False)
        assert isinstance(app.screen, ForgotSummaryScreen)
        await pilot.press("escape")
        await settle(pilot, app)
        assert isinstance(app.screen, LoginScreen)
    from sqlmodel import select

    from domain.models import OutboxEmail

    with services.uow() as uow:
        emails = uow.session.exec(select(OutboxEmail)).all()
    assert len(emails) == 1
    assert emails[0].subject == "Espace professionnel - Modification du mot de passe"
    services.close()


async def test_a_crash_report_never_shows_a_secret(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    from screens.forgot_new_password import ForgotNewPasswordScreen as Screen

    services = make_services(tmp_path)
    app = make_app(services)
    secret = "Secret-Tres-Secret-Du-Test-42"

    def explode(self: Screen) -> None:
        typed = self.query_one("#new", Input).value
        raise RuntimeError(f"boom ({len(typed)} characters)")

    original = Screen._validate
    Screen._validate = explode  # type: ignore[method-assign]
    try:
        with pytest.raises(RuntimeError):
            async with app.run_test(size=(80, 24)) as pilot:
                await walk_to_new_password(pilot, app, keyboard=False)
                await type_text(pilot, secret, keyboard=False)
                await pilot.press("tab")
                await type_text(pilot, secret, keyboard=False)
                await pilot.press("enter")
                await settle(pilot, app)
    finally:
        Screen._validate = original  # type: ignore[method-assign]
    captured = capfd.readouterr()
    rendered = captured.out + captured.err
    assert "boom (29 characters)" in rendered
    assert secret not in rendered
    services.close()


async def test_demo_mailbox_shows_the_confirmation_email(tmp_path: Path) -> None:
    from screens.demo_mailbox import DemoMailboxScreen

    services = make_services(tmp_path)
    app = make_app(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await walk_to_summary(pilot, app, keyboard=False)
        await pilot.press("f3")
        await settle(pilot, app)
        await pilot.pause(0.2)
        assert isinstance(app.screen, DemoMailboxScreen)
        shown = str(app.screen.query_one("#mail-text", Static).render()).replace("\xa0", " ")
        assert "Objet : Espace professionnel - Modification du mot de passe" in shown
        assert "À : Lila ROSEMONDE <lila.rosemonde@orange.fr>" in shown
        assert "24 novembre 2029" in shown
        assert NEW_PASSWORD not in shown
        await pilot.press("escape")
        await settle(pilot, app)
        assert isinstance(app.screen, ForgotSummaryScreen)
    services.close()


@pytest.mark.parametrize("separator", ["tab", "enter"])
async def test_keys_typed_ahead_go_to_the_next_field(tmp_path: Path, separator: str) -> None:
    """A burst of keys (auto-type, a slow link): what follows Tab or Enter goes to the next
    field, never into the email field in clear."""
    from textual import events

    services = make_services(tmp_path)
    app = make_app(services)
    secret = "Secret-Tape-En-Avance-42"
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        burst = [*LILA, separator, *secret]
        for key in burst:
            character = key if len(key) == 1 else ("\t" if key == "tab" else "\r")
            app.post_message(events.Key(key, character))
        await pilot.pause(0.3)
        assert app.screen.query_one("#email", Input).value == LILA
        assert app.screen.query_one("#password", Input).value == secret
    services.close()


async def test_the_meter_says_why_a_password_is_refused(tmp_path: Path) -> None:
    """Issue 16: the rules are on screen before the first key; a weak password gets its
    reasons under the meter, in words, never the password itself."""
    from screens.widgets.strength_meter import StrengthMeter

    services = make_services(tmp_path)
    app = make_app(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await walk_to_new_password(pilot, app, keyboard=False)
        assert "suites de touches du clavier" in screen_text(app)
        meter = app.screen.query_one(StrengthMeter)
        weak = "azertyuiopqsdfghjklmwxcvbn"
        await type_text(pilot, weak)
        await pilot.pause(0.3)
        await settle(pilot, app)
        assert "Faible (refusé)" in meter.describe()
        assert meter.advice() == "Trop faible\u00a0: il contient une suite de touches du clavier."
        rendered = str(meter.render())
        assert "il contient une suite de touches du clavier" in rendered and weak not in rendered
        await type_text(pilot, "-Grenouille-Zinc-Ombrelle-73")
        await pilot.pause(0.3)
        await settle(pilot, app)
        assert meter.level is not None and meter.level.accepted and meter.advice() == ""
    services.close()
