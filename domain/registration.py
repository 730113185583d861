"""Creating accounts (operators, the demo): the same policy as every procedure."""

from __future__ import annotations

from datetime import datetime

from domain import accounts
from domain.accounts import AccountCard, AccountError
from domain.i18n import Translator
from domain.models import AccountBase
from domain.services import Services
from domain.text import normalise_answer, normalise_password


def register(
    services: Services,
    fields: AccountBase,
    *,
    password: str,
    answer: str,
    set_at: datetime | None = None,
) -> AccountCard:
    """Create an account whose first password was set at ``set_at`` (default: now)."""
    accounts.validate_account_fields(fields)
    if not normalise_answer(answer):
        raise AccountError("security answer: required")
    policy = services.policy
    result = policy.check(
        password,
        password,
        personal_words=(fields.last_name, fields.first_name, fields.email, fields.subscriber_number),
    )
    if not result.accepted:
        t = Translator("en")
        raise AccountError("password: " + " ".join(v.message(t) for v in result.violations))
    when = set_at or services.clock.now()
    password_hash = services.hasher.hash(normalise_password(password))
    answer_hash = services.hasher.hash(normalise_answer(answer))
    with services.uow() as uow:
        account = accounts.add_account(
            uow.session,
            fields=fields,
            password_hash=password_hash,
            answer_hash=answer_hash,
            now=when,
            expires_on=policy.expires_on(when.date()),
        )
        uow.commit()
        return accounts.card(uow.session, account)
