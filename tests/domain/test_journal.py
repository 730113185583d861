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


class _Journal:
    """Records what would be journaled."""

    def __init__(self) -> None:
        self.events: list[tuple[str, str, dict[str, object]]] = []

    def record(self, kind: str, name: str, **detail: object) -> None:
        self.events.append((kind, name, detail))


def test_typing_progress_is_batched_and_never_more_than_a_count_or_a_band(services, demo) -> None:
    """Issue 13: support sees how far the user typed — a count for the email, a band for a
    secret, at most one event per field per second, the last change of a burst before
    what comes next — and never what was typed."""
    from domain.session.typed import TypingProgress

    core = SessionCore(services)
    login = core.view()
    email, password, captcha = (login.get_field(name) for name in ("email", "password", "captcha"))
    assert email is not None and password is not None and captcha is not None
    journal = _Journal()
    clock = [100.0]
    progress = TypingProgress(journal, now=lambda: clock[0])  # type: ignore[arg-type]

    def typing() -> list[dict[str, object]]:
        return [detail for kind, name, detail in journal.events if (kind, name) == ("input", "typing")]

    for n in range(1, 25):  # 24 keys in 0.24 s
        progress.typed(email, n)
        clock[0] += 0.01
    assert typing() == [{"field": "email", "length": 1}]  # the first at once, the rest waits
    for n in range(1, 26):  # on to the password: the email's last count first
        progress.typed(password, n)
        clock[0] += 0.01
    assert typing()[1:] == [{"field": "email", "length": 24}, {"field": "password", "band": "1-7"}]
    clock[0] += 1.0
    progress.typed(password, 26)  # a second later: journaled at once (its band changed)
    progress.typed(password, 27)  # the same band: nothing new
    progress.flush()
    assert typing()[3:] == [{"field": "password", "band": "20-39"}]
    progress.flush()
    assert len(typing()) == 4
    # what the step sets is not typing: a refusal empties the password, a new CAPTCHA its field
    refused = replace_view(login, resets=(("password", ""),), captcha_serial=login.captcha.serial + 1)  # type: ignore[union-attr]
    progress.new_view(login, refused)
    progress.typed(password, 0)
    progress.typed(captcha, 0)
    progress.flush()
    assert len(typing()) == 4
    # another step: what was typed on the one left comes first
    progress.typed(email, 3)
    progress.new_view(login, replace_view(login, step=Step.FORGOT_EMAIL))
    assert typing()[-1] == {"field": "email", "length": 3}
    assert all(set(detail) in ({"field", "length"}, {"field", "band"}) for detail in typing())


def replace_view(view, *, step=None, resets=(), captcha_serial=None):  # type: ignore[no-untyped-def]
    from dataclasses import replace

    captcha = view.captcha if captcha_serial is None else replace(view.captcha, serial=captcha_serial)
    return replace(view, step=step or view.step, resets=resets, captcha=captcha)
