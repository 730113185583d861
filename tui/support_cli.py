"""``motdepasse staff …`` (staff accounts) and ``motdepasse support`` (the console)."""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from domain import admin, support
from domain.accounts import AccountError, check_stored_text
from domain.services import build_services
from domain.settings import LANGUAGES, load_settings
from domain.text import encodable
from tui.cli import plain_wanted, say


def add_parsers(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    staff = commands.add_parser(
        "staff",
        help="support staff accounts: add, list, remove",
        description="Support staff accounts (Argon2id). Removed staff cannot sign in; the audit keeps their name.",
    )
    sub = staff.add_subparsers(dest="action", metavar="ACTION", required=True)
    add = sub.add_parser(
        "add",
        help="add a staff account",
        description="Add a staff account; the password is read without echo (or from stdin).",
    )
    add.add_argument("username")
    add.add_argument("--name", required=True, help="display name")
    sub.add_parser("list", help="list staff accounts", description="List staff accounts.")
    remove = sub.add_parser("remove", help="remove a staff account", description="Remove a staff account.")
    remove.add_argument("username")
    console = commands.add_parser(
        "support",
        help="the support console (staff sign-in)",
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


def run_staff(args: argparse.Namespace) -> int:
    services = build_services(load_settings())
    try:
        if args.action == "add":
            if sys.stdin.isatty():
                password = getpass.getpass("Password: ")
                if getpass.getpass("Password again: ") != password:
                    say("motdepasse: refused: the two passwords differ", sys.stderr)
                    return 1
            else:
                password = sys.stdin.readline().rstrip("\n")
            check_stored_text("name", args.name)
            support.add_staff(services, args.username, args.name, password)
            say(f"staff {args.username} added", sys.stdout)
        elif args.action == "list":
            for staff in support.list_staff(services):
                state = "active" if staff.active else "removed"
                say(f"{staff.username:20} {state:8} {staff.display_name}", sys.stdout)
        elif args.action == "remove":
            if not encodable(args.username):  # invalid bytes in the argument: no such staff
                raise admin.NotFound(args.username)
            support.remove_staff(services, args.username)
            say(f"staff {args.username} removed", sys.stdout)
        return 0
    except AccountError as error:
        say(f"motdepasse: refused: {error}", sys.stderr)
        return 1
    except admin.NotFound:
        say(f"motdepasse: no active staff {args.username}", sys.stderr)
        return 1
    except UnicodeError:  # a password read from input that is not UTF-8
        say("motdepasse: refused: text that is not valid UTF-8", sys.stderr)
        return 1
    finally:
        services.close()


def run_console(args: argparse.Namespace) -> int:
    from domain.i18n import parse_language
    from tui.support_app import SupportApp

    settings = load_settings()
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
