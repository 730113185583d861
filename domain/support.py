"""Support staff: their accounts, their sign-in, and what they may see and do (SPEC §5).

Staff see an account's card (never the answer, never a hash), its lock and expiry state,
its sessions, and replay a session by its reference; they may lift a forgot-password
lock and deactivate or reactivate an account. Every view and action is audited with the
staff identity.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import col, delete, or_, select

from domain import accounts, admin
from domain.accounts import AccountCard, AccountError
from domain.expiry import ExpiryStatus
from domain.i18n import Translator
from domain.models import (
    Account,
    AnswerFailure,
    LoginFailure,
    SessionRecord,
    StaffAccount,
    StaffAudit,
)
from domain.replay import Event, Frame, timeline
from domain.services import Services
from domain.text import email_key

_USERNAME = re.compile(r"[a-z][a-z0-9._-]{1,63}")


@dataclass(frozen=True)
class StaffIdentity:
    """Who is acting: ``staff:USERNAME`` (password) or ``ssh-key:SHA256:…`` (SSH key)."""

    label: str


def add_staff(services: Services, username: str, display_name: str, password: str) -> None:
    if not _USERNAME.fullmatch(username):
        raise AccountError("username: 2 to 64 lower-case letters, digits, '.', '_' or '-', starting with a letter")
    if not display_name.strip():
        raise AccountError("name: required")
    result = services.policy.check(password, password, personal_words=(username, display_name))
    if not result.accepted:
        t = Translator("en")
        raise AccountError("password: " + " ".join(v.message(t) for v in result.violations))
    password_hash = services.hasher.hash(password)
    with services.uow() as uow:
        if uow.session.exec(select(StaffAccount).where(StaffAccount.username == username)).first():
            raise AccountError("username: already used")
        uow.session.add(
            StaffAccount(
                username=username,
                display_name=display_name.strip(),
                password_hash=password_hash,
                created_at=services.clock.now(),
            )
        )
        uow.commit()


def list_staff(services: Services) -> list[StaffAccount]:
    with services.uow() as uow:
        return list(uow.session.exec(select(StaffAccount).order_by(col(StaffAccount.username))).all())


def remove_staff(services: Services, username: str) -> None:
    with services.uow() as uow:
        staff = uow.session.exec(select(StaffAccount).where(StaffAccount.username == username)).first()
        if staff is None or not staff.active:
            raise admin.NotFound(username)
        staff.active = False
        uow.session.add(staff)
        uow.commit()


def sign_in_staff(services: Services, username: str, password: str, client: str | None) -> StaffIdentity | None:
    """Check a staff password, with the login's throttling and flat timing."""
    throttle = services.login_throttle
    keys = (f"staff:{username}", f"client:{client or 'local'}")
    now = services.clock.now()
    with services.uow() as uow:
        if throttle.wait(uow, keys, now) > timedelta(0):
            return None
        staff = uow.session.exec(select(StaffAccount).where(StaffAccount.username == username)).first()
        if staff is None or not staff.active:
            services.hasher.verify_dummy(password)
            ok = False
        else:
            ok = services.hasher.verify(staff.password_hash, password).ok
        if not ok:
            throttle.record_failure(uow, keys, now)
            uow.commit()
            return None
        throttle.clear(uow, keys[0])
        uow.commit()
    identity = StaffIdentity(f"staff:{username}")
    audit(services, identity, "sign_in")
    return identity


def audit(
    services: Services,
    staff: StaffIdentity,
    action: str,
    *,
    account_id: int | None = None,
    session_reference: str | None = None,
    **detail: object,
) -> None:
    with services.uow() as uow:
        uow.session.add(
            StaffAudit(
                at=services.clock.now(),
                staff=staff.label,
                action=action,
                account_id=account_id,
                session_reference=session_reference,
                detail=json.dumps(detail, default=str),
            )
        )
        uow.commit()


