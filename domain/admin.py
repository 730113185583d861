"""Operators' use cases: find, list, import, set the expiry, deactivate and reactivate
accounts, lift their locks, read the staff audit. The command line (``motdepasse
accounts …``, ``staff audit``) is a thin layer over these.

A use case that changes something takes the ``actor`` (the staff audit label:
``operator:USER`` for an operator's command) and writes its audit row in the unit of
work of the change: a change is never committed without its record, nor the reverse."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from pydantic import ValidationError
from sqlmodel import col, delete, func, or_, select

from domain import accounts
from domain.accounts import AccountCard, AccountError
from domain.models import Account, AccountBase, AnswerFailure, LoginFailure, PasswordCredential, StaffAudit
from domain.registration import Progress, Registration, check_registration, register_all
from domain.services import Services
from domain.storage import UnitOfWork
from domain.text import email_key, encodable, printable

CSV_COLUMNS = (
    "subscriber_number",
    "last_name",
    "first_name",
    "phone",
    "postal_address",
    "email",
    "language",
    "security_question",
    "security_answer",
    "password",
    "security_answer_hash",
    "password_hash",
)
REQUIRED = frozenset(CSV_COLUMNS) - {
    "phone",
    "postal_address",
    "language",
    "security_answer",
    "password",
    "security_answer_hash",
    "password_hash",
}
"""Besides these, each line gives its password (``password``, or ``password_hash``: an
Argon2id or bcrypt hash from another system) and its answer (``security_answer`` or
``security_answer_hash``)."""


class NotFound(LookupError):
    """No account for that email or subscriber number."""


def find(services: Services, key: str) -> AccountCard:
    """An account by login email (any case) or by subscriber number."""
    if not encodable(key):  # a lone surrogate (invalid bytes in an argument) matches nothing
        raise NotFound(key)
    with services.uow() as uow:
        account = uow.session.exec(
            select(Account).where(or_(Account.email_key == email_key(key), Account.subscriber_number == key.strip()))
        ).first()
        if account is None:
            raise NotFound(key)
        return accounts.card(uow.session, account)


STATUSES = ("active", "deactivated")


def list_cards(
    services: Services,
    *,
    status: str | None = None,
    search: str | None = None,
    expiring_within: int | None = None,
    expired: bool = False,
) -> list[AccountCard]:
    """Accounts by subscriber number, filtered: ``status`` (``active``, ``deactivated``);
    ``search``, a part of the email, subscriber number or names (any case; ``%`` and
    ``_`` are plain characters); ``expiring_within`` DAYS, a password whose last valid
    day is today or within DAYS days (the users' day); ``expired``, a password past its
    last valid day."""
    query = select(Account).order_by(col(Account.subscriber_number))
    if status is not None:
        query = query.where(Account.status == status)
    text = (search or "").strip()
    if text:
        if not encodable(text):
            return []
        query = query.where(
            or_(
                col(Account.email_key).contains(email_key(text), autoescape=True),
                col(Account.subscriber_number).contains(text, autoescape=True),
                func.lower(Account.last_name).contains(text.lower(), autoescape=True),
                func.lower(Account.first_name).contains(text.lower(), autoescape=True),
            )
        )
    if expiring_within is not None or expired:
        today = services.today()
        current = select(PasswordCredential.account_id).where(col(PasswordCredential.is_current))
        if expiring_within is not None:
            current = current.where(
                col(PasswordCredential.expires_on) >= today,
                col(PasswordCredential.expires_on) <= today + timedelta(days=expiring_within),
            )
        if expired:
            current = current.where(col(PasswordCredential.expires_on) < today)
        query = query.where(col(Account.id).in_(current))
    with services.uow() as uow:
        rows = uow.session.exec(query).all()
        return [accounts.card(uow.session, row) for row in rows]


def audit_row(
    services: Services,
    actor: str,
    action: str,
    *,
    account_id: int | None = None,
    session_reference: str | None = None,
    **detail: object,
) -> StaffAudit:
    """A staff audit row, for the unit of work of the change it records."""
    return StaffAudit(
        at=services.clock.now(),
        staff=actor,
        action=action,
        account_id=account_id,
        session_reference=session_reference,
        detail=json.dumps(detail, default=str),
    )


def set_expiry(services: Services, key: str, expires_on: date, *, actor: str | None = None) -> AccountCard:
    """Move the last valid day of the current password (tests, demos, support)."""
    card = find(services, key)
    with services.uow() as uow:
        credential = accounts.current_credential(uow.session, card.id)
        if credential is None:
            raise NotFound(key)
        previous = credential.expires_on
        credential.expires_on = expires_on
        uow.session.add(credential)
        if actor is not None:
            uow.session.add(
                audit_row(
                    services,
                    actor,
                    "set_expiry",
                    account_id=card.id,
                    expires_on=expires_on.isoformat(),
                    previous=previous.isoformat(),
                )
            )
        uow.commit()
    return find(services, key)


def set_status(services: Services, key: str, status: str, *, actor: str | None = None) -> AccountCard:
    """``active`` or ``deactivated``. Deactivating also signs the account's sessions out."""
    if status not in STATUSES:
        raise ValueError(status)
    card = find(services, key)
    with services.uow() as uow:
        account = uow.session.get(Account, card.id)
        assert account is not None
        previous = account.status
        account.status = status
        if status == "deactivated":
            account.credentials_version += 1
        uow.session.add(account)
        if actor is not None:
            action = "deactivate" if status == "deactivated" else "reactivate"
            uow.session.add(audit_row(services, actor, action, account_id=card.id, previous=previous))
        uow.commit()
    return find(services, key)


def deactivate_expired(services: Services, *, actor: str | None = None) -> list[AccountCard]:
    """Apply ``deactivate_expired_after_days`` to every account (for a daily job); with
    an ``actor``, each deactivation is audited."""
    limit = services.settings.deactivate_expired_after_days
    if limit is None:
        return []
    done: list[AccountCard] = []
    expired_before = (date.min, services.today() - timedelta(days=limit))  # only they can qualify
    with services.uow() as uow:
        for account, credential in accounts.active_with_current_password(uow.session, expiring_between=expired_before):
            days = services.expiry(credential.expires_on).days_expired()
            if days > limit:
                account.status = "deactivated"
                account.credentials_version += 1
                uow.session.add(account)
                if actor is not None:
                    uow.session.add(
                        audit_row(
                            services,
                            actor,
                            "deactivate",
                            account_id=account.id,
                            previous="active",
                            reason="expired",
                            days_expired=days,
                        )
                    )
                uow.session.flush()
                done.append(accounts.card(uow.session, account))
        uow.commit()
    return done


@dataclass(frozen=True)
class Locks:
    """An account's forgot-password lock and login delay, at one instant."""

    answer_locked_until: datetime | None
    """The end of the forgot-password lock (too many wrong answers); None: not locked."""
    login_wait: timedelta
    """How long the next login attempt must wait (zero: none)."""
    answer_failures: int
    """Wrong answers for the account's email within the lock's window."""
    login_failures: int
    """Wrong passwords for the account within the login delay's window."""

    @property
    def any(self) -> bool:
        return self.answer_locked_until is not None or self.login_wait > timedelta(0)


def _locks(services: Services, uow: UnitOfWork, account: Account) -> Locks:
    digest = accounts.email_digest(services.secret_key, email_key(account.email))
    now = services.clock.now()
    logins = uow.session.exec(
        select(func.count())
        .select_from(LoginFailure)
        .where(
            LoginFailure.key == f"account:{digest}",
            col(LoginFailure.at) >= now - services.login_throttle.window,
        )
    ).one()
    return Locks(
        answer_locked_until=services.answer_throttle.locked_until(uow, digest, now),
        login_wait=services.login_throttle.wait(uow, (f"account:{digest}",), now),
        answer_failures=services.answer_throttle.failures(uow, digest, now),
        login_failures=int(logins),
    )


def locks(services: Services, key: str) -> Locks:
    """The account's locks as they stand (``accounts show``)."""
    card = find(services, key)
    with services.uow() as uow:
        account = uow.session.get(Account, card.id)
        assert account is not None
        return _locks(services, uow, account)


def unlock(services: Services, key: str, *, actor: str | None = None) -> Locks:
    """Lift the forgot-password lock and the login delays of an account (as the support
    console's « Lever les blocages »): its recorded wrong answers and wrong passwords are
    forgotten. Returns the locks as they stood before."""
    card = find(services, key)
    with services.uow() as uow:
        account = uow.session.get(Account, card.id)
        assert account is not None
        before = _locks(services, uow, account)
        digest = accounts.email_digest(services.secret_key, email_key(account.email))
        uow.session.exec(delete(AnswerFailure).where(col(AnswerFailure.email_digest) == digest))  # type: ignore[call-overload]
        uow.session.exec(delete(LoginFailure).where(col(LoginFailure.key) == f"account:{digest}"))  # type: ignore[call-overload]
        if actor is not None:
            uow.session.add(
                audit_row(
                    services,
                    actor,
                    "lift_locks",
                    account_id=card.id,
                    was_locked=before.answer_locked_until is not None,
                    login_delay_seconds=int(before.login_wait.total_seconds()),
                    answer_failures=before.answer_failures,
                    login_failures=before.login_failures,
                )
            )
        uow.commit()
    return before


def audit_entries(
    services: Services,
    *,
    staff: str | None = None,
    action: str | None = None,
    account_id: int | None = None,
    since: datetime | None = None,
    limit: int | None = None,
) -> list[StaffAudit]:
    """The staff audit, oldest first: the latest ``limit`` rows (all with None), by who
    (``staff``: a part of the label, e.g. ``alice`` for ``operator:alice`` and
    ``staff:alice``), ``action``, account, from an instant on."""
    query = select(StaffAudit)
    if staff:
        if not encodable(staff):
            return []
        query = query.where(col(StaffAudit.staff).contains(staff, autoescape=True))
    if action:
        query = query.where(StaffAudit.action == action)
    if account_id is not None:
        query = query.where(StaffAudit.account_id == account_id)
    if since is not None:
        query = query.where(col(StaffAudit.at) >= since)
    query = query.order_by(col(StaffAudit.at).desc(), col(StaffAudit.id).desc())
    if limit is not None:
        query = query.limit(limit)
    with services.uow() as uow:
        rows = list(uow.session.exec(query).all())
    rows.reverse()
    return rows


@dataclass
class ImportReport:
    imported: list[AccountCard] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)
    """(line number in the file, reason) — the reason never quotes a secret."""


