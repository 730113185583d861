"""The line mode end to end: ``motdepasse demo --plain`` locally and ``ssh texte@`` /
``ssh plain@`` against a real ``motdepasse serve --demo``, through a real
pseudo-terminal (pexpect).

Assertions are about the raw bytes a screen reader or a braille display receives: whole
lines, in order, each prompt ending with « : », nothing but printable text, CR and LF (no
escape sequence at all), and no secret ever echoed. Every local session runs with its
own data directory and the CAPTCHA on: the test reads it spelled out and types it back,
as a blind user does. The SSH server (``start_server``) has the CAPTCHA off.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import signal
import sys
import termios
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pexpect
import pytest

from domain.captcha import SPELLING
from domain.i18n import N_, Translator
from domain.policy import add_years
from domain.session import messages as m
from tests.e2e.sshterm import ROOT, SSH, SSH_OPTIONS, Server, client_env, start_server
from tui import line_mode as lm
from tui import line_support
from tui.ssh_session import IDLE_WARNING

LILA = "lila.rosemonde@orange.fr"
LILA_PASSWORD = "Glycine-Orage-Violon-2023"
LILA_ANSWER = "Paul"
HUGO = "hugo.martin@example.fr"
HUGO_PASSWORD = "Cerisier-Boussole-Tambour-42"
HUGO_ANSWER = "Médor"
CHLOE = "chloe.durand@example.fr"
CHLOE_PASSWORD = "Hibiscus-Lanterne-Falaise-19"
STRONG = "Horizon-Luciole-Chaloupe-Zinc-87"  # Fort: 10^26.5
WEAK = "soleil2024"
WRONG_ANSWER = "Gontran-Faux"
TIMEOUT = 15.0
STARTUP_TIMEOUT = 60.0  # the first import of the app on a loaded machine

SESSION_REFERENCE = re.compile(
    rb"(?:R\xc3\xa9f\xc3\xa9rence de la session|Session reference)\W+([A-Z0-9]{4}-[A-Z0-9]{4})"
)

needs_ssh = pytest.mark.skipif(
    shutil.which("ssh") is None or shutil.which("ssh-keygen") is None,
    reason="the OpenSSH client (ssh, ssh-keygen) is not installed; on CI test_ssh_client.py fails instead",
)


# -- a line-mode session on a pseudo-terminal ------------------------------------------------


def loose(text: str) -> bytes:
    """A regex (bytes) for ``text`` where each space may also be a no-break space (French
    puts one before « : », inside « », …), so tests can be written with plain spaces."""
    return rb"(?: |\xc2\xa0)".join(re.escape(part.encode()) for part in text.split(" "))


class Line:
    """One line-mode session (local process or ssh client) on a pseudo-terminal: bytes in,
    bytes out, everything it printed kept in :attr:`log` (``logfile_read``)."""

    def __init__(self, child: pexpect.spawn, lang: str) -> None:
        self.child = child
        self.log = io.BytesIO()
        child.logfile_read = self.log
        self.t = Translator("en" if lang == "en" else "fr")
        self.secrets: list[str] = []
        """Everything typed at a secret prompt: never in the output after :attr:`mark`."""
        self.mark = 0
        """Where the session proper starts (after the demo accounts, which show the demo
        passwords and answers on purpose)."""
        self.before_captcha = b""

    # -- reading --------------------------------------------------------------------------
    def expect(self, text: str, timeout: float = TIMEOUT) -> bytes:
        """Wait for ``text`` (spaces match no-break spaces too); what came before it."""
        try:
            self.child.expect(re.compile(loose(text)), timeout=timeout)
        except (pexpect.TIMEOUT, pexpect.EOF) as error:
            raise AssertionError(f"{text!r} never came ({type(error).__name__}):\n{self.tail()}") from None
        return bytes(self.child.before)

    def expect_re(self, pattern: bytes, timeout: float = TIMEOUT) -> re.Match[bytes]:
        try:
            self.child.expect(re.compile(pattern), timeout=timeout)
        except (pexpect.TIMEOUT, pexpect.EOF) as error:
            raise AssertionError(f"{pattern!r} never came ({type(error).__name__}):\n{self.tail()}") from None
        match = self.child.match
        assert isinstance(match, re.Match)
        return match

    def prompt(self, label: str, timeout: float = TIMEOUT) -> bytes:
        """Wait for the prompt ``label:`` (« label : » in French) and its trailing space:
        the end of the output so far (nothing may follow it)."""
        shown = self.t.format(N_("{label}:"), label=label) + " "
        return self.expect(shown, timeout)

    def choose(self, label: str) -> None:
        """At a numbered menu: the number of ``label``, then Enter."""
        number = self.expect_re(rb"(\d+)\) " + loose(label) + rb"(?:  |\r\n)")[1]
        self.expect_re(rb"\)(?:\xc2\xa0)?: ")  # the choice prompt: « Votre choix (1-4) : »
        self.send(number.decode())

    def text(self) -> str:
        return self.output().decode("utf-8", "replace")

    def tail(self, size: int = 3000) -> str:
        return self.output()[-size:].decode("utf-8", "replace")

    def output(self) -> bytes:
        return self.log.getvalue()

    def captcha(self) -> str:
        """Read the CAPTCHA spelled out (« chiffre trois, A comme Anatole, … ») and decode
        it with the catalogue: what a user types back. What came before the spelled line is
        kept in :attr:`before_captcha`."""
        words = {self.t._(message): character for character, message in SPELLING.items()}
        before, after = self.t._(lm.CAPTCHA_SPELLED).split("{spelled}")
        spelled = self.expect_re(loose(before) + rb"([^\r\n]+)" + loose(after) + rb"\r\n")[1].decode()
        self.before_captcha = bytes(self.child.before)
        try:
            return "".join(words[word] for word in spelled.split(", "))
        except KeyError as error:
            raise AssertionError(f"a spelling not in the catalogue: {error} in {spelled!r}") from None

    # -- writing --------------------------------------------------------------------------
    def send(self, line: str) -> None:
        """A line and Enter (CR, as a terminal sends it)."""
        self.child.send(line.encode() + b"\r")

    def send_secret(self, secret: str) -> None:
        self.secrets.append(secret)
        self.send(secret)

    def solve_captcha(self, *, lower: bool = False) -> None:
        solution = self.captcha()
        self.prompt(self.t.format(lm.CAPTCHA_PROMPT, n=len(solution)))
        self.send(solution.lower() if lower else solution)

    # -- ending ---------------------------------------------------------------------------
    def wait_exit(self, timeout: float = TIMEOUT) -> int:
        try:
            self.child.expect(pexpect.EOF, timeout=timeout)
        except pexpect.TIMEOUT:
            raise AssertionError(f"still running after {timeout}s:\n{self.tail()}") from None
        self.child.close()
        assert self.child.exitstatus is not None, f"killed by signal {self.child.signalstatus}"
        return int(self.child.exitstatus)

    def quit_at_login(self, answer: str = "4") -> None:
        """At the login's choices: quit; the session says it ended, the process exits 0,
        and what it printed holds plain text only and no secret typed."""
        self.prompt(self.t.format(lm.YOUR_CHOICE, first=1, last=4))
        self.send(answer)
        self.expect(self.t.format(lm.ENDED, ref="")[:-2])
        assert self.wait_exit() == 0
        self.check_plain_and_secret()

    def check_plain_and_secret(self) -> None:
        """What every session must hold: plain text only, and no secret typed shown."""
        assert_plain(self.output())
        after = self.output()[self.mark :]
        for secret in self.secrets:
            assert secret.encode() not in after, f"the secret {secret!r} was echoed:\n{self.text()}"

    def close(self) -> None:
        if self.child.isalive():
            self.child.close(force=True)


def assert_plain(output: bytes) -> None:
    """No ESC and no control character but CR and LF, as bytes (C0, DEL) and as characters
    (C1, U+0080–U+009F, which some terminals obey too); valid UTF-8."""
    assert output, "nothing was printed"
    bad = [i for i, byte in enumerate(output) if (byte < 0x20 and byte not in (0x0A, 0x0D)) or byte == 0x7F]
    if bad:
        around = output[max(0, bad[0] - 80) : bad[0] + 40]
        raise AssertionError(f"{len(bad)} control byte(s), the first {output[bad[0]]:#04x} at {bad[0]}: {around!r}")
    text = output.decode("utf-8")  # strict: a raw C1 byte or a broken sequence fails here
    c1 = [char for char in text if 0x80 <= ord(char) <= 0x9F]
    assert not c1, f"C1 control characters {c1!r}"


def expected_validity(lang: str) -> str:
    """The date the summary gives, as spoken (no leading zero): three years from today (Europe/Paris)."""
    today = datetime.now(ZoneInfo("Europe/Paris")).date()
    return Translator("en" if lang == "en" else "fr").long_date(add_years(today, 3))


LocalFactory = Callable[..., Line]
SshFactory = Callable[..., Line]


def local_env(data_dir: Path) -> dict[str, str]:
    """The caller's environment without its locale, terminal and settings."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("LC_", "MOTDEPASSE_")) and key not in ("LANG", "LANGUAGE", "TERM", "ACCESSIBLE")
    }
    env.update(LANG="C.UTF-8", TERM="xterm-256color", MOTDEPASSE_DATA_DIR=str(data_dir), PYTHONUNBUFFERED="1")
    return env


