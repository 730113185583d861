"""Accounts and their credentials: creation, look-up, and the password change itself."""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from domain.findings import Kind, PersonalWord
from domain.models import Account, AccountBase, OutboxEmail, PasswordCredential
from domain.text import email_key, forbidden_character, looks_like_email

STANDARD_QUESTIONS: tuple[str, ...] = (
    "Le prénom de votre conjoint(e) ?",
    "Le nom de jeune fille de votre mère ?",
    "Le nom de votre premier animal de compagnie ?",
    "La ville de naissance de votre père ?",
    "Le prénom de votre meilleur(e) ami(e) d'enfance ?",
    "Le nom de votre école primaire ?",
    "Le modèle de votre première voiture ?",
)
"""The questions offered at registration; a decoy question is drawn from these."""

_SUBSCRIBER = re.compile(r"[0-9]{14}")
"""ASCII digits only (``\\d`` would take any script's digits)."""

STORED_FIELDS: tuple[tuple[str, str], ...] = (
    ("subscriber_number", "subscriber number"),
    ("last_name", "last name"),
    ("first_name", "first name"),
    ("phone", "phone"),
    ("postal_address", "postal address"),
    ("email", "email"),
    ("language", "language"),
    ("security_question", "security question"),
)
"""Every text field of an account, with the name an error message gives it."""


class AccountError(ValueError):
    """A bad value for an account field; the message names the field, never a secret."""


class StaleCredentials(RuntimeError):
    """The password changed in another session while this one was completing a change."""


@dataclass(frozen=True, slots=True)
class AccountCard:
    """What may be shown of an account: no hash, no answer."""

    id: int
    subscriber_number: str
    last_name: str
    first_name: str
    phone: str
    postal_address: str
    email: str
    language: str
    security_question: str
    status: str
    credentials_version: int
    password_set_at: datetime | None
    password_expires_on: date | None

    @property
    def personal_words(self) -> tuple[str, ...]:
        return personal_words(self)


def personal_words(account: AccountBase | AccountCard, *extra: str) -> tuple[PersonalWord, ...]:
    """The account's own words, which the strength estimate counts as weak (SPEC §2):
    names, email, subscriber number (also as a SIREN), phone, postal address (postcode,
    city, street), and ``extra`` (the security answer, where it is known). Each says what
    it is, so a refusal says « your phone number », never the number. The one list for
    every procedure and every operator's command."""
    return (
        PersonalWord(account.last_name, Kind.PERSONAL_NAME),
        PersonalWord(account.first_name, Kind.PERSONAL_NAME),
        PersonalWord(account.email, Kind.EMAIL),
        PersonalWord(account.subscriber_number, Kind.SUBSCRIBER_NUMBER),
        PersonalWord(account.phone, Kind.PHONE),
        PersonalWord(account.postal_address, Kind.ADDRESS),
        *(PersonalWord(word, Kind.ANSWER) for word in extra),
    )


def email_digest(secret: bytes, key: str) -> str:
    """A keyed hash of an email key: throttling records never hold the address itself."""
    return hmac.new(secret, b"email:" + key.encode(), hashlib.sha256).hexdigest()


def check_stored_text(label: str, value: str) -> None:
    """Refuse a character a stored one-line field may not hold (controls, bidi controls,
    zero-width characters, lone surrogates…: see ``domain.text.forbidden_character``);
    the message names the field and the character as ``U+XXXX``, never the character."""
    character = forbidden_character(value)
    if character is not None:
        raise AccountError(f"{label}: character {character} not allowed")


def validate_account_fields(fields: AccountBase) -> None:
    """Every stored field, by every way an account is made (``accounts add``, the CSV
    import, the demo): first the characters, then each field's own rule."""
    for name, label in STORED_FIELDS:
        check_stored_text(label, getattr(fields, name))
    if not _SUBSCRIBER.fullmatch(fields.subscriber_number):
        raise AccountError("subscriber number: 14 digits expected")
    if not looks_like_email(fields.email):
        raise AccountError("email: not a valid address")
    if not fields.last_name.strip() or not fields.first_name.strip():
        raise AccountError("name: last and first names are required")
    if not fields.security_question.strip():
        raise AccountError("security question: required")
    if fields.language not in ("fr", "en"):
        raise AccountError("language: fr or en")


def find_by_email(session: Session, email: str) -> Account | None:
    return session.exec(select(Account).where(Account.email_key == email_key(email))).first()


def current_credential(session: Session, account_id: int) -> PasswordCredential | None:
    return session.exec(
        select(PasswordCredential).where(
            PasswordCredential.account_id == account_id, col(PasswordCredential.is_current)
        )
    ).first()


