"""Demo data: the example account of the sheets, and what a newcomer needs to try it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta

from sqlmodel import col, select

from domain.accounts import find_by_email
from domain.i18n import N_
from domain.models import AccountBase, PasswordCredential
from domain.policy import add_years
from domain.registration import register
from domain.services import Services

CASES: dict[str, str] = {
    "valid": N_("password valid for long"),
    "expiring": N_("password expiring within 60 days"),
    "expired": N_("password expired"),
}


@dataclass(frozen=True, slots=True)
class DemoAccount:
    """A demo account with its secrets in clear: shown on screen in the demo only."""

    email: str
    name: str
    question: str
    answer: str
    password: str
    """The password the demo created it with."""
    case: str
    password_changed: bool = False
    """The password was changed during the demo: :attr:`password` no longer works, and
    the new one (a secret someone typed) is never shown."""


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
        "valid",
        695,
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
        "expiring",
        30,
    ),
    (
        AccountBase(
            subscriber_number="20232990000303",
            last_name="DURAND",
            first_name="Chloé",
            phone="0145678901",
            postal_address="8 quai de la Fosse, 44000 Nantes, FRANCE",
            email="chloe.durand@example.fr",
            security_question="La ville de naissance de votre père ?",
        ),
        "Quimper",
        "Hibiscus-Lanterne-Falaise-19",
        "expired",
        -10,
    ),
)
"""(fields, answer, current password, case, days until the password expires)."""


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
    """Create the demo accounts in an empty database, each case relative to today: a
    password valid for long, one expiring within 60 days, one expired."""
    years = services.policy.validity_years
    for fields, answer, password, _case, expires_in in DEMO_ACCOUNTS:
        set_on = add_years(services.today() + timedelta(days=expires_in), -years)
        set_at = datetime.combine(set_on, time(12, tzinfo=services.tz))
        register(services, fields, password=password, answer=answer, set_at=set_at)
    return describe_demo()


def demo_as_it_stands(services: Services, accounts: Sequence[DemoAccount]) -> list[DemoAccount]:
    """``accounts`` with :attr:`DemoAccount.password_changed` read from the database: a
    password changed since the account was created has left a former password in the
    history (kept at least one deep)."""
    out: list[DemoAccount] = []
    with services.uow() as uow:
        for demo in accounts:
            account = find_by_email(uow.session, demo.email)
            former = None
            if account is not None and account.id is not None:
                former = uow.session.exec(
                    select(PasswordCredential.id).where(
                        PasswordCredential.account_id == account.id, col(PasswordCredential.is_current).is_(False)
                    )
                ).first()
            out.append(replace(demo, password_changed=former is not None))
    return out
