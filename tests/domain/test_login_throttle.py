"""Login throttling (SPEC §6): increasing delays per account and per client, never a
permanent lock, unknown emails treated like known ones (domain.throttle.LoginThrottle)."""

from __future__ import annotations

import re
from datetime import timedelta

from domain.demo import seed_demo
from domain.usecases import PasswordStatus
from tests.domain.support import HUGO, LILA, account, attempt, fresh_client

LILA_PASSWORD = "Glycine-Orage-Violon-2023"
HUGO_PASSWORD = "Cerisier-Boussole-Tambour-42"
WRONG = "Glycine-Orage-Violon-2024"
UNKNOWN = "personne.inconnue@exemple.fr"


def status(services, email: str, password: str, client: str | None = None) -> PasswordStatus:
    return attempt(services, email, password, client).status


def seconds_in(message: str) -> int:
    (number,) = re.findall(r"\d+", message)
    return int(number)


def test_delays_double_after_the_free_failures(services, demo, clock) -> None:
    """login_free_failures=3: the 4th attempt waits 1 s, then 2 s, 4 s, 8 s."""
    assert services.settings.login_free_failures == 3
    client = "198.51.100.7"
    for _ in range(3):
        assert status(services, LILA, WRONG, client) is PasswordStatus.INVALID
    for delay in (1, 2, 4, 8):
        # during the wait, even the right password is refused, with the seconds to wait
        result = attempt(services, LILA, LILA_PASSWORD, client)
        assert result.status is PasswordStatus.THROTTLED
        assert seconds_in(result.message) == delay
        assert result.core.account_signed_in is None and result.card is None
        clock.advance(timedelta(seconds=delay) - timedelta(milliseconds=1))
        assert status(services, LILA, LILA_PASSWORD, client) is PasswordStatus.THROTTLED
        clock.advance(timedelta(milliseconds=1))
        assert status(services, LILA, WRONG, client) is PasswordStatus.INVALID  # counted again
    # the wait after the last failure is 16 s; once it passed the right password works
    result = attempt(services, LILA, LILA_PASSWORD, client)
    assert result.status is PasswordStatus.THROTTLED and seconds_in(result.message) == 16
    clock.advance(timedelta(seconds=16))
    result = attempt(services, LILA, LILA_PASSWORD, client)
    assert result.status is PasswordStatus.OK
    assert result.core.account_signed_in == account(services, LILA).id


def test_throttled_message(services, demo, clock) -> None:
    client = fresh_client()
    for _ in range(3):
        assert status(services, LILA, WRONG, client) is PasswordStatus.INVALID
    clock.advance(timedelta(milliseconds=400))  # 0.6 s left: rounded up, never "0"
    for language, word in (("fr", "secondes"), ("en", "seconds")):
        result = attempt(services, LILA, LILA_PASSWORD, client, language=language)
        assert result.status is PasswordStatus.THROTTLED
        assert seconds_in(result.message) == 1
        assert word in result.message


def test_delay_capped(make_services, clock) -> None:
    services = make_services(login_max_delay_seconds=5)
    seed_demo(services)
    client = fresh_client()
    for _ in range(3):
        assert status(services, HUGO, "nope", client) is PasswordStatus.INVALID
    for delay in (1, 2, 4, 5, 5, 5):
        result = attempt(services, HUGO, HUGO_PASSWORD, client)
        assert result.status is PasswordStatus.THROTTLED
        assert seconds_in(result.message) == delay
        clock.advance(timedelta(seconds=delay))
        assert status(services, HUGO, "nope", client) is PasswordStatus.INVALID
    clock.advance(timedelta(seconds=5))
    assert status(services, HUGO, HUGO_PASSWORD, client) is PasswordStatus.OK


