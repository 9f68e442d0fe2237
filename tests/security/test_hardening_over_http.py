"""`python -m backend` over real HTTP, on SQLite and PostgreSQL: a forged `X-Forwarded-For`
from loopback does not reset the per-IP limit (uvicorn used to trust loopback by default);
with `TSUYAMA_TRUSTED_PROXIES` the proxy's header names the client; and what the process
creates in its data folder is private."""

from __future__ import annotations

import stat
from pathlib import Path

import httpx
import pytest

from tests.identity_helpers import AppLogin
from tests.support.running_backend import running_backend

LIMIT = 10  # Settings.auth_failure_limit, the default


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def kind(request: pytest.FixtureRequest) -> str:
    return request.param


def bad_token(client: httpx.Client, headers: dict[str, str] | None = None) -> int:
    form = AppLogin(device_id="http-test").token_form("guessed-code")
    return client.post("/token", data=form, headers=headers).status_code


def test_a_forged_forwarded_for_does_not_reset_the_limit(kind: str, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir(mode=0o755)
    with running_backend(kind, data_dir) as backend, \
            httpx.Client(base_url=backend.url, timeout=20) as client:
        for _ in range(LIMIT):
            assert bad_token(client) == 400
        assert bad_token(client) == 429
        for forged in ("203.0.113.7", "203.0.113.8, 127.0.0.1", "::1"):
            assert bad_token(client, {"X-Forwarded-For": forged}) == 429, forged
        assert "server" not in client.get("/healthz").headers
        # The process's data folder, database and key are its user's alone.
        modes = {path.relative_to(data_dir).as_posix(): stat.S_IMODE(path.stat().st_mode)
                 for path in [data_dir, *data_dir.rglob("*")]
                 if path.name != "backend.log"}  # the test's own log file
    assert modes.pop(".") == 0o700
    assert modes.pop("keys") == 0o700
    assert modes.pop("keys/signing-key.pem") == 0o600
    if kind == "sqlite":
        assert modes.pop("backend.sqlite3") == 0o600
    assert all(mode & 0o077 == 0 for mode in modes.values()), modes


def test_a_trusted_proxy_names_the_client(tmp_path: Path) -> None:
    with running_backend("sqlite", tmp_path,
                         {"TSUYAMA_TRUSTED_PROXIES": "127.0.0.1"}) as backend, \
            httpx.Client(base_url=backend.url, timeout=20) as client:
        proxied = {"X-Forwarded-For": "198.51.100.1"}
        for _ in range(LIMIT):
            assert bad_token(client, proxied) == 400
        assert bad_token(client, proxied) == 429
        # Another client behind the proxy is not held up by the first one's failures.
        assert bad_token(client, {"X-Forwarded-For": "198.51.100.2"}) == 400
