"""Operator settings, read from the environment (prefix ``MOTDEPASSE_``).

A value that cannot be used is refused when the settings are read, with one line naming
the variable and what it accepts (:class:`InvalidSettings`): never a traceback, never a
default silently put in its place."""

from __future__ import annotations

import json
import re
import types
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin
from zoneinfo import ZoneInfo

import platformdirs
from annotated_types import Ge, Gt, Le, Lt
from pydantic import Field, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from pydantic_settings.exceptions import SettingsError

from domain.languages import LANGUAGES, Language
from domain.text import looks_like_email

__all__ = ["LANGUAGES", "InvalidSettings", "Language", "Settings", "load_settings"]


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("motdepasse", appauthor=False))


class Settings(BaseSettings):
    """Everything an operator can set. Built by :func:`load_settings`, never at import."""

    model_config = SettingsConfigDict(env_prefix="MOTDEPASSE_", extra="ignore")

    data_dir: Path = Field(default_factory=default_data_dir)
    """Where the SQLite database, the secret key and (later) the SSH host key live."""

    database_url: str | None = None
    """SQLAlchemy URL. Default: a SQLite file ``motdepasse.db`` in ``data_dir``."""

    database_busy_timeout_seconds: float = Field(default=30.0, gt=0, le=600)
    """SQLite: how long a step waits for the database's write lock before it is told the
    service is briefly unavailable. PostgreSQL: how long a step waits for a row or lock
    another front end holds (``lock_timeout``)."""

    database_pool_size: int = Field(default=5, ge=1, le=200)
    """PostgreSQL: connections each process keeps open (an SSH session is one process)."""

    database_max_overflow: int = Field(default=5, ge=0, le=200)
    """PostgreSQL: connections a process may open beyond the pool at busy moments."""

    database_pool_timeout_seconds: float = Field(default=10.0, gt=0, le=600)
    """PostgreSQL: how long a step waits for a free connection of its process's pool."""

    database_connect_timeout_seconds: int = Field(default=5, ge=1, le=120)
    """PostgreSQL: how long opening a connection may take before the step is told the
    service is briefly unavailable (a server down must not freeze a user's screen)."""

    database_statement_timeout_seconds: float = Field(default=30.0, gt=0, le=3600)
    """PostgreSQL: the longest a statement may run (``statement_timeout``)."""

    lang: Language = "fr"
    """Default language of the interface and of emails: ``fr`` (reference) or ``en``."""

    timezone: str = "Europe/Paris"
    """Time zone in which times are shown to users (lockouts, emails)."""

    captcha: Literal["on", "off"] = "on"
    """``off`` is for test environments only: every screen then shows a warning banner."""

    captcha_length: int = Field(default=6, ge=4, le=10)
    """Number of characters drawn for each CAPTCHA."""

    captcha_ttl_seconds: int = Field(default=180, ge=30)
    """A CAPTCHA older than this is refused and a new one is drawn."""

    password_min_length: int = Field(default=20, ge=20)
    """Minimum length in Unicode code points after NFC normalisation (the sheets: 20)."""

    password_max_length: int = Field(default=128, ge=128, le=256)
    """Maximum length accepted; at least 128, at most 256 (strength estimation cost is
    linear in the length and bounded for this range)."""

    password_charset: Literal["printable", "strict"] = "printable"
    """``printable``: every printable character (2024 sheet). ``strict``: ASCII letters
    and digits only, no spaces, no accented letters (the older forgot-password sheet)."""

    password_history_depth: int = Field(default=5, ge=1, le=50)
    """How many previous passwords a new one must differ from (at least the last one)."""

    password_validity_years: int = Field(default=3, ge=1, le=10)
    """Validity of a new password, in years; the expiry date is the last valid day."""

    strength_moyen_log10: float = Field(default=15.0, ge=10.0, le=40.0)
    """Estimated guesses (log10) from which a password is *Moyen* (accepted): 10^15,
    about 50 bits (CNIL 2022, with a limit on attempts; docs/SECURITY.md)."""

    strength_fort_log10: float = Field(default=24.0, ge=10.0, le=60.0)
    """Estimated guesses (log10) from which a password is *Fort*: 10^24, about 80 bits
    (CNIL 2022 without other measure; ANSSI's « moyen » to « fort »)."""

    banned_terms_file: Path | None = None
    """A UTF-8 file of the service's terms, one per line (``#`` comments), that count as
    one guess in a new password (« impots », « dgfip »…); unset: the built-in list."""

    breach_check_url: str | None = None
    """A k-anonymity range endpoint (``https://api.pwnedpasswords.com/range/``, or an
    address with ``{prefix}``): the first 5 hexadecimal digits of a new password's SHA-1
    are sent to it, never more. Unset (default): no breached-password check."""

    breach_check_fail: Literal["open", "closed"] = "open"
    """When the range endpoint does not answer in time: ``open`` accepts the password
    (the check is skipped), ``closed`` refuses it (« try again in a moment »)."""

    breach_check_timeout_seconds: float = Field(default=1.0, gt=0.0, le=1.0)
    """How long the breached-password check waits for the endpoint (at most 1 s)."""

    argon2_time_cost: int = Field(default=2, ge=2)
    """Argon2id iterations; OWASP's floor is 2 with 19 MiB."""

    argon2_memory_kib: int = Field(default=19456, ge=19456)
    """Argon2id memory in KiB; OWASP's floor is 19 MiB (19456 KiB)."""

    argon2_parallelism: int = Field(default=1, ge=1, le=8)
    """Argon2id lanes."""

    expiry_warning_days: int = Field(default=60, ge=1, le=365)
    """From how many days before expiry the login alert and the home notice are shown."""

    deactivate_expired_after_days: int | None = Field(default=None, ge=0)
    """Deactivate accounts still expired this many days after expiry (off when unset)."""

    login_free_failures: int = Field(default=3, ge=1)
    """Wrong logins (per account and per client, within the window) before delays start."""

    login_window_minutes: int = Field(default=15, ge=1)
    """The window in which wrong logins are counted."""

    login_max_delay_seconds: int = Field(default=300, ge=1)
    """The longest delay imposed between two attempts; delays double up to it."""

    answer_max_failures: int = Field(default=5, ge=1)
    """Wrong security answers allowed for one email within the window below."""

    answer_window_minutes: int = Field(default=15, ge=1)
    """The window in which wrong answers are counted."""

    answer_lockout_minutes: int = Field(default=15, ge=1)
    """How long the forgot-password procedure is refused after too many wrong answers."""

    answer_max_failures_per_client: int = Field(default=20, ge=1)
    """Wrong security answers allowed from one client address (all emails together)
    within ``answer_window_minutes``; beyond, that address is refused for
    ``answer_lockout_minutes``."""

    secret_key: str | None = None
    """Key for keyed hashes (decoy questions, throttling keys), at least 32 characters.
    SQLite default: generated once and kept in ``data_dir/secret.key``. PostgreSQL: required
    (here or in ``secret_key_file``), the same on every front end."""

    secret_key_file: Path | None = None
    """A file holding the secret key (mode 600, at least 32 printable characters): the
    way to give every front end the same key without putting it in the environment."""

    mail_from: str = "ne-pas-repondre@motdepasse.example"
    """The no-reply sender address of confirmation emails."""

    mail_from_name: str = "Espace professionnel"
    """The sender's display name."""

    smtp_host: str | None = None
    """The SMTP relay. Unset: emails stay in the outbox (``motdepasse mail outbox``)."""

    smtp_port: int = Field(default=587, ge=1, le=65535)
    """Relay port: 587 (STARTTLS), 465 (implicit TLS), 25."""

    smtp_security: Literal["starttls", "tls", "none"] = "starttls"
    """``starttls`` upgrades the connection, ``tls`` is implicit TLS, ``none`` only on loopback."""

    smtp_username: str | None = None
    """Login on the relay, if it asks for one."""

    smtp_password: str | None = None
    """Password on the relay (prefer a secret file in the environment)."""

    smtp_ca_file: Path | None = None
    """CA bundle to verify the relay's certificate (default: the system's)."""

    smtp_timeout_seconds: float = Field(default=30.0, gt=0)
    """Connection and command timeout."""

    mail_max_attempts: int = Field(default=8, ge=1)
    """Attempts before an email is marked failed."""

    mail_retry_base_seconds: int = Field(default=30, ge=1)
    """First retry delay; each retry doubles it (30 s, 1 min, 2 min…)."""

    mail_retry_max_seconds: int = Field(default=3600, ge=1)
    """The longest delay between two attempts."""

    mail_max_age: timedelta = Field(default=timedelta(days=3), ge=timedelta(hours=1), le=timedelta(days=30))
    """How long an email may wait for the relay before it is marked failed (``3 days``,
    ``12:00:00``, ``P3D``). A relay outage delays emails without spending their attempts;
    only this age ends the wait."""

    mail_lease_seconds: int = Field(default=300, ge=10)
    """How long a dispatcher holds the emails it took before another may take them."""

    mail_watch_interval_seconds: float = Field(default=5.0, gt=0)
    """How often ``mail deliver --watch`` looks for emails to send."""

    reminder_days: tuple[int, ...] = (60, 30, 7, 1)
    """Days before expiry on which ``mail remind`` sends a reminder (each once)."""

    support_hours_fr: str = "du lundi au vendredi, de 8h00 à 19h30"
    """Opening hours of the support line, in French."""

    support_hours_en: str = "Monday to Friday, 8:00 to 19:30"
    """Opening hours of the support line, in English."""

    support_phone: str = "0809 400 210"
    """Support phone number (free service + price of a call)."""

    support_form_fr: str = "le formulaire en ligne : Contact > Professionnel > Une assistance aux téléprocédures"
    """Where the online support form is, in French."""

    support_form_en: str = "the online form: Contact > Professional > Online procedures assistance"
    """Where the online support form is, in English."""

    ssh_host: str = "127.0.0.1"
    """Address ``motdepasse serve`` listens on (loopback by default)."""

    ssh_port: int = Field(default=2222, ge=1, le=65535)
    """Port ``motdepasse serve`` listens on."""

    ssh_host_key: Path | None = None
    """The server's ed25519 host key (default: ``data_dir/ssh_host_ed25519_key``, made on
    first start)."""

    ssh_support_keys: Path | None = None
    """authorized_keys file of the support staff (user ``support``); default:
    ``data_dir/support_authorized_keys``. Without it, ``support`` cannot log in."""

    ssh_idle_timeout_seconds: int = Field(default=600, ge=10)
    """A session without a keystroke for this long is closed (10 min)."""

    ssh_idle_warning_seconds: int = Field(default=60, ge=1)
    """How long before the idle timeout the user is warned (1 min)."""

    ssh_max_session_seconds: int = Field(default=1800, ge=10)
    """The longest a session may last (30 min), with the same warning before."""

    ssh_session_extensions: int = Field(default=3, ge=0)
    """How many times a user may extend the maximum length from its warning (each time by
    ``ssh_max_session_seconds``): the time limit is adjustable, but bounded."""

    ssh_max_sessions: int = Field(default=200, ge=1)
    """Sessions at once, in total."""

    ssh_max_sessions_per_client: int = Field(default=10, ge=1)
    """Sessions at once from one client address."""

    ssh_connections_per_minute: int = Field(default=30, ge=1)
    """New connections per client address per minute."""

    ssh_max_connections: int = Field(default=400, ge=1)
    """SSH connections open at once, in total (sessions or not)."""

    ssh_max_connections_per_client: int = Field(default=20, ge=1)
    """SSH connections open at once from one client address."""

    ssh_session_open_timeout_seconds: int = Field(default=20, ge=1)
    """A connection that has opened no session this long after it was made is closed."""

    ssh_max_columns: int = Field(default=500, ge=40, le=4096)
    """Widest terminal accepted: a wider PTY request or window change is clamped to it."""

    ssh_max_rows: int = Field(default=200, ge=15, le=4096)
    """Tallest terminal accepted: a taller request is clamped to it."""

    ssh_input_bytes_per_second: int = Field(default=4096, ge=256)
    """Sustained input rate of one session (typing and pastes); beyond the burst below,
    further bytes are dropped (and journaled once per episode). Fast typing with mouse
    reports stays under 1 KiB/s; at 4 KiB/s an 8-second flood grew a session by ~60 MiB, at
    16 KiB/s it reached the memory limit (measured for issue 10)."""

    ssh_input_burst_bytes: int = Field(default=16384, ge=1024)
    """Input a session may send at once (a paste) before the rate above applies."""

    ssh_session_memory_mib: int = Field(default=1024, ge=256)
    """Address-space limit of one session process (RLIMIT_AS), in MiB."""

    ssh_session_kill_grace_seconds: float = Field(default=5.0, gt=0, le=120)
    """How long a session process asked to end may take before it is killed (SIGKILL)."""

    ssh_session_starts_at_once: int = Field(default=0, ge=0, le=256)
    """Sessions started at the same time (0: one per CPU the server may use); more wait
    their turn, their terminal saying « Connexion en cours… »."""

    ssh_session_mmap_threshold_kib: int = Field(default=1024, ge=0, le=65536)
    """Session processes give blocks from this size on back to the system when freed
    (glibc's mmap threshold; Argon2's 19 MiB buffer). 0: the C library's own choice."""

    @field_validator("database_url")
    @classmethod
    def _supported_database(cls, value: str | None) -> str | None:
        if value:
            check_database_url(value)
        return value

    @field_validator("secret_key")
    @classmethod
    def _long_enough_key(cls, value: str | None) -> str | None:
        if value is not None and len(value.strip()) < 32:
            raise ValueError("accepted: at least 32 characters, such as the output of `openssl rand -hex 32`")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_time_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (KeyError, ValueError, OSError):  # ZoneInfoNotFoundError is a KeyError
            raise ValueError("unknown time zone; accepted: an IANA name such as Europe/Paris") from None
        return value

    @field_validator("mail_from")
    @classmethod
    def _an_address(cls, value: str) -> str:
        if not looks_like_email(value):
            raise ValueError("accepted: an email address such as ne-pas-repondre@example.org")
        return value.strip()

    @field_validator("banned_terms_file")
    @classmethod
    def _usable_terms(cls, value: Path | None) -> Path | None:
        if value is not None:
            from domain.wordlists import TermsError, read_terms

            try:
                read_terms(value)
            except TermsError as error:
                raise ValueError(f"{error}; accepted: a UTF-8 file, one term per line") from None
        return value

    @field_validator("breach_check_url")
    @classmethod
    def _range_endpoint(cls, value: str | None) -> str | None:
        if not value:
            return None
        from urllib.parse import urlsplit

        parts = urlsplit(value.strip())
        if parts.scheme not in ("https", "http") or not parts.hostname:
            raise ValueError("accepted: an https:// address such as https://api.pwnedpasswords.com/range/")
        if value.count("{prefix}") > 1 or "{" in value.replace("{prefix}", ""):
            raise ValueError("accepted: at most one {prefix} in the address")
        return value.strip()

    @field_validator("strength_fort_log10")
    @classmethod
    def _fort_above_moyen(cls, value: float, info: ValidationInfo) -> float:
        moyen = info.data.get("strength_moyen_log10")
        if moyen is not None and value < moyen:
            raise ValueError(f"accepted: at least MOTDEPASSE_STRENGTH_MOYEN_LOG10 ({moyen:g})")
        return value

    @field_validator("password_history_depth")
    @classmethod
    def _history_at_least_one(cls, value: int) -> int:
        return max(1, value)

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'motdepasse.db'}"


