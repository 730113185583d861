"""Expiry reminders (``motdepasse mail remind``): by default 60, 30, 7 and 1 days before
the password expires, each sent once per password. None of the sheets has them; identity
servers such as FreeIPA do. Idempotent: run it as often as you like (e.g. daily)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from domain.accounts import active_with_current_password
from domain.mail import Recipient, SupportLine, expiry_reminder_email
from domain.models import Account, PasswordCredential, ReminderSent
from domain.services import Services


@dataclass(frozen=True)
class Reminder:
    email: str
    threshold: int
    days_left: int


def due_threshold(days_left: int, thresholds: tuple[int, ...]) -> int | None:
    """The closest threshold a password has reached (25 days left → 30), if any. A
    password first seen at 25 days left gets the 30-day reminder, not the 60-day one too."""
    reached = [threshold for threshold in thresholds if 0 <= days_left <= threshold]
    return min(reached) if reached else None


def _due_pages(
    services: Services, thresholds: tuple[int, ...], batch: int
) -> Iterator[tuple[Account, PasswordCredential]]:
    """The active accounts whose password expires within the largest threshold, read a
    page of ``batch`` at a time (memory stays bounded at any number of accounts)."""
    today = services.today()
    window = (today, today + timedelta(days=max(thresholds, default=0)))
    after = 0
    while True:
        with services.uow() as uow:
            page = active_with_current_password(uow.session, expiring_between=window, after_id=after, limit=batch)
        yield from page
        if len(page) < batch:
            return
        after = page[-1][0].id or after


def send_reminders(services: Services, *, batch: int = 500) -> list[Reminder]:
    """Queue the reminders that are due and were not sent yet; return them."""
    thresholds = tuple(sorted(set(services.settings.reminder_days)))
    now = services.clock.now()
    queued: list[Reminder] = []
    for account, credential in _due_pages(services, thresholds, batch):
        expiry = services.expiry(credential.expires_on)
        threshold = due_threshold(expiry.days_left, thresholds)
        if threshold is None:
            continue
        assert account.id is not None
        with services.uow() as uow:
            already = uow.session.exec(
                select(ReminderSent.id).where(
                    ReminderSent.account_id == account.id,
                    ReminderSent.expires_on == credential.expires_on,
                    ReminderSent.threshold == threshold,
                )
            ).first()
            if already is not None:
                continue
            email = expiry_reminder_email(
                recipient=Recipient.of(account),
                expires_on=credential.expires_on,
                days_left=expiry.days_left,
                now=now,
                mail_domain=services.mail_domain,
                support=SupportLine.of(services.settings),
            )
            uow.session.add(email)
            uow.session.flush()
            uow.session.add(
                ReminderSent(
                    account_id=account.id,
                    expires_on=credential.expires_on,
                    threshold=threshold,
                    outbox_id=email.id,
                )
            )
            try:
                uow.commit()
            except IntegrityError:  # another run queued it at the same moment
                continue
        queued.append(Reminder(account.email, threshold, expiry.days_left))
    return queued