def recent_hashes(session: Session, account_id: int, depth: int) -> list[str]:
    """The current password hash and the ``depth`` previous ones, newest first."""
    rows = session.exec(
        select(PasswordCredential)
        .where(PasswordCredential.account_id == account_id)
        .order_by(col(PasswordCredential.set_at).desc(), col(PasswordCredential.id).desc())
        .limit(depth + 1)
    ).all()
    return [row.password_hash for row in rows]


def card(session: Session, account: Account) -> AccountCard:
    assert account.id is not None
    credential = current_credential(session, account.id)
    return AccountCard(
        id=account.id,
        subscriber_number=account.subscriber_number,
        last_name=account.last_name,
        first_name=account.first_name,
        phone=account.phone,
        postal_address=account.postal_address,
        email=account.email,
        language=account.language,
        security_question=account.security_question,
        status=account.status,
        credentials_version=account.credentials_version,
        password_set_at=credential.set_at if credential else None,
        password_expires_on=credential.expires_on if credential else None,
    )


def add_account(
    session: Session,
    *,
    fields: AccountBase,
    password_hash: str,
    answer_hash: str,
    now: datetime,
    expires_on: date,
) -> Account:
    """Insert an account and its first password; the caller commits."""
    validate_account_fields(fields)
    key = email_key(fields.email)
    if session.exec(select(Account).where(Account.email_key == key)).first():
        raise AccountError("email: an account already uses this address")
    if session.exec(select(Account).where(Account.subscriber_number == fields.subscriber_number)).first():
        raise AccountError("subscriber number: already used")
    account = Account.model_validate(
        fields,
        update={
            "email": fields.email.strip(),
            "email_key": key,
            "security_answer_hash": answer_hash,
            "created_at": now,
        },
    )
    session.add(account)
    session.flush()
    assert account.id is not None
    session.add(
        PasswordCredential(account_id=account.id, password_hash=password_hash, set_at=now, expires_on=expires_on)
    )
    return account


def replace_password(
    session: Session,
    *,
    account_id: int,
    expected_version: int,
    password_hash: str,
    now: datetime,
    expires_on: date,
    history_depth: int,
    email: OutboxEmail,
) -> None:
    """Make ``password_hash`` current, keep ``history_depth`` old ones, queue the email.

    All in the caller's transaction: the change and its email commit together or not at
    all. The change is made only from ``expected_version``: one conditional UPDATE, whose
    row count tells whether another change got there first (of two changes started from
    one version, exactly one wins, on SQLite as on PostgreSQL, across processes).
    """
    bumped = session.exec(  # type: ignore[call-overload]
        update(Account)
        .where(col(Account.id) == account_id, col(Account.credentials_version) == expected_version)
        .values(credentials_version=expected_version + 1)
        .execution_options(synchronize_session=False)
    )
    if bumped.rowcount != 1:
        raise StaleCredentials("the password was changed elsewhere; start again")
    rows = session.exec(
        select(PasswordCredential)
        .where(PasswordCredential.account_id == account_id)
        .order_by(col(PasswordCredential.set_at).desc(), col(PasswordCredential.id).desc())
    ).all()
    for index, row in enumerate(rows):
        if index >= history_depth:
            session.delete(row)
        elif row.is_current:
            row.is_current = False
            session.add(row)
    session.add(
        PasswordCredential(account_id=account_id, password_hash=password_hash, set_at=now, expires_on=expires_on)
    )
    session.add(email)


def active_with_current_password(
    session: Session,
    *,
    expiring_between: tuple[date, date] | None = None,
    after_id: int = 0,
    limit: int | None = None,
) -> list[tuple[Account, PasswordCredential]]:
    """Active accounts with their current password, by account id (daily jobs: reminders,
    deactivation). ``expiring_between`` keeps the passwords whose last valid day lies in
    the range (both included); ``after_id`` and ``limit`` read them a page at a time."""
    query = (
        select(Account, PasswordCredential)
        .join(PasswordCredential, col(PasswordCredential.account_id) == col(Account.id))
        .where(col(PasswordCredential.is_current), Account.status == "active", col(Account.id) > after_id)
        .order_by(col(Account.id))
    )
    if expiring_between is not None:
        first, last = expiring_between
        query = query.where(col(PasswordCredential.expires_on) >= first, col(PasswordCredential.expires_on) <= last)
    if limit is not None:
        query = query.limit(limit)
    return [(account, credential) for account, credential in session.exec(query).all()]
