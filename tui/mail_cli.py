"""``motdepasse mail …``: deliver the outbox, look into it, queue expiry reminders.

Exit codes: 0 done (``deliver``: every email taken was sent, or none was due); 1 refused
(no relay configured, unknown email id, ``retry`` of an email that is not failed); 2 usage
error; and for ``deliver`` (once, not
``--watch``), when some email could not be delivered:

- 3 partly delivered: some emails sent, others to retry or failed;
- 4 nothing delivered, the relay unreachable: no connection, a refusal before any message
  (greeting, STARTTLS, login), a timeout or the connection lost; the emails stay queued
  for a retry, their attempts unspent (until ``MOTDEPASSE_MAIL_MAX_AGE``);
- 5 nothing delivered, every email refused: by the relay (4xx: queued for a retry; 5xx:
  failed) or unbuildable (an invalid address).

The relay's own reply (code and words, one line, at most 300 characters) is kept in the
email's ``last_error``, shown by ``mail outbox`` and ``mail outbox --show ID``. Codes 66, 69
and 78 (no database, database unavailable, invalid setting) are those of ``tui/cli.py``.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from datetime import UTC
from typing import TextIO

from sqlmodel import col, func, select

from domain.delivery import (
    DeliveryReport,
    Dispatcher,
    NotFailed,
    PermanentFailure,
    SmtpTransport,
    build_message,
    readable,
    retry_failed,
    spoken_duration,
)
from domain.models import OutboxEmail
from domain.reminders import send_reminders
from domain.services import Services, build_services
from tui.cli import SUBCOMMANDS

EXIT_OK, EXIT_REFUSED = 0, 1
EXIT_PARTIAL, EXIT_UNREACHABLE, EXIT_ALL_REFUSED = 3, 4, 5


def add_parsers(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "mail",
        help=SUBCOMMANDS["mail"][1],
        description="Emails are written to an outbox in the same transaction as the change they "
        "report; 'mail deliver' sends them through the SMTP relay (MOTDEPASSE_SMTP_HOST…).",
    )
    parser.add_argument("--demo", action="store_true", help="work on the demo's database (what 'motdepasse demo' sent)")
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    deliver = sub.add_parser(
        "deliver",
        help="send the queued emails that are due",
        description="Send the queued emails that are due, with retries and exponential backoff; "
        "several dispatchers may run at once (each email is taken by one only).",
    )
    deliver.add_argument("--watch", action="store_true", help="keep running; stop with Ctrl+C or SIGTERM")
    deliver.add_argument("--limit", type=_positive, default=50, help="emails per round (default 50)")
    outbox = sub.add_parser(
        "outbox", help="list the outbox", description="List the emails with their state and attempts."
    )
    outbox.add_argument("--state", choices=("queued", "sent", "failed"), help="only this state")
    outbox.add_argument(
        "--show", type=_positive, metavar="ID", help="print one email: its delivery state, headers and text"
    )
    outbox.add_argument("--raw", action="store_true", help="with --show: the MIME message as it is sent")
    outbox.add_argument(
        "--json", action="store_true", help="the list as a JSON array (state, addresses, subject; never a body)"
    )
    retry = sub.add_parser(
        "retry",
        help="queue failed emails again",
        description="Put failed emails back in the queue: attempts reset, due now, their age "
        "(MOTDEPASSE_MAIL_MAX_AGE) counted from now. Audited (mail_retry).",
    )
    which = retry.add_mutually_exclusive_group(required=True)
    which.add_argument("id", nargs="?", type=_positive, metavar="ID", help="the failed email to queue again")
    which.add_argument("--failed", action="store_true", help="every failed email")
    sub.add_parser(
        "remind",
        help="queue the expiry reminders that are due",
        description="Queue a reminder for each password reaching MOTDEPASSE_REMINDER_DAYS days "
        "before expiry (default 60, 30, 7, 1), each once. Run it daily; it is idempotent.",
    )


def _positive(text: str) -> int:
    """A whole number from 1 to 2**63 - 1, the largest row id (argparse turns the error
    into a usage error, 2)."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value < 2**63:
        raise argparse.ArgumentTypeError("a whole number of 1 or more is expected")
    return value


