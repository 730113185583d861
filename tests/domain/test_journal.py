"""The session journal never holds a secret (SPEC §5)."""

from __future__ import annotations

import json

from sqlalchemy import inspect as sa_inspect
from sqlmodel import select

from domain.journal import REFERENCE_ALPHABET, new_reference
from domain.models import AnswerFailure, JournalEvent, SessionRecord
from domain.session import SessionCore, Step, walk
from domain.session.intents import (
    ChangeImage,
    LogIn,
    OpenForgot,
    Proceed,
    SubmitAnswer,
    SubmitEmail,
    SubmitNewPassword,
)
from tests.domain.support import LILA, NEW_PASSWORD

OLD_PASSWORD = "Glycine-Orage-Violon-2023"
MISMATCH = "Horizon-Luciole-Chaloupe-88"
WEAK = "LilaRosemondePaul2023"


def rows(services, model) -> list:
    with services.uow() as uow:
        return list(uow.session.exec(select(model)).all())


def text_values(row) -> list[str]:
    """Every column of a row, as text."""
    return [str(getattr(row, column.key)) for column in sa_inspect(type(row)).columns]


def codes(view) -> tuple[str, ...]:  # type: ignore[no-untyped-def]
    return tuple(note.code for note in view.notes)


def test_forgot_session_journal_holds_no_secret(captcha_services, captcha_demo) -> None:
    services = captcha_services
    core = SessionCore(services, client_address="192.0.2.7", channel="ssh")
    captcha = core.captcha
    solutions: list[str] = []

    def shown() -> str:
        solutions.append(captcha.current.solution)
        return captcha.current.solution

    walk(core, [OpenForgot(LILA)])
    shown()
    assert codes(core.send(SubmitEmail(LILA, "ZZZZZZ"))) == ("captcha_wrong",)
    core.send(ChangeImage())
    assert core.send(SubmitEmail(LILA, shown().lower())).step is Step.FORGOT_QUESTION
    assert codes(core.send(SubmitAnswer("Pierre"))) == ("wrong_answer",)
    assert core.send(SubmitAnswer("  PAUL ")).step is Step.FORGOT_NEW_PASSWORD
    assert core.estimate(WEAK) is not None
    assert core.send(SubmitNewPassword(WEAK, WEAK)).notes
    assert core.send(SubmitNewPassword(NEW_PASSWORD, MISMATCH)).notes
    assert core.send(SubmitNewPassword(OLD_PASSWORD, OLD_PASSWORD)).notes
    assert core.send(SubmitNewPassword(NEW_PASSWORD, NEW_PASSWORD)).step is Step.FORGOT_SUMMARY
    assert core.send(Proceed()).step is Step.LOGIN
    assert codes(core.send(LogIn(LILA, OLD_PASSWORD, shown()))) == ("invalid",)
    assert core.send(LogIn(LILA, NEW_PASSWORD, shown())).step is Step.HOME
    solutions.append(captcha.current.solution)
    core.close("quit")
    services.journal_writer.flush()

    events = [e for e in rows(services, JournalEvent) if e.session_reference == core.reference]
    records = [r for r in rows(services, SessionRecord) if r.reference == core.reference]
    assert len(records) == 1 and records[0].ended_at is not None
    assert records[0].channel == "ssh" and records[0].client_address == "192.0.2.7"
    assert [e.seq for e in sorted(events, key=lambda e: e.seq)] == list(range(1, len(events) + 1))
    names = [e.name for e in sorted(events, key=lambda e: e.seq)]
    for expected in [
        "captcha_refused",
        "email_accepted",
        "answer_refused",
        "answer_accepted",
        "password_refused",
        "password_changed",
        "login_refused",
        "login_accepted",
    ]:
        assert expected in names
    for event in events:
        json.loads(event.detail)

    secrets = [OLD_PASSWORD, NEW_PASSWORD, MISMATCH, WEAK, "Pierre", "PAUL", *solutions]
    texts = [value for row in events + records for value in text_values(row)]
    for secret in secrets:
        for text in texts:
            assert secret.casefold() not in text.casefold(), (secret, text)
    assert not any("paul" in text.casefold() for text in texts)
    assert not any(LILA in text for text in texts)  # not even the email


def test_failures_and_outbox_hold_no_secret(services, demo) -> None:
    core = SessionCore(services)
    walk(
        core,
        [
            OpenForgot(LILA),
            SubmitEmail(LILA, ""),
            SubmitAnswer("Pierre"),
            SubmitAnswer("Paul"),
            SubmitNewPassword(NEW_PASSWORD, NEW_PASSWORD),
        ],
    )
    assert core.view().step is Step.FORGOT_SUMMARY
    services.journal_writer.flush()
    for row in rows(services, AnswerFailure):
        for text in text_values(row):
            assert "lila" not in text.casefold() and "pierre" not in text.casefold()


def test_known_and_unknown_emails_journal_alike(services, demo) -> None:
    # The session core journals the length of what is typed (email_length, answer_length):
    # the unknown address has the length of Lila's, so that only knowing it could differ.
    unknown = "anne.inconnue@exemple.fr"
    assert len(unknown) == len(LILA)
    names = []
    for email in (LILA, unknown):
        core = SessionCore(services)
        walk(core, [OpenForgot(email), SubmitEmail(email, ""), SubmitAnswer("Pierre")])
        services.journal_writer.flush()
        events = [e for e in rows(services, JournalEvent) if e.session_reference == core.reference]
        names.append([(e.kind, e.name, e.detail) for e in sorted(events, key=lambda e: e.seq)])
    assert names[0] == names[1]


def test_reference_format() -> None:
    for _ in range(50):
        reference = new_reference()
        assert len(reference) == 9 and reference[4] == "-"
        assert set(reference.replace("-", "")) <= set(REFERENCE_ALPHABET)
    assert len({new_reference() for _ in range(50)}) == 50
