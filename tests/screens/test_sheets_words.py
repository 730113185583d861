"""Issue 12, « the sheets' words », in the full-screen app: the fallback by procedure, the
advice in full, the demo's F2 list after a change, the demo mailbox in French."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Button, Static

from screens.demo_accounts import DemoAccountsScreen
from screens.demo_mailbox import DemoMailboxScreen
from screens.fallback import FallbackScreen
from screens.recommendations import RecommendationsScreen
from tests.screens.test_expiry_walks import CHLOE, CHLOE_PASSWORD, log_in
from tests.ui_helpers import (
    LILA_PASSWORD,
    NEW_PASSWORD,
    make_app,
    make_services,
    settle,
    walk_to_new_password,
    walk_to_summary,
)
from tui.app import MotDePasseApp


def shown(app: MotDePasseApp) -> str:
    """What the screen shows, French no-break spaces read as spaces, lines joined."""
    text = "\n".join(str(widget.render()) for widget in app.screen.query(Static))
    return " ".join(text.replace("\xa0", " ").split())


async def open_fallback(pilot, app: MotDePasseApp) -> str:  # type: ignore[no-untyped-def]
    app.screen.query_one("#fallback", Button).press()
    await settle(pilot, app)
    assert isinstance(app.screen, FallbackScreen)
    return shown(app)


async def test_the_fallback_depends_on_the_procedure(tmp_path: Path) -> None:
    services = make_services(tmp_path)
    app = make_app(services)
    async with app.run_test(size=(100, 60)) as pilot:
        await pilot.pause()
        await log_in(pilot, app, CHLOE, CHLOE_PASSWORD, keyboard=False)  # expired: « Mot de passe expiré »
        expired = await open_fallback(pilot, app)
        assert "du mot de passe que vous utilisez pour y accéder (votre ancien mot de passe)" in expired
        assert "la procédure « Mot de passe oublié » (sur l'écran de connexion) permet également" in expired
        assert "Si vous ne pouvez mener à bien aucune de ces procédures :" in expired
        assert "• créez un nouvel espace professionnel selon le mode expert ;" in expired
        assert "et de la réponse à votre question de confiance" not in expired
        await pilot.press("escape")  # back to the email step, then to the login
        await settle(pilot, app)
        await pilot.press("escape")
        await settle(pilot, app)
        app.screen.query_one("#forgot", Button).press()
        await settle(pilot, app)
        forgot = await open_fallback(pilot, app)
        assert "et de la réponse à votre question de confiance." in forgot
        assert "Si vous ne les avez plus :" in forgot
        assert "ancien mot de passe" not in forgot and "« Mot de passe oublié »" not in forgot
    services.close()


async def test_the_advice_is_the_sheets_in_full(tmp_path: Path) -> None:
    services = make_services(tmp_path)
    app = make_app(services, "en")
    async with app.run_test(size=(100, 60)) as pilot:
        await walk_to_new_password(pilot, app, keyboard=False)
        await pilot.press("f1")
        await settle(pilot, app)
        assert isinstance(app.screen, RecommendationsScreen)
        text = shown(app)
        assert "Recommendations to prevent identity theft" in text
        assert "• never write it down on any medium whatsoever (neither in a file nor on paper);" in text
        assert "• do not send it by email (email services are the target of many hacking attempts);" in text
        assert "« Un tien vaut mieux que deux tu l'auras » (a bird in the hand is worth two in the bush)" in text
        assert "your password needs at least 20: take a longer sentence" in text
        assert "set your browser so that it does not remember the passwords you type." in text
    services.close()


async def test_the_demo_list_after_a_change_shows_no_stale_password(tmp_path: Path) -> None:
    services = make_services(tmp_path)
    app = make_app(services)
    async with app.run_test(size=(100, 60)) as pilot:
        await pilot.press("f2")
        await settle(pilot, app)
        assert isinstance(app.screen, DemoAccountsScreen)
        assert f"Mot de passe : {LILA_PASSWORD}" in shown(app)
        await pilot.press("escape")
        await settle(pilot, app)
        await walk_to_summary(pilot, app, keyboard=False)  # Lila changes her password
        await pilot.press("f2")
        await settle(pilot, app)
        assert isinstance(app.screen, DemoAccountsScreen)
        text = shown(app)
        lila = text[text.index("Lila ROSEMONDE") : text.index("Hugo MARTIN")]
        assert "Mot de passe : modifié pendant la démo (le nouveau n'est pas affiché)" in lila
        assert LILA_PASSWORD not in text and NEW_PASSWORD not in text  # neither the old nor the new one
        assert "Mot de passe : Cerisier-Boussole-Tambour-42" in text  # the others are unchanged
        assert "Mot de passe : Hibiscus-Lanterne-Falaise-19" in text
    services.close()


async def test_the_demo_mailbox_speaks_french(tmp_path: Path) -> None:
    services = make_services(tmp_path)
    app = make_app(services)
    async with app.run_test(size=(100, 60)) as pilot:
        await walk_to_summary(pilot, app, keyboard=False)
        await pilot.press("f3")
        await settle(pilot, app)
        await pilot.pause(0.2)
        assert isinstance(app.screen, DemoMailboxScreen)
        text = shown(app)
        assert "#1 · en attente d'envoi" in text
        assert "queued" not in text
        assert "Objet : Espace professionnel - Modification du mot de passe" in text
        assert "De : " in text and "À : Lila ROSEMONDE <lila.rosemonde@orange.fr>" in text
        assert "Date : 24 novembre 2026 à 10:30" in text  # 09:30 UTC, in Paris
        for english in ("Subject:", "From:", "To:", "Date:"):
            assert english not in text
    services.close()
