"""Argon2id hashing of passwords and security answers (argon2-cffi)."""

from __future__ import annotations

from dataclasses import dataclass

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

OWASP_MIN_MEMORY_KIB = 19456
OWASP_MIN_TIME_COST = 2


@dataclass(frozen=True, slots=True)
class Verification:
    ok: bool
    rehash: str | None = None
    """A new hash to store when the stored one used older parameters."""


class SecretHasher:
    """Hashes secrets with Argon2id at or above OWASP's floor (m ≥ 19 MiB, t ≥ 2).

    argon2-cffi releases the GIL while hashing, so callers run it in a worker thread.
    """

    def __init__(self, *, time_cost: int, memory_kib: int, parallelism: int) -> None:
        if memory_kib < OWASP_MIN_MEMORY_KIB or time_cost < OWASP_MIN_TIME_COST:
            raise ValueError("Argon2id parameters below OWASP's minimum (m=19 MiB, t=2)")
        self._hasher = PasswordHasher(
            time_cost=time_cost,
            memory_cost=memory_kib,
            parallelism=parallelism,
            type=Type.ID,
        )
        self._dummy = self._hasher.hash("motdepasse: dummy secret for unknown accounts")

    def hash(self, secret: str) -> str:
        return self._hasher.hash(secret)

    def verify(self, stored: str, secret: str) -> Verification:
        try:
            self._hasher.verify(stored, secret)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return Verification(ok=False)
        if self._hasher.check_needs_rehash(stored):
            return Verification(ok=True, rehash=self._hasher.hash(secret))
        return Verification(ok=True)

    def verify_dummy(self, secret: str) -> None:
        """Spend the time of a real verification, for accounts that do not exist."""
        self.verify(self._dummy, secret)
