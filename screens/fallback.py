"""What to do when the procedure cannot be completed (seeds 000, 001, 003)."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Button, Static

from domain.session import messages as m
from domain.session.intents import Back
from domain.session.states import Step
from domain.session.views import FallbackDetail
from screens.base import StepScreen


class FallbackScreen(StepScreen):
    step = Step.FALLBACK

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "back", show=False)]

    def key_hints(self) -> str:
        return self._("Esc or Enter: back")

    def compose_body(self) -> ComposeResult:
        _ = self._
        detail = self.view.detail
        assert isinstance(detail, FallbackDetail)
        lang = self.t.lang
        text = Text()
        text.append(_(detail.needs))
        if detail.other_way is not None:
            text.append("\n\n")
            text.append(_(detail.other_way))
        text.append("\n\n")
        text.append(_(detail.if_not), style="bold")
        text.append("\n")
        for line in detail.steps:
            text.append("• " + _(line) + "\n")
        text.append("\n")
        text.append(_(m.SUPPORT), style="bold")
        text.append("\n")
        text.append(_(m.SUPPORT_PHONE).format(phone=detail.support.phone, hours=detail.support.hours[lang]))
        text.append("\n")
        text.append(_(m.SUPPORT_FORM).format(form=detail.support.form[lang]))
        text.append("\n")
        text.append(_(m.SUPPORT_CAN))
        text.append("\n")
        text.append(
            _("Give support the session reference shown at the top right: {ref}.").format(ref=self.view.reference)
        )
        yield Static(text, markup=False, classes="info")
        yield Button(_("Back"), id="back", variant="primary", compact=True)

    def on_mount(self) -> None:
        self.query_one("#back", Button).focus()

    @on(Button.Pressed, "#back")
    def _back(self) -> None:
        self.send(Back())
