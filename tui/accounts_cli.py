"""``motdepasse accounts …``: the operators' commands. Exit codes: 0 done, 1 refused
(invalid input, unknown account, invalid CSV lines), 2 usage error, 3 CSV imported with
invalid lines skipped (``--skip-invalid``); the database and settings codes of
``tui.cli``.

Every command that changes something (add, import, set-expiry, deactivate, reactivate,
deactivate-expired, unlock) is recorded in the staff audit as ``operator:USER``, the
system user running it (``motdepasse staff audit`` lists it); never a secret."""

from __future__ import annotations

import argparse
import getpass
import secrets
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, TextIO

from domain import admin
from domain.accounts import STANDARD_QUESTIONS, AccountCard, AccountError
from domain.models import AccountBase
from domain.registration import register
from domain.services import Services, build_services
from tui.cli import SUBCOMMANDS, operator_identity, say, settings_for
from tui.json_output import day, instant, print_json

EXIT_OK, EXIT_REFUSED, EXIT_USAGE, EXIT_PARTIAL = 0, 1, 2, 3


def add_parsers(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "accounts",
        help=SUBCOMMANDS["accounts"][1],
        description="Operators' commands on accounts. Hashes and security answers are never shown "
        "(the answer is printed once, in the registration summary of 'accounts add').",
    )
    parser.add_argument("--demo", action="store_true", help="work on the demo's database")
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)

    add = sub.add_parser(
        "add",
        help="create an account (prompts for what is not given)",
        description="Create an account. Missing fields are prompted for; the security answer and the "
        "password are always read from the terminal without echo (or from standard input, one per "
        "line, when it is not a terminal), never from arguments.",
    )
    add.add_argument("--subscriber-number", help="14 digits (default: a new unique number)")
    add.add_argument("--last-name")
    add.add_argument("--first-name")
    add.add_argument("--phone")
    add.add_argument("--address", help="postal address")
    add.add_argument("--email", help="login email address")
    add.add_argument("--language", choices=("fr", "en"))
    add.add_argument("--question", help="security question (default: choose from the standard ones)")

    listing = sub.add_parser(
        "list",
        help="list the accounts",
        description="List the accounts, one a line, by subscriber number; the filters combine. "
        "'days left' is what the user reads as « jours restants » (the last valid day counts), "
        "'expired' once that day has passed.",
    )
    listing.add_argument("--status", choices=admin.STATUSES, help="only accounts in this status")
    listing.add_argument(
        "--expiring-within",
        type=_days,
        metavar="DAYS",
        help="only passwords whose last valid day is today or within DAYS days",
    )
    listing.add_argument("--expired", action="store_true", help="only passwords past their last valid day")
    listing.add_argument(
        "--search", metavar="TEXT", help="only accounts whose email, subscriber number or name contains TEXT"
    )
    listing.add_argument("--json", action="store_true", help="a JSON array of accounts (see 'accounts show --json')")

    show = sub.add_parser(
        "show",
        help="show one account",
        description="Show an account's card, its forgot-password lock and its login delay.",
    )
    show.add_argument("account", metavar="EMAIL|SUBSCRIBER")
    show.add_argument("--json", action="store_true", help="a JSON object (never a hash or the answer)")

    imp = sub.add_parser(
        "import",
        help="import accounts from a CSV file",
        description="Import accounts from a CSV file (UTF-8, comma or semicolon separated) with the "
        "columns: " + ", ".join(admin.CSV_COLUMNS) + ". Each line gives its password and its security "
        "answer in clear (password, security_answer) or as hashes from another system (password_hash, "
        "security_answer_hash: Argon2id or bcrypt in PHC format, $argon2id$... or $2b$...; an answer "
        "hash must be of the answer lowercased, accents removed, blanks collapsed), re-hashed with "
        "today's Argon2id at the first login. Every line is checked first; if any line is "
        "invalid, each is reported with its line number and nothing is imported, unless "
        "--skip-invalid. Hashing uses every core, with a progress bar on a terminal. The file "
        "holds initial secrets: delete it once imported.",
    )
    imp.add_argument("file", type=Path, metavar="FILE.csv")
    imp.add_argument("--skip-invalid", action="store_true", help="import the valid lines anyway")

    expiry = sub.add_parser(
        "set-expiry",
        help="set the last valid day of an account's password",
        description="Set the last valid day of the current password (YYYY-MM-DD).",
    )
    expiry.add_argument("account", metavar="EMAIL|SUBSCRIBER")
    expiry.add_argument("date", type=date.fromisoformat, metavar="YYYY-MM-DD")

    for name, text in (("deactivate", "deactivate an account"), ("reactivate", "reactivate an account")):
        action = sub.add_parser(name, help=text, description=text.capitalize() + ".")
        action.add_argument("account", metavar="EMAIL|SUBSCRIBER")

    unlock = sub.add_parser(
        "unlock",
        help="lift an account's forgot-password lock and login delay",
        description="Lift the forgot-password lock (too many wrong answers) and the login delay (wrong "
        "passwords) of an account, as « Lever les blocages » in the support console: its recorded "
        "failures are forgotten. Says what was lifted.",
    )
    unlock.add_argument("account", metavar="EMAIL|SUBSCRIBER")

    sub.add_parser(
        "deactivate-expired",
        help="deactivate accounts expired longer than MOTDEPASSE_DEACTIVATE_EXPIRED_AFTER_DAYS",
        description="Deactivate every account whose password has been expired for more than "
        "MOTDEPASSE_DEACTIVATE_EXPIRED_AFTER_DAYS days (does nothing when it is not set).",
    )