@pytest.fixture
def local(tmp_path: Path) -> Iterator[LocalFactory]:
    """Start ``python -m tui.cli demo --plain [--lang en]`` on a pseudo-terminal of 100 x 50,
    with its own data directory; killed at teardown if still running."""
    started: list[Line] = []

    def factory(lang: str = "fr") -> Line:
        child = pexpect.spawn(
            sys.executable,
            ["-m", "tui.cli", "demo", "--plain", *(["--lang", lang] if lang == "en" else [])],
            cwd=str(ROOT),
            env=local_env(tmp_path / f"data{len(started)}"),
            dimensions=(50, 100),
        )
        line = Line(child, lang)
        started.append(line)
        line.expect(line.t._(N_("Demo accounts (shown in the demo only)")), timeout=STARTUP_TIMEOUT)
        line.prompt(line.t.format(lm.YOUR_CHOICE, first=1, last=4))
        line.mark = len(line.output())
        return line

    yield factory
    for line in started:
        line.close()


# -- 1. forgot password, locally, in French --------------------------------------------------


def test_forgot_password_in_french_with_a_wrong_answer_and_a_weak_password(local: LocalFactory) -> None:
    line = local("fr")
    line.send("2")
    line.expect("Mot de passe oublié\r\nÉtape 1 sur 4 : Adresse électronique de connexion\r\n")
    line.prompt("Adresse électronique de connexion")
    line.send(LILA)
    line.solve_captcha(lower=True)  # case does not matter
    line.expect("Étape 2 sur 4 : Réponse à la question de confiance\r\n")
    line.expect(f"Adresse électronique de connexion : {LILA}\r\n")
    line.expect("Question de confiance : Le prénom de votre conjoint(e) ?\r\n")
    answer_prompt = "Votre réponse à la question de confiance"
    line.prompt(answer_prompt)
    line.send_secret(WRONG_ANSWER)
    # right after the answer (its Enter echoed as a bare line end): one error line, then
    # the same prompt again, nothing else
    between = line.prompt(answer_prompt)
    wrong = Translator("fr")._(m.WRONG_ANSWER)
    assert re.fullmatch(rb"\r\n" + loose(f"Erreur : {wrong}") + rb"\r\n", between), between
    line.send_secret(LILA_ANSWER)
    line.expect("Étape 3 sur 4 : Nouveau mot de passe\r\n")
    new_prompt = "Nouveau mot de passe (20 caractères minimum)"
    line.prompt(new_prompt)
    line.send_secret(WEAK)
    between = line.prompt(new_prompt)
    lines = between.decode().replace("\xa0", " ").split("\r\n")
    assert lines[0] == "", lines  # the Enter, nothing echoed before it
    assert lines[1] == "Niveau de sécurité : Trop court (refusé)", lines  # under 20 characters
    assert lines[2].startswith("Erreur : "), lines
    assert all(text.startswith("Erreur : ") for text in lines[2:-1]), lines
    assert lines[-1] == "", lines  # the prompt starts its own line
    line.send_secret(STRONG)
    before = line.prompt("Confirmez le nouveau mot de passe (20 caractères minimum)")
    assert re.fullmatch(rb"\r\n" + loose("Niveau de sécurité : Fort (accepté)") + rb"\r\n", before), before
    line.send_secret(STRONG)
    line.expect("Étape 4 sur 4 : Récapitulatif\r\nVotre mot de passe a bien été modifié.\r\n")
    line.expect(f"Votre nouveau mot de passe est valable jusqu'au {expected_validity('fr')}.\r\n")
    assert re.search(rb"jusqu'au [1-9]\d? [a-z\xc3\xa9\xbb]+ \d{4}\.", line.output())  # spoken: no leading zero
    line.choose("Accédez à vos services en ligne")
    line.expect("Connexion à mon espace professionnel\r\n1) Connexion  2) Mot de passe oublié  3) Aide  4) Quitter")
    line.quit_at_login()