@dataclass(frozen=True)
class _Row:
    line: int
    fields: AccountBase
    answer: str
    password: str
    answer_hash: str | None = None
    password_hash: str | None = None

    def __repr__(self) -> str:  # never show the secrets
        return f"_Row(line={self.line}, email={self.fields.email!r})"

    def registration(self) -> Registration:
        return Registration(
            self.fields, self.password, self.answer, password_hash=self.password_hash, answer_hash=self.answer_hash
        )


def parse_csv(text: str) -> tuple[list[_Row], list[tuple[int, str]]]:
    """Read and validate every line; secrets are never quoted in a reason."""
    text = text.removeprefix("\ufeff")
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [name.strip() for name in reader.fieldnames or []]
    except csv.Error as error:
        return [], [(1, f"not readable as CSV: {printable(str(error))}")]
    missing = sorted(REQUIRED - set(header))
    missing += [
        f"{clear} or {hashed}"
        for clear, hashed in (("password", "password_hash"), ("security_answer", "security_answer_hash"))
        if clear not in header and hashed not in header
    ]
    if missing:
        return [], [(1, "missing columns: " + ", ".join(missing))]
    unknown = sorted(set(header) - set(CSV_COLUMNS))
    if unknown:
        return [], [(1, "unknown columns: " + ", ".join(printable(name) for name in unknown))]
    rows: list[_Row] = []
    errors: list[tuple[int, str]] = []
    while True:
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as error:  # an oversized field: the file cannot be read further
            errors.append((reader.line_num + 1, f"not readable as CSV: {printable(str(error))}"))
            break
        line = reader.line_num
        values = {(k or "").strip(): (v or "").strip() for k, v in record.items() if k is not None}
        if None in record:
            errors.append((line, "more values than columns"))
            continue
        try:
            fields = AccountBase(
                subscriber_number=values["subscriber_number"],
                last_name=values["last_name"],
                first_name=values["first_name"],
                phone=values.get("phone", ""),
                postal_address=values.get("postal_address", ""),
                email=values["email"],
                language=values.get("language") or "fr",
                security_question=values["security_question"],
            )
            accounts.validate_account_fields(fields)
        except (AccountError, ValueError) as error:
            errors.append((line, refusal_reason(error)))
            continue
        secrets_given = _secrets(values)
        if isinstance(secrets_given, str):
            errors.append((line, secrets_given))
            continue
        rows.append(_Row(line, fields, *secrets_given))
    return rows, errors


