"""Header injection and encoding: whatever is stored in names, subjects or addresses, the
message has the headers it should, one recipient, and names survive, encoded."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from domain.models import AccountBase
from domain.registration import register
from tests.domain.support import LILA, NEW_PASSWORD, OTHER_PASSWORD, store_raw_fields
from tests.mail.helpers import deliver, forgot_change, outbox, queue_raw, row

HEADERS = {
    "from",
    "to",
    "subject",
    "date",
    "message-id",
    "auto-submitted",
    "content-type",
    "mime-version",
    "content-language",
}
EVIL = "evil@exemple.fr"

NUL_STORED = pytest.mark.sqlite_only  # PostgreSQL never holds such rows (NUL in text, text beyond its column)


def header_block(raw: bytes) -> list[tuple[str, bytes]]:
    """The top-level headers of a raw message, unfolded: (lower-case name, raw value)."""
    head = raw.split(b"\r\n\r\n", 1)[0]
    unfolded = re.sub(rb"\r\n[ \t]", b" ", head)
    fields = []
    for line in unfolded.split(b"\r\n"):
        name, sep, value = line.partition(b":")
        assert sep and re.fullmatch(rb"[!-9;-~]+", name), line
        fields.append((name.decode().lower(), value.strip()))
    return fields


def assert_clean(received, recipient: str) -> None:
    assert received.rcpt_tos == (recipient,)
    fields = header_block(received.raw)
    names = [name for name, _ in fields]
    assert set(names) == HEADERS and len(names) == len(HEADERS), names
    assert EVIL.encode() not in dict(fields)["to"].split(b"<")[-1]
    message = received.message
    assert message["Bcc"] is None and message["Cc"] is None
    assert [a.addr_spec for a in message["To"].addresses] == [recipient]


def test_registered_name_with_a_line_break(mail_services, mail_demo, relay, on_postgres) -> None:
    first = f"Eve\r\nBcc: {EVIL}"
    nul = "" if on_postgres else "\x00"  # PostgreSQL's text never holds NUL
    last = f"MAL\x1b[31m{nul}\nCc: autre@exemple.fr\u2028X"
    register(
        mail_services,
        AccountBase(
            subscriber_number="20232990000808",
            last_name="MAL",
            first_name="Eve",
            email="eve.mal@exemple.fr",
            security_question="Le nom de votre école primaire ?",
        ),
        password=OTHER_PASSWORD,
        answer="Ferry",
    )
    # Today's registration refuses these characters; an older database may hold them.
    store_raw_fields(mail_services, "eve.mal@exemple.fr", first_name=first, last_name=last)
    forgot_change(mail_services, "eve.mal@exemple.fr", answer="ferry", password=NEW_PASSWORD)
    (queued,) = outbox(mail_services)
    assert deliver(mail_services).sent == [queued.id]
    (received,) = relay.accepted
    assert_clean(received, "eve.mal@exemple.fr")
    # The name is still there, without its control characters.
    name = received.message["To"].addresses[0].display_name
    assert name == f"EveBcc: {EVIL} MAL[31mCc: autre@exemple.frX"
    assert b"\x1b" not in received.raw and b"\x00" not in received.raw
    text = received.message.get_body(preferencelist=("plain",)).get_content()
    marks = "\ufffd" * (1 if on_postgres else 2)
    assert text.startswith(f"Bonjour Eve\ufffd\ufffdBcc: evil@exemple.fr MAL\ufffd[31m{marks}Cc:")


@pytest.mark.parametrize(
    "to_name",
    [
        f"Lila\r\nBcc: {EVIL}",
        f"Lila\nBcc: {EVIL}",
        f"Lila\rBcc: {EVIL}",
        f'Evil" <{EVIL}>, "x',
        f"a, {EVIL}",
        f"<{EVIL}>",
        f"Lila (comment) <{EVIL}>",
        f"=?utf-8?q?Eve?= <{EVIL}>",
        f"Ünï, <{EVIL}>",
        f";:{EVIL};",
        'x\\"',
        "x" * 210,
    ],
)
def test_hostile_display_names(mail_services, mail_demo, relay, to_name) -> None:
    row_id = queue_raw(mail_services, account_email=LILA, to_name=to_name)
    assert deliver(mail_services).sent == [row_id]
    (received,) = relay.accepted
    assert_clean(received, LILA)


@pytest.mark.parametrize(
    "subject",
    [
        f"Objet\r\nBcc: {EVIL}",
        f"Objet\nTo: {EVIL}\n\nCorps",
        pytest.param("Objet\x00\x1b[2J", marks=NUL_STORED),
        pytest.param("Objet é " + "long " * 60, marks=NUL_STORED),
    ],
)
def test_hostile_subjects(mail_services, mail_demo, relay, subject) -> None:
    row_id = queue_raw(mail_services, account_email=LILA, subject=subject)
    assert deliver(mail_services).sent == [row_id]
    (received,) = relay.accepted
    assert_clean(received, LILA)
    assert received.message["Subject"].startswith("Objet")
    assert "\n" not in received.message["Subject"] and "\x1b" not in received.message["Subject"]


@pytest.mark.parametrize(
    "to_address",
    [
        f"{LILA}\r\nBcc: {EVIL}",
        f"{LILA}\nRCPT TO:<{EVIL}>",
        "lila\r.rosemonde@orange.fr",
        pytest.param(f"{LILA}\x00{EVIL}", marks=NUL_STORED),
        f"{LILA}>,<{EVIL}",
        f"{EVIL} {LILA}",
        "",
    ],
)
def test_bad_address_is_never_sent(mail_services, mail_demo, relay, to_address) -> None:
    bad = queue_raw(mail_services, account_email=LILA, to_address=to_address)
    good = queue_raw(mail_services, account_email=LILA)
    report = deliver(mail_services)
    assert report.failed == [bad] and report.sent == [good]
    failed = row(mail_services, bad)
    assert failed.state == "failed" and failed.last_error == "invalid recipient address"
    assert [r.rcpt_tos for r in relay.accepted] == [(LILA,)]
    mail_services.clock.advance(timedelta(days=1))
    assert deliver(mail_services).handled == 0
    assert len(relay.accepted) == 1


@pytest.mark.parametrize("to_address", [f"{LILA}\r\n", f" {LILA}\n", f"{LILA}\u2028"])
def test_surrounding_line_breaks_are_trimmed(mail_services, mail_demo, relay, to_address) -> None:
    """Only around the address (what str.strip removes): sent to the trimmed address, alone."""
    row_id = queue_raw(mail_services, account_email=LILA, to_address=to_address)
    assert deliver(mail_services).sent == [row_id]
    (received,) = relay.accepted
    assert_clean(received, LILA)


def test_non_ascii_name_is_encoded(mail_services, mail_demo, relay) -> None:
    forgot_change(mail_services, "chloe.durand@example.fr")
    deliver(mail_services)
    (received,) = relay.accepted
    raw_to = dict(header_block(received.raw))["to"]
    assert raw_to.isascii()
    assert raw_to.startswith(b"=?utf-8?") and raw_to.endswith(b"<chloe.durand@example.fr>")
    assert received.message["To"].addresses[0].display_name == "Chloé DURAND"
    assert received.rcpt_tos == ("chloe.durand@example.fr",)
    text = received.message.get_body(preferencelist=("plain",)).get_content()
    assert text.startswith("Bonjour Chloé DURAND,")
    raw_subject = dict(header_block(received.raw))["subject"]
    assert raw_subject.isascii()
    assert received.message["Subject"] == "Espace professionnel - Modification du mot de passe"


def test_address_with_a_comment_is_sent_as_stored_or_refused(mail_services, mail_demo, relay) -> None:
    row_id = queue_raw(mail_services, account_email=LILA, to_address="boss@evil.fr(.impots.gouv.fr)")
    deliver(mail_services)
    stored = row(mail_services, row_id)
    sent_to = [r.rcpt_tos for r in relay.accepted]
    assert (stored.state == "failed" and sent_to == []) or sent_to == [(stored.to_address,)], sent_to
