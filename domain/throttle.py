"""Limits on wrong security answers, per email, known or not (SPEC §6)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import col, delete, func, select

from domain.models import AnswerFailure, LoginFailure
from domain.storage import UnitOfWork


class AnswerThrottle:
    """After ``max_failures`` wrong answers within ``window``, refuse for ``lockout``."""

    def __init__(self, *, max_failures: int, window: timedelta, lockout: timedelta) -> None:
        self.max_failures = max_failures
        self.window = window
        self.lockout = lockout

    def locked_until(self, uow: UnitOfWork, digest: str, now: datetime) -> datetime | None:
        since = now - self.window - self.lockout
        rows = uow.session.exec(
            select(AnswerFailure.at)
            .where(AnswerFailure.email_digest == digest, col(AnswerFailure.at) >= since)
            .order_by(col(AnswerFailure.at).desc())
        ).all()
        times = [_aware(t) for t in rows]
        for index in range(len(times) - self.max_failures + 1):
            newest, oldest = times[index], times[index + self.max_failures - 1]
            if newest - oldest <= self.window:
                until = newest + self.lockout
                return until if until > now else None
        return None

    def record_failure(self, uow: UnitOfWork, digest: str, now: datetime) -> None:
        uow.session.add(AnswerFailure(email_digest=digest, at=now))

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
