"""Where a session's log lines go. A full-screen session owns its terminal, so its log
never goes there: under ``motdepasse serve`` it goes to the server's log (a descriptor
the server passes, ``MOTDEPASSE_LOG_FD``), locally to ``DATA_DIR/motdepasse.log``.

A record is one line; what follows a line break in it (a traceback, a message that holds
one) is indented, so that nothing logged can pass for a line of its own."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

FORMAT = "%(asctime)s %(name)s %(levelname)s %(message)s"
DATE_FORMAT = "%Y-%m-%dT%H:%M:%S%z"


class OneRecordFormatter(logging.Formatter):
    """Continuation lines of a record (tracebacks, any line break in a message) start
    with blanks: a log line that starts with a date was written by the logger."""

    def format(self, record: logging.LogRecord) -> str:
        return "\n    ".join(super().format(record).splitlines())


def _configure(handler: logging.Handler, level: int, pattern: str) -> None:
    handler.setFormatter(OneRecordFormatter(pattern, DATE_FORMAT))
    logging.basicConfig(level=level, handlers=[handler], force=True)
    logging.captureWarnings(True)  # a warning printed on a session's terminal would garble it


def log_to_server(fd: int) -> None:
    """A session process under ``motdepasse serve``: one record per line in the server's
    log — motdepasse's own records, and the libraries' warnings and errors."""
    stream = os.fdopen(fd, "w", buffering=1, encoding="utf-8", errors="replace", closefd=True)
    _configure(logging.StreamHandler(stream), logging.WARNING, FORMAT)
    logging.getLogger("motdepasse").setLevel(logging.INFO)


def log_to_file(data_dir: Path) -> Path:
    """A local session: the log file in the data directory (its path is returned)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / "motdepasse.log"
    _configure(logging.FileHandler(path, encoding="utf-8"), logging.WARNING, FORMAT)
    logging.getLogger("motdepasse").setLevel(logging.INFO)
    return path


def log_to_stderr() -> None:
    """Commands that do not take the screen (the SSH server, the operators' commands)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(OneRecordFormatter("%(asctime)s %(message)s", DATE_FORMAT))
    logging.basicConfig(level=logging.INFO, handlers=[handler])
