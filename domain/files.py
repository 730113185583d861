"""Files that hold users' data (exports, the data directory): readable by their owner only."""

from __future__ import annotations

import os
import stat
from pathlib import Path


def private_dir(path: Path) -> Path:
    """Create ``path`` (and its missing parents) as 0700; an existing directory keeps its
    mode (it may be shared on purpose, e.g. a user's home)."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def write_private(path: Path, text: str) -> None:
    """Write a file only its owner can read (0600): exports hold users' sessions. A file
    already there is truncated and its mode set to 0600 as well (``os.open``'s mode only
    applies to a file it creates)."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        if stat.S_ISREG(os.fstat(descriptor).st_mode):
            os.fchmod(descriptor, 0o600)
        with open(descriptor, "w", encoding="utf-8", closefd=False) as file:
            file.write(text)
    finally:
        os.close(descriptor)