def search(services: Services, staff: StaffIdentity, query: str, limit: int = 20) -> list[AccountCard]:
    """Accounts by email, subscriber number or name (parts of them)."""
    text = query.strip()
    if not text:
        return []
    pattern = f"%{text.casefold()}%"
    with services.uow() as uow:
        rows = uow.session.exec(
            select(Account)
            .where(
                or_(
                    col(Account.email_key).like(pattern),
                    col(Account.subscriber_number).like(f"%{text}%"),
                    col(Account.last_name).ilike(f"%{text}%"),
                    col(Account.first_name).ilike(f"%{text}%"),
                )
            )
            .order_by(col(Account.last_name), col(Account.first_name))
            .limit(limit)
        ).all()
        cards = [accounts.card(uow.session, row) for row in rows]
    audit(services, staff, "search", query=text, results=len(cards))
    return cards


@dataclass(frozen=True)
class SessionSummary:
    reference: str
    started_at: datetime
    ended_at: datetime | None
    channel: str
    client_address: str | None


@dataclass(frozen=True)
class SupportCard:
    card: AccountCard
    expiry: ExpiryStatus | None
    answer_locked_until: datetime | None
    login_wait: timedelta
    sessions: list[SessionSummary]


def view_account(services: Services, staff: StaffIdentity, account_id: int) -> SupportCard:
    with services.uow() as uow:
        account = uow.session.get(Account, account_id)
        if account is None:
            raise admin.NotFound(str(account_id))
        card = accounts.card(uow.session, account)
        digest = accounts.email_digest(services.secret_key, email_key(account.email))
        now = services.clock.now()
        locked = services.answer_throttle.locked_until(uow, digest, now)
        wait = services.login_throttle.wait(uow, (f"account:{digest}",), now)
        rows = uow.session.exec(
            select(SessionRecord)
            .where(SessionRecord.account_id == account_id)
            .order_by(col(SessionRecord.started_at).desc())
            .limit(20)
        ).all()
    audit(services, staff, "view_account", account_id=account_id)
    return SupportCard(
        card=card,
        expiry=services.expiry(card.password_expires_on) if card.password_expires_on else None,
        answer_locked_until=locked,
        login_wait=wait,
        sessions=[SessionSummary(r.reference, r.started_at, r.ended_at, r.channel, r.client_address) for r in rows],
    )


def lift_locks(services: Services, staff: StaffIdentity, account_id: int) -> None:
    """Lift the forgot-password lock and the login delays of an account."""
    with services.uow() as uow:
        account = uow.session.get(Account, account_id)
        if account is None:
            raise admin.NotFound(str(account_id))
        digest = accounts.email_digest(services.secret_key, email_key(account.email))
        uow.session.exec(delete(AnswerFailure).where(col(AnswerFailure.email_digest) == digest))  # type: ignore[call-overload]
        uow.session.exec(delete(LoginFailure).where(col(LoginFailure.key) == f"account:{digest}"))  # type: ignore[call-overload]
        uow.commit()
    audit(services, staff, "lift_locks", account_id=account_id)


def set_account_status(services: Services, staff: StaffIdentity, account_id: int, status: str) -> AccountCard:
    with services.uow() as uow:
        account = uow.session.get(Account, account_id)
        if account is None:
            raise admin.NotFound(str(account_id))
        email = account.email
    card = admin.set_status(services, email, status)
    audit(services, staff, "deactivate" if status == "deactivated" else "reactivate", account_id=account_id)
    return card


def open_session(
    services: Services, staff: StaffIdentity, reference: str
) -> tuple[SessionRecord | None, list[Event], list[Frame]]:
    """A session by the reference the user reads on the phone."""
    reference = reference.strip().upper()
    found = timeline(services, reference)
    record = found[0]
    audit(
        services,
        staff,
        "view_session",
        account_id=record.account_id if record else None,
        session_reference=reference if record else None,
        found=record is not None,
    )
    return found
