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
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from sqlmodel import Session, col, delete, func, or_, select

from domain import accounts, admin
from domain.accounts import AccountCard, AccountError
from domain.clock import as_utc
from domain.expiry import ExpiryStatus
from domain.i18n import N_, Translator
from domain.journal import normalize_reference
from domain.models import (
    Account,
    AnswerFailure,
    JournalEvent,
    LoginFailure,
    OutboxEmail,
    SessionRecord,
    StaffAccount,
    StaffAudit,
)
from domain.replay import Event, Frame, is_failure, timeline
from domain.services import Services
from domain.settings import Settings
from domain.storage import UnitOfWork
from domain.text import email_key, printable

_USERNAME = re.compile(r"[a-z][a-z0-9._-]{1,63}")


@dataclass(frozen=True)
class StaffIdentity:
    """Who is acting: ``staff:USERNAME`` (password), ``ssh-key:NAME (SHA256:…)`` or
    ``ssh-key:SHA256:…`` (an SSH key of the support keys file, with or without a name:
    see :func:`support_keys`), ``operator:USER`` (an operator's command)."""

    label: str
    staff_id: int | None = field(default=None, compare=False)
    """The staff account signed in (``staff:``): a name removed then given to someone
    else does not bring back the consoles of the former holder."""


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


KEY_NAME_LENGTH = 48
"""At most this many characters of a key's name are kept (the audit label stays short)."""


def key_name(line: str) -> str:
    """The name a support keys line gives its key: its comment (the text after the key,
    ``ssh-ed25519 AAAA… Alice Martin``), made printable, blanks collapsed, bounded; ""
    when there is none."""
    fields = line.split(None, 2)
    comment = fields[2] if len(fields) == 3 else ""
    return " ".join(printable(comment.encode("utf-8", "replace").decode("utf-8")).split())[:KEY_NAME_LENGTH]


def support_keys(settings: Settings) -> dict[str, str]:
    """The keys of the support keys file: fingerprint → name (the key's comment, "" when
    it has none; the first line of a key listed twice names it). Read afresh at each call
    so that a key taken out of the file stops working at once. A file that is missing or
    cannot be read allows no key."""
    try:
        text = support_keys_path(settings).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return {}
    found: dict[str, str] = {}
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#") and (fingerprint := key_fingerprint(line)):
            found.setdefault(fingerprint, key_name(line))
    return found


def support_key_fingerprints(settings: Settings) -> frozenset[str]:
    """The fingerprints of the keys in the support keys file (see :func:`support_keys`)."""
    return frozenset(support_keys(settings))


def key_identity(settings: Settings, fingerprint: str) -> StaffIdentity:
    """The identity of an agent who signed in with a support key: ``ssh-key:NAME
    (SHA256:…)`` when the keys file names the key, else ``ssh-key:SHA256:…``. The
    fingerprint stays in the label: it is what is checked (:func:`still_allowed`), and
    two keys may carry the same name."""
    name = support_keys(settings).get(fingerprint, "")
    return StaffIdentity(f"ssh-key:{name} ({fingerprint})" if name else f"ssh-key:{fingerprint}")


def _label_fingerprint(rest: str) -> str:
    """The fingerprint of an ``ssh-key:`` label, named (``NAME (SHA256:…)``) or not."""
    if rest.endswith(")") and " (" in rest:
        return rest[rest.rindex(" (") + 2 : -1]
    return rest


def still_allowed(services: Services, staff: StaffIdentity) -> bool:
    """``staff:NAME``: the staff account exists and is active (the very account signed
    in, when the identity knows it); ``ssh-key:…``: the key is still in the support keys
    file. Any other label is not allowed."""
    kind, _, name = staff.label.partition(":")
    if kind == "staff":
        with services.uow() as uow:
            if staff.staff_id is not None:
                row = uow.session.get(StaffAccount, staff.staff_id)
                return row is not None and row.active and row.username == name
            row = uow.session.exec(select(StaffAccount).where(StaffAccount.username == name)).first()
            return row is not None and row.active
    if kind == "ssh-key":
        return bool(name) and _label_fingerprint(name) in support_key_fingerprints(services.settings)
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


