"""Delivery of the outbox to an SMTP relay: claimed atomically, retried with exponential
backoff, failed after the last attempt, never lost.

Guarantees. A row is sent by the dispatcher that holds its lease (``claimed_by`` /
``claimed_until``), taken with a conditional UPDATE that only one dispatcher can win, on
SQLite and PostgreSQL alike; so several dispatchers never send the same email at the same
time. A dispatcher that dies after the relay accepted a message but before it recorded
it leaves the row to be sent again when its lease ends: delivery is at least once, and the
retried message keeps its Message-ID (derived from the change, stored with it) so that it
can be recognised as the same message.

Outages. A relay that cannot be reached, refuses the session (greeting, STARTTLS, login)
or times out says nothing about the emails: they wait without spending their attempts.
Only an answer about the message itself (4xx counts an attempt, 5xx fails it) or its age
beyond ``MOTDEPASSE_MAIL_MAX_AGE`` ends its wait.
"""

from __future__ import annotations

import email.policy
import logging
import smtplib
import socket
import ssl
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parsedate_to_datetime
from typing import Protocol

from sqlalchemy import or_, update
from sqlmodel import col, select

from domain.admin import audit_row
from domain.i18n import N_, Translator
from domain.models import OutboxEmail
from domain.services import Services
from domain.settings import Settings
from domain.text import looks_like_email, printable, strip_controls

log = logging.getLogger("motdepasse.mail")


class TemporaryFailure(Exception):
    """The relay is unreachable or answered 4xx: try again later."""


class RelayUnreachable(TemporaryFailure):
    """No message could be handed to the relay: no connection, a refusal before any
    message (greeting, STARTTLS, login), or the connection lost."""


class PermanentFailure(Exception):
    """The relay refused the message for good (5xx), or it cannot be built."""


REPLY_MAX_CHARS = 300
"""The relay's words kept in the outbox (``last_error`` holds 500): enough for a code, an
enhanced status and its explanation; a relay cannot fill the row or the operator's screen."""