def run(args: argparse.Namespace, *, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    from tui.cli import say, settings_for

    services = build_services(settings_for(args.demo))
    try:
        if args.action == "deliver":
            return _deliver(services, args, out, err)
        if args.action == "outbox":
            return _outbox(services, args, out, err)
        if args.action == "retry":
            return _retry(services, args, out, err)
        if args.action == "remind":
            reminders = send_reminders(services)
            for reminder in reminders:
                say(f"{reminder.email}: reminder at {reminder.threshold} days ({reminder.days_left} left)", out)
            print(f"{len(reminders)} reminder(s) queued", file=out)
            return EXIT_OK
        return 2
    finally:
        services.close()


def _deliver(services: Services, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from tui.cli import say

    if not services.settings.smtp_host:
        print("motdepasse: MOTDEPASSE_SMTP_HOST is not set: no relay to deliver to", file=err)
        return EXIT_REFUSED
    dispatcher = Dispatcher(services, lambda: SmtpTransport(services.settings), log_outages=args.watch)
    stop = threading.Event()
    if args.watch:
        from tui.logs import log_to_stderr

        log_to_stderr()
        for number in (signal.SIGTERM, signal.SIGINT):
            signal.signal(number, lambda *_: stop.set())
        say(f"dispatcher {dispatcher.name}: watching the outbox", out, flush=True)
    while True:
        report = dispatcher.deliver_once(args.limit)
        if report.handled:
            print(
                f"sent {len(report.sent)}, to retry {len(report.retried)}, failed {len(report.failed)}",
                file=out,
                flush=True,
            )
        if not args.watch:
            return _delivery_outcome(report, err)
        busy = report.handled == args.limit and not report.unreachable
        # a stop asked during a batch ends the loop after it, even with more queued
        if stop.is_set() or (not busy and stop.wait(services.settings.mail_watch_interval_seconds)):
            print("dispatcher stopped", file=out, flush=True)
            return EXIT_OK


def _retry(services: Services, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from tui.cli import operator_identity

    try:
        ids = retry_failed(services, operator_identity().label, None if args.failed else args.id)
    except NotFailed:
        print(f"motdepasse: no failed email {args.id}; see 'mail outbox --state failed'", file=err)
        return EXIT_REFUSED
    print(f"{len(ids)} email(s) queued again", file=out)
    return EXIT_OK


def _delivery_outcome(report: DeliveryReport, err: TextIO) -> int:
    """The exit code of one ``deliver`` round, with one line on ``err`` when an email was
    not delivered: why, in the relay's words (see the module's docstring)."""
    from tui.cli import say

    undelivered = report.retried + report.failed
    if not undelivered:
        return EXIT_OK
    last = report.errors.get(undelivered[-1], "")
    if report.sent:
        say(f"motdepasse: {len(undelivered)} email(s) not delivered (last: {last}); see 'mail outbox'", err)
        return EXIT_PARTIAL
    if report.unreachable:
        say(f"motdepasse: nothing delivered: {report.unreachable}", err)
        return EXIT_UNREACHABLE
    say(f"motdepasse: nothing delivered: every email was refused (last: {last}); see 'mail outbox'", err)
    return EXIT_ALL_REFUSED


def _outbox(services: Services, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """The outbox as the operator reads it: addresses, names, subjects, bodies and the
    relay's replies are stored text, printed through ``printable``."""
    from tui.cli import say

    with services.uow() as uow:
        if args.show is not None:
            row = uow.session.get(OutboxEmail, args.show)
            if row is None:
                print(f"motdepasse: no email {args.show}", file=err)
                return EXIT_REFUSED
            if not args.raw:  # --raw is the message alone, as it is sent
                say(_delivery_state(row), out)
                print(file=out)
            try:
                message = build_message(row, services.settings)
                # the SMTP policy ends lines with CRLF: shown with LF (a lone CR is not kept)
                text = message.as_string().replace("\r\n", "\n") if args.raw else readable(message)
                say(text, out, lines=True)
            except PermanentFailure as error:
                say(f"motdepasse: email {args.show} cannot be sent: {error}", err)
                return EXIT_REFUSED
            return EXIT_OK
        query = select(OutboxEmail).order_by(col(OutboxEmail.id))
        if args.state:
            query = query.where(OutboxEmail.state == args.state)
        rows = uow.session.exec(query).all()
        oldest = uow.session.exec(select(func.min(OutboxEmail.created_at)).where(OutboxEmail.state == "queued")).one()
    if args.json:
        from tui.json_output import instant, print_json

        print_json(
            [
                {
                    "id": row.id,
                    "state": row.state,
                    "kind": row.kind,
                    "to_address": row.to_address,
                    "to_name": row.to_name,
                    "language": row.language,
                    "subject": row.subject,
                    "message_id": row.message_id,
                    "account_id": row.account_id,
                    "created_at": instant(row.created_at),
                    "attempts": row.attempts,
                    "next_attempt_at": instant(row.next_attempt_at),
                    "sent_at": instant(row.sent_at),
                    "last_error": row.last_error,
                }
                for row in rows
            ],
            out,
        )
        return EXIT_OK
    print(f"{'id':>4}  {'state':7}  {'tries':>5}  {'created':16}  {'kind':26}  to / last error", file=out)
    for row in rows:
        created = row.created_at.strftime("%Y-%m-%d %H:%M")
        last = f"  ({row.last_error})" if row.last_error else ""
        head = f"{row.id:>4}  {row.state:7}  {row.attempts:>5}  {created:16}  {row.kind:26}"
        say(f"{head}  {row.to_address}{last}", out)
    print(f"{len(rows)} email(s)", file=out)
    if oldest is not None:
        age = services.clock.now() - (oldest if oldest.tzinfo else oldest.replace(tzinfo=UTC))
        print(f"oldest queued: {spoken_duration(age)}", file=out)
    return EXIT_OK


def _delivery_state(row: OutboxEmail) -> str:
    """``Delivery: failed, 1 attempt(s); last error: recipient refused: 550 5.1.1 …``: the
    relay's words as the dispatcher kept them."""
    state = f"Delivery: {row.state}"
    if row.state == "sent" and row.sent_at is not None:
        state += f" on {row.sent_at:%Y-%m-%d %H:%M} UTC"
    state += f", {row.attempts} attempt(s)"
    if row.state == "queued" and row.next_attempt_at is not None and (row.attempts or row.last_error):
        state += f", next at {row.next_attempt_at:%Y-%m-%d %H:%M} UTC"
    if row.last_error:
        state += f"; last error: {row.last_error}"
    return state
