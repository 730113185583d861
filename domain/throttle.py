"""Limits on wrong security answers, per email (known or not) and per client address,
and on wrong passwords, per account and per client (SPEC §6)."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlmodel import col, delete, func, select

from domain.models import AnswerClientFailure, AnswerFailure, LoginFailure
from domain.storage import UnitOfWork


class LockScope(enum.StrEnum):
    """What a lock on the forgot-password procedure is about."""

    EMAIL = "email"
    """Too many wrong answers for this email (its holder gets a lock email)."""
    CLIENT = "client"
    """Too many wrong answers from this client address, whatever the emails."""


@dataclass(frozen=True, slots=True)
class AnswerLock:
    """The locks on answering for one email from one client address (None: not locked)."""

    email_until: datetime | None
    client_until: datetime | None

    @property
    def until(self) -> datetime | None:
        """When answering is possible again (None: it is now)."""
        ends = [until for until in (self.email_until, self.client_until) if until is not None]
        return max(ends) if ends else None

    @property
    def scope(self) -> LockScope | None:
        """What the lock that ends last is about."""
        if self.until is None:
            return None
        return LockScope.EMAIL if self.until == self.email_until else LockScope.CLIENT


class AnswerThrottle:
    """After ``max_failures`` wrong answers for one email within ``window``, or
    ``max_failures_per_client`` from one client address (all emails together), refuse
    for ``lockout``. A right answer clears its email's count, never its client's: knowing
    one answer (one's own) must not buy more guesses at others."""

    def __init__(
        self,
        *,
        max_failures: int,
        window: timedelta,
        lockout: timedelta,
        max_failures_per_client: int | None = None,
    ) -> None:
        self.max_failures = max_failures
        self.window = window
        self.lockout = lockout
        self.max_failures_per_client = max_failures_per_client

    @staticmethod
    def client_key(client: str | None) -> str:
        """The key of a client address (sessions without one, on the console, share one)."""
        return (client or "local")[:80]

    def locked_until(self, uow: UnitOfWork, digest: str, now: datetime) -> datetime | None:
        """The end of the lock on the email of ``digest`` (None: not locked)."""
        since = now - self.window - self.lockout
        rows = uow.session.exec(
            select(AnswerFailure.at)
            .where(AnswerFailure.email_digest == digest, col(AnswerFailure.at) >= since)
            .order_by(col(AnswerFailure.at).desc())
        ).all()
        return self._until(rows, self.max_failures, now)

    def client_locked_until(self, uow: UnitOfWork, client: str | None, now: datetime) -> datetime | None:
        """The end of the lock on ``client`` (None: not locked, or no limit per client)."""
        if self.max_failures_per_client is None:
            return None
        since = now - self.window - self.lockout
        rows = uow.session.exec(
            select(AnswerClientFailure.at)
            .where(AnswerClientFailure.client == self.client_key(client), col(AnswerClientFailure.at) >= since)
            .order_by(col(AnswerClientFailure.at).desc())
        ).all()
        return self._until(rows, self.max_failures_per_client, now)

    def lock(self, uow: UnitOfWork, digest: str, client: str | None, now: datetime) -> AnswerLock:
        """Both locks that may refuse an answer for this email from this client."""
        return AnswerLock(self.locked_until(uow, digest, now), self.client_locked_until(uow, client, now))

    def _until(self, rows: Sequence[datetime], limit: int, now: datetime) -> datetime | None:
        times = [_aware(t) for t in rows]
        for index in range(len(times) - limit + 1):
            newest, oldest = times[index], times[index + limit - 1]
            if newest - oldest <= self.window:
                until = newest + self.lockout
                return until if until > now else None
        return None

    def record_failure(self, uow: UnitOfWork, digest: str, now: datetime, *, client: str | None = None) -> None:
        """One wrong answer for the email of ``digest`` and, when the limit per client
        applies, from ``client`` (None: a session without an address, on the console)."""
        uow.session.add(AnswerFailure(email_digest=digest, at=now))
        if self.max_failures_per_client is not None:
            uow.session.add(AnswerClientFailure(client=self.client_key(client), at=now))

    def clear(self, uow: UnitOfWork, digest: str) -> None:
        uow.session.exec(delete(AnswerFailure).where(col(AnswerFailure.email_digest) == digest))  # type: ignore[call-overload]

    def failures(self, uow: UnitOfWork, digest: str, now: datetime) -> int:
        return int(
            uow.session.exec(
                select(func.count())
                .select_from(AnswerFailure)
                .where(AnswerFailure.email_digest == digest, col(AnswerFailure.at) >= now - self.window)
            ).one()
        )


def _aware(value: datetime) -> datetime:
    """SQLite returns naive datetimes; every instant here is UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


class LoginThrottle:
    """Increasing delays after wrong passwords, per account and per client; never a
    permanent lock. After ``free`` failures within ``window``, each further attempt must
    wait 1 s, 2 s, 4 s… (capped at ``max_delay``) after the latest failure."""

    def __init__(self, *, free: int, window: timedelta, max_delay: timedelta) -> None:
        self.free = free
        self.window = window
        self.max_delay = max_delay

    @staticmethod
    def keys(account_digest: str, client: str | None) -> tuple[str, str]:
        return (f"account:{account_digest}", f"client:{client or 'local'}")

    def wait(self, uow: UnitOfWork, keys: tuple[str, ...], now: datetime) -> timedelta:
        """How long the next attempt must still wait (zero when it may go ahead)."""
        longest = timedelta(0)
        for key in keys:
            rows = uow.session.exec(
                select(LoginFailure.at)
                .where(LoginFailure.key == key, col(LoginFailure.at) >= now - self.window)
                .order_by(col(LoginFailure.at).desc())
            ).all()
            if len(rows) < self.free:
                continue
            exponent = min(len(rows) - self.free, 40)  # 2**40 s is far above any cap
            delay = min(timedelta(seconds=2**exponent), self.max_delay)
            remaining = _aware(rows[0]) + delay - now
            longest = max(longest, remaining)
        return longest

    def record_failure(self, uow: UnitOfWork, keys: tuple[str, ...], now: datetime) -> None:
        for key in keys:
            uow.session.add(LoginFailure(key=key, at=now))

    def clear(self, uow: UnitOfWork, key: str) -> None:
        uow.session.exec(delete(LoginFailure).where(col(LoginFailure.key) == key))  # type: ignore[call-overload]