# -- 2. expired password, locally, in English ------------------------------------------------


def test_expired_password_in_english(local: LocalFactory) -> None:
    line = local("en")
    line.send("1")
    line.prompt("Login email address")
    line.send(CHLOE)
    line.prompt("Password")
    line.send_secret(CHLOE_PASSWORD)
    line.solve_captcha()
    line.expect("Expired password\r\nStep 1 of 3: Login email address\r\n")
    line.prompt(f"Login email address (Enter: {CHLOE})")
    line.send("")  # Enter keeps the address typed at the login
    line.solve_captcha()
    line.expect("Step 2 of 3: Old and new password\r\n")
    line.prompt("Old password")
    line.send_secret(CHLOE_PASSWORD)
    line.prompt("New password (20 characters minimum)")
    line.send_secret(STRONG)
    line.expect("Security level: Strong (accepted)\r\n")
    line.prompt("Confirm the new password (20 characters minimum)")
    line.send_secret(STRONG)
    line.expect("Step 3 of 3: Summary\r\nYour password has been changed.\r\n")
    line.expect(f"Your new password is valid until {expected_validity('en')}.\r\n")
    line.expect("Log in again with your email address and your new password.\r\n")
    line.choose("Go to your online services")
    line.expect("Log in to my professional account\r\n1) Log in  2) Forgot password  3) Help  4) Quit\r\n")
    line.quit_at_login("quit")
    # the new password works: nothing else to check here (the domain tests do); but the old
    # one typed twice never shows, nor the new one
    assert STRONG.encode() not in line.output()


