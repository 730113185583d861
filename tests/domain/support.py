"""Constants and helpers shared by the domain tests (fixtures live in tests/conftest.py)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import select

from domain.models import Account, OutboxEmail, PasswordCredential
from domain.services import Services, UserSession

START = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)
"""A Monday morning; Paris is UTC+1 on that day."""

LILA = "lila.rosemonde@orange.fr"
HUGO = "hugo.martin@example.fr"
LILA_WORDS = ("ROSEMONDE", "Lila", LILA, "20232990000101", "paul")
NEW_PASSWORD = "Horizon-Luciole-Chaloupe-87"
"""A strong new password, unrelated to the demo accounts."""
OTHER_PASSWORD = "Kestrel-Mandoline-Falaise-64"


def solution(session: UserSession) -> str:
    """The answer to the CAPTCHA currently shown (tests only)."""
    return session.captcha.current.solution


def account(services: Services, email: str) -> Account:
    with services.uow() as uow:
        row = uow.session.exec(select(Account).where(Account.email == email)).one()
        return row


def credentials(services: Services, email: str) -> list[PasswordCredential]:
    """Every credential row of an account, oldest first."""
    account_id = account(services, email).id
    with services.uow() as uow:
        return list(
            uow.session.exec(
                select(PasswordCredential)
                .where(PasswordCredential.account_id == account_id)
                .order_by(PasswordCredential.id)
            ).all()
        )


def current_hash(services: Services, email: str) -> str:
    (row,) = [c for c in credentials(services, email) if c.is_current]
    return row.password_hash


def outbox(services: Services) -> list[OutboxEmail]:
    with services.uow() as uow:
        return list(uow.session.exec(select(OutboxEmail).order_by(OutboxEmail.id)).all())


def set_status(services: Services, email: str, status: str) -> None:
    with services.uow() as uow:
        row = uow.session.exec(select(Account).where(Account.email == email)).one()
        row.status = status
        uow.session.add(row)
        uow.commit()
