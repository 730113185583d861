"""Issue 6 (first part): the journal records the screens the user saw, a replay from the
journal alone gives the same screens, the asciicast export is valid, and neither the
journal nor the export ever holds a secret."""

from __future__ import annotations

import json
from pathlib import Path

from textual.widgets import Input

from domain.models import JournalEvent, SessionRecord
from domain.replay import asciicast, plain, purge, timeline
from tests.ui_helpers import (
    LILA_PASSWORD,
    NEW_PASSWORD,
    REFERENCE,
    make_app,
    make_services,
    settle,
    solution,
    type_text,
    walk_to_new_password,
)
from tui.cli import main


async def test_replay_shows_the_screens_the_user_saw_and_no_secret(tmp_path: Path) -> None:
    services = make_services(tmp_path)
    app = make_app(services)
    seen: list[str] = []
    solutions: list[str] = []
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.2)
        seen.append(plain(app.capture()))
        solutions.append(solution(app))
        await walk_to_new_password(pilot, app, keyboard=False)
        solutions.append(solution(app))
        await pilot.pause(0.2)
        seen.append(plain(app.capture()))
        await type_text(pilot, "aaaaaaaaaaaaaaaaaaaaaa", keyboard=False)
        await pilot.press("enter")
        await type_text(pilot, "aaaaaaaaaaaaaaaaaaaaaa", keyboard=False)
        await pilot.press("enter")
        await settle(pilot, app)
        await pilot.pause(0.3)
        seen.append(plain(app.capture()))
        app.screen.query_one("#new", Input).value = ""
        await type_text(pilot, NEW_PASSWORD, keyboard=False)
        await pilot.press("enter")
        await type_text(pilot, NEW_PASSWORD, keyboard=False)
        await pilot.press("enter")
        await settle(pilot, app)
        await pilot.pause(0.3)
        seen.append(plain(app.capture()))
    services.journal_writer.flush()
    record, _events, frames = timeline(services, REFERENCE)
    assert record is not None and record.ended_at is not None
    replayed = [frame.text for frame in frames]
    for screen in seen:
        assert screen in replayed
    assert any("trop faible" in text for text in replayed)
    assert any("Votre mot de passe a bien été modifié" in text for text in replayed)

    cast = asciicast(REFERENCE, frames)
    lines = cast.splitlines()
    header = json.loads(lines[0])
    assert header["version"] == 2 and header["width"] == 80 and header["height"] == 24
    previous = -1.0
    for line in lines[1:]:
        at, kind, data = json.loads(line)
        assert isinstance(at, float | int) and at >= previous and kind in ("o", "r")
        assert isinstance(data, str)
        previous = at

    secrets = [NEW_PASSWORD, LILA_PASSWORD, "aaaaaaaaaaaaaaaaaaaaaa", "PAUL", *solutions]
    with services.uow() as uow:
        from sqlmodel import select

        stored = [row.detail for row in uow.session.exec(select(JournalEvent)).all()]
        stored += [str(row) for row in uow.session.exec(select(SessionRecord)).all()]
    texts = stored + replayed + [cast]
    for secret in secrets:
        assert not any(secret in text for text in texts), secret
    services.close()


