"""Demo data: the example account of the sheets, and what a newcomer needs to try it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from domain.models import AccountBase
from domain.registration import register
from domain.services import Services


@dataclass(frozen=True, slots=True)
class DemoAccount:
    """A demo account with its secrets in clear: shown on screen in the demo only."""

    email: str
    name: str
    question: str
    answer: str
    password: str
    case: str


DEMO_ACCOUNTS: tuple[tuple[AccountBase, str, str, str, int], ...] = (
    (
        AccountBase(
            subscriber_number="20232990000101",
            last_name="ROSEMONDE",
            first_name="Lila",
            phone="0123456789",
            postal_address="12 avenue de Longchamp, 75016, FRANCE",
            email="lila.rosemonde@orange.fr",
            security_question="Le prénom de votre conjoint(e) ?",
        ),
        "Paul",
        "Glycine-Orage-Violon-2023",
        "forgot",
        400,
    ),
    (
        AccountBase(
            subscriber_number="20232990000202",
            last_name="MARTIN",
            first_name="Hugo",
            phone="0198765432",
            postal_address="3 rue des Lilas, 69003 Lyon, FRANCE",
            email="hugo.martin@example.fr",
            language="en",
            security_question="Le nom de votre premier animal de compagnie ?",
        ),
        "Médor",
        "Cerisier-Boussole-Tambour-42",
        "forgot",
        200,
    ),
)
"""(fields, answer, current password, case, days since the password was set)."""


def describe_demo() -> list[DemoAccount]:
    """The demo accounts with the secrets they were created with."""
    return [
        DemoAccount(
            email=fields.email,
            name=f"{fields.first_name} {fields.last_name}",
            question=fields.security_question,
            answer=answer,
            password=password,
            case=case,
        )
        for fields, answer, password, case, _age in DEMO_ACCOUNTS
    ]


def seed_demo(services: Services) -> list[DemoAccount]:
    """Create the demo accounts in an empty database."""
    now = services.clock.now()
    for fields, answer, password, _case, age_days in DEMO_ACCOUNTS:
        register(services, fields, password=password, answer=answer, set_at=now - timedelta(days=age_days))
    return describe_demo()
