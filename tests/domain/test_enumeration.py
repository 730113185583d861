"""An unknown email looks like a known one, even after an operator raised the Argon2 cost
(the dummy check at the parameters of a real account's hash, every stored hash upgraded at
its next successful check) and even when accounts use custom security questions (decoys
drawn from the questions in use)."""

from __future__ import annotations

import statistics
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from argon2 import extract_parameters
from sqlalchemy import event
from sqlmodel import select

from domain import decoys, usecases
from domain.accounts import STANDARD_QUESTIONS
from domain.clock import SettableClock
from domain.demo import seed_demo
from domain.models import Account, AccountBase
from domain.registration import Registration, register_all
from domain.services import Services, build_services
from domain.settings import load_settings
from domain.text import email_key
from tests.domain.support import HUGO, LILA, START, account, current_hash

CHLOE = "chloe.durand@example.fr"
KNOWN = (LILA, HUGO, CHLOE)
RAISED_TIME_COST = 10
"""Five times the default cost (2): known accounts keep t=2 until their next success."""
ROUNDS = 7
NOT_LIMITED = {
    "login_free_failures": 1000,
    "answer_max_failures": 1000,
    "answer_max_failures_per_client": 1000,
}
"""The limits stay out of the timing: every attempt is evaluated."""


@pytest.fixture
def shared(tmp_path: Path) -> Iterator[Callable[..., Services]]:
    """Services on one database and one key, each with its own settings (as an operator
    restarting the service with other Argon2 parameters)."""
    built: list[Services] = []

    def open_services(**overrides: Any) -> Services:
        settings = load_settings(
            data_dir=tmp_path / "data",
            database_url=f"sqlite:///{tmp_path / 'shared.db'}",
            secret_key="one key for every process, 32 chars or more",
            captcha="off",
            **overrides,
        )
        services = build_services(settings, clock=SettableClock(START))
        built.append(services)
        return services

    yield open_services
    for services in built:
        services.close()


@pytest.fixture
def raised(shared: Callable[..., Services]) -> Services:
    """The demo accounts hashed at the default cost, then services at a higher one."""
    seed_demo(shared())
    return shared(argon2_time_cost=RAISED_TIME_COST, **NOT_LIMITED)


def time_cost(stored: str) -> int:
    return extract_parameters(stored).time_cost


def cpu_seconds(action: Callable[[], object]) -> float:
    """The CPU time of this thread during ``action``: Argon2 (parallelism 1) runs in the
    calling thread, and other processes on a busy machine do not count."""
    started = time.thread_time()
    action()
    return time.thread_time() - started


def compare(known: Callable[[int], object], unknown: Callable[[int], object]) -> float:
    """Median cost of ``unknown`` over median cost of ``known`` (interleaved rounds)."""
    known_costs, unknown_costs = [], []
    for index in range(ROUNDS):
        known_costs.append(cpu_seconds(lambda i=index: known(i)))
        unknown_costs.append(cpu_seconds(lambda i=index: unknown(i)))
    return statistics.median(unknown_costs) / statistics.median(known_costs)


def test_login_timing_after_raising_the_cost(raised: Services) -> None:
    def log_in(email: str) -> None:
        check = usecases.log_in(raised, email=email, password="Wrong-Password-0000", client_address="192.0.2.1")
        assert check.status is usecases.PasswordStatus.INVALID

    ratio = compare(lambda i: log_in(KNOWN[i % 3]), lambda i: log_in(f"inconnu{i}@exemple.fr"))
    assert 0.67 < ratio < 1.5, ratio


def test_answer_timing_after_raising_the_cost(raised: Services) -> None:
    def answer(email: str) -> None:
        check = usecases.answer_question(raised, email=email, answer="Pierre", client_address="192.0.2.2")
        assert check.status is usecases.AnswerStatus.WRONG

    ratio = compare(lambda i: answer(KNOWN[i % 3]), lambda i: answer(f"inconnu{i}@exemple.fr"))
    assert 0.67 < ratio < 1.5, ratio


