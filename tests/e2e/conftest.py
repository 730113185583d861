"""Fixtures shared by the end-to-end tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.sshterm import Terminal


@pytest.fixture
def terminals() -> Iterator[list[Terminal]]:
    """OpenSSH sessions the test opens (append them); killed at teardown."""
    opened: list[Terminal] = []
    yield opened
    for term in opened:
        term.close()
