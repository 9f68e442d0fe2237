"""`python -m backend` as a real process: serves /healthz and stops cleanly on a signal."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from backend.schema import HEAD_REVISION

REPO_ROOT = Path(__file__).resolve().parents[2]
STARTUP_TIMEOUT_S = 30
SHUTDOWN_TIMEOUT_S = 10


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_health(base_url: str, process: subprocess.Popen[str]) -> httpx.Response:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"backend exited early with {process.returncode}: {process.stdout}")
        try:
            response = httpx.get(f"{base_url}/healthz", timeout=1.0)
            if response.status_code == 200:
                return response
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    pytest.fail(f"backend did not answer /healthz within {STARTUP_TIMEOUT_S} s")


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_backend_serves_and_stops_on_signal(tmp_path: Path, stop_signal: signal.Signals) -> None:
    port = free_port()
    data_dir = tmp_path / "data"
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env.update({"TSUYAMA_ENV": "development", "PYTHONUNBUFFERED": "1"})
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "backend"),
            *("--host", "127.0.0.1", "--port", str(port), "--data-dir", str(data_dir)),
        ],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        response = wait_for_health(f"http://127.0.0.1:{port}", process)
        assert response.json() == {
            "status": "ok",
            "database": "sqlite",
            "schema_version": HEAD_REVISION,
            "head": HEAD_REVISION,
            "municipality_code": "332038",
        }
        assert (data_dir / "backend.sqlite3").is_file()

        process.send_signal(stop_signal)
        output, _ = process.communicate(timeout=SHUTDOWN_TIMEOUT_S)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()

    assert process.returncode == 0, output
    assert f"Tsuyama Portal backend on http://127.0.0.1:{port} (sqlite)" in output.splitlines()
    assert "Application shutdown complete" in output
