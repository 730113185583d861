"""``motdepasse staff …`` (staff accounts, the staff audit) and ``motdepasse support``
(the console).

Exit codes: 0 done; 1 refused (invalid input, a weak password, the two passwords differ,
no active staff of that name, an unknown account in ``audit --account``); 2 usage error;
the database and settings codes of ``tui.cli``.

``staff add``, ``remove`` and ``reset-password`` are recorded in the staff audit as
``operator:USER``, the system user running them (never the password)."""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from datetime import UTC, date, datetime, time
from typing import Any, TextIO

from domain import admin, support
from domain.accounts import AccountError, check_stored_text
from domain.clock import as_utc
from domain.models import StaffAccount, StaffAudit
from domain.services import Services, build_services
from domain.settings import LANGUAGES
from domain.text import encodable
from tui.cli import SUBCOMMANDS, operator_identity, plain_wanted, say, settings_for
from tui.json_output import instant, print_json

EXIT_OK, EXIT_REFUSED, EXIT_USAGE = 0, 1, 2


def add_parsers(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    staff = commands.add_parser(
        "staff",
        help=SUBCOMMANDS["staff"][1],
        description="Support staff accounts (Argon2id). Removed staff cannot sign in; the audit keeps their "
        "name, and the name can be given again to a new account ('staff add'): the removed account is "
        "kept as NAME~ID.",
    )
    staff.add_argument("--demo", action="store_true", help="work on the demo's database")
    sub = staff.add_subparsers(dest="action", metavar="ACTION", required=True)
    add = sub.add_parser(
        "add",
        help="add a staff account",
        description="Add a staff account; the password is read without echo (or from stdin). The name of a "
        "removed staff account may be used again.",
    )
    add.add_argument("username")
    add.add_argument("--name", required=True, help="display name")

    listing = sub.add_parser(
        "list", help="list staff accounts", description="List staff accounts (by default those who may sign in)."
    )
    which = listing.add_mutually_exclusive_group()
    which.add_argument(
        "--active", dest="which", action="store_const", const="active", help="only active staff (the default)"
    )
    which.add_argument("--all", dest="which", action="store_const", const="all", help="removed staff too")
    which.add_argument("--removed", dest="which", action="store_const", const="removed", help="only removed staff")
    listing.add_argument("--json", action="store_true", help="a JSON array (never a password hash)")

    remove = sub.add_parser("remove", help="remove a staff account", description="Remove a staff account.")
    remove.add_argument("username")

    reset = sub.add_parser(
        "reset-password",
        help="give a staff account a new password",
        description="Give an active staff account a new password, read without echo (or from stdin), and lift "
        "its sign-in delay. Consoles already open stay open.",
    )
    reset.add_argument("username")

    audit = sub.add_parser(
        "audit",
        help="list the staff audit",
        description="List the staff audit, oldest first: who (staff:NAME, ssh-key:NAME (SHA256:…), "
        "operator:USER) saw or did what, when (UTC). The latest --limit rows.",
    )
    audit.add_argument("--staff", metavar="TEXT", help="only identities containing TEXT (e.g. a name)")
    audit.add_argument(
        "--action", dest="action_name", metavar="ACTION", help="only this action (e.g. deactivate, view_account)"
    )
    audit.add_argument("--account", metavar="EMAIL|SUBSCRIBER", help="only rows about this account")
    audit.add_argument("--since", type=_day, metavar="YYYY-MM-DD", help="only rows from this day on (UTC)")
    audit.add_argument("--limit", type=_count, default=100, metavar="N", help="the latest N rows (default 100; 0: all)")
    audit.add_argument("--json", action="store_true", help="a JSON array of rows")

    console = commands.add_parser(
        "support",
        help=SUBCOMMANDS["support"][1],
        description="Find an account, see its card (never the answer), its lock and expiry state and its "
        "sessions; replay a session by its reference; lift a lock; deactivate or reactivate.",
    )
    console.add_argument("--lang", choices=LANGUAGES, help="interface language")
    console.add_argument(
        "--plain",
        action="store_true",
        help="line mode for screen readers and braille (also when ACCESSIBLE is set, TERM=dumb, or the "
        "output is not a terminal)",
    )
    console.add_argument(
        "--demo", action="store_true", help="work on the demo's database (add a staff account with 'staff --demo add')"
    )


def _day(text: str) -> datetime:
    """The start of a day, UTC."""
    try:
        return datetime.combine(date.fromisoformat(text.strip()), time(), UTC)
    except ValueError:
        raise argparse.ArgumentTypeError("a day YYYY-MM-DD expected") from None


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError("a number (0 or more) expected")
    return value


def _read_password(err: TextIO) -> str | None:
    """The new password: twice without echo on a terminal (None when they differ), else
    one line of standard input."""
    if sys.stdin.isatty():
        password = getpass.getpass("Password: ")
        if getpass.getpass("Password again: ") != password:
            say("motdepasse: refused: the two passwords differ", err)
            return None
        return password
    return sys.stdin.readline().rstrip("\n")


def staff_json(staff: StaffAccount) -> dict[str, Any]:
    """A staff account for ``--json``: never its password hash."""
    return {
        "username": staff.username,
        "name": staff.display_name,
        "active": staff.active,
        "created_at": instant(staff.created_at),
    }


def audit_json(row: StaffAudit) -> dict[str, Any]:
    try:
        detail = json.loads(row.detail)
    except ValueError:
        detail = {}
    return {
        "id": row.id,
        "at": instant(row.at),
        "staff": row.staff,
        "action": row.action,
        "account_id": row.account_id,
        "session_reference": row.session_reference,
        "detail": detail,
    }


def run_staff(args: argparse.Namespace, *, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    services = build_services(settings_for(args.demo))
    username = getattr(args, "username", "")
    try:
        return _staff(services, args, out, err)
    except AccountError as error:
        say(f"motdepasse: refused: {error}", err)
        return EXIT_REFUSED
    except admin.NotFound as missing:
        if args.action == "audit":
            say(f"motdepasse: no account for {missing}", err)
        else:
            say(f"motdepasse: no active staff {username}", err)
        return EXIT_REFUSED
    except UnicodeError:  # a password read from input that is not UTF-8
        say("motdepasse: refused: text that is not valid UTF-8", err)
        return EXIT_REFUSED
    finally:
        services.close()


def _staff(services: Services, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    actor = operator_identity().label
    if args.action in ("remove", "reset-password") and not encodable(args.username):
        raise admin.NotFound(args.username)  # invalid bytes in the argument: no such staff
    if args.action == "add":
        password = _read_password(err)
        if password is None:
            return EXIT_REFUSED
        check_stored_text("name", args.name)
        support.add_staff(services, args.username, args.name, password, actor=actor)
        say(f"staff {args.username} added", out)
    elif args.action == "list":
        which = args.which or "active"
        rows = support.list_staff(services, active=None if which == "all" else which == "active")
        if args.json:
            print_json([staff_json(row) for row in rows], out)
        else:
            for staff in rows:
                state = "active" if staff.active else "removed"
                say(f"{staff.username:20} {state:8} {staff.display_name}", out)
    elif args.action == "remove":
        support.remove_staff(services, args.username, actor=actor)
        say(f"staff {args.username} removed", out)
    elif args.action == "reset-password":
        # an unknown name is refused before the password is asked for
        if all(row.username != args.username for row in support.list_staff(services, active=True)):
            raise admin.NotFound(args.username)
        password = _read_password(err)
        if password is None:
            return EXIT_REFUSED
        support.reset_staff_password(services, args.username, password, actor=actor)
        say(f"staff {args.username}: password changed", out)
    elif args.action == "audit":
        return _audit(services, args, out)
    return EXIT_OK


def _audit(services: Services, args: argparse.Namespace, out: TextIO) -> int:
    account_id = admin.find(services, args.account).id if args.account else None
    rows = admin.audit_entries(
        services,
        staff=args.staff,
        action=args.action_name,
        account_id=account_id,
        since=args.since,
        limit=args.limit or None,
    )
    if args.json:
        print_json([audit_json(row) for row in rows], out)
        return EXIT_OK
    for row in rows:
        at = as_utc(row.at).strftime("%Y-%m-%d %H:%M:%S")
        where = " ".join(
            part
            for part in (
                f"account={row.account_id}" if row.account_id is not None else "",
                f"session={row.session_reference}" if row.session_reference else "",
            )
            if part
        )
        detail = "" if row.detail in ("", "{}") else row.detail
        say("  ".join(part for part in (at, row.staff, row.action, where, detail) if part), out)
    say(f"{len(rows)} row(s)", out)
    return EXIT_OK


def run_console(args: argparse.Namespace) -> int:
    from domain.i18n import parse_language
    from tui.support_app import SupportApp

    settings = settings_for(args.demo)
    services = build_services(settings)
    language = parse_language(args.lang, settings.lang)
    try:
        if plain_wanted(args.plain, os.environ, terminal=sys.stdin.isatty() and sys.stdout.isatty()):
            from tui.line_support import run_plain_console

            run_plain_console(services, language=language)
        else:
            SupportApp(services, language=language).run()
    finally:
        services.close()
    return 0
