"""What an unknown email is shown and checked against, so that it looks like a known one.

Two things would tell a known email from an unknown one, and each gets a decoy drawn from
the accounts themselves, stable per email (a keyed hash of the email with the secret key:
the same unknown email gets the same decoy every time, as a real account keeps its
question and its hash; without the key no one can compute which):

**The security question.** A decoy drawn from a fixed list would make any other question
(a custom one, from the CSV import) proof that the account exists. The decoy is one of
the questions accounts actually use, weighted by how many use each: the keyed hash
places the email at a point of [0, 1) and the questions, in a fixed order, share that
interval by their counts. The counts come from one grouped query, cached for
``QUESTIONS_TTL`` per process. When the counts change, an email keeps its decoy unless
its point sits where an interval's edge moved: one more account moves each edge by at
most 1/n of the interval (n accounts), so a given unknown email rarely sees its decoy
change, and never while no account is added, removed or edited.

**The cost of checking a secret.** Argon2's cost is written in each stored hash. When an
operator raises it, accounts keep their old parameters until their next successful
check (lazy rehash), while a dummy hash at the new parameters would make unknown emails
several times slower to refuse. So an unknown email is checked against a dummy hash at
the parameters of the stored hash of a real account, picked by the email's keyed hash:
the first account whose id is above that point of the range of ids, one statement on
two indexes (the maximum id, then the first id above a value). The parameters an
unknown email gets follow the mix of parameters accounts have, account by account.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
from bisect import bisect_right
from itertools import accumulate

from sqlmodel import Session, col, func, literal, select

from domain.accounts import STANDARD_QUESTIONS
from domain.models import Account, PasswordCredential

QUESTIONS_TTL = 60.0
"""Seconds the counts of questions in use are kept per process (one grouped query over
the accounts, then none until it expires)."""


def point(secret: bytes, purpose: bytes, key: str) -> float:
    """Where the email key ``key`` falls in [0, 1) for ``purpose``: keyed, stable."""
    digest = hmac.new(secret, purpose + b":" + key.encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:6], "big") / float(1 << 48)  # exact in a double: below 1


class QuestionsInUse:
    """The distinct security questions of the accounts and how many accounts use each,
    read at most once per ``ttl`` seconds (per process: each holds its own)."""

    def __init__(self, ttl: float = QUESTIONS_TTL) -> None:
        self.ttl = ttl
        self._lock = threading.Lock()
        self._read_at: float | None = None
        self._questions: tuple[str, ...] = ()
        self._bounds: tuple[int, ...] = ()

    def decoy(self, session: Session, secret: bytes, key: str) -> str:
        """The decoy question of the unknown email key ``key``."""
        questions, bounds = self._current(session)
        if not questions:  # no account at all: every email is unknown
            digest = hmac.new(secret, b"decoy-question:" + key.encode(), hashlib.sha256).digest()
            return STANDARD_QUESTIONS[int.from_bytes(digest[:4], "big") % len(STANDARD_QUESTIONS)]
        target = int(point(secret, b"decoy-question", key) * bounds[-1])
        return questions[min(bisect_right(bounds, target), len(questions) - 1)]

    def forget(self) -> None:
        """Read the counts again at the next decoy."""
        with self._lock:
            self._read_at = None

    def _current(self, session: Session) -> tuple[tuple[str, ...], tuple[int, ...]]:
        now = time.monotonic()
        with self._lock:
            if self._read_at is not None and now - self._read_at < self.ttl:
                return self._questions, self._bounds
        rows = session.exec(
            select(Account.security_question, func.count())
            .group_by(col(Account.security_question))
            .order_by(col(Account.security_question))
        ).all()
        questions = tuple(question for question, _count in rows)
        bounds = tuple(accumulate(int(count) for _question, count in rows))
        with self._lock:
            self._questions, self._bounds, self._read_at = questions, bounds, now
        return questions, bounds


def password_hash_like(session: Session, secret: bytes, key: str) -> str | None:
    """The current password hash of a real account picked by the email key ``key``
    (None: no account has a password yet)."""
    u = point(secret, b"decoy-hash", key)
    highest = select(func.max(PasswordCredential.account_id)).scalar_subquery()
    return session.exec(
        select(PasswordCredential.password_hash)
        .where(col(PasswordCredential.is_current), col(PasswordCredential.account_id) > literal(u) * highest)
        .order_by(col(PasswordCredential.account_id))
        .limit(1)
    ).first()


def answer_hash_like(session: Session, secret: bytes, key: str) -> str | None:
    """The security answer hash of a real account picked by the email key ``key`` (None:
    no account yet)."""
    u = point(secret, b"decoy-hash", key)
    highest = select(func.max(Account.id)).scalar_subquery()
    return session.exec(
        select(Account.security_answer_hash)
        .where(col(Account.id) > literal(u) * highest)
        .order_by(col(Account.id))
        .limit(1)
    ).first()
