"""Accounts, registration, settings, secret key, emails and dates (SPEC §1, §4, §7)."""

from __future__ import annotations

import dataclasses
import os
import stat
from datetime import UTC, date, datetime, timedelta

import pytest

from domain import accounts
from domain.accounts import STANDARD_QUESTIONS, AccountCard, AccountError
from domain.i18n import Translator, parse_language
from domain.mail import Recipient, SupportLine, password_changed_email
from domain.models import AccountBase
from domain.registration import register
from domain.services import load_secret_key
from domain.settings import InvalidSettings, load_settings
from domain.text import normalise_answer
from tests.domain.support import LILA, START, account, credentials

STRONG = "Horizon-Luciole-Chaloupe-87"


def fields(**overrides) -> AccountBase:
    values = {
        "subscriber_number": "20240000000303",
        "last_name": "DUPONT",
        "first_name": "Amélie",
        "phone": "0102030405",
        "postal_address": "1 rue de la Paix, 75002 Paris",
        "email": "amelie.dupont@exemple.fr",
        "security_question": STANDARD_QUESTIONS[0],
    }
    values.update(overrides)
    return AccountBase(**values)


def test_register(services) -> None:
    card = register(services, fields(email="  Amelie.Dupont@Exemple.fr "), password=STRONG, answer=" Éric ")
    assert isinstance(card, AccountCard)
    assert card.email == "Amelie.Dupont@Exemple.fr"
    assert card.password_set_at is not None
    assert card.password_expires_on == date(2028, 3, 10)
    assert card.status == "active" and card.credentials_version == 0
    names = [f.name for f in dataclasses.fields(card)]
    assert not any("hash" in name or "answer" in name for name in names)
    assert not any("argon2" in str(getattr(card, name)) for name in names)
    row = account(services, "Amelie.Dupont@Exemple.fr")
    assert row.email_key == "amelie.dupont@exemple.fr"
    assert row.security_answer_hash.startswith("$argon2id$")
    assert services.hasher.verify(row.security_answer_hash, normalise_answer("ERIC")).ok
    assert "ric" not in row.security_answer_hash
    (credential,) = credentials(services, "Amelie.Dupont@Exemple.fr")
    assert services.hasher.verify(credential.password_hash, STRONG).ok


def test_register_with_an_older_password(services) -> None:
    card = register(services, fields(), password=STRONG, answer="Eric", set_at=START - timedelta(days=400))
    assert card.password_expires_on == date(2027, 2, 4)


def test_card_personal_words(services) -> None:
    card = register(services, fields(), password=STRONG, answer="Eric")
    assert set(card.personal_words) >= {"DUPONT", "Amélie", "amelie.dupont@exemple.fr", "20240000000303"}


def test_demo_accounts(services, demo) -> None:
    assert {LILA, "hugo.martin@example.fr"} <= set(demo)
    lila = demo[LILA]
    assert lila.answer == "Paul" and lila.question == STANDARD_QUESTIONS[0]


@pytest.mark.parametrize(
    "email", ["amelie.dupont@exemple.fr", "AMELIE.DUPONT@EXEMPLE.FR", " amelie.dupont@exemple.fr "]
)
def test_email_unique_case_insensitively(services, email: str) -> None:
    register(services, fields(), password=STRONG, answer="Eric")
    with pytest.raises(AccountError, match="email"):
        register(services, fields(email=email, subscriber_number="20240000000404"), password=STRONG, answer="Eric")


def test_subscriber_number_unique(services) -> None:
    register(services, fields(), password=STRONG, answer="Eric")
    with pytest.raises(AccountError, match="subscriber"):
        register(services, fields(email="autre@exemple.fr"), password=STRONG, answer="Eric")


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"subscriber_number": "2024000000030"}, "subscriber"),
        ({"subscriber_number": "2024000000030x"}, "subscriber"),
        ({"email": "amelie"}, "email"),
        ({"last_name": "  "}, "name"),
        ({"security_question": ""}, "question"),
        ({"language": "de"}, "language"),
    ],
)
def test_register_refuses_bad_fields(services, override, field: str) -> None:
    with pytest.raises(AccountError, match=field):
        register(services, fields(**override), password=STRONG, answer="Eric")


