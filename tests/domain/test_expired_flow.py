"""« Mot de passe expiré » (SPEC §3.2, §6): the EXPIRED_* steps of the session core on the
demo data (Chloé's password expired 10 days before START)."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

from domain.i18n import Translator
from domain.policy import Reason
from domain.session import SessionCore, Step, View
from domain.session.intents import Back, LogIn, SubmitEmail, SubmitPasswords
from domain.session.views import SummaryDetail
from domain.usecases import PasswordStatus
from tests.domain.support import (
    LILA,
    NEW_PASSWORD,
    OTHER_PASSWORD,
    START,
    account,
    credentials,
    outbox,
)

CHLOE = "chloe.durand@example.fr"
CHLOE_PASSWORD = "Hibiscus-Lanterne-Falaise-19"
WRONG_OLD = "Hibiscus-Lanterne-Falaise-20"
UNKNOWN = "personne.inconnue@exemple.fr"

_CLIENTS = itertools.count(1)


def client() -> str:
    return f"100.64.0.{next(_CLIENTS) % 250}"


def login(services, email: str, password: str, address: str | None = None) -> PasswordStatus:
    """One LogIn on a fresh session: signed in, on to « Mot de passe expiré », or refused."""
    core = SessionCore(services, client_address=address or client())
    view = core.send(LogIn(email, password, core.captcha.current.solution))
    if view.step in (Step.HOME, Step.EXPIRY_ALERT):
        return PasswordStatus.OK
    if view.step is Step.EXPIRED_EMAIL:
        return PasswordStatus.EXPIRED
    assert view.step is Step.LOGIN, view.step
    (note,) = view.notes
    return PasswordStatus(note.code)


def at_email(services, address: str | None = None, *, language=None) -> SessionCore:
    """« Mot de passe expiré » is reached from « Connexion », by Chloé's right but expired
    password (a right password clears the account's count of login failures: open the
    sessions a test needs before it counts failures)."""
    core = SessionCore(services, language=language, client_address=address or client())
    view = core.send(LogIn(CHLOE, CHLOE_PASSWORD, core.captcha.current.solution))
    assert view.step is Step.EXPIRED_EMAIL, view.notes
    assert view.progress is not None and view.progress.number == 1
    return core


def flow_at_passwords(services, email: str = CHLOE, address: str | None = None, *, language=None) -> SessionCore:
    core = at_email(services, address, language=language)
    view = core.send(SubmitEmail(email, core.captcha.current.solution))
    assert view.step is Step.EXPIRED_PASSWORDS and view.notes == ()
    assert view.progress is not None and view.progress.number == 2 and view.progress.total == 3
    return core


def passwords(core: SessionCore, old: str, new: str, confirmation: str) -> View:
    return core.send(SubmitPasswords(old, new, confirmation))


def codes(view: View) -> tuple[str, ...]:
    return tuple(note.code for note in view.notes)


def messages(core: SessionCore, view: View) -> tuple[str, ...]:
    t = Translator(core.language)
    return tuple(note.render(t) for note in view.notes)


def written(services, email: str = CHLOE) -> tuple[int, int, int]:
    """(credential rows, outbox emails, credentials version): what a change would bump."""
    return (
        len(credentials(services, email)),
        len(outbox(services)),
        account(services, email).credentials_version,
    )


def test_login_leads_to_the_procedure(services, demo) -> None:
    assert login(services, CHLOE, CHLOE_PASSWORD) is PasswordStatus.EXPIRED


def test_success(services, demo, clock) -> None:
    before = written(services)
    core = flow_at_passwords(services)
    view = passwords(core, CHLOE_PASSWORD, NEW_PASSWORD, NEW_PASSWORD)
    assert view.step is Step.EXPIRED_SUMMARY and view.notes == ()
    assert view.progress is not None and view.progress.number == 3
    assert view.detail == SummaryDetail(date(2028, 3, 10))  # START + 3 years
    (current,) = [c for c in credentials(services, CHLOE) if c.is_current]
    assert current.expires_on == date(2028, 3, 10)
    assert services.hasher.verify(current.password_hash, NEW_PASSWORD).ok
    assert written(services) == (before[0] + 1, before[1] + 1, before[2] + 1)
    (email,) = outbox(services)
    assert email.kind == "password_changed:expired"
    assert email.account_id == account(services, CHLOE).id
    assert email.to_address == CHLOE
    # then the user logs in, with the new password only
    assert login(services, CHLOE, CHLOE_PASSWORD) is PasswordStatus.INVALID
    assert login(services, CHLOE, NEW_PASSWORD) is PasswordStatus.OK
    # and the next day too (the new password is not expired)
    clock.advance(timedelta(days=1))
    assert login(services, CHLOE, NEW_PASSWORD) is PasswordStatus.OK


REFUSED = [
    ("motdepasse", "motdepasse", Reason.TOO_SHORT),
    ("aaaaaaaaaaaaaaaaaaaaaaaa", "aaaaaaaaaaaaaaaaaaaaaaaa", Reason.TOO_WEAK),
    (CHLOE_PASSWORD, CHLOE_PASSWORD, Reason.SAME_AS_PREVIOUS),
    (NEW_PASSWORD, OTHER_PASSWORD, Reason.CONFIRMATION_MISMATCH),
    ("chloe.durand@example.fr-Chloé", "chloe.durand@example.fr-Chloé", Reason.TOO_WEAK),
]


def test_refused_new_passwords_write_nothing(services, demo) -> None:
    before = written(services)
    core = flow_at_passwords(services)
    for new, confirmation, reason in REFUSED:
        view = passwords(core, CHLOE_PASSWORD, new, confirmation)
        assert view.notes, new
        assert reason in codes(view), (new, codes(view))
        assert all(messages(core, view))
        assert view.step is Step.EXPIRED_PASSWORDS and not isinstance(view.detail, SummaryDetail)
        assert written(services) == before
    assert login(services, CHLOE, CHLOE_PASSWORD) is PasswordStatus.EXPIRED
    # the user corrects it on the same screen
    assert passwords(core, CHLOE_PASSWORD, NEW_PASSWORD, NEW_PASSWORD).step is Step.EXPIRED_SUMMARY
    assert written(services) == (before[0] + 1, before[1] + 1, before[2] + 1)


def test_wrong_old_password(services, demo) -> None:
    before = written(services)
    core = flow_at_passwords(services)
    view = passwords(core, WRONG_OLD, NEW_PASSWORD, NEW_PASSWORD)
    assert view.step is Step.EXPIRED_PASSWORDS and codes(view) == ("wrong_old_password",)
    assert written(services) == before


def test_unknown_email_refused_at_the_password_step(services, demo) -> None:
    for language in ("fr", "en"):
        unknown = flow_at_passwords(services, UNKNOWN, language=language)
        known = flow_at_passwords(services, CHLOE, language=language)
        refused = passwords(unknown, CHLOE_PASSWORD, NEW_PASSWORD, NEW_PASSWORD)
        wrong = passwords(known, WRONG_OLD, NEW_PASSWORD, NEW_PASSWORD)
        assert codes(refused) == ("wrong_old_password",)
        assert refused.notes == wrong.notes  # same code, same message
        assert messages(unknown, refused) == messages(known, wrong)
        assert refused.step is wrong.step is Step.EXPIRED_PASSWORDS
    assert outbox(services) == []


def test_wrong_old_passwords_are_throttled_like_logins(services, demo, clock) -> None:
    address = "100.64.1.1"
    core = flow_at_passwords(services, address=address)
    other = flow_at_passwords(services)
    for _ in range(3):
        assert codes(passwords(core, WRONG_OLD, NEW_PASSWORD, NEW_PASSWORD)) == ("wrong_old_password",)
    # the 4th attempt, even with the right old password, waits 1 s
    view = passwords(core, CHLOE_PASSWORD, NEW_PASSWORD, NEW_PASSWORD)
    assert view.step is Step.EXPIRED_PASSWORDS and codes(view) == ("throttled",)
    assert "1" in messages(core, view)[0]
    assert written(services)[1] == 0
    # the same count as the login: for the account from another client, and for this client
    assert login(services, CHLOE, CHLOE_PASSWORD) is PasswordStatus.THROTTLED
    assert login(services, LILA, "Glycine-Orage-Violon-2023", address) is PasswordStatus.THROTTLED
    assert codes(passwords(other, CHLOE_PASSWORD, NEW_PASSWORD, NEW_PASSWORD)) == ("throttled",)
    clock.advance(timedelta(seconds=1))
    assert passwords(core, CHLOE_PASSWORD, NEW_PASSWORD, NEW_PASSWORD).step is Step.EXPIRED_SUMMARY


def test_logins_and_old_passwords_share_the_count(services, demo, clock) -> None:
    core = flow_at_passwords(services)
    assert login(services, CHLOE, WRONG_OLD) is PasswordStatus.INVALID
    assert login(services, CHLOE, WRONG_OLD) is PasswordStatus.INVALID
    assert codes(passwords(core, WRONG_OLD, NEW_PASSWORD, NEW_PASSWORD)) == ("wrong_old_password",)
    assert codes(passwords(core, CHLOE_PASSWORD, NEW_PASSWORD, NEW_PASSWORD)) == ("throttled",)
    assert login(services, CHLOE, CHLOE_PASSWORD) is PasswordStatus.THROTTLED


def test_unknown_email_throttled_like_a_known_one(services, demo) -> None:
    known, unknown = flow_at_passwords(services, CHLOE), flow_at_passwords(services, UNKNOWN)

    def run(core: SessionCore) -> list[tuple[str, ...]]:
        return [codes(passwords(core, WRONG_OLD, NEW_PASSWORD, NEW_PASSWORD)) for _ in range(5)]

    expected = [("wrong_old_password",)] * 3 + [("throttled",)] * 2
    assert run(known) == run(unknown) == expected


def test_back_and_step_guard(services, demo) -> None:
    core = at_email(services)
    # the passwords cannot be sent before the email step is completed: ignored
    email_step = core.view()
    view = passwords(core, CHLOE_PASSWORD, NEW_PASSWORD, NEW_PASSWORD)
    assert view.step is Step.EXPIRED_EMAIL and view.revision == email_step.revision
    assert core.send(SubmitEmail(CHLOE, core.captcha.current.solution)).step is Step.EXPIRED_PASSWORDS
    view = core.send(Back())
    assert view.step is Step.EXPIRED_EMAIL
    assert written(services)[1] == 0
    assert len(credentials(services, CHLOE)) == 1


def test_valid_until_follows_the_day_of_the_change(services, demo, clock) -> None:
    clock.set(START + timedelta(days=87))  # 5 June 2025
    core = flow_at_passwords(services)
    view = passwords(core, CHLOE_PASSWORD, NEW_PASSWORD, NEW_PASSWORD)
    assert view.step is Step.EXPIRED_SUMMARY
    assert view.detail == SummaryDetail(date(2028, 6, 5))
