"""Project-wide checks: the catalogue is complete, the domain imports no UI."""

from __future__ import annotations

import re
import subprocess
import sys

from babel.messages.pofile import read_po

from tools.fr_catalogue import PO, source_messages

PLACEHOLDER = re.compile(r"\{(\w+)\}")


def french() -> dict[str, str]:
    with PO.open("rb") as handle:
        catalog = read_po(handle, locale="fr")
    return {str(m.id): str(m.string) for m in catalog if m.id and not m.fuzzy}


def test_every_string_has_a_french_translation() -> None:
    translations = french()
    missing = [msgid for msgid in source_messages() if not translations.get(msgid)]
    assert missing == []


def test_translations_keep_their_placeholders() -> None:
    for msgid, msgstr in french().items():
        assert set(PLACEHOLDER.findall(msgid)) == set(PLACEHOLDER.findall(msgstr)), msgid


def test_no_stale_translations() -> None:
    assert set(french()) <= set(source_messages())


def test_domain_imports_no_ui_library() -> None:
    code = (
        "import sys, domain.services, domain.session, domain.usecases, domain.demo;"
        "print(sorted(m for m in ('textual', 'rich', 'asyncssh') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_cli_help_for_every_subcommand() -> None:
    for args in ([], ["demo"], ["run"]):
        out = subprocess.run([sys.executable, "-m", "tui.cli", *args, "--help"], capture_output=True, text=True)
        assert out.returncode == 0, out.stderr
        assert "usage: motdepasse" in out.stdout
