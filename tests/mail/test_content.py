"""SPEC §4: the password-change email as a real SMTP relay receives it, in both languages."""

from __future__ import annotations

from datetime import date, timedelta
from email.message import EmailMessage
from email.utils import parsedate_to_datetime

from domain.session import SessionCore, Step, walk
from domain.session.intents import LogIn, OpenChange, Proceed, SubmitChange
from domain.session.views import SummaryDetail
from tests.domain.support import HUGO, LILA, NEW_PASSWORD, START
from tests.mail.conftest import MAIL_FROM, MAIL_FROM_NAME
from tests.mail.helpers import deliver, forgot_change, outbox, utc

HUGO_PASSWORD = "Cerisier-Boussole-Tambour-42"


def parts(message: EmailMessage) -> tuple[str, str]:
    """(text/plain, text/html) of a multipart/alternative message."""
    assert message.get_content_type() == "multipart/alternative"
    types = [part.get_content_type() for part in message.iter_parts()]
    assert types == ["text/plain", "text/html"]
    text = message.get_body(preferencelist=("plain",))
    page = message.get_body(preferencelist=("html",))
    assert isinstance(text, EmailMessage) and isinstance(page, EmailMessage)
    return text.get_content(), page.get_content()


def change_hugo(services) -> date:
    """Hugo (English account) signs in and changes his password, without a client address."""
    core = SessionCore(services, language="en")
    view = walk(core, [LogIn(HUGO, HUGO_PASSWORD, core.captcha.current.solution)])
    assert view.step is Step.EXPIRY_ALERT, view.notes  # his password expires within 60 days
    view = walk(core, [Proceed(), OpenChange()])
    assert view.step is Step.CHANGE, view.notes
    view = walk(core, [SubmitChange(ticked=True, password=NEW_PASSWORD, confirmation=NEW_PASSWORD, answer="medor")])
    assert view.step is Step.CHANGE_DONE and not view.notes, view.notes
    assert isinstance(view.detail, SummaryDetail)
    return view.detail.valid_until


def test_both_languages_delivered(mail_services, mail_demo, relay) -> None:
    # Lila's session is in English: the email still follows her account's language (French).
    lila_until = forgot_change(mail_services, LILA, client_address="203.0.113.7", language="en")
    hugo_until = change_hugo(mail_services)
    assert lila_until == hugo_until == date(2028, 3, 10)
    queued = outbox(mail_services)
    assert [(r.to_address, r.kind, r.state) for r in queued] == [
        (LILA, "password_changed:forgot", "queued"),
        (HUGO, "password_changed:change", "queued"),
    ]

    mail_services.clock.advance(timedelta(seconds=5))
    report = deliver(mail_services)
    assert sorted(report.sent) == [r.id for r in queued] and not report.retried and not report.failed

    assert len(relay.accepted) == 2 and not relay.refused
    by_to = {received.rcpt_tos: received for received in relay.accepted}
    assert set(by_to) == {(LILA,), (HUGO,)}
    for received in relay.accepted:
        assert received.mail_from == MAIL_FROM
    rows = {r.to_address: r for r in queued}

    # --- Lila, in French, with the client address ---
    lila = by_to[(LILA,)].message
    assert lila["Subject"] == "Espace professionnel - Modification du mot de passe"
    assert lila["From"].addresses[0].addr_spec == MAIL_FROM
    assert lila["From"].addresses[0].display_name == MAIL_FROM_NAME
    assert [a.addr_spec for a in lila["To"].addresses] == [LILA]
    assert lila["To"].addresses[0].display_name == "Lila ROSEMONDE"
    assert lila["Message-ID"] == rows[LILA].message_id
    assert parsedate_to_datetime(lila["Date"]) == START
    assert lila["Cc"] is None and lila["Bcc"] is None
    text, page = parts(lila)
    assert text.startswith("Bonjour Lila ROSEMONDE,")
    assert "prise en compte le 10 mars 2025 à 10:00" in text  # 09:00 UTC is 10:00 in Paris
    assert "valable jusqu'au 10 mars 2028" in text
    assert "203.0.113.7" in text
    assert "question de confiance" in text
    assert "ne vous demande jamais vos identifiants" in text
    assert "merci de ne pas y répondre" in text
    assert '<html lang="fr">' in page
    assert "10 mars 2028" in page and "203.0.113.7" in page and "ne pas y répondre" in page

    # --- Hugo, in English, no client address ---
    hugo = by_to[(HUGO,)].message
    assert hugo["Subject"] == "Professional account - Password change"
    assert hugo["From"].addresses[0].addr_spec == MAIL_FROM
    assert [a.addr_spec for a in hugo["To"].addresses] == [HUGO]
    assert hugo["To"].addresses[0].display_name == "Hugo MARTIN"
    assert hugo["Message-ID"] == rows[HUGO].message_id
    assert hugo["Date"] is not None
    text, page = parts(hugo)
    assert text.startswith("Hello Hugo MARTIN,")
    assert "taken into account on 10 March 2025 at 10:00" in text
    assert "valid until 10 March 2028" in text
    assert "The change was made from the address" not in text and "None" not in text
    assert "never asks for your credentials" in text
    assert "do not reply" in text
    assert '<html lang="en">' in page and "10 March 2028" in page

    # Message-IDs are distinct and on the sender's domain.
    assert lila["Message-ID"] != hugo["Message-ID"]
    assert lila["Message-ID"].endswith("@impots.example>")

    after = outbox(mail_services)
    assert [r.state for r in after] == ["sent", "sent"]
    for r in after:
        assert utc(r.sent_at) == START + timedelta(seconds=5)
        assert r.attempts == 1 and r.last_error is None
        assert r.claimed_by is None and r.claimed_until is None

    # Nothing left: a second round sends nothing.
    assert deliver(mail_services).handled == 0
    assert len(relay.accepted) == 2


def test_html_escapes_names_and_address(mail_services, mail_demo, relay) -> None:
    from domain.models import AccountBase
    from domain.registration import register

    register(
        mail_services,
        AccountBase(
            subscriber_number="20232990000909",
            last_name='<b>MAL</b> & "Co"',
            first_name="<script>alert(1)</script>",
            email="mal.co@exemple.fr",
            security_question="Le nom de votre école primaire ?",
        ),
        password="Kestrel-Mandoline-Falaise-64",
        answer="Jaurès",
    )
    forgot_change(mail_services, "mal.co@exemple.fr", answer="jaures", client_address="<i>198.51.100.9</i>")
    deliver(mail_services)
    (received,) = relay.accepted
    text, page = parts(received.message)
    assert '<script>alert(1)</script> <b>MAL</b> & "Co"' in text  # plain text: as typed
    assert "<script>" not in page and "<b>MAL</b>" not in page and "<i>198" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;b&gt;MAL&lt;/b&gt; &amp;" in page
    assert "&lt;i&gt;198.51.100.9&lt;/i&gt;" in page
    assert received.message["To"].addresses[0].display_name == '<script>alert(1)</script> <b>MAL</b> & "Co"'
    assert received.rcpt_tos == ("mal.co@exemple.fr",)