# -- 3. the expiry alert, the home notice, the change form, sign-out -------------------------


def test_expiring_password_alert_home_notice_change_and_sign_out(local: LocalFactory) -> None:
    line = local("fr")
    line.send("1")
    line.prompt("Adresse électronique de connexion")
    line.send(HUGO)
    line.prompt("Mot de passe")
    line.send_secret(HUGO_PASSWORD)
    line.solve_captcha()
    line.expect("Votre mot de passe arrive bientôt à expiration\r\n")
    alert = line.expect_re(rb"Votre mot de passe expire le ([^\r\n]+?)\. Modifiez-le[^\r\n]*\r\n")
    assert re.search(loose("« Modifier le mot de passe »"), alert[0]), alert[0]
    line.choose("OK")
    line.expect("Mon espace professionnel\r\nBienvenue, Hugo MARTIN.\r\n")
    notice = line.expect_re(rb"Date d'expiration\xc2\xa0: ([^\r\n]+)\r\nJours restants[^\r\n]*\xc2\xa0: (\d+)\r\n")
    assert notice[1] == alert[1], (notice[0], alert[0])  # the same date on both
    assert 0 < int(notice[2]) <= 60
    line.choose("Modifier le mot de passe")
    line.expect("Modifiez vos identifiants\r\n")
    line.expect(f"Adresse électronique de connexion : {HUGO}\r\n")
    line.prompt("Saisir mon nouveau mot de passe (o/n)")
    line.send("o")
    line.prompt("Nouveau mot de passe (20 caractères minimum)")
    line.send_secret(STRONG)
    line.expect("Niveau de sécurité : Fort (accepté)\r\n")
    line.prompt("Confirmez le nouveau mot de passe (20 caractères minimum)")
    line.send_secret(STRONG)
    line.prompt("Votre réponse à la question de confiance")
    line.send_secret(HUGO_ANSWER)
    line.expect("Vos modifications ont bien été enregistrées.\r\n")
    line.expect(f"Votre nouveau mot de passe est valable jusqu'au {expected_validity('fr')}.\r\n")
    line.choose("Retour à l'accueil")
    line.expect("Mon espace professionnel\r\n")
    line.choose("Déconnexion")  # sign out
    home = line.output().rsplit(b"Mon espace professionnel", 1)[1]
    assert b"Date d'expiration" not in home, "the expiry notice is still on the home after the change"
    line.expect("Connexion à mon espace professionnel\r\n1) Connexion  2) Mot de passe oublié  3) Aide  4) Quitter")
    line.quit_at_login()


# -- 4. wrong passwords until the delay --------------------------------------------------------