def test_per_account_whatever_the_client(services, demo, clock) -> None:
    for _ in range(3):
        assert status(services, LILA, WRONG) is PasswordStatus.INVALID  # three clients
    assert status(services, LILA, LILA_PASSWORD) is PasswordStatus.THROTTLED  # a fourth one
    assert status(services, LILA, WRONG) is PasswordStatus.THROTTLED
    # another account is not concerned
    assert status(services, HUGO, HUGO_PASSWORD) is PasswordStatus.OK
    clock.advance(timedelta(seconds=1))
    assert status(services, LILA, LILA_PASSWORD) is PasswordStatus.OK


def test_per_client_whatever_the_account(services, demo, clock) -> None:
    client = "203.0.113.99"
    for email in ("a.inconnu@exemple.fr", HUGO, "b.inconnu@exemple.fr"):
        assert status(services, email, WRONG, client) is PasswordStatus.INVALID
    # one failure per account: this client is the one that waits
    assert status(services, LILA, LILA_PASSWORD, client) is PasswordStatus.THROTTLED
    assert status(services, "c.inconnu@exemple.fr", WRONG, client) is PasswordStatus.THROTTLED
    # other clients go on, for the same accounts
    assert status(services, LILA, LILA_PASSWORD) is PasswordStatus.OK
    assert status(services, HUGO, HUGO_PASSWORD) is PasswordStatus.OK
    clock.advance(timedelta(seconds=1))
    assert status(services, LILA, LILA_PASSWORD, client) is PasswordStatus.OK


def test_never_a_permanent_lock(services, demo, clock) -> None:
    client = fresh_client()
    waited = []
    for _ in range(12):
        result = attempt(services, LILA, WRONG, client)
        if result.status is PasswordStatus.THROTTLED:
            wait = seconds_in(result.message)
            waited.append(wait)
            assert wait <= services.settings.login_max_delay_seconds
            clock.advance(timedelta(seconds=wait))
            result = attempt(services, LILA, WRONG, client)
        assert result.status is PasswordStatus.INVALID
    assert max(waited) > 60
    # during the wait: throttled; the window after the last failure: all clear
    assert status(services, LILA, LILA_PASSWORD, client) is PasswordStatus.THROTTLED
    clock.advance(timedelta(minutes=services.settings.login_window_minutes, seconds=1))
    assert status(services, LILA, WRONG, client) is PasswordStatus.INVALID
    assert status(services, LILA, WRONG, client) is PasswordStatus.INVALID
    assert status(services, LILA, LILA_PASSWORD, client) is PasswordStatus.OK


def test_unknown_email_throttled_like_a_known_one(services, demo, clock) -> None:
    def run(email: str) -> list[tuple[PasswordStatus, str]]:
        client = fresh_client()
        seen = []
        for step in range(7):
            if step in (4, 6):
                clock.advance(timedelta(seconds=1 if step == 4 else 2))
            result = attempt(services, email, WRONG, client)
            seen.append((result.status, result.message))
        return seen

    known, unknown = run(LILA), run(UNKNOWN)
    assert known == unknown
    assert [s for s, _ in known] == [
        PasswordStatus.INVALID,
        PasswordStatus.INVALID,
        PasswordStatus.INVALID,
        PasswordStatus.THROTTLED,
        PasswordStatus.INVALID,  # after 1 s
        PasswordStatus.THROTTLED,
        PasswordStatus.INVALID,  # after 2 s
    ]


def test_success_clears_the_account_count(services, demo, clock) -> None:
    for _ in range(2):
        assert status(services, LILA, WRONG) is PasswordStatus.INVALID
    assert status(services, LILA, LILA_PASSWORD) is PasswordStatus.OK
    for _ in range(3):
        assert status(services, LILA, WRONG) is PasswordStatus.INVALID
    assert status(services, LILA, LILA_PASSWORD) is PasswordStatus.THROTTLED


def test_cap_holds_after_many_failures(make_services, clock) -> None:
    services = make_services(login_max_delay_seconds=1)
    seed_demo(services)
    for _ in range(50):
        assert status(services, LILA, WRONG) in (PasswordStatus.INVALID, PasswordStatus.THROTTLED)
        clock.advance(timedelta(seconds=1))
    assert status(services, LILA, LILA_PASSWORD) is PasswordStatus.OK