async def test_journal_cli_export_show_and_purge(tmp_path: Path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    from datetime import timedelta

    monkeypatch.setenv("MOTDEPASSE_DATA_DIR", str(tmp_path))
    services = make_services(tmp_path)
    app = make_app(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.3)
    services.journal_writer.flush()
    cast = tmp_path / "session.cast"
    assert main(["journal", "export", REFERENCE.lower(), "-o", str(cast)]) == 0
    assert json.loads(cast.read_text().splitlines()[0])["version"] == 2
    assert main(["journal", "show", REFERENCE]) == 0
    assert "session  start channel=local" in capsys.readouterr().out
    assert main(["journal", "show", "NOPE-0000"]) == 1
    assert purge(services, older_than=timedelta(days=30)) == 0
    services.clock.advance(timedelta(days=31))  # type: ignore[attr-defined]
    assert purge(services, older_than=timedelta(days=30)) == 1
    assert timeline(services, REFERENCE)[0] is None
    services.close()


async def test_no_secret_in_the_journal_after_every_procedure(tmp_path: Path) -> None:
    """Expired procedure (Chloé), change of credentials (Hugo), wrong answers and wrong
    passwords: the journal, its frames and the export hold none of the secrets typed."""
    from domain.journal import unpack
    from tests.screens.test_expiry_walks import CHLOE, CHLOE_PASSWORD, HUGO, HUGO_PASSWORD, NEW
    from tests.screens.test_expiry_walks import log_in as fill_login

    services = make_services(tmp_path)
    app = make_app(services)
    solutions: list[str] = []
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        solutions.append(solution(app))
        await fill_login(pilot, app, HUGO, "Mauvais-Mot-De-Passe-123", keyboard=False)
        solutions.append(solution(app))
        await fill_login(pilot, app, HUGO, HUGO_PASSWORD, keyboard=False)
        await pilot.press("enter")  # the alert's OK
        await pilot.press("enter")  # « Modifier le mot de passe »
        await settle(pilot, app)
        await pilot.press("space")
        await type_text(pilot, NEW, keyboard=False)
        await pilot.press("enter")
        await type_text(pilot, NEW, keyboard=False)
        await pilot.press("enter")
        await type_text(pilot, "Rantanplan", keyboard=False)  # wrong answer
        await pilot.press("enter")
        await settle(pilot, app)
        app.screen.query_one("#answer", Input).value = "Médor"
        app.screen.query_one("#answer", Input).focus()
        await pilot.press("enter")
        await settle(pilot, app)
        await pilot.press("enter")  # back home
        await settle(pilot, app)
        app.screen.query_one("#logout").focus()
        await pilot.press("enter")
        await pilot.pause(0.2)
        solutions.append(solution(app))
        await fill_login(pilot, app, CHLOE, CHLOE_PASSWORD, keyboard=False)
        solutions.append(solution(app))
        await type_text(pilot, solution(app), keyboard=False)
        await pilot.press("enter")
        await settle(pilot, app)
        await type_text(pilot, CHLOE_PASSWORD, keyboard=False)
        await pilot.press("enter")
        await type_text(pilot, NEW, keyboard=False)
        await pilot.press("enter")
        await type_text(pilot, NEW, keyboard=False)
        await pilot.press("enter")
        await settle(pilot, app)
        await pilot.pause(0.3)
    services.journal_writer.flush()
    with services.uow() as uow:
        from sqlmodel import select

        rows = uow.session.exec(select(JournalEvent)).all()
    texts = [row.detail for row in rows]
    frames = [unpack(json.loads(row.detail)["ansi"]) for row in rows if row.kind == "frame"]
    assert len(frames) >= 8
    _, _, recorded = timeline(services, REFERENCE)
    texts += [*frames, asciicast(REFERENCE, recorded)]
    for secret in [NEW, HUGO_PASSWORD, CHLOE_PASSWORD, "Mauvais-Mot-De-Passe-123", "Rantanplan", "Médor", *solutions]:
        assert not any(secret in text for text in texts), secret
    assert any("password_changed" in row.name for row in rows)
    services.close()


async def test_a_resize_is_journaled_with_its_new_size_and_its_frame_in_the_new_layout(tmp_path: Path) -> None:
    """Issue 13: the journal logged the previous size (a resize to 120×35 said 80×24), and
    the frame was the old layout labelled with the new size."""
    services = make_services(tmp_path)
    app = make_app(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.resize_terminal(120, 35)
        for _ in range(5):
            await pilot.pause()
    services.journal_writer.flush()
    _record, events, frames = timeline(services, REFERENCE)
    resizes = [event.detail for event in events if event.name == "resize"]
    assert resizes == [{"columns": 120, "rows": 35}]
    last = [frame for frame in frames if frame.reason == "resize"][-1]
    lines = plain(last.ansi).splitlines()
    assert (last.columns, last.rows) == (120, 35)
    assert len(lines) == 35, len(lines)
    assert lines[0].rstrip().endswith(REFERENCE) and len(lines[0].rstrip()) > 80  # drawn at 120 columns
    services.close()


async def test_the_journal_tells_typing_the_meter_and_the_captcha_never_a_secret(tmp_path: Path) -> None:
    """Issue 13: what support needs to follow a session besides its frames — typing
    progress (a count for the email, a length band for a secret, never a character, a few
    events only), the meter's levels, the CAPTCHA spelled and each new one shown — and
    still no secret anywhere in the journal."""
    from textual.widgets import Button

    from tests.ui_helpers import LILA

    services = make_services(tmp_path)
    app = make_app(services)
    solutions: list[str] = []
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        await type_text(pilot, LILA)  # key by key
        await pilot.press("tab")
        await type_text(pilot, "Mauvais-Mot-De-Passe-1")
        await pilot.press("tab")
        app.screen.query_one("#spell", Button).press()  # « Épeler les caractères »
        await settle(pilot, app)
        solutions.append(solution(app))
        app.screen.query_one("#captcha", Input).focus()
        await type_text(pilot, solution(app))
        await pilot.press("enter")  # a wrong password: refused, a new CAPTCHA
        await settle(pilot, app)
        solutions.append(solution(app))
        app.screen.query_one("#email", Input).value = ""  # back at the email (its field emptied)
        app.screen.query_one("#email", Input).focus()
        await walk_to_new_password(pilot, app, keyboard=False)
        solutions.append(solution(app))
        await type_text(pilot, "Tournesol-Violon")  # 16 characters: too short
        await pilot.pause(0.3)
        await settle(pilot, app)
        await type_text(pilot, "-Kayak-Brume-77")
        await pilot.pause(0.3)
        await settle(pilot, app)
        await pilot.press("enter")
        await type_text(pilot, "Tournesol-Violon-Kayak-Brume-77", keyboard=False)
        await pilot.press("enter")
        await settle(pilot, app)
        await pilot.pause(0.3)
    services.journal_writer.flush()
    _record, events, _frames = timeline(services, REFERENCE)
    named = [(event.kind, event.name, event.detail) for event in events]
    typing = [detail for kind, name, detail in named if (kind, name) == ("input", "typing")]

    # the email: counts, and the whole address counted before the login it was typed for
    emails = [detail["length"] for detail in typing if detail["field"] == "email"]
    assert emails[0] >= 1 and len(LILA) in emails
    assert len(emails) <= 8, emails  # batched: not one event per key (the address typed twice: 48 keys)
    login = next(i for i, (kind, name, _d) in enumerate(named) if (kind, name) == ("action", "login"))
    before = [d for kind, name, d in named[:login] if (kind, name) == ("input", "typing") and d["field"] == "email"]
    assert before[-1] == {"field": "email", "length": len(LILA)}
    # the secrets: their band only, each band once as it is reached
    for field in ("password", "captcha", "answer", "new", "confirm"):
        details = [detail for detail in typing if detail["field"] == field]
        assert details, field
        assert all(set(detail) == {"field", "band"} for detail in details), details
    assert [d["band"] for d in typing if d["field"] == "password"] == ["1-7", "8-19", "20-39"]
    assert [d["band"] for d in typing if d["field"] == "new"][-1] == "20-39"
    assert len(typing) <= 40, typing

    # the meter: too short, then its strength; the CAPTCHA spelled; each new CAPTCHA shown
    meter = [detail["level"] for kind, name, detail in named if (kind, name) == ("shown", "meter")]
    assert meter[0] == "too_short" and meter[-1] in ("moyen", "fort"), meter
    assert ("outcome", "captcha_spelled", {"shown": True}) in named
    serials = [detail["serial"] for kind, name, detail in named if (kind, name) == ("shown", "captcha_new")]
    assert serials == sorted(set(serials)) and len(serials) >= 3, serials
    assert ("outcome", "password_changed") in [(kind, name) for kind, name, _d in named]

    secrets = [LILA, "Mauvais-Mot-De-Passe-1", "Tournesol-Violon", "PAUL", *solutions]
    with services.uow() as uow:
        from sqlmodel import select

        stored = [
            row.detail for row in uow.session.exec(select(JournalEvent).where(JournalEvent.kind != "frame")).all()
        ]
    for secret in secrets:
        assert not any(secret.casefold() in text.casefold() for text in stored), secret
    services.close()


async def test_time_limit_warnings_and_the_answers_are_journaled(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Issue 13: each warning the server sends (idle, maximum length) and what the user did
    with it: stayed, extended (and the request sent to the server), or closed it."""
    import socket

    from screens.time_limit import TimeLimitDialog
    from tui import ssh_session
    from tui.line_mode import END_WARNING, IDLE_WARNING

    monkeypatch.setattr(ssh_session, "listen_to_server", lambda _handlers: None)  # no signal handlers in tests
    services = make_services(tmp_path)
    make_app(services)  # seeds the demo accounts
    ours, theirs = socket.socketpair()
    app = ssh_session.SshSessionApp(
        services,
        language="fr",
        reference=REFERENCE,
        warning_seconds=30,
        extensions=1,
        extension_seconds=600,
        control=ssh_session.ServerControl(theirs.fileno()),
    )
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot, app)
            for warning, key in ((IDLE_WARNING, "enter"), (END_WARNING, "enter"), (END_WARNING, "escape")):
                app._warn(warning)
                await pilot.pause(0.2)
                assert isinstance(app.screen, TimeLimitDialog)
                await pilot.press(key)
                await pilot.pause(0.2)
        ours.setblocking(False)
        # « ready » once the first screen is drawn, then one « extend »: none was left for the second
        assert ours.recv(64) == b"ready\nextend\n"
    finally:
        ours.close()
        theirs.close()
    services.journal_writer.flush()
    _record, events, _frames = timeline(services, REFERENCE)
    said = [
        (event.name, event.detail)
        for event in events
        if event.name in ("session_warning", "session_warning_answer", "extended")
    ]
    assert said == [
        ("session_warning", {"warning": "idle", "seconds": 30}),
        ("session_warning_answer", {"warning": "idle", "answer": "stay"}),
        ("session_warning", {"warning": "end", "seconds": 30}),
        ("session_warning_answer", {"warning": "end", "answer": "extend"}),
        ("extended", {}),
        ("session_warning", {"warning": "end", "seconds": 30}),
        ("session_warning_answer", {"warning": "end", "answer": "dismissed"}),
    ]
    services.close()


def test_the_server_says_why_it_ends_a_session() -> None:
    """The session process reads the reason on its control channel (written by the server
    just before its signal); nothing said, or something else: no reason."""
    import socket

    from tui.ssh_session import ServerControl

    ours, theirs = socket.socketpair()
    try:
        control = ServerControl(theirs.fileno())
        assert control.end_reason() is None  # nothing said: never blocks
        ours.sendall(b"end idle\n")
        assert control.end_reason() == "idle"
        ours.sendall(b"end \x1b[2J\nend max_length\n")
        assert control.end_reason() == "max_length"
        assert control.send("extend") and ours.recv(64) == b"extend\n"
    finally:
        ours.close()
        theirs.close()
