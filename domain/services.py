"""The process-wide services (built once by a factory) and the per-session context."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import logging
import os
import random
import secrets
import stat
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlmodel import Session

from domain import schema
from domain.breach import BreachCheck, BreachVerdict, breach_check
from domain.captcha import Captcha
from domain.clock import Clock, SystemClock, users_day
from domain.decoys import QuestionsInUse
from domain.expiry import ExpiryStatus
from domain.hashing import SecretHasher
from domain.i18n import Translator
from domain.journal import Journal, JournalWriter, new_reference
from domain.models import DeploymentSetting
from domain.policy import PasswordPolicy
from domain.settings import Language, Settings
from domain.storage import (
    PoolSettings,
    StorageUnavailable,
    UnitOfWork,
    make_engine,
    require_sqlite_database,
    unavailable,
    where,
)
from domain.text import normalise_password
from domain.throttle import AnswerThrottle, LoginThrottle
from domain.wordlists import read_terms

log = logging.getLogger("motdepasse.services")

KEY_FILE = "secret.key"
_KEY_MIN_LENGTH = 32


class SecretKeyError(RuntimeError):
    """The secret key file exists but cannot be used (empty, damaged). Never holds the key."""


def load_secret_key(settings: Settings) -> bytes:
    """The configured key (``secret_key``, or ``secret_key_file``), or — SQLite only — the
    one kept (mode 600) in the data dir, made once. A PostgreSQL deployment without a
    configured key is refused: front ends that each made their own would disagree on every
    keyed digest (decoy questions, throttles), and comparing them would tell which emails
    have an account.

    Several processes may start together on a fresh data dir: each that finds no key
    writes a complete new key to a private temporary file of the same directory, then
    links it to ``secret.key`` — which fails if another process got there first, and
    then that one's key is read. So ``secret.key`` never exists incomplete, and every
    process returns the key the file holds. A key file that exists but is empty or
    damaged is refused (a new key would silently orphan every stored digest).
    """
    if settings.secret_key:
        return settings.secret_key.encode()
    if settings.secret_key_file is not None:
        return _read_key(Path(settings.secret_key_file), given=True)
    if make_url(settings.resolved_database_url()).get_backend_name() != "sqlite":
        raise SecretKeyError(
            "a PostgreSQL deployment needs the same secret key on every front end: set "
            "MOTDEPASSE_SECRET_KEY_FILE (a file of at least 32 printable characters, e.g. made "
            "with `openssl rand -hex 32`; moving from SQLite, the data directory's secret.key "
            "keeps its decoys and throttles) or MOTDEPASSE_SECRET_KEY"
        )
    directory = Path(settings.data_dir)
    private_directory(directory)
    path = directory / KEY_FILE
    try:
        return _read_key(path)
    except FileNotFoundError:
        pass
    key = secrets.token_hex(32).encode()
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{KEY_FILE}.", suffix=".tmp")  # mode 600
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(key + b"\n")
            file.flush()
            os.fsync(file.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:
            return _read_key(path)  # another process made it first: theirs is the key
        _sync_directory(directory)
        return key
    finally:
        os.unlink(temporary)


def _read_key(path: Path, *, given: bool = False) -> bytes:
    try:
        key = path.read_bytes().strip()
    except OSError as error:
        if not given:
            raise
        raise SecretKeyError(f"cannot read MOTDEPASSE_SECRET_KEY_FILE {path}: {error.strerror or error}") from None
    if given and (len(key) < _KEY_MIN_LENGTH or not all(0x21 <= byte <= 0x7E for byte in key)):
        raise SecretKeyError(
            f"MOTDEPASSE_SECRET_KEY_FILE {path} must hold at least {_KEY_MIN_LENGTH} printable "
            "characters (e.g. made with `openssl rand -hex 32`)"
        )
    if given:
        _tighten(path)  # ours: group and others lose what they could read
        return key
    if len(key) < _KEY_MIN_LENGTH or not all(0x21 <= byte <= 0x7E for byte in key):
        raise SecretKeyError(
            f"{path} is empty or damaged. Every keyed digest in the database depends on this key: "
            "restore the file from a backup, or set MOTDEPASSE_SECRET_KEY to the key the other "
            "front ends use (remove the file only on a new installation)."
        )
    _tighten(path)
    return key


def _sync_directory(directory: Path) -> None:
    """Make a new name in ``directory`` durable (best effort: not every system allows it)."""
    try:
        handle = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)


def private_directory(path: Path) -> None:
    """Create ``path`` (mode 700) if needed; an existing one of ours loses what group and
    others could do in it."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    _tighten(path)


def _tighten(path: Path) -> None:
    """Remove the group's and others' permissions from ``path`` if it belongs to this
    process's user (data dirs made before files were created private, mode 644/755)."""
    getuid = getattr(os, "getuid", None)
    try:
        status = path.stat()
    except FileNotFoundError:
        return
    mode = stat.S_IMODE(status.st_mode)
    if getuid is None or status.st_uid != getuid() or not mode & 0o077:
        return
    os.chmod(path, mode & ~0o077)
    log.warning("%s was readable by other users (mode %o): now %o", path, mode, mode & ~0o077)


