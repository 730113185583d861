"""Helpers shared by the mail tests."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from sqlmodel import select

from domain.delivery import DeliveryReport, Dispatcher, SmtpTransport
from domain.models import OutboxEmail
from domain.services import Services
from domain.session import SessionCore, Step, walk
from domain.session.intents import OpenForgot, SubmitAnswer, SubmitEmail, SubmitNewPassword
from domain.session.views import SummaryDetail
from tests.domain.support import NEW_PASSWORD, account

ANSWERS = {
    "lila.rosemonde@orange.fr": "Paul",
    "hugo.martin@example.fr": "Médor",
    "chloe.durand@example.fr": "Quimper",
}


def utc(value: datetime | None) -> datetime | None:
    """SQLite gives naive datetimes back; every instant stored is UTC."""
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def dispatcher(services: Services, name: str | None = None) -> Dispatcher:
    return Dispatcher(services, lambda: SmtpTransport(services.settings), name=name)


def deliver(services: Services, limit: int = 50) -> DeliveryReport:
    return dispatcher(services).deliver_once(limit)


def outbox(services: Services) -> list[OutboxEmail]:
    with services.uow() as uow:
        return list(uow.session.exec(select(OutboxEmail).order_by(OutboxEmail.id)).all())


def row(services: Services, row_id: int) -> OutboxEmail:
    with services.uow() as uow:
        found = uow.session.get(OutboxEmail, row_id)
        assert found is not None
        return found


def forgot_change(
    services: Services,
    email: str,
    *,
    answer: str | None = None,
    password: str = NEW_PASSWORD,
    client_address: str | None = None,
    language: str | None = None,
) -> date:
    """A complete forgot-password procedure; returns the new last valid day."""
    core = SessionCore(services, client_address=client_address, language=language)  # type: ignore[arg-type]
    view = walk(core, [OpenForgot(email), SubmitEmail(email, core.captcha.current.solution)])
    assert view.step is Step.FORGOT_QUESTION, view.notes
    view = walk(core, [SubmitAnswer(answer or ANSWERS[email])])
    assert view.step is Step.FORGOT_NEW_PASSWORD, view.notes
    view = walk(core, [SubmitNewPassword(password, password)])
    assert view.step is Step.FORGOT_SUMMARY and isinstance(view.detail, SummaryDetail), view.notes
    return view.detail.valid_until


def queue_raw(
    services: Services,
    *,
    account_email: str,
    to_address: str | None = None,
    to_name: str = "Lila ROSEMONDE",
    subject: str = "Objet",
    body_text: str = "Bonjour.\n",
    body_html: str = "<p>Bonjour.</p>",
    kind: str = "test",
) -> int:
    """Write an outbox row directly (what a buggy or hostile writer could store)."""
    holder = account(services, account_email)
    assert holder.id is not None
    now = services.clock.now()
    email = OutboxEmail(
        message_id=f"<{kind}.{uuid.uuid4().hex}@impots.example>",
        account_id=holder.id,
        kind=kind,
        to_address=holder.email if to_address is None else to_address,
        to_name=to_name,
        language="fr",
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        created_at=now,
        next_attempt_at=now,
    )
    with services.uow() as uow:
        uow.session.add(email)
        uow.commit()
        assert email.id is not None
        return email.id
