"""Expiry reminders (domain.reminders.send_reminders): each threshold once per password."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from sqlmodel import select

from domain.models import ReminderSent
from domain.reminders import due_threshold, send_reminders
from tests.domain.support import HUGO, LILA, START, account, set_status
from tests.mail.helpers import deliver, forgot_change, outbox

HUGO_EXPIRES = date(2025, 4, 9)  # 30 days after START


def at_days_left(clock, expires_on: date, days: int) -> None:
    """Morning (Paris) of the day ``days`` before the last valid day."""
    day = expires_on - timedelta(days=days)
    clock.set(datetime.combine(day, time(8, 0), tzinfo=START.tzinfo))


def queued(services) -> list[tuple[str, str]]:
    return [(r.to_address, r.kind) for r in outbox(services)]


def sent_markers(services) -> list[tuple[date, int]]:
    with services.uow() as uow:
        rows = uow.session.exec(select(ReminderSent).order_by(ReminderSent.id)).all()
        return [(r.expires_on, r.threshold) for r in rows]


@pytest.mark.parametrize(
    ("days_left", "threshold"),
    [(61, None), (60, 60), (31, 60), (30, 30), (25, 30), (8, 30), (7, 7), (2, 7), (1, 1), (0, 1), (-1, None)],
)
def test_due_threshold(days_left, threshold) -> None:
    assert due_threshold(days_left, (1, 7, 30, 60)) == threshold


def test_each_threshold_once(mail_services, mail_demo, relay, clock) -> None:
    services = mail_services
    assert services.expiry(HUGO_EXPIRES).days_left == 30
    (reminder,) = send_reminders(services)
    assert (reminder.email, reminder.threshold, reminder.days_left) == (HUGO, 30, 30)
    assert send_reminders(services) == []
    clock.advance(timedelta(hours=10))
    assert send_reminders(services) == []

    at_days_left(clock, HUGO_EXPIRES, 7)
    assert [(r.threshold, r.days_left) for r in send_reminders(services)] == [(7, 7)]
    assert send_reminders(services) == []
    at_days_left(clock, HUGO_EXPIRES, 3)
    assert send_reminders(services) == []
    at_days_left(clock, HUGO_EXPIRES, 1)
    assert [(r.threshold, r.days_left) for r in send_reminders(services)] == [(1, 1)]
    at_days_left(clock, HUGO_EXPIRES, 0)
    assert send_reminders(services) == []
    at_days_left(clock, HUGO_EXPIRES, -1)
    assert send_reminders(services) == []

    assert queued(services) == [
        (HUGO, "expiry_reminder:30"),
        (HUGO, "expiry_reminder:7"),
        (HUGO, "expiry_reminder:1"),
    ]
    assert sent_markers(services) == [(HUGO_EXPIRES, 30), (HUGO_EXPIRES, 7), (HUGO_EXPIRES, 1)]

    # Delivered in English (Hugo's language), with the expiry date; the 30-day one is
    # 29 days old then, within a MOTDEPASSE_MAIL_MAX_AGE of 30 days.
    services.settings.mail_max_age = timedelta(days=30)
    at_days_left(clock, HUGO_EXPIRES, 1)
    assert len(deliver(services).sent) == 3
    subjects = [received.message["Subject"] for received in relay.accepted]
    assert subjects == ["Professional account - Your password expires on 09/04/2025"] * 3
    text = relay.accepted[0].message.get_body(preferencelist=("plain",)).get_content()
    assert text.startswith("Hello Hugo MARTIN,")
    assert "expires on 09 April 2025 (30 days left)" in text
    assert "please do not reply" in text


def test_first_seen_at_25_days_gets_only_the_30_day_one(mail_services, mail_demo, clock) -> None:
    at_days_left(clock, HUGO_EXPIRES, 25)
    assert [(r.email, r.threshold, r.days_left) for r in send_reminders(mail_services)] == [(HUGO, 30, 25)]
    at_days_left(clock, HUGO_EXPIRES, 20)
    assert send_reminders(mail_services) == []
    assert sent_markers(mail_services) == [(HUGO_EXPIRES, 30)]
    assert len(outbox(mail_services)) == 1


def test_none_for_deactivated_or_expired(mail_services, mail_demo, clock) -> None:
    set_status(mail_services, HUGO, "deactivated")
    assert send_reminders(mail_services) == []  # Chloé: expired; Lila: far away
    for days in (7, 1):
        at_days_left(clock, HUGO_EXPIRES, days)
        assert send_reminders(mail_services) == []
    assert outbox(mail_services) == []


def test_lila_at_60_days(mail_services, mail_demo, clock) -> None:
    lila_expires = date(2027, 2, 3)  # 695 days after START
    assert mail_services.expiry(lila_expires).days_left == 695
    at_days_left(clock, lila_expires, 60)
    reminders = send_reminders(mail_services)
    assert [(r.email, r.threshold) for r in reminders] == [(LILA, 60)]
    assert sent_markers(mail_services) == [(lila_expires, 60)]


def test_a_password_change_starts_again(mail_services, mail_demo, clock) -> None:
    assert [r.threshold for r in send_reminders(mail_services)] == [30]
    new_expiry = forgot_change(mail_services, HUGO)
    assert new_expiry == date(2028, 3, 10)
    assert send_reminders(mail_services) == []

    at_days_left(clock, new_expiry, 61)
    assert send_reminders(mail_services) == []
    at_days_left(clock, new_expiry, 60)
    assert [(r.email, r.threshold) for r in send_reminders(mail_services)] == [(HUGO, 60)]
    at_days_left(clock, new_expiry, 30)
    assert [(r.email, r.threshold) for r in send_reminders(mail_services)] == [(HUGO, 30)]
    assert send_reminders(mail_services) == []
    assert sent_markers(mail_services) == [(HUGO_EXPIRES, 30), (new_expiry, 60), (new_expiry, 30)]
    kinds = [kind for _to, kind in queued(mail_services)]
    assert kinds == [
        "expiry_reminder:30",
        "password_changed:forgot",
        "expiry_reminder:60",
        "expiry_reminder:30",
    ]
    assert all(r.account_id == account(mail_services, HUGO).id for r in outbox(mail_services))


@pytest.mark.parametrize(
    ("email", "expires_on", "singular"),
    [(HUGO, HUGO_EXPIRES, "(1 day left)"), (LILA, date(2027, 2, 3), "(encore 1 jour)")],
)
def test_one_day_left_is_singular(mail_services, mail_demo, clock, email, expires_on, singular) -> None:
    at_days_left(clock, expires_on, 1)
    send_reminders(mail_services)
    (reminder,) = [r for r in outbox(mail_services) if r.to_address == email]
    assert singular in reminder.body_text, reminder.body_text


def test_reminder_in_french_for_a_french_account(mail_services, mail_demo, relay, clock) -> None:
    at_days_left(clock, date(2027, 2, 3), 30)
    send_reminders(mail_services)
    (email,) = outbox(mail_services)
    assert email.to_address == LILA and email.language == "fr"
    deliver(mail_services)
    (received,) = relay.accepted
    message = received.message
    assert message["Subject"] == "Espace professionnel - Votre mot de passe expire le 03/02/2027"
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert text.startswith("Bonjour Lila ROSEMONDE,")
    assert "expire le 03 février 2027 (encore 30 jours)" in text
    assert "à ne pas répondre à ce message" in text
    assert "Professional account" not in text and "days left" not in text
