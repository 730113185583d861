"""The ``motdepasse`` command line.

Exit codes, shared by every command (each command's module adds its own, 1 to 5):

- 0 done; 1 refused (bad input, unknown account or session, a file named in the command
  that cannot be read or written); 2 usage error (an unknown option, a bad argument);
  3 partly done (``accounts import --skip-invalid``, ``mail deliver``: some emails sent);
- 66 no database where the settings point (a mistyped ``MOTDEPASSE_DATABASE_URL`` or
  ``MOTDEPASSE_DATA_DIR``): only ``demo``, ``run``, ``serve``, ``accounts add|import`` and
  ``staff add`` create one, every other command refuses to start on a new empty database;
- 69 the database or the data directory cannot be opened (server down, a damaged or
  unreadable file, a data directory that is a file);
- 78 a setting that cannot be used (a ``MOTDEPASSE_*`` value out of range, an unknown
  language, database or driver, a damaged secret key file).

Each error is one line on standard error: what is wrong and what is accepted, never a
traceback, never a secret.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import shutil
import sys
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, NoReturn, TextIO, cast

from domain.languages import LANGUAGES, Language
from domain.text import printable

if TYPE_CHECKING:
    from domain.settings import Settings
    from domain.support import StaffIdentity

EXIT_NO_DATABASE, EXIT_UNAVAILABLE, EXIT_SETTINGS = 66, 69, 78
"""sysexits.h's EX_NOINPUT, EX_UNAVAILABLE and EX_CONFIG (see the module's docstring)."""

CREATES_DATABASE = frozenset({"demo", "run", "serve", "accounts add", "accounts import", "staff add"})
"""The commands that may create the database; every other one opens an existing one only."""


def say(text: str, file: TextIO, *, lines: bool = False, flush: bool = False) -> None:
    """Print one line of a command's output. Commands print stored and typed text (names,
    addresses, emails, journal details, SMTP replies, arguments echoed in an error), so
    every line goes through ``printable`` — the app's safe-text function — and nothing a
    database or an argument holds can reach the operator's terminal as an escape sequence
    (OSC 52 writing the clipboard, DCS making the terminal type its answer, bidi overrides
    reordering a line). ``lines`` keeps the line feeds of multi-line text (an email)."""
    print(printable(text, lines=lines), file=file, flush=flush)


class _Parser(argparse.ArgumentParser):
    """argparse quotes some arguments raw in its errors (``unrecognized arguments: …``):
    the message is made printable before it is shown."""

    def error(self, message: str) -> NoReturn:
        super().error(printable(message, lines=True))


def operator_identity() -> StaffIdentity:
    """Who runs an operator's command, for the staff audit: ``operator:`` and the name of
    the process's effective user, from the system's user database (not from ``$USER``,
    which the caller sets), or its uid when it has no name."""
    from domain.support import StaffIdentity

    uid = os.geteuid()
    try:
        import pwd

        name = pwd.getpwuid(uid).pw_name
    except (ImportError, KeyError):
        name = f"uid-{uid}"
    return StaffIdentity(f"operator:{printable(name)[:100]}")


def _add_lang(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--lang",
        choices=LANGUAGES,
        help="interface language (default: MOTDEPASSE_LANG, else fr)",
    )


def _add_display(parser: argparse.ArgumentParser) -> None:
    from domain.display import CURSOR_CHOICES, THEME_NAMES

    parser.add_argument(
        "--theme",
        choices=THEME_NAMES,
        help="colours: standard, contraste (high contrast) or ansi (the terminal's own palette); "
        "default MOTDEPASSE_THEME, else standard; the « Affichage » button of the login screen changes it",
    )
    parser.add_argument(
        "--cursor",
        choices=CURSOR_CHOICES,
        help="visible: the terminal's cursor shown, steady, on the focused widget (braille displays, "
        "magnifiers); default MOTDEPASSE_CURSOR, else standard (hidden, but always on the focus)",
    )


def _add_plain(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--plain",
        action="store_true",
        help="line mode for screen readers and braille: plain lines, one prompt at a time (also when "
        "ACCESSIBLE is set, TERM=dumb, or the output is not a terminal)",
    )


def plain_wanted(flag: bool, environ: Mapping[str, str], *, terminal: bool) -> bool:
    """The line mode: asked for (``--plain``), or ``ACCESSIBLE`` set to a true value, or a
    terminal that cannot do more (``TERM=dumb``), or no terminal at all."""
    accessible = environ.get("ACCESSIBLE", "").strip().lower()
    return (
        flag
        or accessible not in ("", "0", "false", "no", "non", "off")
        or environ.get("TERM", "") == "dumb"
        or not terminal
    )


def _is_terminal() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


def _session(services: Any, args: argparse.Namespace, language: Language, demo_accounts: Sequence[Any] = ()) -> None:
    """The user session, in line mode or full screen. The full-screen app first prints
    one plain line (what speech users hear before the screen is taken over): how to get
    the line mode; its login screen offers the switch too."""
    from tui.line_mode import LOCAL_SIGNALS, PLAIN_HINT, LineIO, LineMode

    def line_mode() -> None:
        io = LineIO()
        mode = LineMode(services, io=io, language=language, demo_accounts=demo_accounts)
        io.listen(LOCAL_SIGNALS)
        mode.run()

    if plain_wanted(args.plain, os.environ, terminal=_is_terminal()):
        line_mode()
        return
    from domain.i18n import Translator
    from tui.app import MotDePasseApp

    t = Translator(language)
    say(t._(PLAIN_HINT).format(command=f"motdepasse {args.command} --plain"), sys.stdout, flush=True)
    from domain.display import display_from

    theme, steady = display_from(os.environ)
    app = MotDePasseApp(
        services,
        language=language,
        demo_accounts=demo_accounts,
        theme=args.theme or theme,
        steady_cursor=args.cursor == "visible" if args.cursor else steady,
    )
    app.run()
    if app.return_value == "plain":  # « Mode texte » on the login screen
        line_mode()


def _port(text: str) -> int:
    """A TCP port, 0 to 65535 (argparse turns the error into a usage error, 2)."""
    if not text.strip().isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError("a port number from 0 to 65535 is expected")
    return int(text)


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    parser = _Parser(
        prog="motdepasse",
        description="Password lifecycle of a professional account, in the terminal.",
    )
    # the subcommands' parsers are _Parser too (argparse makes them of the parent's class)
    commands = cast(
        "argparse._SubParsersAction[argparse.ArgumentParser]",
        parser.add_subparsers(dest="command", metavar="COMMAND", required=True),
    )

    demo = commands.add_parser(
        "demo",
        help="run the app on demo data (fresh SQLite database, nothing to configure)",
        description="Run the app on demo data: a fresh SQLite database in the data directory "
        "(MOTDEPASSE_DATA_DIR), recreated at each start, with the example accounts of the "
        "procedure sheets. Press F2 in the app to see the demo accounts and their answers.",
    )
    _add_lang(demo)
    _add_plain(demo)
    _add_display(demo)
    demo.add_argument("--keep", action="store_true", help="keep the demo database of the previous run")

    run = commands.add_parser(
        "run",
        help="run the app on the configured database (MOTDEPASSE_DATABASE_URL)",
        description="Run the app locally on the configured database.",
    )
    _add_lang(run)
    _add_plain(run)
    _add_display(run)

    serve = commands.add_parser(
        "serve",
        help="serve the app over SSH (asyncssh)",
        description="Serve the app over SSH: users connect with 'ssh -p PORT HOST' (any user name, no "
        "SSH authentication); the user 'support' needs a key listed in the support authorized-keys file "
        "(MOTDEPASSE_SSH_SUPPORT_KEYS, default DATA_DIR/support_authorized_keys). The ed25519 host key is "
        "made on first start in the data directory; its fingerprint is printed. SIGTERM ends every session "
        "cleanly.",
    )
    serve.add_argument("--host", help="address to listen on (default MOTDEPASSE_SSH_HOST, 127.0.0.1)")
    serve.add_argument("--port", type=_port, help="port (default MOTDEPASSE_SSH_PORT, 2222; 0: any free port)")
    serve.add_argument("--demo", action="store_true", help="serve a fresh demo database (as 'motdepasse demo')")

    # The operators' commands are imported only when asked for (``motdepasse --help``
    # and the other commands do not load the database layer to describe them).
    wanted = _wanted_command(sys.argv[1:] if argv is None else argv)
    loaded = SUBCOMMANDS.get(wanted or "", (None,))[0]
    for name, (module, text) in SUBCOMMANDS.items():
        if module != loaded:
            commands.add_parser(name, help=text, add_help=False)
    if loaded is not None:
        importlib.import_module(f"tui.{loaded}").add_parsers(commands)
    return parser


SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "accounts": ("accounts_cli", "create, list, show, import, deactivate accounts (operators)"),
    "staff": ("support_cli", "support staff accounts: add, list, remove, reset a password; the staff audit"),
    "support": ("support_cli", "the support console (staff sign-in)"),
    "mail": ("mail_cli", "deliver the outbox, list it, queue expiry reminders"),
    "journal": ("journal_cli", "sessions' journal: timeline, asciicast export, purge"),
    "db": ("db_cli", "database schema: upgrade, current, history"),
}
"""The operators' commands: the module that defines and runs each, and its one-line help."""


