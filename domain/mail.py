"""Confirmation emails, written to the outbox in the same transaction as the change."""

from __future__ import annotations

import uuid
from datetime import date, datetime, tzinfo

from domain.i18n import Translator
from domain.models import OutboxEmail


def password_changed_email(
    *,
    t: Translator,
    account_id: int,
    to_address: str,
    first_name: str,
    last_name: str,
    valid_until: date,
    changed_at: datetime,
    procedure: str,
    client_address: str | None,
    tz: tzinfo,
) -> OutboxEmail:
    """The confirmation of a password change (SPEC §4), in the account's language."""
    _ = t._
    local = changed_at.astimezone(tz)
    lines = [
        _("Hello {first_name} {last_name},").format(first_name=first_name, last_name=last_name),
        "",
        _(
            "The change of the password of your professional account has been taken into account "
            "on {date} at {time}."
        ).format(date=t.date(local.date()), time=t.time(local)),
        _("Your new password is valid until {date}.").format(date=t.date(valid_until)),
    ]
    if client_address:
        lines.append(_("The change was made from the address {address}.").format(address=client_address))
    lines += [
        "",
        _(
            "If you forget your password, you will need the answer to your security question "
            "to define a new one."
        ),
        "",
        _("If you did not make this change, contact support at once."),
        _(
            "The administration never asks for your credentials or your bank details by email, "
            "text message or phone."
        ),
        "",
        _("This message was sent automatically; please do not reply to it."),
    ]
    return OutboxEmail(
        message_id=f"<password-changed.{uuid.uuid4().hex}@motdepasse>",
        account_id=account_id,
        kind=f"password_changed:{procedure}",
        to_address=to_address,
        language=t.lang,
        subject=_("Professional account - Password change"),
        body_text="\n".join(lines) + "\n",
        created_at=changed_at,
    )
