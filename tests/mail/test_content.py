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
    flat = " ".join(text.replace("\u00a0", " ").split())  # French spaces before « : » are no-break
    assert "(« Gérer vos coordonnées »)" in flat
    assert "ne vous sollicite jamais" in flat and "message d'hameçonnage" in flat
    assert "ne pas répondre à ce message" in flat
    assert "au 0809 400 210 (service gratuit + prix appel), du lundi au vendredi" in flat
    assert '<html lang="fr">' in page
    assert "10 mars 2028" in page and "203.0.113.7" in page and "ne pas répondre" in page

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
    assert "never asks you (whether by email, text message or phone)" in text
    assert "please do not reply" in text and "on 0809 400 210" in text
    assert '("Manage your contact details")' in text
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


SHEET_EMAIL_FR = (
    # seed 003, the sheet's confirmation email, paragraph by paragraph (ours in its own words
    # where the sheet's would be untrue here, e.g. the support instead of the website's FAQ)
    "Bonjour Lila ROSEMONDE,",
    "La modification du mot de passe de votre espace professionnel a bien été prise en compte le 05 juin 2023 à 14:30.",
    "Votre nouveau mot de passe est valable jusqu'au 05 juin 2026.",
    "La modification a été faite depuis l'adresse 192.0.2.7.",
    "En cas d'oubli de votre mot de passe, vous devrez saisir la réponse à votre question de confiance, "
    "présente dans vos informations personnelles (« Gérer vos coordonnées »).",
    "Si vous n'êtes pas à l'origine de cette modification, contactez l'assistance sans attendre.",
    "L'administration fiscale vous remercie de l'intérêt que vous portez à ses services.",
    "Si vous avez une question particulière, nous vous invitons à ne pas répondre à ce message, envoyé "
    "automatiquement, mais à contacter l'assistance par téléphone au 0809 400 210 (service gratuit + prix "
    "appel), du lundi au vendredi, de 8h00 à 19h30, ou par le formulaire en ligne : Contact > Professionnel > "
    "Une assistance aux téléprocédures.",
    "L'administration fiscale ne vous sollicite jamais (que ce soit par courriel, par SMS ou par téléphone) "
    "pour vous demander de communiquer de quelque manière que ce soit vos identifiants ou vos coordonnées "
    "bancaires. Si vous recevez un tel message, ne cliquez sur aucun lien, n'appelez pas le numéro indiqué "
    "et ne tenez pas compte des informations qu'il contient, car il s'agit sans doute d'un message "
    "d'hameçonnage (phishing).",
)


def paragraphs(body: str) -> list[str]:
    return [" ".join(p.split()).replace("\u00a0", " ") for p in body.strip().split("\n\n")]


def test_the_confirmation_says_all_the_sheet_says() -> None:
    """Issue 12: the sheet's email, line by line: where the security question is (« Gérer
    vos coordonnées »), the thanks, how to reach support instead of replying, and the
    phishing warning in full (never shortened)."""
    from tests.domain.test_accounts import make_email

    french = make_email("fr")
    assert paragraphs(french.body_text) == list(SHEET_EMAIL_FR)
    english = paragraphs(make_email("en").body_text)
    assert english[4] == (
        "If you forget your password, you will have to type the answer to your security question; "
        'the question is in your personal information ("Manage your contact details").'
    )
    assert english[-3:] == [
        "The tax administration thanks you for your interest in its services.",
        "If you have a question, please do not reply to this message, which was sent automatically: contact "
        "support by phone on 0809 400 210 (free service + price of a call), Monday to Friday, 8:00 to 19:30, "
        "or through the online form: Contact > Professional > Online procedures assistance.",
        "The tax administration never asks you (whether by email, text message or phone) to send your "
        "credentials or your bank details in any way whatsoever. If you receive such a message, do not click "
        "on any link, do not call the number it gives and ignore the information it contains: it is most "
        "probably a phishing message.",
    ]


def test_every_email_ends_with_support_and_the_full_warning() -> None:
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from domain.mail import Recipient, SupportLine, expiry_reminder_email, procedure_locked_email
    from domain.settings import load_settings

    support = SupportLine("01 23 45 67 89", {"fr": "tous les jours", "en": "every day"}, {"fr": "F", "en": "F"})
    now = datetime(2025, 3, 10, 9, tzinfo=UTC)
    for lang in ("fr", "en"):
        recipient = Recipient(1, LILA, "Lila", "ROSEMONDE", lang)
        locked = procedure_locked_email(
            recipient=recipient,
            locked_until=now,
            now=now,
            client_address=None,
            tz=ZoneInfo("Europe/Paris"),
            mail_domain="x.example",
            support=support,
        )
        reminder = expiry_reminder_email(
            recipient=recipient, expires_on=now.date(), days_left=7, now=now, mail_domain="x.example", support=support
        )
        for email in (locked, reminder):
            last = paragraphs(email.body_text)[-2:]
            assert "01 23 45 67 89" in last[0] and ("tous les jours" if lang == "fr" else "every day") in last[0]
            assert ("hameçonnage" if lang == "fr" else "phishing message") in last[1]
    assert SupportLine.of(load_settings()).phone == "0809 400 210"