def one_line(text: str | bytes, limit: int = REPLY_MAX_CHARS) -> str:
    """A relay's reply or a system's error as stored: decoded, on one line (a multi-line
    reply's lines joined), printable, at most ``limit`` characters."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    line = printable(" ".join(text.split()))
    return line if len(line) <= limit else line[: limit - 1] + "…"


def relay_reply(code: int, message: str | bytes) -> str:
    """``550 5.7.1 Message rejected…``: what the relay answered, code and words."""
    return one_line(f"{code} {message.decode('utf-8', 'replace') if isinstance(message, bytes) else message}")


def _reason(error: BaseException) -> str:
    """A system error in words (``[Errno 111] Connection refused``, a TLS verification
    failure), its class name when it has none."""
    if isinstance(error, OSError) and error.strerror:
        return one_line(f"{error.strerror} ({type(error).__name__})")
    return one_line(str(error) or type(error).__name__)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def build_message(row: OutboxEmail, settings: Settings) -> EmailMessage:
    """The message as it is sent. Header values are built with :mod:`email.headerregistry`
    under the SMTP policy: a line break can never start a new header, and non-ASCII names
    are encoded (RFC 2047)."""
    address = strip_controls(row.to_address).strip()
    if not looks_like_email(address) or address != row.to_address.strip():
        raise PermanentFailure("invalid recipient address")
    message = EmailMessage(policy=email.policy.SMTP)
    try:
        message["From"] = Address(display_name=strip_controls(settings.mail_from_name), addr_spec=settings.mail_from)
        message["To"] = Address(display_name=strip_controls(row.to_name), addr_spec=address)
    except (ValueError, IndexError) as error:
        raise PermanentFailure("invalid address") from error
    message["Subject"] = strip_controls(row.subject)
    message["Date"] = format_datetime(_aware(row.created_at))
    message["Message-ID"] = row.message_id
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(row.body_text)
    if row.body_html:
        message.add_alternative(row.body_html, subtype="html")
    message["Content-Language"] = row.language  # after set_content, which clears Content-*
    return message


HEADER_LABELS: dict[str, str] = {
    "From": N_("From"),
    "To": N_("To"),
    "Subject": N_("Subject"),
    "Date": N_("Date"),
}
SENT_ON = N_("{date} at {time}")


def readable(message: EmailMessage, t: Translator | None = None, tz: tzinfo | None = None) -> str:
    """The message as a person reads it: the main headers and the text part, decoded.
    With ``t``, the header names and the date in that language (the demo's mailbox), the
    date in ``tz``; without, as the relay gets them (the operators' ``mail`` command)."""
    lines = []
    for name, label in HEADER_LABELS.items():
        value = str(message[name] or "")
        if t is None:
            lines.append(f"{name}: {value}")
            continue
        if name == "Date" and value:
            when = parsedate_to_datetime(value).astimezone(tz)
            value = t.format(SENT_ON, date=when.date(), time=when)
        lines.append(t.format("{label}: ", label=t._(label)) + value)
    body = message.get_body(preferencelist=("plain",))
    text = body.get_content() if isinstance(body, EmailMessage) else ""
    return "\n".join(lines) + "\n\n" + text


class Connection(Protocol):
    def send(self, message: EmailMessage) -> None: ...


class Transport(Protocol):
    def open(self) -> AbstractContextManager[Connection]: ...


class SmtpTransport:
    """A connection to the relay configured in the settings (STARTTLS, TLS or plain)."""

    def __init__(self, settings: Settings) -> None:
        if not settings.smtp_host:
            raise ValueError("MOTDEPASSE_SMTP_HOST is not set")
        self.settings = settings

    def _tls(self) -> ssl.SSLContext:
        ca = self.settings.smtp_ca_file
        try:
            return ssl.create_default_context(cafile=str(ca) if ca else None)
        except OSError as error:  # ssl.SSLError too: a file that is not a PEM bundle
            raise RelayUnreachable(f"cannot use MOTDEPASSE_SMTP_CA_FILE {ca}: {_reason(error)}") from error

    @contextmanager
    def open(self) -> Iterator[Connection]:
        s = self.settings
        assert s.smtp_host is not None
        try:
            if s.smtp_security == "tls":
                client: smtplib.SMTP = smtplib.SMTP_SSL(
                    s.smtp_host, s.smtp_port, timeout=s.smtp_timeout_seconds, context=self._tls()
                )
            else:
                client = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout_seconds)
                if s.smtp_security == "starttls":
                    client.starttls(context=self._tls())
            if s.smtp_username:
                client.login(s.smtp_username, s.smtp_password or "")
        except smtplib.SMTPResponseException as error:
            # A refusal before any message (greeting, STARTTLS, login: 530, 535…) is the
            # relay's or the configuration's problem, never the email's: retry, never fail.
            reply = relay_reply(error.smtp_code, error.smtp_error)
            raise RelayUnreachable(f"relay refused the connection: {reply}") from error
        except (OSError, smtplib.SMTPException) as error:
            raise RelayUnreachable(f"relay unreachable: {_reason(error)}") from error
        try:
            yield _SmtpConnection(client, s.mail_from)
        finally:
            try:
                client.quit()
            except (OSError, smtplib.SMTPException):
                client.close()


@dataclass
class _SmtpConnection:
    client: smtplib.SMTP
    sender: str

    def send(self, message: EmailMessage) -> None:
        try:
            refused = self.client.send_message(message, from_addr=self.sender)
        except smtplib.SMTPHeloError as error:  # sent lazily by smtplib: still the session
            reply = relay_reply(error.smtp_code, error.smtp_error)
            raise RelayUnreachable(f"relay refused the connection: {reply}") from error
        except smtplib.SMTPNotSupportedError as error:  # SMTPUTF8 needed by this message
            raise PermanentFailure(f"refused: {one_line(str(error))}") from error
        except smtplib.SMTPRecipientsRefused as error:
            raise _classify("recipient refused", *_lowest(error.recipients)) from error
        except smtplib.SMTPResponseException as error:
            raise _classify("refused", error.smtp_code, error.smtp_error) from error
        except (OSError, smtplib.SMTPException) as error:
            raise RelayUnreachable(f"connection lost: {_reason(error)}") from error
        if refused:
            raise PermanentFailure(f"recipient refused: {relay_reply(*_lowest(refused))}")


def _lowest(replies: dict[str, tuple[int, bytes]]) -> tuple[int, bytes]:
    """Of the replies to the recipients, the one that decides (a 4xx is retried)."""
    return min(replies.values(), key=lambda reply: reply[0], default=(550, b""))


def _classify(what: str, code: int, message: str | bytes) -> Exception:
    reply = f"{what}: {relay_reply(code, message)}"
    if 400 <= code < 500:
        return TemporaryFailure(reply)
    return PermanentFailure(reply)


@dataclass
class DeliveryReport:
    sent: list[int] = field(default_factory=list)
    retried: list[int] = field(default_factory=list)
    """To try again: after a 4xx (an attempt counted), or delayed by an outage."""
    delayed: list[int] = field(default_factory=list)
    """Of ``retried``, those delayed by an outage: no attempt counted."""
    failed: list[int] = field(default_factory=list)
    errors: dict[int, str] = field(default_factory=dict)
    """Why each email not sent was not: the relay's reply, or the system's error."""
    unreachable: str | None = None
    """Set when the relay could not be reached (or the connection was lost): the reason."""

    @property
    def handled(self) -> int:
        return len(self.sent) + len(self.retried) + len(self.failed)


_LAST_ERROR_CHARS = 500
"""The size of ``OutboxEmail.last_error``."""


def spoken_duration(span: timedelta) -> str:
    """``3 d 04 h``, ``2 h 05 min``, ``5 min``, ``42 s``: an age or a duration for an operator."""
    seconds = max(int(span.total_seconds()), 0)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{days} d {hours:02} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {minutes:02} min" if minutes else f"{hours} h"
    return f"{minutes} min" if minutes else f"{seconds} s"


class Dispatcher:
    """Takes queued emails whose time has come and delivers them through a transport."""

    def __init__(
        self,
        services: Services,
        transport: Callable[[], Transport] | Transport,
        *,
        name: str | None = None,
        log_outages: bool = False,
    ) -> None:
        """``log_outages``: one log line when an outage starts and one when it ends (the
        ``--watch`` dispatcher; a single round reports its outcome itself)."""
        self.services = services
        self._transport = transport
        self.name = name or f"{socket.gethostname()}:{uuid.uuid4().hex[:8]}"
        self.log_outages = log_outages
        self.outage_since: datetime | None = None
        """When this dispatcher last found the relay unreachable, until it answers again."""
        self._waited: set[int] = set()
        """The emails delayed during the current outage (at most the outbox's queued rows)."""

    def _now(self) -> datetime:
        return self.services.clock.now()

    def claim(self, limit: int = 50) -> list[int]:
        """Take up to ``limit`` due emails; a row goes to one dispatcher only."""
        now = self._now()
        lease = now + timedelta(seconds=self.services.settings.mail_lease_seconds)
        due = (
            col(OutboxEmail.state) == "queued",
            or_(col(OutboxEmail.next_attempt_at).is_(None), col(OutboxEmail.next_attempt_at) <= now),
            or_(col(OutboxEmail.claimed_until).is_(None), col(OutboxEmail.claimed_until) < now),
        )
        # One statement: the due rows are chosen and leased together. PostgreSQL skips the
        # rows another dispatcher is leasing at this moment (FOR UPDATE SKIP LOCKED);
        # SQLite runs the statement under its write lock. ``due`` is checked again on
        # the rows updated, so a row is never leased twice.
        chosen = (
            select(OutboxEmail.id)
            .where(*due)
            .order_by(col(OutboxEmail.id))
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        with self.services.uow() as uow:
            ids = (
                uow.session.exec(  # type: ignore[call-overload]
                    update(OutboxEmail)
                    .where(col(OutboxEmail.id).in_(chosen.scalar_subquery()), *due)
                    .values(claimed_by=self.name, claimed_until=lease)
                    .returning(col(OutboxEmail.id))
                )
                .scalars()
                .all()
            )
            uow.commit()
        return sorted(int(row_id) for row_id in ids)

    def deliver_once(self, limit: int = 50) -> DeliveryReport:
        report = DeliveryReport()
        ids = self._expire(self.claim(limit), report)
        if not ids:
            return report
        transport = self._transport() if callable(self._transport) else self._transport
        try:
            with transport.open() as connection:
                self._relay_answers()
                for row_id in ids:
                    self._deliver(connection, row_id, report)
        except RelayUnreachable as error:
            for row_id in self._pending(ids, report):
                self._delay(row_id, str(error), report)
            self._relay_unreachable(str(error), report)
        except TemporaryFailure as error:
            for row_id in self._pending(ids, report):
                self._retry(row_id, str(error), report)
        except PermanentFailure as error:
            for row_id in self._pending(ids, report):
                self._fail(row_id, str(error), report)
        return report

    @staticmethod
    def _pending(ids: list[int], report: DeliveryReport) -> list[int]:
        return [row_id for row_id in ids if row_id not in report.sent + report.retried + report.failed]

    def _expire(self, ids: list[int], report: DeliveryReport) -> list[int]:
        """Fail the claimed emails older than ``MOTDEPASSE_MAIL_MAX_AGE`` (relay or not);
        the others, to send."""
        max_age = self.services.settings.mail_max_age
        cutoff = self._now() - max_age
        fresh = []
        for row_id in ids:
            row = self._row(row_id)
            if _aware(row.created_at) > cutoff:
                fresh.append(row_id)
                continue
            why = f"not delivered within {spoken_duration(max_age)} (MOTDEPASSE_MAIL_MAX_AGE)"
            error = one_line(f"{why}; last error: {row.last_error}" if row.last_error else why, _LAST_ERROR_CHARS)
            report.errors[row_id] = error
            self._update(row_id, state="failed", last_error=error)
            report.failed.append(row_id)
        return fresh

    def _relay_unreachable(self, reason: str, report: DeliveryReport) -> None:
        report.unreachable = reason
        self._waited.update(report.delayed)
        if self.outage_since is None:
            self.outage_since = self._now()
            if self.log_outages:
                log.warning("relay outage: %s; emails wait, their attempts are kept", reason)

    def _relay_answers(self) -> None:
        if self.outage_since is None:
            return
        if self.log_outages:
            lasted = spoken_duration(self._now() - self.outage_since)
            log.info("relay back after %s; %d email(s) waited", lasted, len(self._waited))
        self.outage_since = None
        self._waited.clear()

    def _row(self, row_id: int) -> OutboxEmail:
        with self.services.uow() as uow:
            row = uow.session.get(OutboxEmail, row_id)
            assert row is not None
            return row

    def _deliver(self, connection: Connection, row_id: int, report: DeliveryReport) -> None:
        row = self._row(row_id)
        try:
            message = build_message(row, self.services.settings)
            connection.send(message)
        except RelayUnreachable:
            raise  # the connection is gone: this email and the rest of the batch wait
        except TemporaryFailure as error:
            self._retry(row_id, str(error), report)
            return
        except PermanentFailure as error:
            self._fail(row_id, str(error), report)
            return
        self._update(row_id, state="sent", sent_at=self._now(), attempts=row.attempts + 1, last_error=None)
        report.sent.append(row_id)

    def _retry(self, row_id: int, error: str, report: DeliveryReport) -> None:
        error = one_line(error, _LAST_ERROR_CHARS)
        report.errors[row_id] = error
        settings = self.services.settings
        row = self._row(row_id)
        attempts = row.attempts + 1
        if attempts >= settings.mail_max_attempts:
            self._update(row_id, state="failed", attempts=attempts, last_error=error)
            report.failed.append(row_id)
            return
        delay = min(settings.mail_retry_base_seconds * 2 ** (attempts - 1), settings.mail_retry_max_seconds)
        self._update(
            row_id,
            attempts=attempts,
            last_error=error,
            next_attempt_at=self._now() + timedelta(seconds=delay),
        )
        report.retried.append(row_id)

    def _delay(self, row_id: int, error: str, report: DeliveryReport) -> None:
        """An outage: try again later, the attempts unspent."""
        error = one_line(error, _LAST_ERROR_CHARS)
        report.errors[row_id] = error
        delay = timedelta(seconds=self.services.settings.mail_retry_base_seconds)
        self._update(row_id, last_error=error, next_attempt_at=self._now() + delay)
        report.retried.append(row_id)
        report.delayed.append(row_id)

    def _fail(self, row_id: int, error: str, report: DeliveryReport) -> None:
        error = one_line(error, _LAST_ERROR_CHARS)
        report.errors[row_id] = error
        row = self._row(row_id)
        self._update(row_id, state="failed", attempts=row.attempts + 1, last_error=error)
        report.failed.append(row_id)

    def _update(self, row_id: int, **values: object) -> None:
        """Record an attempt and release the lease (only if this dispatcher holds it)."""
        with self.services.uow() as uow:
            uow.session.exec(  # type: ignore[call-overload]
                update(OutboxEmail)
                .where(col(OutboxEmail.id) == row_id, col(OutboxEmail.claimed_by) == self.name)
                .values(claimed_by=None, claimed_until=None, **values)
            )
            uow.commit()


class NotFailed(LookupError):
    """No failed email with this id."""


def retry_failed(services: Services, actor: str, email_id: int | None = None) -> list[int]:
    """Queue failed emails again (one, or every failed one when ``email_id`` is None): no
    attempt spent, due now, their age counted from now (``created_at``, hence the Date
    header, is reset; the Message-ID stays). Audited ``mail_retry``, one row per email,
    in the same transaction. Raises :class:`NotFailed` for an id that is not a failed email."""
    now = services.clock.now()
    with services.uow() as uow:
        query = select(OutboxEmail).where(OutboxEmail.state == "failed").order_by(col(OutboxEmail.id))
        if email_id is not None:
            query = query.where(OutboxEmail.id == email_id)
        rows = uow.session.exec(query).all()
        if email_id is not None and not rows:
            raise NotFailed(email_id)
        ids = [row.id for row in rows if row.id is not None]
        for row in rows:
            uow.session.add(
                audit_row(
                    services,
                    actor,
                    "mail_retry",
                    account_id=row.account_id,
                    email_id=row.id,
                    created_at=_aware(row.created_at).isoformat(),
                    last_error=row.last_error,
                )
            )
            row.state, row.attempts, row.next_attempt_at, row.created_at = "queued", 0, now, now
            row.claimed_by = row.claimed_until = None
            uow.session.add(row)
        uow.commit()
    return ids


def recent_emails(services: Services, limit: int = 10, t: Translator | None = None) -> list[tuple[OutboxEmail, str]]:
    """The newest emails of the outbox with their readable form (the demo's mailbox), its
    header names and date in the language of ``t``."""
    with services.uow() as uow:
        rows = uow.session.exec(select(OutboxEmail).order_by(col(OutboxEmail.id).desc()).limit(limit)).all()
    out: list[tuple[OutboxEmail, str]] = []
    for row in rows:
        try:
            out.append((row, readable(build_message(row, services.settings), t, services.tz)))
        except PermanentFailure as error:
            out.append((row, str(error)))
    return out