def test_expired_procedure_timing_after_raising_the_cost(raised: Services) -> None:
    def change(email: str) -> None:
        result = usecases.change_expired_password(
            raised, email=email, old="Wrong-Password-0000", new="x", confirmation="x", client_address="192.0.2.3"
        )
        assert result.status is usecases.ChangeStatus.WRONG_OLD

    ratio = compare(lambda i: change(KNOWN[i % 3]), lambda i: change(f"inconnu{i}@exemple.fr"))
    assert 0.67 < ratio < 1.5, ratio


def test_right_password_and_answer_upgrade_their_hashes(raised: Services) -> None:
    assert time_cost(current_hash(raised, LILA)) == time_cost(account(raised, LILA).security_answer_hash) == 2
    check = usecases.log_in(raised, email=LILA, password="Glycine-Orage-Violon-2023", client_address=None)
    assert check.status is usecases.PasswordStatus.OK
    upgraded = current_hash(raised, LILA)
    assert time_cost(upgraded) == RAISED_TIME_COST
    assert raised.hasher.verify(upgraded, "Glycine-Orage-Violon-2023").ok
    assert time_cost(account(raised, LILA).security_answer_hash) == 2  # until it is used
    answered = usecases.answer_question(raised, email=LILA, answer=" paul ", client_address=None)
    assert answered.status is usecases.AnswerStatus.OK
    upgraded = account(raised, LILA).security_answer_hash
    assert time_cost(upgraded) == RAISED_TIME_COST
    assert raised.hasher.verify(upgraded, "paul").ok and not raised.hasher.verify(upgraded, "pierre").ok
    # the other accounts at their next success; a wrong answer upgrades nothing
    assert time_cost(current_hash(raised, HUGO)) == time_cost(account(raised, HUGO).security_answer_hash) == 2
    wrong = usecases.answer_question(raised, email=HUGO, answer="Rex", client_address=None)
    assert wrong.status is usecases.AnswerStatus.WRONG
    assert time_cost(account(raised, HUGO).security_answer_hash) == 2


def test_answer_on_the_change_screen_upgrades_its_hash(raised: Services) -> None:
    card = usecases.log_in(raised, email=HUGO, password="Cerisier-Boussole-Tambour-42", client_address=None).card
    assert card is not None
    result = usecases.change_signed_in_password(
        raised,
        account_id=card.id,
        email=HUGO,
        signed_in_version=card.credentials_version,
        answer="medor",
        new="short",
        confirmation="short",
        client_address=None,
    )
    assert result.status is usecases.ChangeStatus.REFUSED  # the answer was right, the password too short
    assert time_cost(account(raised, HUGO).security_answer_hash) == RAISED_TIME_COST


def test_unknown_email_checked_at_the_parameters_of_a_real_account(shared: Callable[..., Services]) -> None:
    """Half the accounts upgraded: unknown emails get the old or the new parameters, as
    accounts have them, each email always the same."""
    seed_demo(shared())
    raised = shared(argon2_time_cost=RAISED_TIME_COST)
    assert usecases.log_in(raised, email=LILA, password="Glycine-Orage-Violon-2023", client_address=None).card
    stored = {current_hash(raised, email) for email in KNOWN}
    with raised.uow() as uow:
        picks = {
            email: decoys.password_hash_like(uow.session, raised.secret_key, email_key(email))
            for email in (f"inconnu{i}@exemple.fr" for i in range(60))
        }
        again = {email: decoys.password_hash_like(uow.session, raised.secret_key, email_key(email)) for email in picks}
    assert picks == again
    assert set(picks.values()) == stored
    costs = Counter(time_cost(pick) for pick in picks.values() if pick)
    assert set(costs) == {2, RAISED_TIME_COST}


def statements(services: Services, action: Callable[[], object]) -> int:
    """How many SQL statements ``action`` runs."""
    count = 0

    def counted(*_args: object) -> None:
        nonlocal count
        count += 1

    event.listen(services.engine, "before_cursor_execute", counted)
    try:
        action()
    finally:
        event.remove(services.engine, "before_cursor_execute", counted)
    return count


