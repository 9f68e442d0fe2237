"""The login against `python -m backend` over real HTTP: the backend calls its own dev IdP
(discovery, JWKS, token with private_key_jwt) through the network, as in development."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.backend.test_cli import REPO_ROOT, free_port, wait_for_health
from tests.identity_helpers import login

pytestmark = pytest.mark.anyio


async def test_login_through_a_running_backend(tmp_path: Path) -> None:
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items()
           if k != "DATABASE_URL" and not k.startswith("TSUYAMA_")}
    env.update({"TSUYAMA_ENV": "development", "PYTHONUNBUFFERED": "1"})
    process = subprocess.Popen(
        [sys.executable, "-m", "backend", "--port", str(port), "--data-dir", str(tmp_path)],
        cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        wait_for_health(base_url, process)
        async with httpx.AsyncClient(base_url=base_url, follow_redirects=False,
                                     timeout=20) as client:
            first = await login(client, "dev-hana")
            second = await login(client, "dev-hana", device_id="kiosk-7")
            me = await client.post("/logout", headers=first.auth_header)
        assert first.common_id == second.common_id
        assert first.id_claims["iss"] == base_url
        assert me.status_code == 204
    finally:
        process.terminate()
        try:
            process.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