def _days(text: str) -> int:
    try:
        days = int(text)
    except ValueError:
        days = -1
    if days < 0:
        raise argparse.ArgumentTypeError("a number of days (0 or more) expected")
    return days


def run(args: argparse.Namespace, *, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    services = build_services(settings_for(args.demo))
    try:
        return _dispatch(services, args, out, err)
    except admin.NotFound as missing:
        say(f"motdepasse: no account for {missing}", err)
        return EXIT_REFUSED
    except AccountError as error:
        say(f"motdepasse: refused: {error}", err)
        return EXIT_REFUSED
    except UnicodeError:  # input that is not UTF-8, an argument with invalid bytes
        say("motdepasse: refused: text that is not valid UTF-8", err)
        return EXIT_REFUSED
    finally:
        services.close()


def _dispatch(services: Services, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    action = args.action
    actor = operator_identity().label
    if action == "add":
        return _add(services, args, out, err)
    if action == "list":
        _list(services, args, out)
        return EXIT_OK
    if action == "show":
        _show(services, args, out)
        return EXIT_OK
    if action == "import":
        return _import(services, args, out, err)
    if action == "set-expiry":
        _print_card(admin.set_expiry(services, args.account, args.date, actor=actor), out)
        return EXIT_OK
    if action == "unlock":
        card = admin.find(services, args.account)
        before = admin.unlock(services, args.account, actor=actor)
        lifted = []
        if before.answer_locked_until is not None:
            lifted.append(f"forgot-password lock (until {before.answer_locked_until:%Y-%m-%d %H:%M} UTC)")
        if before.login_wait:
            lifted.append(f"login delay ({int(before.login_wait.total_seconds())} s)")
        failures = before.answer_failures + before.login_failures
        if lifted:
            say(f"{card.email}: lifted: {', '.join(lifted)}", out)
        else:
            say(f"{card.email}: no lock or delay to lift ({failures} recent failure(s) forgotten)", out)
        return EXIT_OK
    if action in ("deactivate", "reactivate"):
        status = "deactivated" if action == "deactivate" else "active"
        card = admin.set_status(services, args.account, status, actor=actor)
        say(f"{card.email}: {card.status}", out)
        expiry = card.password_expires_on
        if status == "active" and expiry is not None and services.expiry(expiry).expired:
            print(
                "note: the password is expired; the user must use « Mot de passe expiré » "
                "(or set a new expiry with 'accounts set-expiry')",
                file=out,
            )
        return EXIT_OK
    if action == "deactivate-expired":
        if services.settings.deactivate_expired_after_days is None:
            print("MOTDEPASSE_DEACTIVATE_EXPIRED_AFTER_DAYS is not set: nothing to do", file=out)
            return EXIT_OK
        for card in admin.deactivate_expired(services, actor=actor):
            say(f"{card.email}: deactivated", out)
        return EXIT_OK
    return EXIT_USAGE


def _print_card(card: AccountCard, out: TextIO, *, answer: str | None = None) -> None:
    for label, value in admin.summary_lines(card, answer=answer):
        say(f"{label:34} {value}", out)


def account_json(services: Services, card: AccountCard) -> dict[str, Any]:
    """An account for ``--json``: what its card shows, never a hash or the answer.
    ``days_before_blocking`` is the user's « jours restants » (the last valid day counts;
    0 once expired)."""
    expiry = services.expiry(card.password_expires_on) if card.password_expires_on else None
    return {
        "id": card.id,
        "subscriber_number": card.subscriber_number,
        "email": card.email,
        "last_name": card.last_name,
        "first_name": card.first_name,
        "phone": card.phone,
        "postal_address": card.postal_address,
        "language": card.language,
        "security_question": card.security_question,
        "status": card.status,
        "password_set_at": instant(card.password_set_at),
        "password_expires_on": day(card.password_expires_on),
        "days_before_blocking": expiry.days_before_blocking if expiry else None,
        "password_expired": expiry.expired if expiry else None,
    }


def _list(services: Services, args: argparse.Namespace, out: TextIO) -> None:
    cards = admin.list_cards(
        services,
        status=args.status,
        search=args.search,
        expiring_within=args.expiring_within,
        expired=args.expired,
    )
    if args.json:
        print_json([account_json(services, card) for card in cards], out)
        return
    print(f"{'subscriber':14}  {'status':11}  {'expires':10}  {'days left':>9}  email / name", file=out)
    for card in cards:
        expires = card.password_expires_on
        expiry = services.expiry(expires) if expires else None
        days = "-" if expiry is None else "expired" if expiry.expired else str(expiry.days_before_blocking)
        say(
            f"{card.subscriber_number:14}  {card.status:11}  {expires.isoformat() if expires else '-':10}  "
            f"{days:>9}  {card.email} ({card.last_name} {card.first_name})",
            out,
        )
    print(f"{len(cards)} account(s)", file=out)


def _show(services: Services, args: argparse.Namespace, out: TextIO) -> None:
    card = admin.find(services, args.account)
    locks = admin.locks(services, args.account)
    if args.json:
        print_json(
            account_json(services, card)
            | {
                "forgot_password_locked_until": instant(locks.answer_locked_until),
                "answer_failures": locks.answer_failures,
                "login_delay_seconds": int(locks.login_wait.total_seconds()),
                "login_failures": locks.login_failures,
            },
            out,
        )
        return
    _print_card(card, out)
    if card.password_expires_on is not None:
        expiry = services.expiry(card.password_expires_on)
        left = "expired" if expiry.expired else str(expiry.days_before_blocking)
        say(f"{'Days left (« jours restants »)':34} {left}", out)
    until = locks.answer_locked_until
    say(f"{'Forgot-password lock':34} {f'until {until:%Y-%m-%d %H:%M} UTC' if until else 'none'}", out)
    seconds = int(locks.login_wait.total_seconds())
    say(f"{'Login delay':34} {f'{seconds} s' if seconds else 'none'}", out)
    say(f"{'Recent failures':34} {locks.answer_failures} answer(s), {locks.login_failures} password(s)", out)


def _reader(err: TextIO) -> tuple[Callable[[str], str], Callable[[str], str]]:
    """(ask for text, ask for a secret): the terminal when there is one, else stdin lines."""
    if sys.stdin.isatty():
        return input, getpass.getpass

    def line(prompt: str) -> str:
        print(prompt, end="", file=err, flush=True)
        value = sys.stdin.readline()
        if not value:
            raise AccountError("standard input ended before every field was given")
        print(file=err)
        return value.rstrip("\n")

    return line, line


def _add(services: Services, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    ask, ask_secret = _reader(err)

    def value(given: str | None, prompt: str, default: str = "") -> str:
        if given is not None:
            return given
        typed = ask(f"{prompt}{f' [{default}]' if default else ''}: ").strip()
        return typed or default

    subscriber = args.subscriber_number or value(None, "Subscriber number (empty: a new one)") or _new_number(services)
    last_name = value(args.last_name, "Last name")
    first_name = value(args.first_name, "First name")
    phone = value(args.phone, "Phone")
    address = value(args.address, "Postal address")
    email = value(args.email, "Login email address")
    language = value(args.language, "Language (fr/en)", "fr")
    question = args.question
    if question is None:
        for number, text in enumerate(STANDARD_QUESTIONS, start=1):
            say(f"  {number}. {text}", err)
        choice = ask("Security question (number, or your own question): ").strip()
        question = (
            STANDARD_QUESTIONS[int(choice) - 1]
            if choice.isdigit() and 1 <= int(choice) <= len(STANDARD_QUESTIONS)
            else choice
        )
    answer = ask_secret("Security answer: ")
    if ask_secret("Security answer again: ") != answer:
        print("motdepasse: refused: the two answers differ", file=err)
        return EXIT_REFUSED
    password = ask_secret("Password: ")
    if ask_secret("Password again: ") != password:
        print("motdepasse: refused: the two passwords differ", file=err)
        return EXIT_REFUSED
    try:
        fields = AccountBase(
            subscriber_number=subscriber,
            last_name=last_name,
            first_name=first_name,
            phone=phone,
            postal_address=address,
            email=email,
            language=language,
            security_question=question,
        )
    except ValueError as error:  # too long, a lone surrogate…: the field, never the value
        say(f"motdepasse: refused: {admin.refusal_reason(error)}", err)
        return EXIT_REFUSED
    card = register(services, fields, password=password, answer=answer)
    admin.audit_created(services, operator_identity().label, "account_add", [card], {"command": "accounts add"})
    print("RÉCAPITULATIF DE VOS DONNÉES PERSONNELLES (printed once: keep it safe)", file=out)
    _print_card(card, out, answer=answer)
    return EXIT_OK


def _new_number(services: Services) -> str:
    year = services.today().year  # the users' year (at 23:30 UTC on 31 December, Paris is in the next)
    while True:
        number = f"{year}{secrets.randbelow(10**10):010d}"
        try:
            admin.find(services, number)
        except admin.NotFound:
            return number


def progress_bar(err: TextIO) -> Callable[[int, int], None] | None:
    """On a terminal: one line redrawn at most ten times a second (carriage return only,
    no escape sequence), ``[#####.....] 1,234/100,000 accounts hashed, 85/s``."""
    if not (hasattr(err, "isatty") and err.isatty()):
        return None
    started = time.monotonic()
    shown = [0.0]

    def show(done: int, total: int) -> None:
        now = time.monotonic()
        if done < total and now - shown[0] < 0.1:
            return
        shown[0] = now
        width = 30
        filled = width * done // max(1, total)
        rate = done / max(now - started, 1e-6)
        err.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done:,}/{total:,} accounts hashed, {rate:,.0f}/s")
        if done == total:
            err.write("\n")
        err.flush()

    return show


def _import(services: Services, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    path: Path = args.file
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        say(f"motdepasse: cannot read {path}: {error.__class__.__name__}", err)
        return EXIT_REFUSED
    report = admin.import_csv(services, text, skip_invalid=args.skip_invalid, progress=progress_bar(err))
    if report.imported:
        admin.audit_created(
            services,
            operator_identity().label,
            "account_import",
            report.imported,
            {"command": "accounts import", "file": path.name, "skipped_lines": len(report.errors)},
        )
    for line, reason in report.errors:
        say(f"{path}:{line}: {reason}", err)
    if report.errors and not args.skip_invalid:
        print(f"{len(report.errors)} invalid line(s): nothing imported", file=err)
        return EXIT_REFUSED
    print(f"{len(report.imported)} account(s) imported", file=out)
    if report.errors:
        print(f"{len(report.errors)} invalid line(s) skipped", file=err)
        return EXIT_PARTIAL
    return EXIT_OK
