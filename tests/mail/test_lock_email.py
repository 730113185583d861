"""The forgot-password lock email: to the holder of a known account only, once per lock."""

from __future__ import annotations

from datetime import timedelta

from domain.session import SessionCore, Step, View, walk
from domain.session.intents import OpenForgot, SubmitAnswer, SubmitEmail
from tests.domain.support import HUGO, LILA
from tests.mail.helpers import deliver, outbox

UNKNOWN = "personne.inconnue@exemple.fr"


def codes(view: View) -> tuple[str, ...]:
    return tuple(note.code for note in view.notes)


def submit_email(core: SessionCore, email: str) -> View:
    walk(core, [OpenForgot(email)])
    return core.send(SubmitEmail(email, core.captcha.current.solution))


def at_question(services, email: str, client_address: str = "192.0.2.44") -> SessionCore:
    core = SessionCore(services, client_address=client_address)
    view = submit_email(core, email)
    assert view.step is Step.FORGOT_QUESTION and not view.notes, view.notes
    return core


def answer(core: SessionCore, text: str) -> tuple[str, ...]:
    return codes(core.send(SubmitAnswer(text)))


def wrong_answers(services, email: str, count: int) -> list[tuple[str, ...]]:
    core = at_question(services, email)
    return [answer(core, f"mauvaise réponse {n}") for n in range(count)]


def test_five_wrong_answers_queue_one_email(mail_services, mail_demo, relay) -> None:
    waiting = at_question(mail_services, LILA)  # another procedure, at the question already
    core = at_question(mail_services, LILA)
    refused = [answer(core, f"mauvaise réponse {n}") for n in range(5)]
    assert refused[:4] == [("wrong_answer",)] * 4 and refused[4] == ("locked",)
    (email,) = outbox(mail_services)
    assert (email.to_address, email.kind, email.language) == (LILA, "procedure_locked", "fr")

    # More attempts while locked, from this procedure or another one: no further email.
    assert answer(core, "encore faux") == ("locked",)
    assert answer(waiting, "encore faux") == ("locked",)
    assert codes(submit_email(SessionCore(mail_services), LILA)) == ("locked",)
    assert len(outbox(mail_services)) == 1

    assert deliver(mail_services).sent == [email.id]
    (received,) = relay.accepted
    assert received.rcpt_tos == (LILA,)
    message = received.message
    assert message["Subject"] == "Espace professionnel - Procédure «\xa0Mot de passe oublié\xa0» suspendue"
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert text.startswith("Bonjour Lila ROSEMONDE,")
    assert "10:15" in text and "10 mars 2025" in text  # locked until 09:15 UTC, in Paris
    assert "192.0.2.44" in text
    assert "à ne pas répondre à ce message" in text


def test_english_account(mail_services, mail_demo, relay) -> None:
    wrong_answers(mail_services, HUGO, 5)
    (email,) = outbox(mail_services)
    assert email.to_address == HUGO and email.language == "en"
    deliver(mail_services)
    assert relay.accepted[0].message["Subject"] == "Professional account - Forgot password procedure suspended"


def test_unknown_address_queues_nothing(mail_services, mail_demo) -> None:
    refused = wrong_answers(mail_services, UNKNOWN, 5)
    assert refused[4] == ("locked",)
    assert outbox(mail_services) == []


def test_a_new_lock_after_the_first_ends_sends_again(mail_services, mail_demo, clock) -> None:
    wrong_answers(mail_services, LILA, 5)
    clock.advance(timedelta(minutes=16))
    assert wrong_answers(mail_services, LILA, 1) == [("wrong_answer",)]
    assert len(outbox(mail_services)) == 1
    clock.advance(timedelta(minutes=31))
    wrong_answers(mail_services, LILA, 5)
    assert [r.kind for r in outbox(mail_services)] == ["procedure_locked", "procedure_locked"]