SUPPORTED_DATABASES = "sqlite:///PATH or postgresql+psycopg://USER@HOST/NAME"


def check_database_url(value: str) -> None:
    """Refuse, with what is accepted, a URL SQLAlchemy cannot parse, a database other than
    SQLite or PostgreSQL, or a driver that is unknown or not installed. The URL itself is
    never repeated: it may hold a password."""
    from sqlalchemy.engine import make_url  # here: reading the settings need not load SQLAlchemy
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    try:
        url = make_url(value)
    except ArgumentError:
        raise ValueError(f"not a database URL; accepted: {SUPPORTED_DATABASES}") from None
    backend = url.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise ValueError(f"unsupported database {backend!r}; accepted: {SUPPORTED_DATABASES}")
    try:
        url.get_dialect().import_dbapi()
    except NoSuchModuleError:
        raise ValueError(f"unknown database driver {url.drivername!r}; accepted: {SUPPORTED_DATABASES}") from None
    except ImportError as error:
        raise ValueError(
            f"the driver of {url.drivername!r} ({error.name or 'its module'}) is not installed; "
            f"install it, or use {SUPPORTED_DATABASES}"
        ) from None


class InvalidSettings(ValueError):
    """Settings that cannot be used: its message is one line per the operator's terminal,
    naming each variable and what it accepts, never a secret's value."""


