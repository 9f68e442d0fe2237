"""Waiting for a `python -m backend` child to answer `/healthz` (benchmarks)."""

from __future__ import annotations

import subprocess
import time
from typing import Any

import httpx


def wait_until_healthy(base_url: str, process: subprocess.Popen[Any],
                       timeout: float = 60) -> None:
    """Returns once `/healthz` answers 200; RuntimeError if the child exits or stays silent."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the backend exited with {process.returncode}")
        try:
            if httpx.get(f"{base_url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"the backend did not answer /healthz in {timeout} s")
