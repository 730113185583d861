"""Where a session's log lines go. A full-screen session owns its terminal, so its log
never goes there: under ``motdepasse serve`` it goes to the server's log (a descriptor
the server passes, ``MOTDEPASSE_LOG_FD``), locally to ``DATA_DIR/motdepasse.log``."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

FORMAT = "%(asctime)s %(name)s %(levelname)s %(message)s"
DATE_FORMAT = "%Y-%m-%dT%H:%M:%S%z"


def log_to_server(fd: int) -> None:
    """A session process under ``motdepasse serve``: one line per record to the server's
    log — motdepasse's own records, and the libraries' warnings and errors."""
    stream = os.fdopen(fd, "w", buffering=1, encoding="utf-8", errors="replace", closefd=True)
    logging.basicConfig(level=logging.WARNING, format=FORMAT, datefmt=DATE_FORMAT, stream=stream, force=True)
    logging.getLogger("motdepasse").setLevel(logging.INFO)


def log_to_file(data_dir: Path) -> Path:
    """A local session: the log file in the data directory (its path is returned)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / "motdepasse.log"
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter(FORMAT, DATE_FORMAT))
    logging.basicConfig(level=logging.WARNING, handlers=[handler], force=True)
    logging.getLogger("motdepasse").setLevel(logging.INFO)
    return path


def log_to_stderr() -> None:
    """Commands that do not take the screen (the SSH server, the operators' commands)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt=DATE_FORMAT, stream=sys.stderr)