def _staff_password_hash(services: Services, username: str, display_name: str, password: str) -> str:
    """The hash of a new staff password, which the users' policy must accept (the
    staff's own name and user name count as weak words)."""
    result = services.policy.check(password, password, personal_words=(username, display_name))
    if not result.accepted:
        t = Translator("en")
        raise AccountError("password: " + " ".join(v.message(t) for v in result.violations))
    return services.hasher.hash(password)


def retired_username(username: str, staff_id: int) -> str:
    """The name a removed staff account takes when its name is given again: ``NAME~ID``
    (no one can sign in, or be added, under a name with ``~``)."""
    suffix = f"~{staff_id}"
    return username[: 64 - len(suffix)] + suffix


def add_staff(
    services: Services, username: str, display_name: str, password: str, *, actor: str | None = None
) -> StaffAccount:
    """Add a staff account. The name of a removed account may be given again: the
    removed account is kept, renamed ``NAME~ID`` (:func:`retired_username`), and the
    audit keeps both apart (``staff_add``/``staff_remove`` rows carry the account's id,
    and a console signed in under the former account stays refused)."""
    if not _USERNAME.fullmatch(username):
        raise AccountError("username: 2 to 64 lower-case letters, digits, '.', '_' or '-', starting with a letter")
    if not display_name.strip():
        raise AccountError("name: required")
    accounts.check_stored_text("name", display_name)
    password_hash = _staff_password_hash(services, username, display_name, password)
    with services.uow() as uow:
        previous = uow.session.exec(select(StaffAccount).where(StaffAccount.username == username)).first()
        if previous is not None and previous.active:
            raise AccountError("username: already used")
        retired: str | None = None
        if previous is not None:
            assert previous.id is not None
            retired = retired_username(username, previous.id)
            previous.username = retired
            uow.session.add(previous)
            uow.session.flush()  # the name is free before the new account takes it
        staff = StaffAccount(
            username=username,
            display_name=display_name.strip(),
            password_hash=password_hash,
            created_at=services.clock.now(),
        )
        uow.session.add(staff)
        uow.session.flush()
        if actor is not None:
            row = admin.audit_row(services, actor, "staff_add", username=username, name=staff.display_name)
            row.detail = json.dumps(
                json.loads(row.detail)
                | {"staff_id": staff.id}
                | ({"previous_staff_id": previous.id, "previous_renamed": retired} if previous else {})
            )
            uow.session.add(row)
        uow.commit()
        uow.session.refresh(staff)
        return staff


def list_staff(services: Services, *, active: bool | None = None) -> list[StaffAccount]:
    """Staff accounts by user name; ``active`` True: those who may sign in, False: the
    removed ones, None: all."""
    query = select(StaffAccount).order_by(col(StaffAccount.username))
    if active is not None:
        query = query.where(StaffAccount.active == active)
    with services.uow() as uow:
        return list(uow.session.exec(query).all())


def _active_staff(uow: UnitOfWork, username: str) -> StaffAccount:
    staff = uow.session.exec(select(StaffAccount).where(StaffAccount.username == username)).first()
    if staff is None or not staff.active:
        raise admin.NotFound(username)
    return staff


def remove_staff(services: Services, username: str, *, actor: str | None = None) -> None:
    with services.uow() as uow:
        staff = _active_staff(uow, username)
        staff.active = False
        uow.session.add(staff)
        if actor is not None:
            uow.session.add(admin.audit_row(services, actor, "staff_remove", username=username, staff_id=staff.id))
        uow.commit()


