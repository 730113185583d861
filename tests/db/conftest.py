"""The tests of this folder choose their database and key themselves, on both engines,
whatever ``--db`` says."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _own_database(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MOTDEPASSE_DATABASE_URL", raising=False)
    monkeypatch.delenv("MOTDEPASSE_SECRET_KEY", raising=False)