_SECRETS = frozenset({"secret_key", "smtp_password", "database_url", "breach_check_url"})
"""Settings whose value is never repeated in an error (a URL may hold a password)."""
_SETTINGS_ERROR_FIELD = re.compile(r'field "(\w+)"')


def load_settings(**overrides: object) -> Settings:
    """Read settings from the environment, with explicit overrides (CLI flags, tests).
    Raises :class:`InvalidSettings` for a value that cannot be used."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        problems = [_problem(str(item["loc"][0]) if item["loc"] else "", item) for item in error.errors()]
        raise InvalidSettings("; ".join(problems)) from None
    except SettingsError as error:  # a complex value (a list) that is not JSON
        match = _SETTINGS_ERROR_FIELD.search(str(error))
        name = match.group(1) if match else ""
        raise InvalidSettings(f"{_variable(name)}: not readable; accepted: {_accepted(name)}") from None


def _variable(name: str) -> str:
    return f"MOTDEPASSE_{name.upper()}" if name else "a MOTDEPASSE_ setting"


def _problem(name: str, item: Any) -> str:
    value = item.get("input")
    shown = "" if name in _SECRETS or not isinstance(value, str | int | float) else f"={str(value)[:60]!r}"
    if item.get("type") == "value_error":  # our validators say what is accepted
        return f"{_variable(name)}{shown}: {str(item.get('msg', '')).removeprefix('Value error, ')}"
    return f"{_variable(name)}{shown}: accepted: {_accepted(name)}"


def _accepted(name: str) -> str:
    """What a setting accepts, in words, from its type and bounds."""
    field = Settings.model_fields.get(name)
    if field is None:
        return "see domain/settings.py"
    annotation: Any = field.annotation
    optional = False
    if get_origin(annotation) in (Union, types.UnionType):
        arguments = [argument for argument in get_args(annotation) if argument is not type(None)]
        optional = len(arguments) < len(get_args(annotation))
        annotation = arguments[0] if len(arguments) == 1 else annotation
    if get_origin(annotation) is Literal:
        text = "one of " + ", ".join(str(choice) for choice in get_args(annotation))
    elif get_origin(annotation) is tuple:
        text = f"a JSON list of whole numbers such as {json.dumps(list(field.default))}"
    elif annotation in (int, float):
        text = ("a whole number" if annotation is int else "a number") + _bounds(field.metadata)
    elif annotation is timedelta:
        text = "a duration such as '3 days', '12:00:00' or 'P3D'" + _bounds(field.metadata)
    elif annotation is Path:
        text = "a path"
    else:
        text = "text"
    return text + (", or unset" if optional else "")


def _bounds(metadata: list[Any]) -> str:
    """`` from 1 to 65535``, `` of 20 or more``, `` above 0, up to 600``… from a field's
    constraints."""
    bounds: dict[str, Any] = {}
    for constraint in metadata:
        for kind in (Ge, Gt, Le, Lt):
            if isinstance(constraint, kind):
                bounds[kind.__name__] = getattr(constraint, kind.__name__.lower())
    if "Ge" in bounds and "Le" in bounds:
        return f" from {bounds['Ge']} to {bounds['Le']}"
    if "Ge" in bounds and "Lt" not in bounds:
        return f" of {bounds['Ge']} or more"
    low = f"from {bounds['Ge']}" if "Ge" in bounds else f"above {bounds['Gt']}" if "Gt" in bounds else ""
    high = f"up to {bounds['Le']}" if "Le" in bounds else f"below {bounds['Lt']}" if "Lt" in bounds else ""
    parts = [part for part in (low, high) if part]
    return " " + ", ".join(parts) if parts else ""
