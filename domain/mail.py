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
from domain.settings import Settings
from domain.text import printable

SUBJECT_CHANGED = N_("Professional account - Password change")
SUBJECT_LOCKED = N_("Professional account - Forgot password procedure suspended")
SUBJECT_REMINDER = N_("Professional account - Your password expires on {date}")

MANAGE_COORDINATES = N_("Manage your contact details")
"""The link of the account space where the question is shown (as the session core's)."""
THANKS = N_("The tax administration thanks you for your interest in its services.")
QUESTIONS = N_(
    "If you have a question, please do not reply to this message, which was sent automatically: "
    "contact support by phone on {phone} (free service + price of a call), {hours}, or through {form}."
)
NEVER_ASKS = N_(
    "The tax administration never asks you (whether by email, text message or phone) to send "
    "your credentials or your bank details in any way whatsoever. If you receive such a message, "
    "do not click on any link, do not call the number it gives and ignore the information it "
    "contains: it is most probably a phishing message."
)
"""The sheet's warning in full (seed 003)."""


@dataclass(frozen=True)
class SupportLine:
    """How to reach support, as the operator configured it (the sheets: hotline and online
    form), for the end of every email."""

    phone: str
    hours: dict[str, str]
    """By language (``fr``, ``en``)."""
    form: dict[str, str]

    @classmethod
    def of(cls, settings: Settings) -> SupportLine:
        return cls(
            settings.support_phone,
            {"fr": settings.support_hours_fr, "en": settings.support_hours_en},
            {"fr": settings.support_form_fr, "en": settings.support_form_en},
        )


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


def _render(
    t: Translator, recipient: Recipient, subject: str, paragraphs: Sequence[Paragraph], support: SupportLine
) -> tuple[str, str]:
    """(text body, HTML body). Every value is escaped in HTML; control characters of
    names are replaced, so nothing typed by anyone can change the layout. Every email ends
    as the sheet's does: where to ask a question (not by replying), the phishing warning."""
    _ = t._
    greeting = _("Hello {first_name} {last_name},").format(
        first_name=printable(recipient.first_name), last_name=printable(recipient.last_name)
    )
    questions = _(QUESTIONS).format(
        phone=printable(support.phone),
        hours=printable(support.hours.get(t.lang, "")),
        form=printable(support.form.get(t.lang, "")),
    )
    closing = [Paragraph(questions), Paragraph(_(NEVER_ASKS))]
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
    support: SupportLine,
) -> OutboxEmail:
    text, page = _render(t, recipient, subject, paragraphs, support)
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
    support: SupportLine,
) -> OutboxEmail:
    """The confirmation of a password change, whatever the procedure: what the sheet's
    email says (seed 003), line by line."""
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
            _(
                "If you forget your password, you will have to type the answer to your security question; "
                'the question is in your personal information ("{coordinates}").'
            ).format(coordinates=_(MANAGE_COORDINATES))
        ),
        Paragraph(_("If you did not make this change, contact support at once.")),
        Paragraph(_(THANKS)),
    ]
    return _email(
        recipient=recipient,
        kind=f"password_changed:{procedure}",
        subject=_(SUBJECT_CHANGED),
        paragraphs=paragraphs,
        now=changed_at,
        t=t,
        mail_domain=mail_domain,
        support=support,
    )


def procedure_locked_email(
    *,
    recipient: Recipient,
    locked_until: datetime,
    now: datetime,
    client_address: str | None,
    tz: tzinfo,
    mail_domain: str,
    support: SupportLine,
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
        support=support,
    )


def expiry_reminder_email(
    *,
    recipient: Recipient,
    expires_on: date,
    days_left: int,
    now: datetime,
    mail_domain: str,
    support: SupportLine,
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
        support=support,
    )
