"""The emails of the service (SPEC §4), written to the outbox in the same transaction as
what they report, in the account's language, as plain text and HTML."""

from __future__ import annotations

import html
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo

from domain.i18n import N_, Translator
from domain.models import Account, OutboxEmail
from domain.text import printable

SUBJECT_CHANGED = N_("Professional account - Password change")
SUBJECT_LOCKED = N_("Professional account - Forgot password procedure suspended")
SUBJECT_REMINDER = N_("Professional account - Your password expires on {date}")

NEVER_ASKS = N_(
    "The administration never asks for your credentials or your bank details by email, text message or phone."
)
DO_NOT_REPLY = N_("This message was sent automatically; please do not reply to it.")


@dataclass(frozen=True)
class Recipient:
    account_id: int
    email: str
    first_name: str
    last_name: str
    language: str

    def translator(self) -> Translator:
        return Translator("en" if self.language == "en" else "fr")

    @classmethod
    def of(cls, account: Account) -> Recipient:
        assert account.id is not None
        return cls(account.id, account.email, account.first_name, account.last_name, account.language)


@dataclass(frozen=True)
class Paragraph:
    """A paragraph of an email; ``strong`` ones are bold in the HTML part."""

    text: str
    strong: bool = False


def _render(t: Translator, recipient: Recipient, subject: str, paragraphs: Sequence[Paragraph]) -> tuple[str, str]:
    """(text body, HTML body). Every value is escaped in HTML; control characters of
    names are replaced, so nothing typed by anyone can change the layout."""
    _ = t._
    greeting = _("Hello {first_name} {last_name},").format(
        first_name=printable(recipient.first_name), last_name=printable(recipient.last_name)
    )
    closing = [Paragraph(_(NEVER_ASKS)), Paragraph(_(DO_NOT_REPLY))]
    blocks = [Paragraph(greeting), *paragraphs, *closing]
    text = "\n\n".join(block.text for block in blocks) + "\n"
    items = []
    for block in blocks:
        content = html.escape(block.text)
        items.append(f"<p><strong>{content}</strong></p>" if block.strong else f"<p>{content}</p>")
    body = "\n".join(items)
    page = (
        f'<!DOCTYPE html>\n<html lang="{t.lang}">\n<head><meta charset="utf-8">'
        f"<title>{html.escape(subject)}</title></head>\n<body>\n{body}\n</body>\n</html>\n"
    )
    return text, page


def _message_id(kind: str, domain: str) -> str:
    return f"<{kind}.{uuid.uuid4().hex}@{domain}>"


def _email(
    *,
    recipient: Recipient,
    kind: str,
    subject: str,
    paragraphs: Sequence[Paragraph],
    now: datetime,
    t: Translator,
    mail_domain: str,
) -> OutboxEmail:
    text, page = _render(t, recipient, subject, paragraphs)
    return OutboxEmail(
        message_id=_message_id(kind.split(":")[0], mail_domain),
        account_id=recipient.account_id,
        kind=kind,
        to_address=recipient.email,
        to_name=f"{recipient.first_name} {recipient.last_name}",
        language=t.lang,
        subject=subject,
        body_text=text,
        body_html=page,
        created_at=now,
        next_attempt_at=now,
    )


def password_changed_email(
    *,
    recipient: Recipient,
    valid_until: date,
    changed_at: datetime,
    procedure: str,
    client_address: str | None,
    tz: tzinfo,
    mail_domain: str,
) -> OutboxEmail:
    """The confirmation of a password change, whatever the procedure."""
    t = recipient.translator()
    _ = t._
    local = changed_at.astimezone(tz)
    paragraphs = [
        Paragraph(
            _(
                "The change of the password of your professional account has been taken into account "
                "on {date} at {time}."
            ).format(date=t.date(local.date()), time=t.time(local)),
            strong=True,
        ),
        Paragraph(_("Your new password is valid until {date}.").format(date=t.date(valid_until))),
    ]
    if client_address:
        paragraphs.append(
            Paragraph(_("The change was made from the address {address}.").format(address=printable(client_address)))
        )
    paragraphs += [
        Paragraph(
            _("If you forget your password, you will need the answer to your security question to define a new one.")
        ),
        Paragraph(_("If you did not make this change, contact support at once.")),
    ]
    return _email(
        recipient=recipient,
        kind=f"password_changed:{procedure}",
        subject=_(SUBJECT_CHANGED),
        paragraphs=paragraphs,
        now=changed_at,
        t=t,
        mail_domain=mail_domain,
    )


def procedure_locked_email(
    *,
    recipient: Recipient,
    locked_until: datetime,
    now: datetime,
    client_address: str | None,
    tz: tzinfo,
    mail_domain: str,
) -> OutboxEmail:
    """Sent to the account holder (never to an unknown address) when the forgot-password
    procedure is refused after too many wrong answers."""
    t = recipient.translator()
    _ = t._
    local = locked_until.astimezone(tz)
    paragraphs = [
        Paragraph(
            _(
                "Several wrong answers to your security question were given in the forgot password "
                "procedure of your professional account."
            ),
            strong=True,
        ),
        Paragraph(
            _("The procedure is suspended for your address until {time} ({date}).").format(
                time=t.time(local), date=t.date(local.date())
            )
        ),
        Paragraph(_("Your current password still works: your account is not locked.")),
    ]
    if client_address:
        paragraphs.append(
            Paragraph(_("The answers came from the address {address}.").format(address=printable(client_address)))
        )
    paragraphs.append(
        Paragraph(_("If this was not you, someone may be trying to take over your account: contact support."))
    )
    return _email(
        recipient=recipient,
        kind="procedure_locked",
        subject=_(SUBJECT_LOCKED),
        paragraphs=paragraphs,
        now=now,
        t=t,
        mail_domain=mail_domain,
    )


def expiry_reminder_email(
    *,
    recipient: Recipient,
    expires_on: date,
    days_left: int,
    now: datetime,
    mail_domain: str,
) -> OutboxEmail:
    """A reminder before the password expires (none of the sheets has it; FreeIPA does)."""
    t = recipient.translator()
    _ = t._
    paragraphs = [
        Paragraph(
            (
                _("The password of your professional account expires on {date} (1 day left).")
                if days_left == 1
                else _("The password of your professional account expires on {date} ({days} days left).")
            ).format(date=t.date(expires_on), days=days_left),
            strong=True,
        ),
        Paragraph(
            _(
                'To keep access to your account, change it before then: log in, then use "Change the '
                'password" at the top left of your home page.'
            )
        ),
        Paragraph(_("Once expired, you will have to use the expired password procedure.")),
    ]
    return _email(
        recipient=recipient,
        kind=f"expiry_reminder:{days_left}",
        subject=_(SUBJECT_REMINDER).format(date=t.short_date(expires_on)),
        paragraphs=paragraphs,
        now=now,
        t=t,
        mail_domain=mail_domain,
    )
