"""The session journal never holds a secret (SPEC §5)."""

from __future__ import annotations

import json

from sqlalchemy import inspect as sa_inspect
from sqlmodel import select

from domain.flows.forgot import ForgotPasswordFlow
from domain.flows.login import LoginStatus, log_in
from domain.journal import REFERENCE_ALPHABET, new_reference
from domain.models import AnswerFailure, JournalEvent, SessionRecord
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


def test_forgot_session_journal_holds_no_secret(captcha_services, captcha_demo) -> None:
    services = captcha_services
    session = services.open_session(client_address="192.0.2.7", channel="ssh")
    captcha = session.captcha
    solutions: list[str] = []

    def shown() -> str:
        solutions.append(captcha.current.solution)
        return captcha.current.solution

    flow = ForgotPasswordFlow(session)
    shown()
    assert flow.submit_email(LILA, "ZZZZZZ").codes == ("captcha_wrong",)
    captcha.refresh()
    assert flow.submit_email(LILA, shown().lower()).ok
    assert flow.submit_answer("Pierre").codes == ("wrong_answer",)
    assert flow.submit_answer("  PAUL ").ok
    assert flow.strength(WEAK) is not None
    assert not flow.submit_password(WEAK, WEAK).ok
    assert not flow.submit_password(NEW_PASSWORD, MISMATCH).ok
    assert not flow.submit_password(OLD_PASSWORD, OLD_PASSWORD).ok
    assert flow.submit_password(NEW_PASSWORD, NEW_PASSWORD).ok
    assert log_in(session, LILA, OLD_PASSWORD, shown()).status is LoginStatus.INVALID
    assert log_in(session, LILA, NEW_PASSWORD, shown()).status is LoginStatus.OK
    solutions.append(captcha.current.solution)
    session.journal.end("quit")
    services.journal_writer.flush()

    events = [e for e in rows(services, JournalEvent) if e.session_reference == session.reference]
    records = [r for r in rows(services, SessionRecord) if r.reference == session.reference]
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
    session = services.open_session()
    flow = ForgotPasswordFlow(session)
    flow.submit_email(LILA, "")
    flow.submit_answer("Pierre")
    flow.submit_answer("Paul")
    flow.submit_password(NEW_PASSWORD, NEW_PASSWORD)
    services.journal_writer.flush()
    for row in rows(services, AnswerFailure):
        for text in text_values(row):
            assert "lila" not in text.casefold() and "pierre" not in text.casefold()


def test_known_and_unknown_emails_journal_alike(services, demo) -> None:
    names = []
    for email in (LILA, "personne.inconnue@exemple.fr"):
        session = services.open_session()
        flow = ForgotPasswordFlow(session)
        flow.submit_email(email, "")
        flow.submit_answer("Pierre")
        services.journal_writer.flush()
        events = [e for e in rows(services, JournalEvent) if e.session_reference == session.reference]
        names.append([(e.kind, e.name, e.detail) for e in sorted(events, key=lambda e: e.seq)])
    assert names[0] == names[1]


def test_reference_format() -> None:
    for _ in range(50):
        reference = new_reference()
        assert len(reference) == 9 and reference[4] == "-"
        assert set(reference.replace("-", "")) <= set(REFERENCE_ALPHABET)
    assert len({new_reference() for _ in range(50)}) == 50
