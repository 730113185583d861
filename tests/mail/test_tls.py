"""TLS to the relay: implicit TLS and STARTTLS deliver; an untrusted or misnamed
certificate, or a relay without STARTTLS, is a temporary failure and never a send."""

from __future__ import annotations

import pytest

from domain.demo import seed_demo
from tests.domain.support import LILA
from tests.mail.conftest import authenticator, smtp_settings
from tests.mail.helpers import deliver, queue_raw, row


def prepared(make_services, port, **overrides):
    services = make_services(**smtp_settings(port, **overrides))
    seed_demo(services)
    return services, queue_raw(services, account_email=LILA)


def test_implicit_tls(make_services, start_relay, server_tls, ca_file) -> None:
    relay = start_relay(ssl_context=server_tls)
    services, row_id = prepared(make_services, relay.port, smtp_security="tls", smtp_ca_file=ca_file)
    assert deliver(services).sent == [row_id]
    (received,) = relay.accepted
    assert received.rcpt_tos == (LILA,)
    assert received.message_id == row(services, row_id).message_id


def test_starttls(make_services, start_relay, server_tls, ca_file) -> None:
    relay = start_relay(tls_context=server_tls, require_starttls=True)
    services, row_id = prepared(make_services, relay.port, smtp_security="starttls", smtp_ca_file=ca_file)
    assert deliver(services).sent == [row_id]
    (received,) = relay.accepted
    assert received.tls
    assert row(services, row_id).state == "sent"


def test_starttls_with_login(make_services, start_relay, server_tls, ca_file) -> None:
    relay = start_relay(
        tls_context=server_tls,
        require_starttls=True,
        auth_required=True,
        authenticator=authenticator("motdepasse", "s3cret"),
    )
    services, row_id = prepared(
        make_services,
        relay.port,
        smtp_security="starttls",
        smtp_ca_file=ca_file,
        smtp_username="motdepasse",
        smtp_password="s3cret",
    )
    assert deliver(services).sent == [row_id]
    (received,) = relay.accepted
    assert received.tls and received.authenticated


@pytest.mark.parametrize("security", ["tls", "starttls"])
@pytest.mark.parametrize("trust", ["system CAs only", "wrong name"])
def test_untrusted_certificate_is_temporary(
    make_services, start_relay, server_tls, wrong_name_tls, ca_file, security, trust
) -> None:
    context = wrong_name_tls if trust == "wrong name" else server_tls
    kwargs = {"ssl_context": context} if security == "tls" else {"tls_context": context}
    relay = start_relay(**kwargs)
    ca = ca_file if trust == "wrong name" else None
    services, row_id = prepared(make_services, relay.port, smtp_security=security, smtp_ca_file=ca)
    report = deliver(services)
    assert report.retried == [row_id] and not report.sent and not report.failed
    after = row(services, row_id)
    assert after.state == "queued" and after.attempts == 0 and after.sent_at is None  # the session's fault
    assert after.last_error and "unreachable" in after.last_error
    assert relay.accepted == [] and relay.refused == []


def test_starttls_required_but_not_offered_is_not_sent_in_clear(make_services, relay) -> None:
    """security=starttls against a relay that does not offer it: no downgrade to plain text."""
    services, row_id = prepared(make_services, relay.port, smtp_security="starttls")
    report = deliver(services)
    assert report.retried == [row_id]
    assert relay.accepted == [] and relay.refused == []
    assert row(services, row_id).state == "queued"


def test_tls_against_a_plain_relay_is_temporary(make_services, relay) -> None:
    services, row_id = prepared(make_services, relay.port, smtp_security="tls")
    assert deliver(services).retried == [row_id]
    assert relay.accepted == []