def _wanted_command(argv: Sequence[str]) -> str | None:
    """The command named on the command line (the first argument that is not an option)."""
    return next((argument for argument in argv if not argument.startswith("-")), None)


def _language(value: str | None, default: Language) -> Language:
    from domain.i18n import parse_language

    return parse_language(value, default)


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _main(argv)
    except BrokenPipeError:  # the reader left (`motdepasse journal show REF | head`)
        with contextlib.suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
        return 1
    except Exception as error:
        code = _failure(error)
        if code is None:
            raise
        return code


def _failure(error: Exception) -> int | None:
    """The one line and exit status of an error every command may meet (None: a bug)."""
    from sqlalchemy.exc import OperationalError

    from domain.services import SecretKeyError
    from domain.settings import InvalidSettings
    from domain.storage import NoDatabase, StorageUnavailable

    if isinstance(error, InvalidSettings):
        say(f"motdepasse: invalid setting: {error}", sys.stderr)
        return EXIT_SETTINGS
    if isinstance(error, SecretKeyError):
        say(f"motdepasse: secret key: {error}", sys.stderr)
        return EXIT_SETTINGS
    if isinstance(error, NoDatabase):
        say(f"motdepasse: {error}", sys.stderr)
        return EXIT_NO_DATABASE
    if isinstance(error, StorageUnavailable):
        say(f"motdepasse: {error}", sys.stderr)
        return EXIT_UNAVAILABLE
    if isinstance(error, OperationalError):  # the database went away during the command
        reason = str(error.orig or error).strip().splitlines() or [type(error).__name__]
        say(f"motdepasse: database unavailable: {reason[0]}", sys.stderr)
        return EXIT_UNAVAILABLE
    return None


