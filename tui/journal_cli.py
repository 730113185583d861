"""``motdepasse journal …``: a session's timeline, its asciicast export, retention.
Exit codes: 0 done, 1 refused (unknown session, nothing recorded, a file that cannot be
written), 2 usage error; the database and settings codes of ``tui.cli``. Showing,
exporting (or trying to) and purging are recorded in the staff audit as ``operator:USER``."""

from __future__ import annotations

import argparse
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any, TextIO

from domain.journal import normalize_reference
from domain.models import SessionRecord
from domain.replay import TRANSCRIPT, Event, Frame, asciicast, is_failure, purge, timeline, timeline_lines
from domain.services import build_services
from domain.support import audit
from domain.text import encodable, printable
from tui.cli import SUBCOMMANDS

EXIT_OK, EXIT_REFUSED = 0, 1


def add_parsers(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "journal",
        help=SUBCOMMANDS["journal"][1],
        description="The journal of user sessions, by the reference shown on every screen "
        "(e.g. K7QF-92DX). It never holds a password, an answer or a CAPTCHA solution. Showing, "
        "exporting and purging are recorded in the staff audit, as operator:USER.",
    )
    parser.add_argument("--demo", action="store_true", help="work on the demo's database")
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    show = sub.add_parser("show", help="a session's timeline", description="Print a session's timeline.")
    show.add_argument("reference", metavar="REF")
    show.add_argument(
        "--json",
        action="store_true",
        help="a JSON object: the session, its events, its screens (without their content) and its line-mode transcript",
    )
    export = sub.add_parser(
        "export",
        help="a session as an asciicast v2 file",
        description="Write a session's screens as an asciicast v2 file (output and resize "
        "events, never input; readable by its owner only): 'asciinema play FILE.cast' replays it.",
    )
    export.add_argument("reference", metavar="REF")
    export.add_argument("--output", "-o", type=Path, help="file to write (default: REF.cast; -: standard output)")
    purge_parser = sub.add_parser(
        "purge",
        help="delete old sessions",
        description="Delete the journal of sessions started more than DAYS days ago.",
    )
    purge_parser.add_argument("--older-than", type=int, required=True, metavar="DAYS")


def run(args: argparse.Namespace, *, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    from domain.files import write_private
    from domain.i18n import Translator
    from tui.cli import operator_identity, say, settings_for

    services = build_services(settings_for(args.demo))
    operator = operator_identity()
    try:
        if args.action == "purge":
            if not 0 <= args.older_than <= 36500:  # beyond, timedelta overflows
                say("motdepasse: --older-than takes a number of days from 0 to 36500", err)
                return EXIT_REFUSED
            count = purge(services, older_than=timedelta(days=args.older_than))
            audit(services, operator, "purge_sessions", older_than_days=args.older_than, deleted=count)
            say(f"{count} session(s) deleted", out)
            return EXIT_OK
        reference = normalize_reference(args.reference) or args.reference.strip().upper()
        # a lone surrogate (invalid bytes in the argument) names no session
        record, events, frames = timeline(services, reference) if encodable(reference) else (None, [], [])
        # Users' sessions are personal data: who looked at one, or tried to, is audited
        # before anything is shown or written, as in the support console.
        audit(
            services,
            operator,
            "view_session" if args.action == "show" else "export_session",
            account_id=record.account_id if record else None,
            session_reference=record.reference if record else None,
            command=f"journal {args.action}",
            reference=printable(reference)[:20],
            found=record is not None,
        )
        if record is None:
            say(f"motdepasse: no session {reference}", err)
            return EXIT_REFUSED
        if args.action == "show" and args.json:
            from tui.json_output import print_json

            print_json(session_json(record, events, frames), out)
            return EXIT_OK
        if args.action == "show":
            say(
                f"session {reference}: {record.channel} {record.client_address or '-'} "
                f"{record.language} {record.columns}x{record.rows} started {record.started_at:%Y-%m-%d %H:%M:%S}",
                out,
            )
            # A line-mode session's transcript (what was printed and typed, secrets
            # excluded) is shown in its place among the events, as text.
            # Each outcome followed by its words (failures marked), in the operators'
            # language (MOTDEPASSE_LANG) and the users' time zone.
            words = Translator(services.settings.lang)
            for line in timeline_lines(events, frames, t=words, tz=services.tz):
                say(line, out)
            transcripts = [frame for frame in frames if frame.reason == TRANSCRIPT]
            screens = len(frames) - len(transcripts)
            parts = f", {len(transcripts)} transcript part(s)" if transcripts else ""
            say(f"{screens} frame(s) recorded{parts}", out)
            return EXIT_OK
        if not frames:
            say(f"motdepasse: session {reference} has no recorded screen", err)
            return EXIT_REFUSED
        if args.output == Path("-"):  # the cast is ASCII: no byte of it can act on a terminal
            out.write(asciicast(reference, frames))
            out.flush()
            return EXIT_OK
        path: Path = args.output or Path(f"{reference}.cast")
        try:
            write_private(path, asciicast(reference, frames))
        except OSError as error:
            say(f"motdepasse: cannot write {path}: {error.strerror or error.__class__.__name__}", err)
            return EXIT_REFUSED
        say(f"{path}: {len(frames)} screen(s)", out)
        return EXIT_OK
    finally:
        services.close()


def session_json(record: SessionRecord, events: list[Event], frames: list[Frame]) -> dict[str, Any]:
    """``journal show --json``: what ``journal show`` prints, as data. Screens are listed
    without their content (``journal export`` writes them); a line-mode transcript is
    given as text (what was printed and typed, secrets excluded)."""
    from tui.json_output import instant

    return {
        "reference": record.reference,
        "started_at": instant(record.started_at),
        "ended_at": instant(record.ended_at),
        "channel": record.channel,
        "client_address": record.client_address,
        "language": record.language,
        "columns": record.columns,
        "rows": record.rows,
        "account_id": record.account_id,
        "events": [
            {
                "seq": event.seq,
                "at": instant(event.at),
                "kind": event.kind,
                "name": event.name,
                "failure": is_failure(event),
                "detail": event.detail,
            }
            for event in events
        ],
        "screens": [
            {
                "seq": frame.seq,
                "at": instant(frame.at),
                "reason": frame.reason,
                "columns": frame.columns,
                "rows": frame.rows,
            }
            for frame in frames
            if frame.reason != TRANSCRIPT
        ],
        "transcript": [
            {"seq": frame.seq, "at": instant(frame.at), "text": frame.text}
            for frame in frames
            if frame.reason == TRANSCRIPT
        ],
    }
