"""One Textual screen per documented step; each draws the session core's views."""

from __future__ import annotations

from domain.session.states import Step
from screens.base import StepDialog, StepScreen
from screens.change_credentials import ChangeCredentialsScreen
from screens.change_done import ChangeDoneScreen
from screens.coordinates import CoordinatesScreen
from screens.email_step import EmailStepScreen, ExpiredEmailScreen
from screens.expired_passwords import ExpiredPasswordsScreen
from screens.expiry_alert import ExpiryAlertScreen
from screens.fallback import FallbackScreen
from screens.forgot_new_password import ForgotNewPasswordScreen
from screens.forgot_question import ForgotQuestionScreen
from screens.home import HomeScreen
from screens.login import LoginScreen
from screens.recommendations import RecommendationsScreen
from screens.services import ServicesScreen
from screens.summary import ExpiredSummaryScreen, SummaryScreen

SCREENS: dict[Step, type[StepScreen] | type[StepDialog]] = {
    screen.step: screen
    for screen in (
        LoginScreen,
        EmailStepScreen,
        ForgotQuestionScreen,
        ForgotNewPasswordScreen,
        SummaryScreen,
        ExpiredEmailScreen,
        ExpiredPasswordsScreen,
        ExpiredSummaryScreen,
        FallbackScreen,
        RecommendationsScreen,
        ExpiryAlertScreen,
        HomeScreen,
        ServicesScreen,
        CoordinatesScreen,
        ChangeCredentialsScreen,
        ChangeDoneScreen,
    )
}
"""The screen that draws each step (the session's end has none: the app exits)."""