def test_register_refuses_an_empty_answer(services) -> None:
    with pytest.raises(AccountError, match="answer"):
        register(services, fields(), password=STRONG, answer=" \u0301 ")


@pytest.mark.parametrize(
    ("field", "label", "value", "code"),
    [
        ("last_name", "last name", "DU\x1b]52;c;aGk=\x07PONT", "U+001B"),  # OSC 52
        ("first_name", "first name", "Am\u202eélie", "U+202E"),  # right-to-left override
        ("first_name", "first name", "Am\u2066élie", "U+2066"),  # isolate
        ("phone", "phone", "01\x9b31m02", "U+009B"),  # C1 CSI
        ("postal_address", "postal address", "1 rue X\n75002 Paris", "U+000A"),
        ("postal_address", "postal address", "1 rue\tX", "U+0009"),
        ("security_question", "security question", "Le nom\u200b de votre chien ?", "U+200B"),
        ("security_question", "security question", "Nom ?\x1bP$q m\x1b\\", "U+001B"),  # DCS
        ("email", "email", "amelie\u200d@exemple.fr", "U+200D"),
        ("subscriber_number", "subscriber number", "2024000000030\x7f", "U+007F"),
    ],
)
def test_register_refuses_control_and_invisible_characters(
    services, field: str, label: str, value: str, code: str
) -> None:
    """Every stored field, by every way an account is made (the CSV import and
    ``accounts add`` go through ``register_all``): named, with the character as U+XXXX."""
    with pytest.raises(AccountError) as info:
        register(services, fields(**{field: value}), password=STRONG, answer="Eric")
    assert str(info.value) == f"{label}: character {code} not allowed"
    with services.uow() as uow:
        assert accounts.find_by_email(uow.session, "amelie.dupont@exemple.fr") is None


def test_subscriber_number_takes_ascii_digits_only(services) -> None:
    with pytest.raises(AccountError, match="subscriber number: 14 digits"):
        register(services, fields(subscriber_number="٢٠٢٤٠٠٠٠٠٠٠٣٠٣"), password=STRONG, answer="Eric")


@pytest.mark.parametrize("answer", ["Pa\udcffl", "Pa\x1b[2Jul", "Paul\x00", "Pa\u2028ul"])
def test_register_refuses_an_answer_that_cannot_be_typed_again(services, answer: str) -> None:
    """A lone surrogate (invalid bytes read at ``accounts add``) or a control character in
    the answer is refused with a message, before Argon2 (which cannot encode a surrogate);
    the message names neither the answer nor its characters. A password is refused the
    same way, by the policy."""
    with pytest.raises(AccountError, match=r"^security answer: control characters") as info:
        register(services, fields(), password=STRONG, answer=answer)
    assert answer not in str(info.value) and "U+" not in str(info.value)
    with pytest.raises(AccountError, match=r"^password: .*control character"):
        register(services, fields(), password=STRONG + "\udcff", answer="Eric")
    with services.uow() as uow:
        assert accounts.find_by_email(uow.session, "amelie.dupont@exemple.fr") is None


@pytest.mark.parametrize("password", ["court", "DupontAmelie2024Dupont", "motdepassemotdepasse"])
def test_register_uses_the_policy(services, password: str) -> None:
    with pytest.raises(AccountError, match="password") as info:
        register(services, fields(), password=password, answer="Eric")
    assert password not in str(info.value)
    with services.uow() as uow:
        assert accounts.find_by_email(uow.session, "amelie.dupont@exemple.fr") is None


def test_email_digest() -> None:
    digest = accounts.email_digest(b"secret", "lila.rosemonde@orange.fr")
    assert len(digest) == 64 and int(digest, 16) >= 0
    assert "lila" not in digest
    assert digest != accounts.email_digest(b"other", "lila.rosemonde@orange.fr")


