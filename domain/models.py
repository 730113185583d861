"""Database tables (SQLModel). Only leaves are ``table=True``; no public model carries a hash."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel


class AccountBase(SQLModel):
    """What the registration summary shows (SPEC §1), never a secret."""

    subscriber_number: str = Field(max_length=14, unique=True, index=True)
    last_name: str = Field(max_length=100)
    first_name: str = Field(max_length=100)
    phone: str = Field(default="", max_length=30)
    postal_address: str = Field(default="", max_length=300)
    email: str = Field(max_length=254)
    language: str = Field(default="fr", max_length=5)
    security_question: str = Field(max_length=200)
    status: str = Field(default="active", max_length=20)


class Account(AccountBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    email_key: str = Field(max_length=254, unique=True, index=True)
    security_answer_hash: str = Field(max_length=255)
    credentials_version: int = 0
    """Bumped by every password change: sessions opened before it are signed out."""
    created_at: datetime


class PasswordCredential(SQLModel, table=True):
    """The current password (``is_current``) and the history kept for reuse checks."""

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    password_hash: str = Field(max_length=255)
    set_at: datetime
    expires_on: date
    is_current: bool = True


class OutboxEmail(SQLModel, table=True):
    """A transactional outbox row, written in the same transaction as the change."""

    id: int | None = Field(default=None, primary_key=True)
    message_id: str = Field(max_length=200, unique=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    kind: str = Field(max_length=40)
    to_address: str = Field(max_length=254)
    to_name: str = Field(default="", max_length=210)
    language: str = Field(max_length=5)
    subject: str = Field(max_length=300)
    body_text: str
    body_html: str = ""
    created_at: datetime
    state: str = Field(default="queued", max_length=20, index=True)
    """queued → sent, or failed after the last attempt (or a permanent refusal)."""
    attempts: int = 0
    last_error: str | None = Field(default=None, max_length=500)
    next_attempt_at: datetime | None = Field(default=None, index=True)
    claimed_by: str | None = Field(default=None, max_length=80)
    claimed_until: datetime | None = None
    """A dispatcher's lease: no other dispatcher takes the row before it ends."""
    sent_at: datetime | None = None


class ReminderSent(SQLModel, table=True):
    """One expiry reminder per account, password (its expiry date) and threshold."""

    __table_args__ = (UniqueConstraint("account_id", "expires_on", "threshold"),)

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    expires_on: date
    threshold: int
    outbox_id: int | None = Field(default=None, foreign_key="outboxemail.id")


class AnswerFailure(SQLModel, table=True):
    """A wrong security answer, keyed by a keyed hash of the email (known or not)."""

    id: int | None = Field(default=None, primary_key=True)
    email_digest: str = Field(max_length=64, index=True)
    at: datetime = Field(index=True)


class AnswerClientFailure(SQLModel, table=True):
    """A wrong security answer, keyed by the client address it came from (whatever the
    email): the limit per client, besides the one per email."""

    id: int | None = Field(default=None, primary_key=True)
    client: str = Field(max_length=80, index=True)
    at: datetime = Field(index=True)


class LoginFailure(SQLModel, table=True):
    """A wrong password (login, or the old password of the expired procedure), keyed by
    account (keyed hash of the email) and by client address."""

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=80, index=True)
    at: datetime = Field(index=True)


class SessionRecord(SQLModel, table=True):
    """One user session, by the reference shown on every screen."""

    reference: str = Field(primary_key=True, max_length=9)
    started_at: datetime = Field(index=True)
    ended_at: datetime | None = None
    channel: str = Field(default="local", max_length=20)
    client_address: str | None = Field(default=None, max_length=64)
    language: str = Field(max_length=5)
    columns: int = 80
    rows: int = 24
    account_id: int | None = Field(default=None, foreign_key="account.id", index=True)


class JournalEvent(SQLModel, table=True):
    """What happened in a session: screens, actions, outcomes. Never a secret."""

    __table_args__ = (UniqueConstraint("session_reference", "seq"),)

    id: int | None = Field(default=None, primary_key=True)
    session_reference: str = Field(foreign_key="sessionrecord.reference", index=True)
    seq: int
    at: datetime
    kind: str = Field(max_length=20)
    name: str = Field(max_length=60)
    detail: str = Field(default="{}")


class StaffAccount(SQLModel, table=True):
    """A support agent. Removed agents are kept (the audit names them) but cannot sign in."""

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True, index=True)
    display_name: str = Field(max_length=120)
    password_hash: str = Field(max_length=255)
    created_at: datetime
    active: bool = True


class StaffAudit(SQLModel, table=True):
    """Who in support saw or did what, and when."""

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(index=True)
    staff: str = Field(max_length=120, index=True)
    action: str = Field(max_length=40)
    account_id: int | None = Field(default=None, foreign_key="account.id", index=True)
    session_reference: str | None = Field(default=None, max_length=9)
    detail: str = Field(default="{}")


class DeploymentSetting(SQLModel, table=True):
    """What every front end of one database must agree on, written by the first to start:
    ``key_check`` (a keyed digest of a constant) tells a front end whose secret key differs
    from the others', before its decoys and throttles silently disagree with theirs."""

    name: str = Field(primary_key=True, max_length=40)
    value: str = Field(max_length=200)