def test_unknown_email_costs_one_indexed_statement_at_most(raised: Services) -> None:
    """Picking the dummy's parameters costs one indexed statement: at the login, the one
    that reads a known account's password costs as much; at the answer, a known
    account's answer comes with its row (a fraction of a millisecond next to Argon2's
    tens)."""

    def log_in(email: str) -> Callable[[], object]:
        return lambda: usecases.log_in(raised, email=email, password="Wrong-0000", client_address="192.0.2.9")

    def answer(email: str) -> Callable[[], object]:
        return lambda: usecases.answer_question(raised, email=email, answer="Pierre", client_address="192.0.2.9")

    unknown = "inconnu@exemple.fr"
    assert statements(raised, log_in(LILA)) == statements(raised, log_in(unknown))
    assert statements(raised, answer(LILA)) + 1 == statements(raised, answer(unknown))


# Decoy questions

CUSTOM = "Le nom de votre premier bateau ?"
RARE = "La couleur de votre premier vélo ?"


def fields(number: int, question: str) -> AccountBase:
    return AccountBase(
        subscriber_number=f"{20240000000000 + number}",
        last_name="TESTEUR",
        first_name=f"Compte{number}",
        email=f"compte{number}@exemple.fr",
        security_question=question,
    )


@pytest.fixture
def custom(services: Services) -> Services:
    """Ten accounts: six with a custom question, three with a standard one, one with a
    question of its own."""
    questions = [CUSTOM] * 6 + [STANDARD_QUESTIONS[2]] * 3 + [RARE]
    register_all(
        services,
        [Registration(fields(n, q), f"Tulipe-Horizon-Granit-{n:04d}", "Réponse") for n, q in enumerate(questions)],
    )
    return services


def decoy(services: Services, email: str) -> str:
    identity = usecases.identify(services, email=email)
    assert identity.account_id is None
    return identity.question


def test_decoys_follow_the_questions_in_use(custom: Services, make_services: Callable[..., Services]) -> None:
    emails = [f"inconnu{i}@exemple.fr" for i in range(400)]
    decoys_given = [decoy(custom, email) for email in emails]
    seen = Counter(decoys_given)
    assert set(seen) == {CUSTOM, STANDARD_QUESTIONS[2], RARE}  # a custom question too
    assert 0.45 < seen[CUSTOM] / 400 < 0.75, seen  # 6 accounts out of 10
    assert 0.15 < seen[STANDARD_QUESTIONS[2]] / 400 < 0.45, seen  # 3 out of 10
    assert 0 < seen[RARE] / 400 < 0.2, seen  # 1 out of 10
    # the same email always gets the same decoy, whatever its case, in any process (its
    # own cache) on the same data with the same key
    assert [decoy(custom, email.upper()) for email in emails[:50]] == decoys_given[:50]
    other = make_services(database_url=str(custom.engine.url), secret_key=custom.secret_key.decode())
    assert [decoy(other, email) for email in emails[:50]] == decoys_given[:50]
    # a known email gets its own question
    identity = usecases.identify(custom, email="compte9@exemple.fr")
    assert identity.account_id is not None and identity.question == RARE


def test_decoy_follows_the_accounts_after_the_cache_expires(custom: Services) -> None:
    emails = [f"inconnu{i}@exemple.fr" for i in range(200)]
    before = {decoy(custom, email) for email in emails}
    assert before == {CUSTOM, STANDARD_QUESTIONS[2], RARE}
    with custom.uow() as uow:
        for row in uow.session.exec(select(Account)).all():
            row.security_question = "Une question nouvelle ?"
            uow.session.add(row)
        uow.commit()
    assert {decoy(custom, email) for email in emails} == before  # cached
    custom.questions.forget()
    assert {decoy(custom, email) for email in emails} == {"Une question nouvelle ?"}