@pytest.mark.sqlite_only
def test_secret_key_generated_once(tmp_path) -> None:
    settings = load_settings(data_dir=tmp_path / "d")
    first = load_secret_key(settings)
    assert len(first) == 64
    assert load_secret_key(settings) == first
    mode = stat.S_IMODE(os.stat(tmp_path / "d" / "secret.key").st_mode)
    assert mode & 0o077 == 0
    assert load_secret_key(load_settings(data_dir=tmp_path / "d", secret_key="abc" * 11)) == b"abc" * 11


@pytest.mark.parametrize(
    "override",
    [
        {"password_min_length": 19},
        {"password_max_length": 127},
        {"password_history_depth": 0},
        {"captcha": "maybe"},
        {"lang": "de"},
        {"captcha_ttl_seconds": 5},
    ],
)
def test_settings_refuse_bad_values(tmp_path, override) -> None:
    with pytest.raises(InvalidSettings):
        load_settings(data_dir=tmp_path, **override)


def test_settings_from_environment(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("MOTDEPASSE_DATABASE_URL", raising=False)  # --db postgresql sets it
    monkeypatch.setenv("MOTDEPASSE_PASSWORD_CHARSET", "strict")
    monkeypatch.setenv("MOTDEPASSE_LANG", "en")
    settings = load_settings(data_dir=tmp_path)
    assert settings.password_charset == "strict" and settings.lang == "en"
    assert settings.resolved_database_url() == f"sqlite:///{tmp_path / 'motdepasse.db'}"


def test_services_policy_follows_settings(make_services) -> None:
    services = make_services(password_charset="strict", password_min_length=24)
    assert services.policy.strict_charset and services.policy.min_length == 24
    session = services.open_session()
    assert session.t.lang == "fr" and session.captcha.enabled is False
    assert len(session.reference) == 9


@pytest.mark.parametrize(
    ("lang", "long", "short"),
    [("fr", "05 juin 2026", "22/07/2024"), ("en", "05 June 2026", "22/07/2024")],
)
def test_dates(lang, long: str, short: str) -> None:
    t = Translator(lang)
    assert t.date(date(2026, 6, 5)) == long
    assert t.short_date(date(2024, 7, 22)) == short
    assert t.time(datetime(2025, 3, 10, 9, 5, tzinfo=UTC)) == "09:05"


@pytest.mark.parametrize(
    ("tag", "lang"),
    [
        ("fr_FR.UTF-8", "fr"),
        ("en_GB.UTF-8", "en"),
        ("en-US", "en"),
        ("de_DE", "fr"),
        (None, "fr"),
        ("", "fr"),
    ],
)
def test_parse_language(tag, lang) -> None:
    assert parse_language(tag) == lang


def test_french_texts() -> None:
    t = Translator("fr")
    assert [t._(w) for w in ("Weak", "Medium", "Strong")] == ["Faible", "Moyen", "Fort"]


def make_email(lang: str, client_address: str | None = "192.0.2.7"):
    from zoneinfo import ZoneInfo

    return password_changed_email(
        recipient=Recipient(1, LILA, "Lila", "ROSEMONDE", lang),
        valid_until=date(2026, 6, 5),
        changed_at=datetime(2023, 6, 5, 12, 30, tzinfo=UTC),
        procedure="forgot",
        client_address=client_address,
        tz=ZoneInfo("Europe/Paris"),
        mail_domain="motdepasse.example",
        support=SupportLine.of(load_settings()),
    )


def test_french_email() -> None:
    email = make_email("fr")
    assert email.subject == "Espace professionnel - Modification du mot de passe"
    assert email.language == "fr"
    assert "05 juin 2026" in email.body_text
    assert "14:30" in email.body_text  # Paris summer time
    assert "192.0.2.7" in email.body_text
    assert "Lila ROSEMONDE" in email.body_text
    assert email.kind == "password_changed:forgot"


def test_english_email() -> None:
    email = make_email("en", client_address=None)
    assert email.subject == "Professional account - Password change"
    assert "05 June 2026" in email.body_text
    assert "address" not in email.body_text.split("\n")[3]


def test_message_ids_unique() -> None:
    assert make_email("fr").message_id != make_email("fr").message_id