def creates_database(args: argparse.Namespace) -> bool:
    return args.command in CREATES_DATABASE or f"{args.command} {getattr(args, 'action', '')}" in CREATES_DATABASE


def _require_database(args: argparse.Namespace) -> None:
    """A command that reads or changes existing data opens the database only if it is
    there (``NoDatabase`` otherwise, with where it was looked for and how to make one)."""
    from domain.services import build_services
    from domain.storage import NoDatabase

    demo = bool(getattr(args, "demo", False))
    try:
        build_services(settings_for(demo), create=False).close()
    except NoDatabase as error:
        if "db upgrade" in str(error):  # PostgreSQL: the message says what to run
            raise
        hint = (
            "run 'motdepasse demo' first"
            if demo
            else "check MOTDEPASSE_DATABASE_URL and MOTDEPASSE_DATA_DIR ('motdepasse run', "
            "'accounts add' or 'accounts import' create a new database)"
        )
        raise NoDatabase(f"{error}: {hint}") from None


def _seed_demo_if_absent() -> None:
    """``staff --demo add`` (or ``accounts --demo add``) before any ``motdepasse demo``:
    the demo's database is made with its accounts, as ``demo`` would make it, rather than
    empty (the console would find no one)."""
    from domain.demo import seed_demo
    from domain.services import build_services

    settings = demo_settings()
    if (settings.data_dir / "demo.db").exists():
        return
    services = build_services(settings)
    try:
        seed_demo(services)
    finally:
        services.close()


