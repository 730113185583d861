"""The ``motdepasse`` command line."""

from __future__ import annotations

import argparse
import shutil
import sys
from collections.abc import Sequence

from domain.i18n import parse_language
from domain.settings import LANGUAGES, Language, Settings, load_settings


def _add_lang(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--lang",
        choices=LANGUAGES,
        help="interface language (default: MOTDEPASSE_LANG, else fr)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="motdepasse",
        description="Password lifecycle of a professional account, in the terminal.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    demo = commands.add_parser(
        "demo",
        help="run the app on demo data (fresh SQLite database, nothing to configure)",
        description="Run the app on demo data: a fresh SQLite database in the data directory "
        "(MOTDEPASSE_DATA_DIR), recreated at each start, with the example accounts of the "
        "procedure sheets. Press F2 in the app to see the demo accounts and their answers.",
    )
    _add_lang(demo)
    demo.add_argument("--keep", action="store_true", help="keep the demo database of the previous run")

    run = commands.add_parser(
        "run",
        help="run the app on the configured database (MOTDEPASSE_DATABASE_URL)",
        description="Run the app locally on the configured database.",
    )
    _add_lang(run)

    from tui import accounts_cli, mail_cli

    accounts_cli.add_parser(commands)
    mail_cli.add_parser(commands)
    return parser


def _language(value: str | None, default: Language) -> Language:
    return parse_language(value, default)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "demo":
        return _demo(args)
    if args.command == "run":
        return _run(args)
    if args.command == "accounts":
        from tui import accounts_cli

        return accounts_cli.run(args)
    if args.command == "mail":
        from tui import mail_cli

        return mail_cli.run(args)
    return 2


def demo_settings() -> Settings:
    """The demo's settings: a SQLite database of its own, under the data directory."""
    demo_dir = load_settings().data_dir / "demo"
    return load_settings(data_dir=demo_dir, database_url=f"sqlite:///{demo_dir / 'demo.db'}")


def _demo(args: argparse.Namespace) -> int:
    from domain.demo import describe_demo, seed_demo
    from domain.services import build_services
    from tui.app import MotDePasseApp

    settings = demo_settings()
    demo_dir = settings.data_dir
    database = demo_dir / "demo.db"
    keep = args.keep and database.exists()
    if demo_dir.exists() and not keep:
        shutil.rmtree(demo_dir)
    services = build_services(settings)
    try:
        accounts = describe_demo() if keep else seed_demo(services)
        print(f"motdepasse demo: database {database}")
        MotDePasseApp(services, language=_language(args.lang, settings.lang), demo_accounts=accounts).run()
    finally:
        services.close()
    return 0


def _run(args: argparse.Namespace) -> int:
    from domain.services import build_services
    from tui.app import MotDePasseApp

    settings = load_settings()
    try:
        services = build_services(settings)
    except Exception as error:  # noqa: BLE001 - a clear message, not a traceback
        print(f"motdepasse: cannot open the database: {error}", file=sys.stderr)
        return 1
    try:
        MotDePasseApp(services, language=_language(args.lang, settings.lang)).run()
    finally:
        services.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
