"""Support staff: their accounts, their sign-in, and what they may see and do (SPEC §5).

Staff see an account's card (never the answer, never a hash), its lock and expiry state,
its sessions, and replay a session by its reference; they may lift a forgot-password
lock and deactivate or reactivate an account. Every view and action is audited with the
staff identity.

A console stays open for hours, so signing in is not enough: every action first checks
that the identity is still allowed (the staff account still active, the SSH key still in
the support keys file) and raises ``StaffRevoked`` otherwise, audited as
``refused_revoked``. Sign-in failures are audited too (never the password).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlmodel import col, delete, or_, select

from domain import accounts, admin
from domain.accounts import AccountCard, AccountError
from domain.expiry import ExpiryStatus
from domain.i18n import N_, Translator
from domain.journal import normalize_reference
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
from domain.settings import Settings
from domain.storage import UnitOfWork
from domain.text import email_key, printable

_USERNAME = re.compile(r"[a-z][a-z0-9._-]{1,63}")


@dataclass(frozen=True)
class StaffIdentity:
    """Who is acting: ``staff:USERNAME`` (password) or ``ssh-key:SHA256:…`` (SSH key)."""

    label: str


class StaffRevoked(Exception):
    """The identity acting is no longer allowed: the staff account was removed, or the
    SSH key taken out of the support keys file, since the console was opened. Nothing
    more may be shown or done under it."""

    def __init__(self, staff: StaffIdentity) -> None:
        super().__init__(f"no longer allowed: {staff.label}")
        self.staff = staff


STAFF_REVOKED = N_("This staff access has been withdrawn: nothing more can be shown or done with it.")
"""What a console says when its staff member or key was removed (StaffRevoked)."""


def support_keys_path(settings: Settings) -> Path:
    """The support authorized-keys file (``ssh_support_keys``, by default in the data
    directory)."""
    return settings.ssh_support_keys or settings.data_dir / "support_authorized_keys"


def key_fingerprint(line: str) -> str | None:
    """The SHA256 fingerprint, as OpenSSH and asyncssh write it (``SHA256:`` and unpadded
    base64), of an authorized-keys line ``TYPE BASE64 [COMMENT]``; None when the line holds
    no such key. Parsed the way asyncssh parses it (lenient base64), without asyncssh: the
    domain imports no SSH library."""
    fields = line.split(None, 2)
    if len(fields) < 2:
        return None
    try:
        blob = binascii.a2b_base64(fields[1].encode("ascii"))
    except (UnicodeEncodeError, binascii.Error):
        return None
    # The blob starts with its own key type (an SSH string: 4-byte length, then the name).
    size = int.from_bytes(blob[:4], "big")
    if len(blob) < 4 + size or blob[4 : 4 + size] != fields[0].encode("utf-8", "replace"):
        return None
    return "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode("ascii").rstrip("=")


def support_key_fingerprints(settings: Settings) -> frozenset[str]:
    """The fingerprints of the keys in the support keys file, read afresh at each call so
    that a key taken out of the file stops working at once. A file that is missing or
    cannot be read allows no key."""
    try:
        text = support_keys_path(settings).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return frozenset()
    found = set()
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#") and (fingerprint := key_fingerprint(line)):
            found.add(fingerprint)
    return frozenset(found)


def still_allowed(services: Services, staff: StaffIdentity) -> bool:
    """``staff:NAME``: the staff account exists and is active; ``ssh-key:FINGERPRINT``:
    the key is still in the support keys file. Any other label is not allowed."""
    kind, _, name = staff.label.partition(":")
    if kind == "staff":
        with services.uow() as uow:
            row = uow.session.exec(select(StaffAccount).where(StaffAccount.username == name)).first()
            return row is not None and row.active
    if kind == "ssh-key":
        return name in support_key_fingerprints(services.settings)
    return False


def require_allowed(services: Services, staff: StaffIdentity, action: str) -> None:
    """Called before every console action: raise ``StaffRevoked`` (audited as
    ``refused_revoked``, with the action refused) when the identity is no longer allowed."""
    if still_allowed(services, staff):
        return
    audit(services, staff, "refused_revoked", attempted=action)
    raise StaffRevoked(staff)


def _safe(text: str, limit: int = 64) -> str:
    """What a person typed, fit for the audit: no lone surrogate, no control character
    (no escape sequence), bounded."""
    return printable(text.encode("utf-8", "replace").decode("utf-8"))[:limit]


def add_staff(services: Services, username: str, display_name: str, password: str) -> None:
    if not _USERNAME.fullmatch(username):
        raise AccountError("username: 2 to 64 lower-case letters, digits, '.', '_' or '-', starting with a letter")
    if not display_name.strip():
        raise AccountError("name: required")
    accounts.check_stored_text("name", display_name)
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
    """Check a staff password, with the login's throttling and flat timing. Every refusal
    is audited (``sign_in_failed``: the user name as typed, made safe, the client address
    and the reason; never the password), in the unit of work that records the failure."""
    throttle = services.login_throttle
    valid_name = _USERNAME.fullmatch(username) is not None
    # A name no staff can have shares one throttle key (and is never written as typed).
    keys = (f"staff:{username}" if valid_name else "staff:-", f"client:{client or 'local'}")
    now = services.clock.now()
    with services.uow() as uow:
        if throttle.wait(uow, keys, now) > timedelta(0):
            _audit_sign_in_failure(uow, services, username, client, "throttled")
            uow.commit()
            return None
        staff = (
            uow.session.exec(select(StaffAccount).where(StaffAccount.username == username)).first()
            if valid_name
            else None
        )
        if staff is None or not staff.active:
            # At the parameters of a real staff hash: an unknown name costs what a known one does.
            like = uow.session.exec(select(StaffAccount.password_hash).limit(1)).first()
            services.hasher.verify_dummy(password, like=like)
            ok, reason = False, "unknown" if staff is None else "removed"
        else:
            # A secret no one can type (a lone surrogate, a control character) never
            # matches and costs the same time: see SecretHasher.verify.
            verification = services.hasher.verify(staff.password_hash, password)
            ok, reason = verification.ok, "wrong_password"
            if verification.rehash:  # stored at older parameters: stored again at today's
                staff.password_hash = verification.rehash
                uow.session.add(staff)
        if not ok:
            throttle.record_failure(uow, keys, now)
            _audit_sign_in_failure(uow, services, username, client, reason)
            uow.commit()
            return None
        throttle.clear(uow, keys[0])
        uow.commit()
    identity = StaffIdentity(f"staff:{username}")
    audit(services, identity, "sign_in", client=client)
    return identity


def _audit_sign_in_failure(uow: UnitOfWork, services: Services, username: str, client: str | None, reason: str) -> None:
    uow.session.add(
        StaffAudit(
            at=services.clock.now(),
            staff="-",  # nobody signed in
            action="sign_in_failed",
            detail=json.dumps({"username": _safe(username), "client": client, "reason": reason}),
        )
    )


def sign_in_key(services: Services, staff: StaffIdentity, client: str | None) -> None:
    """A console opened for an identity authenticated elsewhere (an SSH key checked by the
    server): check it is still allowed (the file may have changed since) and audit the
    sign-in."""
    require_allowed(services, staff, "sign_in")
    audit(services, staff, "sign_in", client=client)


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


def session_reference(services: Services, staff: StaffIdentity, text: str) -> str | None:
    """The reference of an existing session that ``text`` spells (however it was heard:
    see :func:`normalize_reference`), for the console's search box; None otherwise."""
    require_allowed(services, staff, "search")
    reference = normalize_reference(text)
    if reference is None:
        return None
    with services.uow() as uow:
        return reference if uow.session.get(SessionRecord, reference) is not None else None


def search(services: Services, staff: StaffIdentity, query: str, limit: int = 20) -> list[AccountCard]:
    """Accounts by email, subscriber number or name (parts of them)."""
    require_allowed(services, staff, "search")
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
    require_allowed(services, staff, "view_account")
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
    require_allowed(services, staff, "lift_locks")
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
    require_allowed(services, staff, "deactivate" if status == "deactivated" else "reactivate")
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
    require_allowed(services, staff, "view_session")
    reference = normalize_reference(reference) or reference.strip().upper()
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