def test_wrong_logins_reach_the_throttle_delay(local: LocalFactory) -> None:
    line = local("fr")
    t = Translator("fr")
    invalid = loose("Erreur : " + t._(m.INVALID_LOGIN))
    before, after = t._(m.THROTTLED).split("{seconds}")
    throttled = loose("Erreur : " + before) + rb"(\d+)" + loose(after)
    line.send("1")
    line.prompt("Adresse électronique de connexion")
    line.send(LILA)
    outcomes: list[str] = []
    seconds = 0
    for attempt in range(1, 8):  # 3 free failures; then 1 s, 2 s, 4 s… after the latest one
        line.prompt("Mot de passe")
        line.send_secret(f"Pas-Le-Bon-{attempt}")
        line.solve_captcha()
        found = line.expect_re(invalid + rb"|" + throttled)
        if found[1] is not None:
            seconds = int(found[1])
            outcomes.append("throttled")
            break
        outcomes.append("invalid")
    assert outcomes[:3] == ["invalid"] * 3, outcomes  # the free failures are never delayed
    assert outcomes[-1] == "throttled", f"no delay after {len(outcomes)} wrong passwords: {outcomes}"
    assert seconds >= 1
    line.prompt("Mot de passe")  # the password is asked again; the address is kept
    line.send("")  # an empty line at a secret prompt: the choices
    line.expect(Translator("fr")._(lm.NOTHING_TYPED) + "\r\n")
    line.choose("Quitter")
    assert line.wait_exit() == 0
    line.check_plain_and_secret()


# -- 5. nothing but plain text, whatever is typed ------------------------------------------------


def test_the_raw_output_holds_no_escape_sequence(local: LocalFactory) -> None:
    """A wrong choice, the commands (help, reference, a command not possible here, language),
    the help step, keys that send escape sequences, a refused CAPTCHA, an empty secret:
    every byte printed is text, CR or LF."""
    line = local("fr")
    line.send("9")  # not a choice
    line.expect("Erreur : Tapez un nombre de 1 à 4.\r\n")
    line.prompt("Votre choix (1-4)")
    line.send("aide")
    line.expect("Aux invites qui ne sont pas secrètes")
    line.prompt("Votre choix (1-4)")
    line.send("référence")
    reference = line.expect_re(SESSION_REFERENCE.pattern)[1]
    line.prompt("Votre choix (1-4)")
    line.send("nouveau")  # no CAPTCHA here: refused, named as typed
    line.expect("Erreur : « nouveau » n'est pas possible ici.")
    line.prompt("Votre choix (1-4)")
    line.send("3")  # the help step
    line.expect_re(rb"\r\n\r\n[^\r\n]+\r\n")
    line.choose("Retour")
    line.prompt("Votre choix (1-4)")
    line.send("langue en")
    # the step again, all in English: its title, its choices, its prompt
    line.t = Translator("en")
    between = line.prompt("Your choice (1-4)")
    assert between.split(b"\r\n")[1:] == [
        b"The session now speaks English.",
        b"",
        b"Log in to my professional account",
        b"1) Log in  2) Forgot password  3) Help  4) Quit",
        b"",
    ], between
    line.send("2")
    line.expect("Forgot password\r\nStep 1 of 4: Login email address\r\n")
    line.prompt("Login email address")
    # arrow keys pressed by mistake, blanks around: dropped (the terminal echoes « ^[[D »)
    line.send("  \x1b[D" + LILA + "\x1b[C  ")
    line.prompt(line.t.format(lm.CAPTCHA_PROMPT, n=len(line.captcha())))
    line.send("00000")  # wrong: a new code, spelled out again; the address is kept
    line.expect("Error: ")
    line.solve_captcha()
    line.expect(f"Step 2 of 4: Answer to the security question\r\nLogin email address: {LILA}\r\n")
    line.prompt("Your answer to the security question")
    line.send("")  # nothing at a secret prompt: the choices
    line.expect("Nothing was typed. What do you want to do?\r\n")
    line.expect("1) Type it again  2) Previous step  3) I cannot complete this procedure  4) Quit\r\n")
    line.prompt("Your choice (1-4)")
    line.send("quit")
    line.expect("Session ended. Session reference: " + reference.decode())
    assert line.wait_exit() == 0
    line.check_plain_and_secret()


# -- 6. secrets are never echoed -----------------------------------------------------------------