def _main(argv: Sequence[str] | None) -> int:
    args = build_parser(argv).parse_args(argv)
    if args.command == "db":  # the schema's own commands: before any check of the schema
        from tui import db_cli

        return db_cli.run(args)
    if not creates_database(args):
        _require_database(args)
    elif getattr(args, "demo", False) and args.command != "demo":
        _seed_demo_if_absent()
    if args.command == "demo":
        return _demo(args)
    if args.command == "run":
        return _run(args)
    if args.command == "accounts":
        from tui import accounts_cli

        return accounts_cli.run(args)
    if args.command == "serve":
        return _serve(args)
    if args.command in ("staff", "support"):
        from tui import support_cli

        return support_cli.run_staff(args) if args.command == "staff" else support_cli.run_console(args)
    if args.command == "journal":
        from tui import journal_cli

        return journal_cli.run(args)
    if args.command == "mail":
        from tui import mail_cli

        return mail_cli.run(args)
    return 2


def demo_settings() -> Settings:
    """The demo's settings: a SQLite database of its own, under the data directory."""
    from domain.settings import load_settings

    demo_dir = load_settings().data_dir / "demo"
    return load_settings(data_dir=demo_dir, database_url=f"sqlite:///{demo_dir / 'demo.db'}")


def settings_for(demo: bool) -> Settings:
    """The configured settings, or the demo's (``--demo`` of the mail and journal commands)."""
    from domain.settings import load_settings

    return demo_settings() if demo else load_settings()


def _demo(args: argparse.Namespace) -> int:
    from domain.demo import describe_demo, seed_demo
    from domain.services import build_services
    from tui.logs import log_to_file

    settings = demo_settings()
    demo_dir = settings.data_dir
    database = demo_dir / "demo.db"
    keep = args.keep and database.exists()
    if demo_dir.exists() and not keep:
        shutil.rmtree(demo_dir)
    services = build_services(settings)
    try:
        accounts = describe_demo() if keep else seed_demo(services)
        log = log_to_file(settings.data_dir)
        say(f"motdepasse demo: database {database}, log {log}", sys.stdout)
        _session(services, args, _language(args.lang, settings.lang), accounts)
    finally:
        services.close()
    return 0


def _serve(args: argparse.Namespace) -> int:
    import os

    from domain.settings import load_settings
    from tui import ssh_server

    base = load_settings()
    settings = base
    if args.demo:
        from domain.demo import seed_demo
        from domain.services import build_services

        settings = demo_settings()
        if settings.data_dir.exists():
            shutil.rmtree(settings.data_dir)
        services = build_services(settings)
        seed_demo(services)
        services.close()
        # the session processes inherit the environment: point them at the demo database
        os.environ["MOTDEPASSE_DATA_DIR"] = str(settings.data_dir)
        os.environ["MOTDEPASSE_DATABASE_URL"] = settings.resolved_database_url()
        keys = {
            "ssh_host_key": base.ssh_host_key or base.data_dir / "ssh_host_ed25519_key",
            "ssh_support_keys": base.ssh_support_keys or base.data_dir / "support_authorized_keys",
        }
        settings = settings.model_copy(update=keys)
    else:
        # Before the first session: the key is the database's, the schema is this
        # release's (SQLite is upgraded here, once; PostgreSQL behind is refused with the
        # command to run), so sessions never meet a schema they cannot use.
        from domain.services import build_services

        build_services(settings).close()
    host = args.host or settings.ssh_host
    port = settings.ssh_port if args.port is None else args.port
    try:
        return ssh_server.run(settings, host, port, demo=args.demo)
    except OSError as error:
        if error.filename:  # the host key, the data directory…
            say(f"motdepasse: cannot use {error.filename}: {error.strerror or error}", sys.stderr)
            return EXIT_UNAVAILABLE
        say(f"motdepasse: cannot listen on {host}:{port}: {error.strerror or error}", sys.stderr)
        return 1


def _run(args: argparse.Namespace) -> int:
    from domain.services import build_services
    from domain.settings import load_settings
    from tui.logs import log_to_file

    settings = load_settings()
    services = build_services(settings)  # StorageUnavailable: one line and 69, from main
    log_to_file(settings.data_dir)
    try:
        _session(services, args, _language(args.lang, settings.lang))
    finally:
        services.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
