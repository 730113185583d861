"""« Modifiez vos identifiants » (SPEC §3.3, §5, §6): domain.flows.change.ChangeCredentialsFlow
for a signed-in session, and the sign-out of the other sessions, across processes too."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest

from domain.credentials import signed_in_card, still_signed_in
from domain.flows.change import ChangeCredentialsFlow
from domain.flows.forgot import ForgotPasswordFlow
from domain.flows.login import LoginStatus, log_in
from domain.policy import Reason
from domain.services import build_services
from tests.domain.support import (
    HUGO,
    LILA,
    NEW_PASSWORD,
    account,
    credentials,
    outbox,
    solution,
)

LILA_PASSWORD = "Glycine-Orage-Violon-2023"
HUGO_PASSWORD = "Cerisier-Boussole-Tambour-42"

_CLIENTS = itertools.count(1)


def signed_in(services, email: str = LILA, password: str = LILA_PASSWORD, *, language=None):
    session = services.open_session(language=language, client_address=f"100.80.0.{next(_CLIENTS) % 250}")
    result = log_in(session, email, password, solution(session))
    assert result.status is LoginStatus.OK, result
    return session


def written(services, email: str = LILA) -> tuple[int, int, int]:
    """(credential rows, outbox emails, credentials version)."""
    return (
        len(credentials(services, email)),
        len(outbox(services)),
        account(services, email).credentials_version,
    )


def submit(
    flow: ChangeCredentialsFlow,
    *,
    ticked: bool = True,
    new: str = NEW_PASSWORD,
    confirmation=None,
    answer="Paul",
):
    return flow.submit(
        change_password_ticked=ticked,
        new=new,
        confirmation=new if confirmation is None else confirmation,
        answer=answer,
    )


def test_needs_a_signed_in_session(services, demo) -> None:
    with pytest.raises(RuntimeError):
        ChangeCredentialsFlow(services.open_session())


def test_not_ticked(services, demo) -> None:
    before = written(services)
    flow = ChangeCredentialsFlow(signed_in(services))
    outcome = submit(flow, ticked=False)
    assert not outcome.ok and outcome.codes == ("nothing_to_change",) and outcome.messages
    assert written(services) == before


def test_wrong_answer_writes_nothing(services, demo) -> None:
    before = written(services)
    session = signed_in(services)
    flow = ChangeCredentialsFlow(session)
    for answer in ("Pierre", "Paulo"):
        outcome = submit(flow, answer=answer)
        assert not outcome.ok and outcome.codes == ("wrong_answer",) and outcome.messages
        assert written(services) == before
    assert still_signed_in(session)


def test_success(services, demo) -> None:
    before = written(services)
    session = signed_in(services)
    other = signed_in(services)  # another session, signed in before the change
    flow = ChangeCredentialsFlow(session)
    outcome = submit(flow, answer="  PAUL ")
    assert outcome.ok and outcome.codes == ()
    assert flow.valid_until == date(2028, 3, 10)  # START + 3 years
    (current,) = [c for c in credentials(services, LILA) if c.is_current]
    assert current.expires_on == date(2028, 3, 10)
    assert written(services) == (before[0] + 1, before[1] + 1, before[2] + 1)
    (email,) = outbox(services)
    assert email.kind == "password_changed:change"
    assert email.to_address == LILA
    # this session stays signed in, the other one is signed out
    assert still_signed_in(session)
    card, _ = signed_in_card(session)
    assert card is not None and card.password_expires_on == date(2028, 3, 10)
    assert not still_signed_in(other)
    assert other.signed_in_account is None
    assert signed_in_card(other)[0] is None
    # a session opened after the change stays signed in
    later = signed_in(services, LILA, NEW_PASSWORD)
    assert still_signed_in(later) and still_signed_in(session)
    # the old password is gone
    probe = services.open_session(client_address="100.80.1.1")
    assert log_in(probe, LILA, LILA_PASSWORD, solution(probe)).status is LoginStatus.INVALID


def test_other_process_is_signed_out(services, demo, clock) -> None:
    """Two front ends on one database: the sign-out is read from credentials_version."""
    elsewhere = build_services(services.settings, clock=clock, seed=1)
    try:
        assert elsewhere.secret_key == services.secret_key
        other = signed_in(elsewhere)
        unrelated = signed_in(elsewhere, HUGO, HUGO_PASSWORD)
        session = signed_in(services)
        assert submit(ChangeCredentialsFlow(session)).ok
        assert still_signed_in(session)
        assert not still_signed_in(other)
        assert other.signed_in_account is None
        assert still_signed_in(unrelated)
        # and the other way round
        again = signed_in(elsewhere, LILA, NEW_PASSWORD)
        flow = ChangeCredentialsFlow(again)
        clock.advance(timedelta(minutes=1))
        assert submit(flow, new="Quartz-Pelican-Tisane-1987").ok
        assert still_signed_in(again)
        assert not still_signed_in(session)
        assert account(services, LILA).credentials_version == 2
    finally:
        elsewhere.close()


def test_signed_out_session_cannot_change(services, demo) -> None:
    session = signed_in(services)
    flow = ChangeCredentialsFlow(session)
    assert submit(ChangeCredentialsFlow(signed_in(services))).ok
    before = written(services)
    outcome = submit(flow, new="Quartz-Pelican-Tisane-1987")
    assert not outcome.ok and outcome.codes == ("signed_out",)
    assert written(services) == before


def test_refused_passwords_write_nothing(services, demo) -> None:
    before = written(services)
    session = signed_in(services)
    flow = ChangeCredentialsFlow(session)
    for new, confirmation, reason in [
        ("Paul-Paul-Paul-Paul-Paul", None, Reason.TOO_WEAK),
        (LILA_PASSWORD, None, Reason.SAME_AS_PREVIOUS),
        (NEW_PASSWORD, "Horizon-Luciole-Chaloupe-88", Reason.CONFIRMATION_MISMATCH),
    ]:
        outcome = submit(flow, new=new, confirmation=confirmation)
        assert not outcome.ok and reason in outcome.codes, (new, outcome.codes)
        assert written(services) == before
        assert still_signed_in(session)
    assert submit(flow).ok


def test_five_wrong_answers_lock_the_change(services, demo, clock) -> None:
    before = written(services)
    flow = ChangeCredentialsFlow(signed_in(services))
    codes = [submit(flow, answer=f"Pierre{i}").codes for i in range(5)]
    assert codes[:4] == [("wrong_answer",)] * 4
    assert codes[4] in (("wrong_answer",), ("locked",))
    outcome = submit(flow)  # the right answer, now refused
    assert not outcome.ok and outcome.codes == ("locked",)
    assert outcome.locked_until is not None and outcome.messages
    assert written(services) == before
    # the same lock as the forgot procedure, for this address
    session = services.open_session(client_address="100.80.2.1")
    forgot = ForgotPasswordFlow(session)
    assert forgot.submit_email(LILA, solution(session)).codes == ("locked",)
    # the login itself is not locked out (SPEC §6)
    assert signed_in(services) is not None
    # and the lock ends
    clock.advance(timedelta(minutes=services.settings.answer_lockout_minutes + 1))
    assert submit(flow).ok


def test_fifth_wrong_answer_says_locked(services, demo) -> None:
    flow = ChangeCredentialsFlow(signed_in(services))
    for i in range(4):
        assert submit(flow, answer=f"Pierre{i}").codes == ("wrong_answer",)
    assert submit(flow, answer="Pierre4").codes == ("locked",)