def test_secret_prompts_never_echo(local: LocalFactory) -> None:
    """At a secret prompt only the line end is echoed, whatever is typed (a command word
    included: it is taken as the secret). The email, not secret, is echoed."""
    line = local("fr")
    line.send("1")
    line.prompt("Adresse électronique de connexion")
    line.send(LILA)
    line.prompt("Mot de passe")
    echoed = re.escape(LILA.encode()) + rb"\r\n" + loose("Mot de passe : ") + rb"\Z"
    assert re.search(echoed, line.output()), line.tail()  # the email, not secret, is echoed
    for typed in ("quitter", "Jamais-Affiché-Ω-73", LILA_PASSWORD):  # a command word is a password here
        line.send_secret(typed)
        line.solve_captcha()
        assert line.before_captcha == b"\r\n", f"echoed at the password prompt: {line.before_captcha!r}"
        if typed == LILA_PASSWORD:
            break
        line.expect("Erreur : " + Translator("fr")._(m.INVALID_LOGIN) + "\r\n")
        line.prompt("Mot de passe")
    line.expect("Bienvenue, Lila ROSEMONDE.\r\n")
    line.prompt("Votre choix (1-5)")
    line.send("5")
    assert line.wait_exit() == 0
    assert LILA.encode() in line.output()[line.mark :]  # the email is not secret: echoed
    line.check_plain_and_secret()


TYPED_AHEAD = "Tape-En-Avance-Secret-58"


def test_a_password_typed_ahead_is_not_echoed(local: LocalFactory) -> None:
    line = local("fr")
    line.child.send(f"1\r{LILA}\r{TYPED_AHEAD}\r".encode())  # all at once, before any prompt
    line.solve_captcha()
    line.expect("Erreur : " + Translator("fr")._(m.INVALID_LOGIN))  # it was read as the password
    line.prompt("Mot de passe")
    assert TYPED_AHEAD.encode() not in line.output(), line.text()


# -- over SSH: ssh texte@ / ssh plain@ ----------------------------------------------------------


@pytest.fixture
def ssh_server(tmp_path: Path) -> Iterator[Server]:
    """A server of the test's own (the tests change passwords); SIGTERM and exit 0 at the end."""
    running = start_server(tmp_path / "server")
    yield running
    code = running.terminate(timeout=15)
    leftovers = running.kill_leftovers()
    assert code == 0, f"the server exited {code}:\n{running.log()}"
    assert leftovers == [], f"session processes still running after the server stopped: {leftovers}"


@pytest.fixture
def ssh_line() -> Iterator[SshFactory]:
    """``ssh -tt USER@server`` (OpenSSH) on a pseudo-terminal of 100 x 50, up to the first
    choice; killed at teardown if still running. ``lang``: the client's LANG, sent with
    SendEnv (as a user's ssh_config does)."""
    started: list[Line] = []

    def factory(server: Server, user: str, lang: str = "C.UTF-8") -> Line:
        child = pexpect.spawn(
            SSH,
            ["-tt", "-p", str(server.port), *SSH_OPTIONS, "-o", "SendEnv=LANG", f"{user}@{server.host}"],
            env=client_env(lang=lang),
            dimensions=(50, 100),
            echo=False,  # the local terminal: ssh puts it in raw mode; the server's echoes
        )
        line = Line(child, "en" if lang.startswith("en") else "fr")
        started.append(line)
        line.expect(line.t._(N_("Demo accounts (shown in the demo only)")), timeout=STARTUP_TIMEOUT)
        line.prompt(line.t.format(lm.YOUR_CHOICE, first=1, last=4))
        line.mark = len(line.output())
        return line

    yield factory
    for line in started:
        line.close()


