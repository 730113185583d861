"""``motdepasse db``: the database's schema (Alembic), for operators.

``upgrade`` brings the schema to this release's revision (it creates it in an empty
database) and is recorded in the staff audit as operator:USER; ``current`` says where the
schema stands (exit 0 at this release's revision, 3 otherwise); ``history`` lists the
revisions. The SQLite default upgrades itself at start; PostgreSQL is upgraded with
``db upgrade``, once, from one host, before the front ends of the new release start.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, TextIO

from tui.cli import SUBCOMMANDS

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

EXIT_OK, EXIT_BEHIND = 0, 3


def add_parsers(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "db",
        help=SUBCOMMANDS["db"][1],
        description="The database's schema, managed by migrations. The SQLite default upgrades "
        "itself when motdepasse starts; a PostgreSQL database is upgraded with 'motdepasse db "
        "upgrade' (front ends refuse to start on a schema behind their release).",
    )
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    upgrade = sub.add_parser(
        "upgrade",
        help="bring the schema to this release (creates it in an empty database)",
        description="Bring the schema to this release's revision; in an empty database, create it. "
        "Safe to run twice, or from two hosts at once (the second waits, then finds nothing to do).",
    )
    upgrade.add_argument(
        "--sql",
        action="store_true",
        help="print the SQL instead of running it (from --from, default: an empty database)",
    )
    upgrade.add_argument("--from", dest="start", metavar="REV", help="with --sql: the revision the database is at")
    current = sub.add_parser(
        "current", help="the schema's revision (exit 3 when behind)", description="Print the schema's revision."
    )
    current.add_argument("--json", action="store_true", help="a JSON object")
    sub.add_parser("history", help="every revision, oldest first", description="List the schema's revisions.")


def run(args: argparse.Namespace, *, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    from domain import schema
    from tui.cli import say

    if args.action == "history":
        for name, description in schema.history():
            mark = "  (this release)" if name == schema.HEAD else ""
            say(f"{name}  {description}{mark}", out)
        return EXIT_OK
    if args.action == "upgrade" and args.start and not args.sql:
        say("motdepasse: --from goes with --sql (a live upgrade reads the revision from the database)", err)
        return 2
    if args.action == "upgrade" and args.sql:
        from sqlalchemy import create_engine

        from domain.settings import load_settings

        if args.start and not schema.known(args.start):
            say(f"motdepasse: unknown revision {args.start!r} (see 'motdepasse db history')", err)
            return 2
        offline = create_engine(load_settings().resolved_database_url())
        out.write(schema.upgrade_sql(offline, start=args.start))
        return EXIT_OK
    from sqlalchemy.exc import DBAPIError

    from domain.storage import unavailable

    engine = _engine(create=args.action == "upgrade")
    try:
        return _on(engine, args, out)
    except DBAPIError as error:
        raise unavailable(error, engine.url) from None
    finally:
        engine.dispose()


def _on(engine: Engine, args: argparse.Namespace, out: TextIO) -> int:
    """``current`` or ``upgrade`` on the configured database."""
    from domain import schema
    from tui.cli import say

    if args.action == "current":
        found = schema.read_state(engine)
        revision = found.effective
        if args.json:
            from tui.json_output import print_json

            print_json({"revision": revision, "release": schema.HEAD, "current": revision == schema.HEAD}, out)
        elif revision is None:
            say(f"no motdepasse schema: create it with 'motdepasse db upgrade' (this release: {schema.HEAD})", out)
        elif revision == schema.HEAD:
            say(f"{revision} (this release)", out)
        elif schema.known(revision):
            say(f"{revision}, behind this release ({schema.HEAD}): run 'motdepasse db upgrade'", out)
        else:
            say(f"{revision}, newer than this release knows ({schema.HEAD}): upgrade motdepasse here", out)
        return EXIT_OK if revision == schema.HEAD else EXIT_BEHIND
    before, after = schema.upgrade(engine)
    if before != after:
        _audit(engine, before, after)
    if before == after:
        say(f"schema already at {after} (this release)", out)
    else:
        say(f"schema upgraded: {before or 'empty'} → {after}", out)
    return EXIT_OK


def _engine(*, create: bool) -> Engine:
    """The configured database's engine; ``create``: a missing SQLite file is made (mode
    600, in a private directory), otherwise it is refused (66) as every reading command does."""
    from domain.services import pool_settings, prepare_sqlite_file
    from domain.settings import load_settings
    from domain.storage import make_engine, require_sqlite_database

    settings = load_settings()
    url = settings.resolved_database_url()
    if create and url.startswith("sqlite"):
        prepare_sqlite_file(settings, url)
    elif not create:
        require_sqlite_database(url)
    return make_engine(url, busy_timeout=settings.database_busy_timeout_seconds, pool=pool_settings(settings))


def _audit(engine: Engine, before: str | None, after: str | None) -> None:
    from sqlmodel import Session

    from domain.clock import SystemClock
    from domain.models import StaffAudit
    from tui.cli import operator_identity

    with Session(engine) as session:
        session.add(
            StaffAudit(
                at=SystemClock().now(),
                staff=operator_identity().label,
                action="db_upgrade",
                detail=json.dumps({"from": before, "to": after}),
            )
        )
        session.commit()