def _secrets(values: Mapping[str, str]) -> tuple[str, str, str | None, str | None] | str:
    """(answer, password, answer hash, password hash) of a line, or why they are not
    usable: each secret in clear or as a hash, not both, not neither."""
    found: list[str | None] = []
    for clear, hashed, label in (
        ("security_answer", "security_answer_hash", "security answer"),
        ("password", "password_hash", "password"),
    ):
        text, digest = values.get(clear, ""), values.get(hashed, "")
        if text and digest:
            return f"{label}: give it in clear or as a hash, not both"
        if not text and not digest:
            return f"{label}: required"
        found += [text, digest or None]
    answer, answer_hash, password, password_hash = found
    return answer or "", password or "", answer_hash, password_hash


def refusal_reason(error: Exception) -> str:
    """The field and what is wrong with it, never the value (it may be hostile text)."""
    if isinstance(error, AccountError):
        return str(error)
    if isinstance(error, ValidationError) and error.errors():
        first = error.errors()[0]
        label = dict(accounts.STORED_FIELDS).get(str(first["loc"][0]) if first["loc"] else "", "value")
        if first["type"] == "string_too_long":
            return f"{label}: too long (at most {first.get('ctx', {}).get('max_length')} characters)"
        if first["type"] == "string_unicode":  # a lone surrogate: invalid bytes decoded
            return f"{label}: not valid UTF-8 text"
        return f"{label}: invalid value"
    return "invalid value"


