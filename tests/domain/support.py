"""Constants and helpers shared by the domain tests (fixtures live in tests/conftest.py)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlmodel import select

from domain.accounts import AccountCard
from domain.expiry import ExpiryStatus
from domain.i18n import Translator
from domain.models import Account, OutboxEmail, PasswordCredential
from domain.services import Services, UserSession
from domain.session import SessionCore, Step, View
from domain.session.intents import LogIn
from domain.session.views import AccountDetail, AlertDetail
from domain.settings import Language
from domain.usecases import PasswordStatus

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


_CLIENTS = itertools.count(1)


def fresh_client() -> str:
    """A client address of its own (per-client throttling stays out of a test)."""
    number = next(_CLIENTS)
    return f"198.18.{number // 250}.{number % 250}"


@dataclass(frozen=True)
class Attempt:
    """One LogIn sent to a fresh session core, and what the view it got back shows."""

    core: SessionCore
    view: View

    @property
    def status(self) -> PasswordStatus:
        if self.view.step in (Step.HOME, Step.EXPIRY_ALERT):
            return PasswordStatus.OK
        if self.view.step is Step.EXPIRED_EMAIL:
            return PasswordStatus.EXPIRED
        assert self.view.step is Step.LOGIN, self.view.step
        (note,) = self.view.notes
        return PasswordStatus(note.code)

    @property
    def message(self) -> str:
        return " ".join(note.render(Translator(self.core.language)) for note in self.view.notes)

    @property
    def card(self) -> AccountCard | None:
        detail = self.view.detail
        return detail.card if isinstance(detail, AccountDetail | AlertDetail) else None

    @property
    def expiry(self) -> ExpiryStatus | None:
        """The expiry the signed-in session shows (alert or home)."""
        detail = self.view.detail
        return detail.expiry if isinstance(detail, AccountDetail | AlertDetail) else None


def attempt(
    services: Services, email: str, password: str, client: str | None = None, *, language: Language | None = None
) -> Attempt:
    """One login from a fresh session (from its own client address unless ``client``)."""
    core = SessionCore(services, language=language, client_address=client or fresh_client())
    return Attempt(core, core.send(LogIn(email, password, core.captcha.current.solution)))


def store_raw_fields(services: Services, email: str, **fields: str) -> None:
    """Write account fields as an older database may hold them, past today's validation
    (control characters, markup): what is shown or mailed must still be safe."""
    with services.uow() as uow:
        row = uow.session.exec(select(Account).where(Account.email == email)).one()
        for name, value in fields.items():
            setattr(row, name, value)
        uow.session.add(row)
        uow.commit()