@needs_ssh
def test_forgot_password_over_ssh_in_line_mode_and_its_transcript(ssh_server: Server, ssh_line: SshFactory) -> None:
    line = ssh_line(ssh_server, "texte")
    reference = SESSION_REFERENCE.search(line.output())
    assert reference is not None, line.text()
    line.send("2")
    line.expect("Mot de passe oublié\r\nÉtape 1 sur 4 : Adresse électronique de connexion\r\n")
    line.prompt("Adresse électronique de connexion")
    line.send(LILA)  # the CAPTCHA is off on this server: no code asked
    line.expect("Question de confiance : Le prénom de votre conjoint(e) ?\r\n")
    line.prompt("Votre réponse à la question de confiance")
    line.send_secret(LILA_ANSWER)
    line.expect("Étape 3 sur 4 : Nouveau mot de passe\r\n")
    line.prompt("Nouveau mot de passe (20 caractères minimum)")
    line.send_secret(STRONG)
    before = line.prompt("Confirmez le nouveau mot de passe (20 caractères minimum)")
    assert re.fullmatch(rb"\r\n" + loose("Niveau de sécurité : Fort (accepté)") + rb"\r\n", before), before
    line.send_secret(STRONG)
    line.expect("Étape 4 sur 4 : Récapitulatif\r\nVotre mot de passe a bien été modifié.\r\n")
    line.expect(f"Votre nouveau mot de passe est valable jusqu'au {expected_validity('fr')}.\r\n")
    line.choose("Accédez à vos services en ligne")
    line.expect("Connexion à mon espace professionnel\r\n")
    line.prompt("Votre choix (1-4)")
    line.send("4")
    line.expect("Session terminée. Référence de la session : " + reference[1].decode())
    assert line.wait_exit() == 0
    # what the client received, as is: the server sends no escape sequence (and OpenSSH,
    # with LogLevel=ERROR, adds nothing of its own: no « Connection … closed. »)
    line.check_plain_and_secret()
    ssh_server.wait_for_log(rf"disconnect .*ref={reference[1].decode()} .*end=quit")

    shown = ssh_server.journal_show(reference[1].decode())
    assert reference[1].decode() in shown and "ssh-line" in shown, shown
    transcript = [text.split("| ", 1)[1] for text in shown.splitlines() if text.lstrip().startswith("|")]
    assert "Étape 3 sur 4 : Nouveau mot de passe" in transcript, shown
    assert "Votre réponse à la question de confiance :" in transcript, shown  # the prompt, not the answer
    assert "Votre mot de passe a bien été modifié." in transcript, shown
    assert STRONG not in shown, "the new password is in the journal"
    assert not re.search(rf"\b{LILA_ANSWER}\b", shown), "the answer is in the journal"


@needs_ssh
def test_log_in_and_sign_out_over_ssh_in_english(ssh_server: Server, ssh_line: SshFactory) -> None:
    line = ssh_line(ssh_server, "plain", lang="en_GB.UTF-8")
    line.send("1")
    line.prompt("Login email address")
    line.send(LILA)
    line.prompt("Password")
    line.send_secret(LILA_PASSWORD)
    line.expect("My professional account\r\n")
    line.expect("Welcome, Lila ROSEMONDE.\r\n")
    line.choose("Log out")
    line.expect("Log in to my professional account\r\n")
    line.expect("1) Log in  2) Forgot password  3) Help  4) Quit\r\n")
    line.prompt("Your choice (1-4)")
    line.send("4")
    line.expect("Session ended. Session reference: ")
    assert line.wait_exit() == 0
    line.check_plain_and_secret()
    assert "Mot de passe" not in line.text()[line.mark :]  # all in English


def test_keys_are_edited_as_in_a_terminal_and_controls_are_dropped(local: LocalFactory) -> None:
    """The line mode reads key by key (so that typed-ahead secrets are never echoed):
    Backspace, Ctrl+U and Ctrl+W edit the line, arrows and other controls are dropped."""
    line = local("fr")
    line.send("1")
    line.prompt(line.t._(m.EMAIL_LABEL))
    # a typo erased, a whole wrong line killed, a word erased, an arrow key: the email survives
    line.child.send(b"faux mot\x17\x15lila.rosemondeX\x7f\x1b[D@orange.fr\r")
    line.prompt(line.t._(m.PASSWORD_LABEL))
    echoed = line.output()[line.mark :]
    assert b"\x1b" not in echoed and b"\x08 \x08" in echoed  # the erasing, the only cursor move
    line.send_secret(LILA_PASSWORD)
    line.send(line.captcha())
    line.expect("Bienvenue, Lila ROSEMONDE.")  # the email as edited was the right one
    line.child.send(b"\x04")  # Ctrl+D on an empty line: the end of the input
    line.expect(line.t.format(lm.ENDED, ref="")[:-2])
    assert line.child.expect(pexpect.EOF, timeout=TIMEOUT) == 0


def test_an_idle_line_session_is_warned_with_its_prompt_again(tmp_path: Path, ssh_line: SshFactory) -> None:
    """Over SSH the idle warning is a line that says which key keeps the session, then the
    prompt again with what was typed at it; then the session ends and the server logs why."""
    server = start_server(tmp_path / "server", {"ssh_idle_timeout_seconds": 10, "ssh_idle_warning_seconds": 5})
    try:
        line = ssh_line(server, "texte")
        line.send("1")
        email_prompt = line.t.format(N_("{label}:"), label=line.t._(m.EMAIL_LABEL)) + " "
        line.prompt(line.t._(m.EMAIL_LABEL))
        line.child.send(b"lila")  # typed, not yet sent
        warning = "Attention : " + line.t.format(IDLE_WARNING, seconds=5) + " " + line.t._(lm.KEEP_SESSION)
        line.expect(warning, timeout=15)
        line.expect("\r\n" + email_prompt + "lila")  # the prompt again, with what was typed
        line.expect(line.t.format(lm.ENDED, ref="")[:-2], timeout=15)  # closed when idle
        assert line.child.expect(pexpect.EOF, timeout=TIMEOUT) == 0
        server.wait_for_log(r"disconnect .*user=texte .*end=idle$")
        assert_plain(line.output())
    finally:
        server.terminate(timeout=15)


