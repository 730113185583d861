"""One SSH session: the program ``motdepasse serve`` starts on a pseudo-terminal for each
session (one process per session, so that a crash or a CPU burst in one never freezes the
others). It reads what the server knows of the session from ``MOTDEPASSE_SESSION`` (JSON:
language, client address, session reference, support or not, demo or not).

Signals from the server: SIGUSR1 warns of the idle timeout, SIGUSR2 of the end of the
maximum session length or of a server shutdown; SIGTERM ends the session cleanly.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import threading
import time
from typing import Any

from domain.demo import describe_demo
from domain.i18n import N_
from domain.services import build_services
from domain.settings import Language, load_settings
from tui.app import MotDePasseApp
from tui.logs import log_to_server

IDLE_WARNING = N_("Without activity, this session will close in {seconds} seconds.")
END_WARNING = N_("This session will close in {seconds} seconds.")


class SshSessionApp(MotDePasseApp):
    """The user app, told by signals about the session's limits."""

    def __init__(self, *args: Any, warning_seconds: int = 60, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._warning_seconds = warning_seconds

    def on_mount(self) -> None:
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGUSR1, self._warn, IDLE_WARNING)
        loop.add_signal_handler(signal.SIGUSR2, self._warn, END_WARNING)
        loop.add_signal_handler(signal.SIGTERM, self._end)
        loop.add_signal_handler(signal.SIGHUP, self._end)

    def _warn(self, message: str) -> None:
        text = self.frontend.t._(message).format(seconds=self._warning_seconds)
        self.core.warned("idle" if message == IDLE_WARNING else "end")
        self.notify(text, severity="warning", timeout=self._warning_seconds)

    def _end(self) -> None:
        self.end_reason = "server"
        # The terminal may be gone (its writes then block): if a clean exit has not
        # happened within a few seconds, leave at once.
        asyncio.get_running_loop().call_later(3, os._exit, 0)
        self.exit()


def _watch_server(server_pid: int) -> None:
    """A server that died without ending its sessions (SIGKILL, crash) leaves this process
    to init, its terminal gone and its event loop possibly blocked on it: leave at once
    rather than keep the database and a CPU. Runs in a thread of its own for that reason."""
    while True:
        time.sleep(1)
        if os.getppid() != server_pid:
            os._exit(0)


def main() -> int:
    threading.Thread(target=_watch_server, args=(os.getppid(),), name="server-watch", daemon=True).start()
    spec = json.loads(os.environ.get("MOTDEPASSE_SESSION", "{}"))
    settings = load_settings()
    log_fd = os.environ.get("MOTDEPASSE_LOG_FD")
    if log_fd and log_fd.isdigit():
        log_to_server(int(log_fd))
    services = build_services(settings)
    language: Language = "en" if spec.get("lang") == "en" else "fr"
    try:
        if spec.get("support") and spec.get("staff"):
            from domain.support import StaffIdentity
            from tui.support_app import SupportApp

            SupportApp(
                services,
                language=language,
                identity=StaffIdentity(str(spec["staff"])),
                channel="ssh-support",
                client_address=spec.get("client"),
            ).run()
            return 0
        SshSessionApp(
            services,
            language=language,
            demo_accounts=describe_demo() if spec.get("demo") else (),
            channel="ssh",
            client_address=spec.get("client"),
            reference=spec.get("ref"),
            warning_seconds=settings.ssh_idle_warning_seconds,
        ).run()
    finally:
        services.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
