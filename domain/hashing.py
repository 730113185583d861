"""Argon2id hashing of passwords and security answers (argon2-cffi)."""

from __future__ import annotations

import contextlib
import re
import secrets
import threading
from dataclasses import astuple, dataclass

from argon2 import Parameters, PasswordHasher, Type, extract_parameters
from argon2.exceptions import HashingError, InvalidHashError, VerificationError, VerifyMismatchError
from argon2.low_level import ARGON2_VERSION

OWASP_MIN_MEMORY_KIB = 19456
OWASP_MIN_TIME_COST = 2

_UNUSABLE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
"""C0 and C1 control characters (DEL included) and lone surrogates."""

_DUMMY_CACHE_SIZE = 16
"""Parameter sets whose dummy hash is kept. Stored hashes are written by the service
itself, so there are a few sets at most (one per cost an operator ever configured)."""


def usable_secret(secret: str) -> bool:
    """Whether ``secret`` is text a person can type as a password or an answer: no lone
    surrogate (a damaged paste: Argon2 could not even encode it) and no C0/C1 control
    character (the policy refuses them in passwords; no keyboard types them in an answer)."""
    return _UNUSABLE.search(secret) is None


class UnusableSecret(ValueError):
    """A secret :func:`usable_secret` refuses. The message never holds the secret."""


_BCRYPT = re.compile(r"\$2[aby]\$(0[4-9]|[12][0-9]|3[01])\$[./A-Za-z0-9]{53}")
BCRYPT_COSTS = range(10, 15)
"""Imported bcrypt hashes: cost 10 to 14. Below, a check costs far less than an Argon2id
one (a login for such an account would be told from an unknown email by its speed);
above, one check costs seconds of CPU."""
ARGON2_LIMITS = {"memory_cost": 262144, "time_cost": 10, "parallelism": 8}
"""Imported Argon2id hashes: at most 256 MiB, 10 passes, 8 lanes (each check of a
hash costs what it says: a hash at 4 GiB would let anyone exhaust the server)."""
BCRYPT_MAX_BYTES = 72
"""bcrypt reads the first 72 bytes of a secret: the system that made the hash did too."""


def importable_hash(stored: str) -> str | None:
    """Why a hash from another system cannot be imported, or None when it can: Argon2id
    or bcrypt, in PHC/modular-crypt format (``$argon2id$v=19$m=…``, ``$2b$12$…``). The
    reason never quotes the hash."""
    bcrypt_hash = _BCRYPT.fullmatch(stored)
    if bcrypt_hash:
        if int(bcrypt_hash[1]) not in BCRYPT_COSTS:
            return f"a bcrypt cost outside {BCRYPT_COSTS.start} to {BCRYPT_COSTS.stop - 1}"
        return None
    if not stored.startswith("$argon2id$"):
        return "not an Argon2id or bcrypt hash in PHC format ($argon2id$… or $2b$…)"
    try:
        parameters = extract_parameters(stored)
    except (InvalidHashError, ValueError):
        return "a damaged Argon2id hash"
    if any(getattr(parameters, name) > limit for name, limit in ARGON2_LIMITS.items()):
        return "Argon2id parameters above 256 MiB, 10 passes or 8 lanes"
    return None


def _bcrypt_matches(stored: str, secret: str) -> bool:
    import bcrypt

    try:
        return bool(bcrypt.checkpw(secret.encode("utf-8")[:BCRYPT_MAX_BYTES], stored.encode("ascii")))
    except ValueError:  # a damaged row
        return False


@dataclass(frozen=True, slots=True)
class Verification:
    ok: bool
    rehash: str | None = None
    """A new hash to store when the stored one used older parameters."""


_DUMMY_SECRET = secrets.token_urlsafe(24)
"""Random per process (and per SSH session worker, whose sessions share its dummy hashes,
computed once before they are forked): no one can type the secret of a dummy hash."""
_DUMMIES: dict[tuple[object, ...], str] = {}
_DUMMIES_LOCK = threading.Lock()


