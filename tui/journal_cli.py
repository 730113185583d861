"""``motdepasse journal …``: a session's timeline, its asciicast export, retention.
Exit codes: 0 done, 1 refused (unknown session, nothing recorded), 2 usage error."""

from __future__ import annotations

import argparse
import sys
from datetime import timedelta
from pathlib import Path
from typing import TextIO

from domain.replay import asciicast, purge, timeline
from domain.services import build_services

EXIT_OK, EXIT_REFUSED = 0, 1


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "journal",
        help="sessions' journal: timeline, asciicast export, purge",
        description="The journal of user sessions, by the reference shown on every screen "
        "(e.g. K7QF-92DX). It never holds a password, an answer or a CAPTCHA solution.",
    )
    parser.add_argument("--demo", action="store_true", help="work on the demo's database")
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    show = sub.add_parser("show", help="a session's timeline", description="Print a session's timeline.")
    show.add_argument("reference", metavar="REF")
    export = sub.add_parser(
        "export",
        help="a session as an asciicast v2 file",
        description="Write a session's screens as an asciicast v2 file (output and resize "
        "events, never input): 'asciinema play FILE.cast' replays it.",
    )
    export.add_argument("reference", metavar="REF")
    export.add_argument("--output", "-o", type=Path, help="file to write (default: REF.cast)")
    purge_parser = sub.add_parser(
        "purge",
        help="delete old sessions",
        description="Delete the journal of sessions started more than DAYS days ago.",
    )
    purge_parser.add_argument("--older-than", type=int, required=True, metavar="DAYS")


def run(args: argparse.Namespace, *, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    from tui.cli import settings_for

    services = build_services(settings_for(args.demo))
    try:
        if args.action == "purge":
            if args.older_than < 0:
                print("motdepasse: --older-than takes a number of days (0 or more)", file=err)
                return EXIT_REFUSED
            count = purge(services, older_than=timedelta(days=args.older_than))
            print(f"{count} session(s) deleted", file=out)
            return EXIT_OK
        reference = args.reference.strip().upper()
        record, events, frames = timeline(services, reference)
        if record is None:
            print(f"motdepasse: no session {reference}", file=err)
            return EXIT_REFUSED
        if args.action == "show":
            print(
                f"session {reference}: {record.channel} {record.client_address or '-'} "
                f"{record.language} {record.columns}x{record.rows} started {record.started_at:%Y-%m-%d %H:%M:%S}",
                file=out,
            )
            for event in events:
                details = " ".join(f"{key}={value}" for key, value in event.detail.items())
                print(
                    f"{event.seq:>4} {event.at:%H:%M:%S} {event.kind:8} {event.name} {details}".rstrip(),
                    file=out,
                )
            print(f"{len(frames)} frame(s) recorded", file=out)
            return EXIT_OK
        if not frames:
            print(f"motdepasse: session {reference} has no recorded screen", file=err)
            return EXIT_REFUSED
        path: Path = args.output or Path(f"{reference}.cast")
        path.write_text(asciicast(reference, frames), encoding="utf-8")
        print(f"{path}: {len(frames)} screen(s)", file=out)
        return EXIT_OK
    finally:
        services.close()
