"""The process-wide services (built once by a factory) and the per-session context."""

from __future__ import annotations

import random
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine

from domain.captcha import Captcha
from domain.clock import Clock, SystemClock
from domain.expiry import ExpiryStatus
from domain.hashing import SecretHasher
from domain.i18n import Translator
from domain.journal import Journal, JournalWriter, new_reference
from domain.policy import PasswordPolicy
from domain.settings import Language, Settings
from domain.storage import UnitOfWork, create_schema, make_engine
from domain.throttle import AnswerThrottle, LoginThrottle


def load_secret_key(settings: Settings) -> bytes:
    """The configured key, or one generated once and kept (mode 600) in the data dir."""
    if settings.secret_key:
        return settings.secret_key.encode()
    path = Path(settings.data_dir) / "secret.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(secrets.token_hex(32))
    return path.read_text().strip().encode()


@dataclass
class Services:
    """Everything a procedure needs, shared by all the sessions of one process."""

    settings: Settings
    clock: Clock
    engine: Engine
    hasher: SecretHasher
    policy: PasswordPolicy
    secret_key: bytes
    journal_writer: JournalWriter
    answer_throttle: AnswerThrottle
    login_throttle: LoginThrottle
    seed: int | None = None
    """Fixed seed for CAPTCHAs (tests and snapshots only); None draws from the OS."""

    def expiry(self, expires_on: date) -> ExpiryStatus:
        """Where a password stands today (the clock decides what "today" is)."""
        return ExpiryStatus(expires_on, self.today(), self.settings.expiry_warning_days)

    def today(self) -> date:
        """The users' calendar day (``settings.timezone``): a password changed at 01:30
        in Paris is changed on that Paris day, and expires at midnight in Paris."""
        return self.clock.now().astimezone(self.tz).date()

    def local_day(self, instant: datetime) -> date:
        return instant.astimezone(self.tz).date()

    @property
    def tz(self) -> ZoneInfo:
        """The time zone in which times are shown to users."""
        return ZoneInfo(self.settings.timezone)

    @property
    def mail_domain(self) -> str:
        """The domain of Message-IDs: the sender's."""
        return self.settings.mail_from.rpartition("@")[2] or "motdepasse.invalid"

    def uow(self, *, locks: Sequence[str] = ()) -> UnitOfWork:
        """A unit of work; with ``locks``, serialised with every other naming one of them."""
        return UnitOfWork(self.engine, locks=locks, wait=self.settings.database_busy_timeout_seconds)

    def open_session(
        self,
        *,
        language: Language | None = None,
        channel: str = "local",
        client_address: str | None = None,
        size: tuple[int, int] = (80, 24),
        reference: str | None = None,
    ) -> UserSession:
        lang: Language = language or self.settings.lang
        ref = reference or new_reference()
        rng = random.Random(self.seed) if self.seed is not None else random.SystemRandom()
        session = UserSession(
            services=self,
            reference=ref,
            t=Translator(lang),
            captcha=Captcha(
                clock=self.clock,
                rng=rng,
                length=self.settings.captcha_length,
                ttl=timedelta(seconds=self.settings.captcha_ttl_seconds),
                enabled=self.settings.captcha == "on",
            ),
            journal=Journal(self.journal_writer, ref, self.clock.now),
            client_address=client_address,
            channel=channel,
        )
        session.journal.start(channel=channel, client_address=client_address, language=lang, size=size)
        return session

    def close(self) -> None:
        self.journal_writer.close()
        self.engine.dispose()


@dataclass
class UserSession:
    """One user's session: language, CAPTCHA, journal, client address."""

    services: Services
    reference: str
    t: Translator
    captcha: Captcha
    journal: Journal
    client_address: str | None = None
    channel: str = "local"


def build_services(
    settings: Settings,
    *,
    clock: Clock | None = None,
    engine: Engine | None = None,
    seed: int | None = None,
) -> Services:
    """The factory used by the CLI and by every test."""
    if engine is None:
        url = settings.resolved_database_url()
        if url.startswith("sqlite:///") and ":memory:" not in url:
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        engine = make_engine(url, busy_timeout=settings.database_busy_timeout_seconds)
    create_schema(engine)
    return Services(
        settings=settings,
        clock=clock or SystemClock(),
        engine=engine,
        hasher=SecretHasher(
            time_cost=settings.argon2_time_cost,
            memory_kib=settings.argon2_memory_kib,
            parallelism=settings.argon2_parallelism,
        ),
        policy=PasswordPolicy(
            min_length=settings.password_min_length,
            max_length=settings.password_max_length,
            strict_charset=settings.password_charset == "strict",
            history_depth=settings.password_history_depth,
            validity_years=settings.password_validity_years,
            moyen_log10=settings.strength_moyen_log10,
            fort_log10=settings.strength_fort_log10,
        ),
        secret_key=load_secret_key(settings),
        journal_writer=JournalWriter(engine),
        answer_throttle=AnswerThrottle(
            max_failures=settings.answer_max_failures,
            window=timedelta(minutes=settings.answer_window_minutes),
            lockout=timedelta(minutes=settings.answer_lockout_minutes),
        ),
        login_throttle=LoginThrottle(
            free=settings.login_free_failures,
            window=timedelta(minutes=settings.login_window_minutes),
            max_delay=timedelta(seconds=settings.login_max_delay_seconds),
        ),
        seed=seed,
    )
