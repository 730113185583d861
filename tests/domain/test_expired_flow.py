"""« Mot de passe expiré » (SPEC §3.2, §6): domain.flows.expired.ExpiredPasswordFlow on the
demo data (Chloé's password expired 10 days before START)."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest

from domain.flows.expired import ExpiredPasswordFlow, ExpiredStep
from domain.flows.login import LoginStatus, log_in
from domain.policy import Reason
from tests.domain.support import (
    LILA,
    NEW_PASSWORD,
    OTHER_PASSWORD,
    START,
    account,
    credentials,
    outbox,
    solution,
)

CHLOE = "chloe.durand@example.fr"
CHLOE_PASSWORD = "Hibiscus-Lanterne-Falaise-19"
WRONG_OLD = "Hibiscus-Lanterne-Falaise-20"
UNKNOWN = "personne.inconnue@exemple.fr"

_CLIENTS = itertools.count(1)


def client() -> str:
    return f"100.64.0.{next(_CLIENTS) % 250}"


def login(services, email: str, password: str, address: str | None = None) -> LoginStatus:
    session = services.open_session(client_address=address or client())
    return log_in(session, email, password, solution(session)).status


def flow_at_passwords(services, email: str = CHLOE, address: str | None = None, *, language=None):
    session = services.open_session(language=language, client_address=address or client())
    flow = ExpiredPasswordFlow(session)
    assert flow.submit_email(email, solution(session)).ok
    assert flow.step is ExpiredStep.PASSWORDS and flow.step_number == 2
    return flow


def written(services, email: str = CHLOE) -> tuple[int, int, int]:
    """(credential rows, outbox emails, credentials version): what a change would bump."""
    return (
        len(credentials(services, email)),
        len(outbox(services)),
        account(services, email).credentials_version,
    )


def test_login_leads_to_the_procedure(services, demo) -> None:
    assert login(services, CHLOE, CHLOE_PASSWORD) is LoginStatus.EXPIRED


def test_success(services, demo, clock) -> None:
    before = written(services)
    flow = flow_at_passwords(services)
    outcome = flow.submit_passwords(CHLOE_PASSWORD, NEW_PASSWORD, NEW_PASSWORD)
    assert outcome.ok and outcome.codes == ()
    assert flow.step is ExpiredStep.SUMMARY and flow.step_number == 3
    assert flow.valid_until == date(2028, 3, 10)  # START + 3 years
    (current,) = [c for c in credentials(services, CHLOE) if c.is_current]
    assert current.expires_on == date(2028, 3, 10)
    assert services.hasher.verify(current.password_hash, NEW_PASSWORD).ok
    assert written(services) == (before[0] + 1, before[1] + 1, before[2] + 1)
    (email,) = outbox(services)
    assert email.kind == "password_changed:expired"
    assert email.account_id == account(services, CHLOE).id
    assert email.to_address == CHLOE
    # then the user logs in, with the new password only
    assert login(services, CHLOE, CHLOE_PASSWORD) is LoginStatus.INVALID
    assert login(services, CHLOE, NEW_PASSWORD) is LoginStatus.OK
    # and the next day too (the new password is not expired)
    clock.advance(timedelta(days=1))
    assert login(services, CHLOE, NEW_PASSWORD) is LoginStatus.OK


REFUSED = [
    ("motdepasse", "motdepasse", Reason.TOO_SHORT),
    ("aaaaaaaaaaaaaaaaaaaaaaaa", "aaaaaaaaaaaaaaaaaaaaaaaa", Reason.TOO_WEAK),
    (CHLOE_PASSWORD, CHLOE_PASSWORD, Reason.SAME_AS_PREVIOUS),
    (NEW_PASSWORD, OTHER_PASSWORD, Reason.CONFIRMATION_MISMATCH),
    ("chloe.durand@example.fr-Chloé", "chloe.durand@example.fr-Chloé", Reason.TOO_WEAK),
]


def test_refused_new_passwords_write_nothing(services, demo) -> None:
    before = written(services)
    flow = flow_at_passwords(services)
    for new, confirmation, reason in REFUSED:
        outcome = flow.submit_passwords(CHLOE_PASSWORD, new, confirmation)
        assert not outcome.ok, new
        assert reason in outcome.codes, (new, outcome.codes)
        assert outcome.messages
        assert flow.step is ExpiredStep.PASSWORDS and flow.valid_until is None
        assert written(services) == before
    assert login(services, CHLOE, CHLOE_PASSWORD) is LoginStatus.EXPIRED
    # the user corrects it on the same screen
    assert flow.submit_passwords(CHLOE_PASSWORD, NEW_PASSWORD, NEW_PASSWORD).ok
    assert written(services) == (before[0] + 1, before[1] + 1, before[2] + 1)


def test_wrong_old_password(services, demo) -> None:
    before = written(services)
    flow = flow_at_passwords(services)
    outcome = flow.submit_passwords(WRONG_OLD, NEW_PASSWORD, NEW_PASSWORD)
    assert not outcome.ok and outcome.codes == ("wrong_old_password",)
    assert flow.step is ExpiredStep.PASSWORDS
    assert written(services) == before


def test_unknown_email_refused_at_the_password_step(services, demo) -> None:
    for language in ("fr", "en"):
        unknown = flow_at_passwords(services, UNKNOWN, language=language)
        refused = unknown.submit_passwords(CHLOE_PASSWORD, NEW_PASSWORD, NEW_PASSWORD)
        wrong = flow_at_passwords(services, CHLOE, language=language).submit_passwords(
            WRONG_OLD, NEW_PASSWORD, NEW_PASSWORD
        )
        assert not refused.ok and refused.codes == ("wrong_old_password",)
        assert refused == wrong  # same code, same message
        assert unknown.step is ExpiredStep.PASSWORDS
    assert outbox(services) == []


def test_wrong_old_passwords_are_throttled_like_logins(services, demo, clock) -> None:
    address = "100.64.1.1"
    flow = flow_at_passwords(services, address=address)
    for _ in range(3):
        assert flow.submit_passwords(WRONG_OLD, NEW_PASSWORD, NEW_PASSWORD).codes == ("wrong_old_password",)
    # the 4th attempt, even with the right old password, waits 1 s
    outcome = flow.submit_passwords(CHLOE_PASSWORD, NEW_PASSWORD, NEW_PASSWORD)
    assert not outcome.ok and outcome.codes == ("throttled",)
    assert "1" in outcome.messages[0]
    assert written(services)[1] == 0
    # the same count as the login: for the account from another client, and for this client
    assert login(services, CHLOE, CHLOE_PASSWORD) is LoginStatus.THROTTLED
    assert login(services, LILA, "Glycine-Orage-Violon-2023", address) is LoginStatus.THROTTLED
    other = flow_at_passwords(services)
    assert other.submit_passwords(CHLOE_PASSWORD, NEW_PASSWORD, NEW_PASSWORD).codes == ("throttled",)
    clock.advance(timedelta(seconds=1))
    assert flow.submit_passwords(CHLOE_PASSWORD, NEW_PASSWORD, NEW_PASSWORD).ok


def test_logins_and_old_passwords_share_the_count(services, demo, clock) -> None:
    assert login(services, CHLOE, WRONG_OLD) is LoginStatus.INVALID
    assert login(services, CHLOE, WRONG_OLD) is LoginStatus.INVALID
    flow = flow_at_passwords(services)
    assert flow.submit_passwords(WRONG_OLD, NEW_PASSWORD, NEW_PASSWORD).codes == ("wrong_old_password",)
    assert flow.submit_passwords(CHLOE_PASSWORD, NEW_PASSWORD, NEW_PASSWORD).codes == ("throttled",)
    assert login(services, CHLOE, CHLOE_PASSWORD) is LoginStatus.THROTTLED


def test_unknown_email_throttled_like_a_known_one(services, demo) -> None:
    def run(email: str) -> list[tuple[str, ...]]:
        flow = flow_at_passwords(services, email)
        return [flow.submit_passwords(WRONG_OLD, NEW_PASSWORD, NEW_PASSWORD).codes for _ in range(5)]

    expected = [("wrong_old_password",)] * 3 + [("throttled",)] * 2
    assert run(CHLOE) == run(UNKNOWN) == expected


def test_back_and_step_guard(services, demo) -> None:
    session = services.open_session(client_address=client())
    flow = ExpiredPasswordFlow(session)
    with pytest.raises(RuntimeError):
        flow.submit_passwords(CHLOE_PASSWORD, NEW_PASSWORD, NEW_PASSWORD)
    assert flow.submit_email(CHLOE, solution(session)).ok
    assert flow.back() is ExpiredStep.EMAIL
    assert written(services)[1] == 0


def test_valid_until_follows_the_day_of_the_change(services, demo, clock) -> None:
    clock.set(START + timedelta(days=87))  # 5 June 2025
    flow = flow_at_passwords(services)
    assert flow.submit_passwords(CHLOE_PASSWORD, NEW_PASSWORD, NEW_PASSWORD).ok
    assert flow.valid_until == date(2028, 6, 5)
