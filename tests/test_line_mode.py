"""The line mode's behaviour, in process: scripted answers in, plain lines out (the real
terminal, echo and SSH are in tests/e2e/test_line_mode.py)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest
from sqlmodel import col, select

from domain.models import JournalEvent
from domain.replay import TRANSCRIPT, timeline
from domain.services import Services
from tests.domain.support import LILA, NEW_PASSWORD
from tui.cli import plain_wanted
from tui.line_mode import MAX_LINE_CHARS, LineEnded, LineIO, LineMode, LineTooLong

LILA_PASSWORD = "Glycine-Orage-Violon-2023"

Answer = str | Callable[[LineMode], str]


class ScriptIO(LineIO):
    """Answers from a script; what is written is kept; which reads were secret too."""

    def __init__(self, answers: Iterable[Answer]) -> None:
        self.answers = list(answers)
        self.written: list[str] = []
        self.reads: list[tuple[str, bool]] = []
        self.terminal = False
        self._saved = None
        self._buffer = b""
        self.mode: LineMode | None = None

    def write(self, text: str) -> None:
        self.written.append(text)

    def read(self, *, secret: bool = False) -> str:
        if not self.answers:
            raise LineEnded("client_closed")
        answer = self.answers.pop(0)
        assert self.mode is not None
        text = answer(self.mode) if callable(answer) else answer
        self.reads.append((self.written[-1].strip().replace("\xa0", " "), secret))
        self.written.append("\n")  # as a terminal echoes the end of the line
        return text

    @property
    def text(self) -> str:
        """What was written, French no-break spaces read as spaces."""
        return "".join(self.written).replace("\xa0", " ")


def session(services: Services, answers: Iterable[Answer], **kwargs: object) -> tuple[ScriptIO, LineMode, str]:
    io = ScriptIO(answers)
    mode = LineMode(services, io=io, **kwargs)  # type: ignore[arg-type]
    io.mode = mode
    how = mode.run()
    services.journal_writer.flush()
    return io, mode, how


def code(mode: LineMode) -> str:
    return mode.core.captcha.current.solution


def lines_after(text: str, start: str) -> list[str]:
    lines = text.splitlines()
    index = next(i for i, line in enumerate(lines) if start in line)
    return lines[index:]


def test_forgot_password_with_a_wrong_answer_and_a_weak_password(services: Services, demo: object) -> None:
    io, _mode, how = session(
        services,
        ["2", LILA, "Pierre", "Paul", "motdepasse", NEW_PASSWORD, NEW_PASSWORD, "", "4"],
    )
    text = io.text
    assert how == "quit"
    assert "Étape 1 sur 4 : Adresse électronique de connexion" in text
    assert "Attention : Environnement de test : le code de sécurité est désactivé." in text
    assert "Adresse électronique de connexion : " in text
    # the wrong answer: one error line right after the answer, then the same prompt again
    after = lines_after(text, "Étape 2 sur 4")
    assert after[1] == "Adresse électronique de connexion : " + LILA
    assert after[3] == "Votre réponse à la question de confiance : "
    assert after[4].startswith("Erreur : La réponse ne correspond pas")
    assert after[5] == "Votre réponse à la question de confiance : "
    errors = [line for line in text.splitlines() if line.startswith("Erreur : ")]
    assert errors[0].startswith("Erreur : La réponse ne correspond pas")
    asked = [prompt for prompt, _secret in io.reads]
    assert asked.count("Votre réponse à la question de confiance :") == 2
    # the weak password: its level, the refusals, the prompt again
    assert "Niveau de sécurité : Trop court (refusé)" in text  # 10 characters: too short, whatever its strength
    assert "Niveau de sécurité : Moyen (accepté)" in text
    assert asked.count("Nouveau mot de passe (20 caractères minimum) :") == 2
    assert "Étape 4 sur 4 : Récapitulatif" in text
    assert "Votre nouveau mot de passe est valable jusqu'au " in text
    # secrets were read as secrets, the rest not
    secrets = {prompt for prompt, secret in io.reads if secret}
    assert secrets == {
        "Votre réponse à la question de confiance :",
        "Nouveau mot de passe (20 caractères minimum) :",
        "Confirmez le nouveau mot de passe (20 caractères minimum) :",
    }
    assert "\x1b" not in text


def test_the_meter_says_too_short_under_the_minimum_length(services: Services, demo: object) -> None:
    """Issue 13: the same rule as the full-screen meter (the policy's): 16 characters are
    « Trop court (refusé) », never « Moyen (accepté) »."""
    io, mode, _how = session(services, ["2", LILA, "Paul", "Tournesol-Violon", NEW_PASSWORD, NEW_PASSWORD, "", "4"])
    text = io.text
    assert "Niveau de sécurité : Trop court (refusé)" in text
    assert text.count("Niveau de sécurité : Moyen") == 1  # NEW_PASSWORD's, not the 16 characters'
    assert "Erreur : Le mot de passe doit comporter au moins 20 caractères (il en a 16)." in text
    levels = [e.detail for e in timeline(services, mode.core.reference)[1] if (e.kind, e.name) == ("shown", "meter")]
    assert levels == [{"level": "too_short"}, {"level": "moyen"}]


def test_the_email_typed_at_the_login_is_offered_and_kept(services: Services, demo: object) -> None:
    # after a wrong password the password is asked again (a secret: an empty line gives
    # the choices), the email is kept and goes on to « Mot de passe oublié »
    io, _mode, _how = session(services, ["1", LILA, "mauvais-mot-de-passe", "", "2", ""])
    text = io.text
    assert "Erreur : L'adresse électronique ou le mot de passe est erroné." in text
    assert "1) Recommencer la saisie  2) Mot de passe oublié  3) Aide  4) Quitter" in text
    assert f"Adresse électronique de connexion (Entrée : {LILA}) :" in text
    assert "Étape 2 sur 4 : Réponse à la question de confiance" in text


def test_commands_work_at_plain_prompts_only(services: Services, demo: object) -> None:
    io, mode, _how = session(
        services,
        ["2", "aide", "reference", "langue en", LILA, "help", "back", "quit"],
    )
    text = io.text
    assert text.count("vous pouvez taper : aide, retour") == 2  # at the start, then on request
    assert f"Référence de la session : {mode.core.reference}" in text
    assert "The session now speaks English." in text
    assert "Your answer to the security question:" in [prompt for prompt, _ in io.reads]
    # at a secret prompt a command word is an answer: checked, and wrong
    assert "Error: The answer does not match the security question." in text


def test_an_empty_secret_offers_the_choices(services: Services, demo: object) -> None:
    io, _mode, how = session(services, ["2", LILA, "", "2"])
    assert "Rien n'a été tapé. Que voulez-vous faire ?" in io.text
    assert "1) Recommencer la saisie  2) Étape précédente" in io.text
    assert how == "client_closed"


def test_the_captcha_is_spelled_and_never_recorded(captcha_services: Services, captcha_demo: object) -> None:
    io, mode, _how = session(
        captcha_services,
        ["1", LILA, LILA_PASSWORD, "nouveau", code, "4", "5"],
    )
    text = io.text
    assert text.count("Code de sécurité, épelé : ") == 2  # then a new one, on request
    assert "Ce code est valable 3 minutes à partir de maintenant." in text
    assert "Bienvenue, Lila ROSEMONDE." in text
    record, _events, frames = timeline(captcha_services, mode.core.reference)
    transcript = "\n".join(frame.text for frame in frames if frame.reason == TRANSCRIPT).replace("\xa0", " ")
    assert record is not None and record.channel == "line"
    assert "Bienvenue, Lila ROSEMONDE." in transcript
    assert "Code de sécurité épelé (non enregistré)." in transcript
    assert "épelé :" not in transcript and LILA_PASSWORD not in transcript
    assert "Mot de passe :" in transcript  # the prompt, without what was typed


def test_the_journal_keeps_no_secret_of_a_line_session(services: Services, demo: object) -> None:
    _io, mode, _how = session(services, ["2", LILA, "Paul", NEW_PASSWORD, NEW_PASSWORD, "", "4"])
    with services.uow() as uow:
        rows = uow.session.exec(
            select(JournalEvent)
            .where(JournalEvent.session_reference == mode.core.reference)
            .order_by(col(JournalEvent.seq))
        ).all()
    names = [row.name for row in rows]
    assert "password_changed" in names
    _record, _events, frames = timeline(services, mode.core.reference)
    everything = " ".join(row.detail for row in rows) + "\n".join(frame.text for frame in frames)
    assert NEW_PASSWORD not in everything and "Paul" not in everything


def test_an_expired_password_in_english(services: Services, demo: object) -> None:
    io, _mode, _how = session(
        services,
        [
            "1",
            "chloe.durand@example.fr",
            "Hibiscus-Lanterne-Falaise-19",
            "",
            "Hibiscus-Lanterne-Falaise-19",
            NEW_PASSWORD,
            NEW_PASSWORD,
            "",
        ],
        language="en",
    )
    text = io.text
    assert "Step 1 of 3: Login email address" in text
    assert "Step 2 of 3: Old and new password" in text
    assert "Step 3 of 3: Summary" in text
    assert "Your password has been changed." in text


@pytest.mark.parametrize(
    ("flag", "environ", "terminal", "wanted"),
    [
        (True, {}, True, True),
        (False, {}, True, False),
        (False, {"ACCESSIBLE": "1"}, True, True),
        (False, {"ACCESSIBLE": "yes"}, True, True),
        (False, {"ACCESSIBLE": "0"}, True, False),
        (False, {"ACCESSIBLE": ""}, True, False),
        (False, {"TERM": "dumb"}, True, True),
        (False, {"TERM": "xterm"}, False, True),
    ],
)
def test_when_the_line_mode_starts(flag: bool, environ: dict[str, str], terminal: bool, wanted: bool) -> None:
    assert plain_wanted(flag, environ, terminal=terminal) is wanted


def test_a_line_too_long_is_refused_and_the_next_one_read(tmp_path: Path) -> None:
    read_fd, write_fd = os.pipe()
    os.write(write_fd, b"x" * (MAX_LINE_CHARS * 4) + b"\nbonjour\r\ndernier")
    os.close(write_fd)
    out = os.open(tmp_path / "out", os.O_WRONLY | os.O_CREAT, 0o600)
    io = LineIO(read_fd, out)
    with pytest.raises(LineTooLong):
        io.read()
    assert io.read() == "bonjour"
    assert io.read() == "dernier"  # a last line without its end
    with pytest.raises(LineEnded):
        io.read()
    io.line("a\x1b]52;c;aGk=\x07b\nc\x9bd")
    os.close(out)
    replaced = "\N{REPLACEMENT CHARACTER}"
    expected = f"\n\n\na{replaced}]52;c;aGk={replaced}b\nc{replaced}d\n"
    assert (tmp_path / "out").read_bytes() == expected.encode()


def test_invalid_utf8_is_read_as_replacement_characters(tmp_path: Path) -> None:
    read_fd, write_fd = os.pipe()
    os.write(write_fd, b"caf\xc3\n\xed\xa0\x80\n")
    os.close(write_fd)
    io = LineIO(read_fd, os.open(os.devnull, os.O_WRONLY))
    assert io.read() == "caf\N{REPLACEMENT CHARACTER}"
    assert "\ud800" not in io.read()


STAFF_PASSWORD = "Bergamote-Escalier-Nuage-31"


def support_console(services: Services, answers: Iterable[str], **kwargs: object) -> tuple[ScriptIO, str]:
    from tui.line_support import run_plain_console

    io = ScriptIO(answers)
    io.mode = object()  # type: ignore[assignment]  # answers here are plain strings
    how = run_plain_console(services, language="fr", io=io, **kwargs)  # type: ignore[arg-type]
    return io, how


def test_support_reads_a_line_session_as_text(services: Services, demo: object) -> None:
    from domain import support

    support.add_staff(services, "agent.martin", "Agent Martin", STAFF_PASSWORD)
    _io, mode, _how = session(services, ["2", LILA, "Pierre", "Paul", NEW_PASSWORD, NEW_PASSWORD, "", "4"])
    reference = mode.core.reference
    io, how = support_console(
        services,
        ["agent.martin", "mauvais", "agent.martin", STAFF_PASSWORD, "NOPE-0000", reference.lower(), "quitter"],
    )
    text = io.text
    assert how == "quit"
    assert "Erreur : Identifiant inconnu ou mot de passe erroné (ou trop de tentatives)." in text
    assert ("Mot de passe :", True) in io.reads  # the staff password is read as a secret
    assert "Erreur : Aucune session avec cette référence." in text
    assert f"{reference}: line" in text
    assert "     | Étape 2 sur 4 : Réponse à la question de confiance" in text
    assert "outcome  answer_refused reason=wrong_answer" in text
    # Issue 13: the failures first, in words, and each failure marked in the timeline
    flat = text.replace("\u00a0", " ")
    assert "Échecs dans cette session : 1" in flat
    assert "Refus : mauvaise réponse à la question de confiance" in flat
    assert "ÉCHEC : " in flat and "answer_refused reason=wrong_answer length=1-7 — Refus : mauvaise réponse" in flat
    assert NEW_PASSWORD not in text and "Paul" not in text.split(reference)[-1]


def test_a_support_key_removed_ends_the_line_console(services: Services, demo: object) -> None:
    from domain.support import StaffIdentity

    # an SSH key identity whose key is in no support keys file: refused at the first action
    io, how = support_console(services, ["ABCD-1234"], identity=StaffIdentity("ssh-key:SHA256:gone"))
    assert how == "staff_revoked"
    assert "Cet accès d'agent de l'assistance a été retiré" in io.text


def test_the_fallback_and_the_advice_follow_the_sheets(services: Services, demo: object) -> None:
    """Issue 12: the line mode shows the same per-procedure fallback as the full-screen
    app (the expired password's speaks of the old password and names « Mot de passe
    oublié »), and the sheet's advice in full."""
    chloe, chloe_password = "chloe.durand@example.fr", "Hibiscus-Lanterne-Falaise-19"
    io, _mode, _how = session(services, ["1", chloe, chloe_password, "choix", "3", "", "quitter"])
    expired = "\n".join(lines_after(io.text, "En cas d'impossibilité de mener à bien la procédure"))
    assert "et du mot de passe que vous utilisez pour y accéder (votre ancien mot de passe)." in expired
    assert "la procédure « Mot de passe oublié » (sur l'écran de connexion) permet également" in expired
    assert "Si vous ne pouvez mener à bien aucune de ces procédures :" in expired
    assert "- créez un nouvel espace professionnel selon le mode expert ;" in expired
    assert "Par téléphone : 0809 400 210" in expired
    assert "et de la réponse à votre question de confiance." not in expired

    io, _mode, _how = session(services, ["2", "choix", "3", "", LILA, "Paul", "", "3", "", "quitter"])
    forgot = "\n".join(lines_after(io.text, "En cas d'impossibilité de mener à bien la procédure"))
    assert "et de la réponse à votre question de confiance." in forgot
    assert "ancien mot de passe" not in forgot and "« Mot de passe oublié »" not in forgot
    assert "Si vous ne les avez plus :" in forgot
    advice = lines_after(io.text, "Recommandations pour prévenir des usurpations")
    assert "- ne l'écrivez jamais sur quelque support que ce soit (ni fichier ni papier) ;" in advice
    assert "- ne l'envoyez pas par courriel (les messageries électroniques sont cibles de nombreuses " in (
        "\n".join(advice)
    )
    assert any("technique de la phrase « Un tien vaut mieux que deux tu l'auras » : 1tvmq2t1'A." in a for a in advice)
    assert any("au moins 20 : prenez une phrase plus longue" in a for a in advice)
    assert any("configurer votre navigateur pour qu'il ne se souvienne pas des mots de passe" in a for a in advice)


def test_the_rules_come_before_the_first_key_and_a_refusal_says_why(services: Services, demo: object) -> None:
    """Issue 16: what is refused is said before the password is asked; a weak one is
    refused with its reasons in words, never with the password itself."""
    weak = "lundimardimercredijeudi"
    io, mode, _how = session(services, ["2", LILA, "Paul", weak, NEW_PASSWORD, NEW_PASSWORD, "", "4"])
    text = io.text
    rules = text.index("Sont refusés comme faibles : mots et noms courants")
    assert rules < text.index("Nouveau mot de passe (20 caractères minimum)")
    assert "Niveau de sécurité : Faible (refusé)" in text
    refusal = next(line for line in text.splitlines() if "trop faible" in line)
    assert "il contient un jour, un mois ou un nombre en toutes lettres" in refusal
    assert weak not in text
    events = timeline(services, mode.core.reference)[1]
    meters = [e for e in events if (e.kind, e.name) == ("shown", "meter")]
    assert meters[0].detail == {"level": "faible", "reasons": ["word_sequence"]}
    # support staff read the reasons in the replay, from the codes (the journal has no word)
    from domain.i18n import Translator
    from domain.replay import describe

    said = describe(meters[0], Translator("fr"), services.tz)
    assert said is not None and "un jour, un mois ou un nombre en toutes lettres" in said
    assert all(weak not in str(e.detail) for e in events)