def reset_staff_password(services: Services, username: str, password: str, *, actor: str | None = None) -> None:
    """Give an active staff account a new password (the users' policy applies) and lift
    its sign-in delay. Consoles already open stay open: the identity is the account, not
    the password."""
    with services.uow() as uow:
        display_name = _active_staff(uow, username).display_name
    password_hash = _staff_password_hash(services, username, display_name, password)
    with services.uow() as uow:
        staff = _active_staff(uow, username)  # still there after hashing
        staff.password_hash = password_hash
        uow.session.add(staff)
        services.login_throttle.clear(uow, f"staff:{username}")
        if actor is not None:
            uow.session.add(
                admin.audit_row(services, actor, "staff_reset_password", username=username, staff_id=staff.id)
            )
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
        if not ok or staff is None:
            throttle.record_failure(uow, keys, now)
            _audit_sign_in_failure(uow, services, username, client, reason)
            uow.commit()
            return None
        throttle.clear(uow, keys[0])
        staff_id = staff.id
        uow.commit()
    identity = StaffIdentity(f"staff:{username}", staff_id=staff_id)
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
            admin.audit_row(
                services, staff.label, action, account_id=account_id, session_reference=session_reference, **detail
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


SUBSCRIBER_DIGITS = 14


def _contains(text: str) -> str:
    """A LIKE pattern for ``text`` anywhere, its own ``%`` and ``_`` taken literally."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _exact(session: Session, text: str) -> list[Account]:
    """An exact email or subscriber number, found through its unique index (what an agent
    types most often, read from the caller): the search scans nothing else then."""
    if "@" in text:
        found = session.exec(select(Account).where(Account.email_key == email_key(text))).first()
    elif (digits := "".join(text.split())).isascii() and digits.isdigit() and len(digits) == SUBSCRIBER_DIGITS:
        found = session.exec(select(Account).where(Account.subscriber_number == digits)).first()
    else:
        return []
    return [found] if found is not None else []


def find_accounts(session: Session, text: str, limit: int = 20) -> list[Account]:
    """An exact email or subscriber number through its unique index; otherwise every
    account with ``text`` in its email, number or names (PostgreSQL reads trigram indexes
    for three characters or more, revision 0003; SQLite scans)."""
    return _exact(session, text) or list(
        session.exec(
            select(Account)
            .where(
                or_(
                    col(Account.email_key).like(_contains(text.casefold()), escape="\\"),
                    col(Account.subscriber_number).like(_contains(text), escape="\\"),
                    col(Account.last_name).ilike(_contains(text), escape="\\"),
                    col(Account.first_name).ilike(_contains(text), escape="\\"),
                )
            )
            .order_by(col(Account.last_name), col(Account.first_name))
            .limit(limit)
        ).all()
    )


def search(services: Services, staff: StaffIdentity, query: str, limit: int = 20) -> list[AccountCard]:
    """Accounts by email, subscriber number or name (parts of them)."""
    require_allowed(services, staff, "search")
    text = query.strip()
    if not text:
        return []
    with services.uow() as uow:
        rows = find_accounts(uow.session, text, limit)
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
    outcome: Event | None = None
    """What the session came to: its last failure, else its last success, else None."""
    failures: int = 0
    """How many refusals the user met in it."""
    end: Event | None = None
    """How it ended (the journal's ``session end``), if it has."""


@dataclass(frozen=True)
class EmailSummary:
    """One email sent (or to be sent) to the account, as support needs it: never its text."""

    id: int
    kind: str
    created_at: datetime
    state: str
    attempts: int
    sent_at: datetime | None
    last_error: str | None


@dataclass(frozen=True)
class SupportCard:
    card: AccountCard
    expiry: ExpiryStatus | None
    answer_locked_until: datetime | None
    login_wait: timedelta
    sessions: list[SessionSummary]
    answer_failures: int = 0
    """Wrong answers within the lock's window (the lock comes at the limit)."""
    login_failures: int = 0
    """Refused logins within the login delay's window."""
    last_login: datetime | None = None
    emails: list[EmailSummary] = field(default_factory=list)
    """The latest emails to the account, newest first."""
    now: datetime | None = None
    """When the card was read (the end of the login delay is ``now + login_wait``)."""


STATUS_WORDS: dict[str, str] = {"active": N_("active"), "deactivated": N_("deactivated")}

EMAIL_KINDS: dict[str, str] = {
    "password_changed": N_("password changed"),
    "procedure_locked": N_("forgot-password locked"),
    "expiry_reminder": N_("expiry reminder ({days} days)"),
}

EMAIL_STATES: dict[str, str] = {"queued": N_("waiting to be sent"), "sent": N_("sent"), "failed": N_("not delivered")}


def email_kind_words(kind: str, t: Translator) -> str:
    """``password_changed:forgot`` → « mot de passe changé »; unknown kinds as they are."""
    name, _, argument = kind.partition(":")
    if name not in EMAIL_KINDS:
        return kind
    return t._(EMAIL_KINDS[name]).format(days=argument)


_SUCCESSES = frozenset({"password_changed", "login_accepted", "answer_accepted", "email_accepted"})


def _summary(record: SessionRecord, events: list[Event]) -> SessionSummary:
    failures = [event for event in events if is_failure(event)]
    successes = [event for event in events if event.kind == "outcome" and event.name in _SUCCESSES]
    changed = [event for event in successes if event.name == "password_changed"]
    telling = changed or sorted(failures + successes, key=lambda event: event.seq)
    outcome = telling[-1] if telling else None
    ends = [event for event in events if event.kind == "session" and event.name == "end"]
    return SessionSummary(
        record.reference,
        as_utc(record.started_at),
        as_utc(record.ended_at) if record.ended_at else None,
        record.channel,
        record.client_address,
        outcome=outcome,
        failures=len(failures),
        end=ends[-1] if ends else None,
    )


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
        answer_failures = services.answer_throttle.failures(uow, digest, now)
        wait = services.login_throttle.wait(uow, (f"account:{digest}",), now)
        login_failures = uow.session.exec(
            select(func.count())
            .select_from(LoginFailure)
            .where(
                LoginFailure.key == f"account:{digest}",
                col(LoginFailure.at) >= now - services.login_throttle.window,
            )
        ).one()
        rows = uow.session.exec(
            select(SessionRecord)
            .where(SessionRecord.account_id == account_id)
            .order_by(col(SessionRecord.started_at).desc())
            .limit(20)
        ).all()
        references = [row.reference for row in rows]
        outcomes = uow.session.exec(
            select(JournalEvent)
            .where(
                col(JournalEvent.session_reference).in_(references), col(JournalEvent.kind).in_(("outcome", "session"))
            )
            .order_by(col(JournalEvent.seq))
        ).all()
        last_login = uow.session.exec(
            select(func.max(JournalEvent.at))
            .join(SessionRecord, col(SessionRecord.reference) == col(JournalEvent.session_reference))
            .where(SessionRecord.account_id == account_id, JournalEvent.name == "login_accepted")
        ).one()
        mails = uow.session.exec(
            select(OutboxEmail)
            .where(OutboxEmail.account_id == account_id)
            .order_by(col(OutboxEmail.created_at).desc(), col(OutboxEmail.id).desc())
            .limit(5)
        ).all()
        emails = [
            EmailSummary(
                mail.id or 0,
                mail.kind,
                as_utc(mail.created_at),
                mail.state,
                mail.attempts,
                as_utc(mail.sent_at) if mail.sent_at else None,
                mail.last_error,
            )
            for mail in mails
        ]
    by_session: dict[str, list[Event]] = {reference: [] for reference in references}
    for row in outcomes:
        by_session[row.session_reference].append(
            Event(row.seq, as_utc(row.at), row.kind, row.name, json.loads(row.detail))
        )
    audit(services, staff, "view_account", account_id=account_id)
    return SupportCard(
        card=card,
        expiry=services.expiry(card.password_expires_on) if card.password_expires_on else None,
        answer_locked_until=locked,
        login_wait=wait,
        sessions=[_summary(row, by_session[row.reference]) for row in rows],
        answer_failures=answer_failures,
        login_failures=int(login_failures),
        last_login=as_utc(last_login) if last_login else None,
        emails=emails,
        now=now,
    )


def latest_session(services: Services, account_id: int) -> str | None:
    """The reference of the account's most recent session."""
    with services.uow() as uow:
        return uow.session.exec(
            select(SessionRecord.reference)
            .where(SessionRecord.account_id == account_id)
            .order_by(col(SessionRecord.started_at).desc(), col(SessionRecord.reference).desc())
            .limit(1)
        ).first()


def follow_account(
    services: Services, staff: StaffIdentity, account_id: int, current: str | None
) -> tuple[str, list[Event], list[Frame]] | None:
    """« Depuis l'appel »: the account's latest session, as it is now (None: the account
    has none). Audited once per session followed (``follow_session``), not at each look."""
    require_allowed(services, staff, "view_session")
    reference = latest_session(services, account_id)
    if reference is None:
        return None
    if reference != current:
        audit(services, staff, "follow_session", account_id=account_id, session_reference=reference)
    _record, events, frames = timeline(services, reference)
    return reference, events, frames


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