def check_rows(services: Services, rows: Sequence[_Row], *, batch: int = 500) -> list[tuple[int, str]]:
    """Duplicates (in the file and in the database, looked up ``batch`` lines at a time)
    and the password policy."""
    errors: list[tuple[int, str]] = []
    seen_emails: dict[str, int] = {}
    seen_numbers: dict[str, int] = {}
    taken_emails: set[str] = set()
    taken_numbers: set[str] = set()
    with services.uow() as uow:
        for start in range(0, len(rows), batch):
            part = rows[start : start + batch]
            keys = [email_key(row.fields.email) for row in part]
            numbers = [row.fields.subscriber_number for row in part]
            taken_emails.update(uow.session.exec(select(Account.email_key).where(col(Account.email_key).in_(keys))))
            taken_numbers.update(
                uow.session.exec(select(Account.subscriber_number).where(col(Account.subscriber_number).in_(numbers)))
            )
    for row in rows:
        key = email_key(row.fields.email)
        number = row.fields.subscriber_number
        if key in seen_emails:
            errors.append((row.line, f"email: same as line {seen_emails[key]}"))
        elif number in seen_numbers:
            errors.append((row.line, f"subscriber number: same as line {seen_numbers[number]}"))
        elif key in taken_emails:
            errors.append((row.line, "email: an account already uses this address"))
        elif number in taken_numbers:
            errors.append((row.line, "subscriber number: already used"))
        else:
            try:
                check_registration(services, row.registration())
            except AccountError as error:
                errors.append((row.line, str(error)))
        seen_emails.setdefault(key, row.line)
        seen_numbers.setdefault(number, row.line)
    return errors


def import_csv(
    services: Services, text: str, *, skip_invalid: bool = False, progress: Progress | None = None
) -> ImportReport:
    """Import accounts from CSV. Every line is checked first; with an invalid line nothing
    is imported unless ``skip_invalid``, in which case the valid lines are. ``progress``
    follows the hashing (the long part: two Argon2id hashes per account, on every core)."""
    rows, errors = parse_csv(text)
    errors += check_rows(services, rows)
    report = ImportReport(errors=sorted(errors))
    if errors and not skip_invalid:
        return report
    bad = {line for line, _ in errors}
    report.imported = register_all(
        services, [row.registration() for row in rows if row.line not in bad], checked=True, progress=progress
    )
    return report


def audit_created(
    services: Services, actor: str, action: str, cards: Sequence[AccountCard], detail: Mapping[str, object]
) -> None:
    """Audit accounts just created (``accounts add``, ``accounts import``): one row per
    account, in one transaction. The registration commits its own transaction first; a
    crash between the two would leave accounts without their row, never a row without
    its account."""
    with services.uow() as uow:
        for card in cards:
            row = audit_row(services, actor, action, account_id=card.id)
            row.detail = json.dumps(dict(detail), default=str)
            uow.session.add(row)
        uow.commit()


def summary_lines(card: AccountCard, *, answer: str | None = None) -> Iterable[tuple[str, str]]:
    """The registration summary (« récapitulatif d'inscription »). The answer is printed
    only once, at creation, as the sheets' summary does; never afterwards."""
    yield "Nom", card.last_name
    yield "Prénom", card.first_name
    yield "N° d'abonné", card.subscriber_number
    yield "Téléphone", card.phone
    yield "Adresse électronique de connexion", card.email
    yield "Adresse", card.postal_address
    yield "Langue", card.language
    yield "Question de confiance", card.security_question
    if answer is not None:
        yield "Réponse de confiance", answer
    yield "Statut", card.status
    if card.password_expires_on is not None:
        yield "Mot de passe valable jusqu'au", card.password_expires_on.isoformat()
