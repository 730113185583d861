"""The typed message the SSH server sends its session worker for each session: what it
carries, and that a worker runs nothing from a message it does not fully understand."""

from __future__ import annotations

import json
from dataclasses import asdict, replace
from typing import Any

import pytest

from tui.session_spec import BadMessage, SessionStart

START = SessionStart(
    reference="K7QF-92DX",
    language="fr",
    client="192.0.2.7",
    term="xterm-256color",
    columns=80,
    rows=24,
    front="full",
    display={"NO_COLOR": "1"},
    extensions=3,
    max_seconds=1800,
    demo=True,
    schema="0003",
    key_check="abc",
    memory_bytes=1 << 30,
)


def test_a_session_start_survives_the_trip() -> None:
    assert SessionStart.decode(START.encode()) == START
    support = replace(START, front="support", staff="ssh-key:agent (SHA256:x)")
    assert SessionStart.decode(support.encode()) == support


def with_field(**changes: Any) -> bytes:
    raw = asdict(START)
    raw.update(changes)
    return json.dumps(raw).encode()


@pytest.mark.parametrize(
    ("message", "field"),
    [
        (b"not json", "not JSON"),
        (json.dumps([1, 2]).encode(), "fields"),
        (with_field(extra="x"), "fields"),
        (with_field(columns="80"), "columns"),
        (with_field(columns=True), "columns"),  # a bool is not an int here
        (with_field(rows=0), "size"),
        (with_field(rows=-1), "rows"),
        (with_field(language="de"), "language"),
        (with_field(front="shell"), "front"),
        (with_field(front="support", staff=None), "staff"),
        (with_field(reference="x" * 300), "reference"),
        (with_field(display={"LD_PRELOAD": "/tmp/x.so"}), "display"),
        (with_field(display={"NO_COLOR": 1}), "display"),
        (with_field(theme=["contraste"]), "theme"),
        (with_field(demo="yes"), "demo"),
    ],
)
def test_a_message_the_worker_does_not_fully_understand_is_refused(message: bytes, field: str) -> None:
    with pytest.raises(BadMessage) as refused:
        SessionStart.decode(message)
    assert str(refused.value) == field
