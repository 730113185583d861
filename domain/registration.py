"""Creating accounts (operators, the demo): the same policy as every procedure."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError

from domain import accounts
from domain.accounts import AccountCard, AccountError
from domain.hashing import importable_hash
from domain.i18n import Translator
from domain.models import AccountBase
from domain.policy import is_printable_password
from domain.services import Services
from domain.text import normalise_answer, normalise_password


@dataclass(frozen=True)
class Registration:
    """An account to create, with its first password and security answer in clear, or as
    hashes from another system (``password_hash``/``answer_hash``: Argon2id or bcrypt in
    PHC format, see :func:`domain.hashing.importable_hash`; stored as they are, and hashed
    again with today's Argon2id at the first successful check). An answer hash must be of
    the answer as :func:`domain.text.normalise_answer` writes it."""

    fields: AccountBase
    password: str = ""
    answer: str = ""
    set_at: datetime | None = None
    password_hash: str | None = None
    answer_hash: str | None = None

    def __repr__(self) -> str:  # never show the secrets
        return f"Registration(email={self.fields.email!r})"


Progress = Callable[[int, int], None]
"""Called with (accounts hashed so far, accounts in all) as the hashing goes."""


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


def check_registration(services: Services, item: Registration) -> None:
    """Raise :class:`AccountError` for what the policy refuses (fields, answer, password;
    a secret given as a hash is checked for its format only: there is no clear text)."""
    accounts.validate_account_fields(item.fields)
    if item.answer_hash is not None:
        if (problem := importable_hash(item.answer_hash)) is not None:
            raise AccountError(f"security answer hash: {problem}")
    else:
        if not normalise_answer(item.answer):
            raise AccountError("security answer: required")
        if (problem := secret_problem(item.answer)) is not None:
            raise AccountError(f"security answer: {problem}")
    if item.password_hash is not None:
        if (problem := importable_hash(item.password_hash)) is not None:
            raise AccountError(f"password hash: {problem}")
        return
    result = services.policy.check(
        item.password,
        item.password,
        personal_words=accounts.personal_words(item.fields, normalise_answer(item.answer)),
    )
    if not result.accepted:
        t = Translator("en")
        raise AccountError("password: " + " ".join(v.message(t) for v in result.violations))


def usable_cores() -> int:
    """The cores this process may run on (its affinity, as a container or taskset sets it)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not every system has it
        return os.cpu_count() or 1


def _hashes(services: Services, item: Registration) -> tuple[str, str]:
    password = item.password_hash or services.hasher.hash(normalise_password(item.password))
    answer = item.answer_hash or services.hasher.hash(normalise_answer(item.answer))
    return password, answer


def register_all(
    services: Services,
    registrations: Sequence[Registration],
    *,
    checked: bool = False,
    progress: Progress | None = None,
) -> list[AccountCard]:
    """Create accounts in one transaction: all of them, or none if one is refused.

    Secrets are hashed on every core (Argon2 releases the GIL: one thread per core);
    ``checked``: the caller already ran :func:`check_registration` on each."""
    if not checked:
        for item in registrations:
            check_registration(services, item)
    total = len(registrations)
    hashed: list[tuple[str, str]] = []
    with ThreadPoolExecutor(max_workers=max(1, min(usable_cores(), total))) as pool:
        for done, pair in enumerate(pool.map(lambda item: _hashes(services, item), registrations), start=1):
            hashed.append(pair)
            if progress is not None:
                progress(done, total)
    prepared = [
        (item.fields, password_hash, answer_hash, item.set_at or services.clock.now())
        for item, (password_hash, answer_hash) in zip(registrations, hashed, strict=True)
    ]
    try:
        return _create(services, prepared)
    except IntegrityError:  # another command or console made one of them since the checks
        raise AccountError(
            "an account with one of these emails or subscriber numbers was created meanwhile: "
            "nothing was created; run the command again"
        ) from None


def _create(services: Services, prepared: list[tuple[AccountBase, str, str, datetime]]) -> list[AccountCard]:
    policy = services.policy
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
