"""The screens of the account space. Whether the sign-in still stands (password changed
in another session, expired, account deactivated) is the session core's business: the
app's timer sends it a Tick, and every intent is checked too."""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType

from screens.base import StepScreen


class SignedInScreen(StepScreen):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "back", show=False)]
