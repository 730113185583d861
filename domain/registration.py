"""Creating accounts (operators, the demo): the same policy as every procedure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from domain import accounts
from domain.accounts import AccountCard, AccountError
from domain.i18n import Translator
from domain.models import AccountBase
from domain.policy import is_printable_password
from domain.services import Services
from domain.text import normalise_answer, normalise_password


@dataclass(frozen=True)
class Registration:
    fields: AccountBase
    password: str
    answer: str
    set_at: datetime | None = None

    def __repr__(self) -> str:  # never show the secrets
        return f"Registration(email={self.fields.email!r})"


def register(
    services: Services,
    fields: AccountBase,
    *,
    password: str,
    answer: str,
    set_at: datetime | None = None,
) -> AccountCard:
    """Create an account whose first password was set at ``set_at`` (default: now)."""
    return register_all(services, [Registration(fields, password, answer, set_at)])[0]


def secret_problem(secret: str) -> str | None:
    """Why a typed secret (a security answer) cannot be kept, or None: the password rule
    for characters (no control character, line separator, lone surrogate or unassigned
    code point), so that what is hashed is what the user can type again. The reason never
    quotes the secret, nor names its characters."""
    if not is_printable_password(secret):
        return "control characters and invalid text are not allowed"
    return None


def register_all(services: Services, registrations: Sequence[Registration]) -> list[AccountCard]:
    """Create accounts in one transaction: all of them, or none if one is refused."""
    policy = services.policy
    prepared = []
    for item in registrations:
        accounts.validate_account_fields(item.fields)
        if not normalise_answer(item.answer):
            raise AccountError("security answer: required")
        problem = secret_problem(item.answer)
        if problem is not None:
            raise AccountError(f"security answer: {problem}")
        fields = item.fields
        result = policy.check(
            item.password,
            item.password,
            personal_words=accounts.personal_words(fields, normalise_answer(item.answer)),
        )
        if not result.accepted:
            t = Translator("en")
            raise AccountError("password: " + " ".join(v.message(t) for v in result.violations))
        when = item.set_at or services.clock.now()
        prepared.append(
            (
                fields,
                services.hasher.hash(normalise_password(item.password)),
                services.hasher.hash(normalise_answer(item.answer)),
                when,
            )
        )
    with services.uow() as uow:
        created = []
        for fields, password_hash, answer_hash, when in prepared:
            account = accounts.add_account(
                uow.session,
                fields=fields,
                password_hash=password_hash,
                answer_hash=answer_hash,
                now=when,
                expires_on=policy.expires_on(services.local_day(when)),
            )
            created.append(account)
        uow.commit()
        return [accounts.card(uow.session, account) for account in created]