class SecretHasher:
    """Hashes secrets with Argon2id at or above OWASP's floor (m ≥ 19 MiB, t ≥ 2).

    argon2-cffi releases the GIL while hashing, so callers run it in a worker thread.

    Checking a secret for an account that does not exist must cost what checking it for
    one that does would: :meth:`dummy_like` gives a hash of a secret nobody knows at the
    parameters of a given stored hash (cached per parameter set), so that an unknown
    email can be checked at the parameters a real account has — which, after an operator
    raised the cost, are the old ones until each account's next successful check
    (``Verification.rehash``).
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
        self._dummy_secret = _DUMMY_SECRET
        self._dummies = _DUMMIES
        self._dummies_lock = _DUMMIES_LOCK
        self._dummy = self.dummy_like(None)

    def hash(self, secret: str) -> str:
        """Raises :class:`UnusableSecret` for a secret :func:`usable_secret` refuses."""
        if not usable_secret(secret):
            raise UnusableSecret("the secret holds a control character or a lone surrogate")
        return self._hasher.hash(secret)

    def verify(self, stored: str, secret: str) -> Verification:
        """Whether ``secret`` matches ``stored``. A secret :func:`usable_secret` refuses
        never matches, and costs the same time as one that is checked."""
        if not usable_secret(secret):
            self._spend(stored, secret)
            return Verification(ok=False)
        if _BCRYPT.fullmatch(stored):  # imported from another system: Argon2id at first success
            if not _bcrypt_matches(stored, secret):
                return Verification(ok=False)
            return Verification(ok=True, rehash=self._hasher.hash(secret))
        try:
            self._hasher.verify(stored, secret)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return Verification(ok=False)
        if self._hasher.check_needs_rehash(stored):
            return Verification(ok=True, rehash=self._hasher.hash(secret))
        return Verification(ok=True)

    def verify_dummy(self, secret: str, *, like: str | None = None) -> None:
        """Spend the time of a real verification, for accounts that do not exist: at the
        parameters of ``like`` (a stored hash), or at the current ones. Never raises."""
        self._spend(like, secret)

    def dummy_like(self, stored: str | None) -> str:
        """A hash of a secret no one knows, at the parameters of ``stored`` (at the current
        ones when ``stored`` is None or not an Argon2 hash). Verifying a secret against it
        costs what verifying it against ``stored`` costs."""
        parameters = self._parameters(stored)
        key = astuple(parameters)
        with self._dummies_lock:
            dummy = self._dummies.get(key)
        if dummy is not None:
            return dummy
        try:
            dummy = PasswordHasher.from_parameters(parameters).hash(self._dummy_secret)
        except (HashingError, ValueError):  # parameters no real hash can have (a damaged row)
            return self._dummy
        with self._dummies_lock:
            if len(self._dummies) >= _DUMMY_CACHE_SIZE:
                self._dummies.pop(next(iter(self._dummies)))
            self._dummies.setdefault(key, dummy)
        return dummy

    def _parameters(self, stored: str | None) -> Parameters:
        if stored is not None:
            try:
                return extract_parameters(stored)
            except (InvalidHashError, ValueError):
                pass
        return Parameters(
            type=self._hasher.type,
            version=ARGON2_VERSION,
            salt_len=self._hasher.salt_len,
            hash_len=self._hasher.hash_len,
            time_cost=self._hasher.time_cost,
            memory_cost=self._hasher.memory_cost,
            parallelism=self._hasher.parallelism,
        )

    def _spend(self, like: str | None, secret: str) -> None:
        text = _UNUSABLE.sub("\N{REPLACEMENT CHARACTER}", secret)
        with contextlib.suppress(VerifyMismatchError, VerificationError, InvalidHashError):
            self._hasher.verify(self.dummy_like(like), text)