def prepare_sqlite_file(settings: Settings, url: str) -> None:
    """The database file of a SQLite URL, created empty with mode 600 before SQLite opens
    it (SQLite gives its -wal and -shm files the database file's mode); in the data dir,
    the directory is private too. Existing files of ours are tightened."""
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    data_dir = Path(settings.data_dir)
    if path.parent.resolve() == data_dir.resolve():
        private_directory(path.parent)
    else:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    for name in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")):
        _tighten(name)


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
    breach: BreachCheck | None = None
    """The breached-password check (``MOTDEPASSE_BREACH_CHECK_URL``), or None: off."""
    questions: QuestionsInUse = field(default_factory=QuestionsInUse)
    """The security questions in use, from which unknown emails get their decoy."""

    def breach_verdict(self, password: str, confirmation: str) -> BreachVerdict | None:
        """The breached-password check of a new password that passes every other rule of
        the policy (None: the check is off, or the password is refused anyway, and nothing
        was sent). Blocking, up to the check's timeout: never on an event loop."""
        if self.breach is None or not self.policy.check(password, confirmation).accepted:
            return None
        return self.breach.verdict(normalise_password(password))

    def expiry(self, expires_on: date) -> ExpiryStatus:
        """Where a password stands today (the clock decides what "today" is)."""
        return ExpiryStatus(expires_on, self.today(), self.settings.expiry_warning_days)

    def today(self) -> date:
        """The users' calendar day (``settings.timezone``): a password changed at 01:30
        in Paris is changed on that Paris day, and expires at midnight in Paris."""
        return users_day(self.clock.now(), self.tz)

    def local_day(self, instant: datetime) -> date:
        """The users' day of ``instant`` (see :func:`domain.clock.users_day`)."""
        return users_day(instant, self.tz)

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


def pool_settings(settings: Settings) -> PoolSettings:
    return PoolSettings(
        size=settings.database_pool_size,
        max_overflow=settings.database_max_overflow,
        timeout=settings.database_pool_timeout_seconds,
        connect_timeout=settings.database_connect_timeout_seconds,
        statement_timeout=settings.database_statement_timeout_seconds,
    )


KEY_CHECK = "key_check"


def key_check_value(key: bytes) -> str:
    """A keyed digest of a constant: equal for equal keys, and says nothing of the key."""
    return hmac.new(key, b"motdepasse:key-check", hashlib.sha256).hexdigest()[:32]


def agree_on_key(engine: Engine, key: bytes) -> None:
    """The first process to start on a database records the key's check; any later one
    whose key differs is refused (its decoys and throttles would disagree with the others')."""
    value = key_check_value(key)
    with Session(engine) as session:
        row = session.get(DeploymentSetting, KEY_CHECK)
        if row is None:
            session.add(DeploymentSetting(name=KEY_CHECK, value=value))
            try:
                session.commit()
                return
            except IntegrityError:  # another front end recorded its key at the same moment
                session.rollback()
                row = session.get(DeploymentSetting, KEY_CHECK)
        if row is not None and not hmac.compare_digest(row.value, value):
            raise SecretKeyError(
                f"this secret key is not the one the database {where(engine.url)} was set up with: "
                "give every front end the same MOTDEPASSE_SECRET_KEY or MOTDEPASSE_SECRET_KEY_FILE "
                "(or restore the data directory's secret.key from a backup)"
            )


def _schema_and_key(engine: Engine, settings: Settings, *, create: bool, check_database: bool = True) -> bytes:
    """Check or bring the schema up to date, read the secret key and check it agrees with
    the database's, each failure in one line."""
    try:
        key = load_secret_key(settings)
    except OSError as error:
        where = f"{error.filename}: " if error.filename else ""
        raise StorageUnavailable(f"cannot use the data directory: {where}{error.strerror or error}") from None
    if not check_database:
        return key
    try:
        schema.ensure(engine, create=create)
        agree_on_key(engine, key)
    except DBAPIError as error:
        raise unavailable(error, engine.url) from None
    return key


def build_services(
    settings: Settings,
    *,
    clock: Clock | None = None,
    engine: Engine | None = None,
    seed: int | None = None,
    create: bool = True,
    check_database: bool = True,
) -> Services:
    """The factory used by the CLI and by every test.

    ``create=False`` opens an existing database only: a missing SQLite file, or a
    database without our tables, raises :class:`~domain.storage.NoDatabase` and nothing
    is created (commands that only read or change existing data: a mistyped path must
    not be answered from a new empty database). A database that cannot be opened raises
    :class:`~domain.storage.StorageUnavailable`, in one line.

    ``check_database=False`` (SSH session processes): no round trip to the database at
    start — the server checked the schema and the key before its first session — so a
    session opens, and shows its first screen, while the database is briefly away; its
    steps then say so until it is back."""
    if engine is None:
        url = settings.resolved_database_url()
        if not create:
            require_sqlite_database(url)
        try:
            if create and url.startswith("sqlite"):
                prepare_sqlite_file(settings, url)
            engine = make_engine(url, busy_timeout=settings.database_busy_timeout_seconds, pool=pool_settings(settings))
        except OSError as error:
            raise unavailable(error, url) from None
    try:
        secret_key = _schema_and_key(engine, settings, create=create, check_database=check_database)
    except BaseException:
        engine.dispose()
        raise
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
            terms=read_terms(settings.banned_terms_file) if settings.banned_terms_file else None,
        ),
        breach=breach_check(settings),
        secret_key=secret_key,
        journal_writer=JournalWriter(engine),
        answer_throttle=AnswerThrottle(
            max_failures=settings.answer_max_failures,
            window=timedelta(minutes=settings.answer_window_minutes),
            lockout=timedelta(minutes=settings.answer_lockout_minutes),
            max_failures_per_client=settings.answer_max_failures_per_client,
        ),
        login_throttle=LoginThrottle(
            free=settings.login_free_failures,
            window=timedelta(minutes=settings.login_window_minutes),
            max_delay=timedelta(seconds=settings.login_max_delay_seconds),
        ),
        seed=seed,
    )