def test_support_reads_a_line_session_over_ssh_in_line_mode(ssh_server: Server, ssh_line: SshFactory) -> None:
    """``ssh support-texte@`` with a support key: the support console in line mode, which
    shows a user's line-mode session as text by its reference (typed in lower case)."""
    user = ssh_line(ssh_server, "texte")
    reference = SESSION_REFERENCE.search(user.output())
    assert reference is not None
    user.send("4")
    assert user.child.expect(pexpect.EOF, timeout=TIMEOUT) == 0
    key = ["-i", str(ssh_server.support_key), "-o", "IdentitiesOnly=yes"]
    child = pexpect.spawn(
        SSH,
        ["-tt", "-p", str(ssh_server.port), *SSH_OPTIONS, *key, f"support-texte@{ssh_server.host}"],
        env=client_env(),
        dimensions=(50, 100),
        echo=False,
    )
    agent = Line(child, "fr")
    try:
        agent.expect(agent.t._(line_support.INTRO), timeout=STARTUP_TIMEOUT)
        agent.prompt(agent.t._(line_support.REFERENCE_PROMPT))
        agent.send(reference[1].decode().lower())
        agent.expect("     | " + agent.t._(m.LOGIN_TITLE))
        agent.expect("session  end reason=quit")
        agent.prompt(agent.t._(line_support.REFERENCE_PROMPT))
        agent.send("quitter")
        assert child.expect(pexpect.EOF, timeout=TIMEOUT) == 0
        assert_plain(agent.output())
    finally:
        agent.close()


def test_a_pasted_crlf_email_and_password_land_on_their_own_prompts(local: LocalFactory) -> None:
    """Found in review: with the terminal's CR-to-LF translation on, a paste ending its
    lines with CR LF gave an empty answer to the password prompt, whose choices then
    echoed (and journaled) the password. CR, LF and CR LF are now one Enter each."""
    line = local("fr")
    line.send("1")
    line.prompt(line.t._(m.EMAIL_LABEL))
    line.secrets.append(LILA_PASSWORD)
    line.child.send(f"{LILA}\r\n{LILA_PASSWORD}\r\n".encode())
    line.captcha()  # the password was taken as the password: on to the code
    assert line.t._(lm.NOTHING_TYPED).encode() not in line.output()
    line.check_plain_and_secret()


def test_a_secret_typed_ahead_is_dropped_after_a_refusal(local: LocalFactory) -> None:
    """Found in review: an answer typed ahead after a wrong code landed on the new code's
    prompt, which echoes. After a refusal, what was typed ahead is dropped."""
    line = local("fr")
    answer = "Reponse-Secrete-En-Avance"
    line.secrets.append(answer)
    line.child.send(f"2\r{LILA}\rZZZZZZ\r{answer}\r".encode())
    line.expect("Erreur : ")
    solution = line.captcha()  # a new code, asked again: the answer typed ahead is gone
    line.prompt(line.t.format(lm.CAPTCHA_PROMPT, n=len(solution)))
    line.send(solution)
    line.prompt(line.t._(m.ANSWER_LABEL))
    line.check_plain_and_secret()


@pytest.mark.parametrize("number", [signal.SIGTERM, signal.SIGHUP])
def test_a_local_line_session_ended_by_a_signal_gives_the_terminal_back(local: LocalFactory, number: int) -> None:
    """Found in review: SIGTERM or SIGHUP left the terminal without echo nor line editing,
    and the session without its end in the journal."""
    line = local("fr")
    line.send("1")
    line.prompt(line.t._(m.EMAIL_LABEL))
    line.child.kill(number)
    line.expect(line.t.format(lm.ENDED, ref="")[:-2])
    line.child.expect(pexpect.EOF, timeout=TIMEOUT)
    flags = termios.tcgetattr(line.child.child_fd)[3]  # what the shell gets back
    assert flags & termios.ECHO and flags & termios.ICANON
    assert line.wait_exit() == 0
