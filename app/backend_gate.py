"""Requests to the embedded backend wait while it starts, instead of failing.

`python -m app` serves the app without waiting for its embedded backend (app/launcher.py), so
the first requests of the first session can come before the backend answers. Seen as
failures they would show the offline banner for the first seconds of every start; through
this gate (the client's transport, app/gated_transport.py) they wait, bounded, until the
launcher has seen `/healthz` answer, and the shell shows the connection as not known yet
meanwhile (no banner). A backend given with `--backend-url` has no
gate: its failures are failures at once.
"""

from __future__ import annotations

import asyncio
import threading
import time

GATE_POLL_S = 0.05
MAX_WAIT_S = 60.0  # the launcher gives up on a backend that has not answered by then


class BackendGate:
    """Opened once, by the launcher's thread, when the backend first answers."""

    def __init__(self) -> None:
        self._ready = threading.Event()
        # Set by the first session once its first frame is on its way (app/main.py): the
        # launcher starts the backend then, so its start does not compete with that frame
        # for the CPU (docs/benchmarks.md, "Start-up").
        self.wanted = threading.Event()

    def want(self) -> None:
        """The app would like the backend now (idempotent, from any thread)."""
        self.wanted.set()

    def open(self) -> None:
        self._ready.set()

    @property
    def is_open(self) -> bool:
        return self._ready.is_set()

    async def wait(self, timeout_s: float = MAX_WAIT_S) -> bool:
        """Wait (without blocking the event loop) until open or `timeout_s`; True if open."""
        deadline = time.monotonic() + timeout_s
        while not self._ready.is_set():
            if time.monotonic() >= deadline:
                return False
            await asyncio.sleep(GATE_POLL_S)
        return True
