"""A real `python -m backend` for the reliability tests, once per database kind and folder,
and logged-in devices that talk to it over loopback HTTP."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx
import psycopg
import pytest
from sqlalchemy import Engine, create_engine, make_url

from tests.backend.postgres_databases import admin_url, create_test_database, drop_test_database
from tests.backend.test_cli import REPO_ROOT, free_port, wait_for_health
from tests.conftest import require_or_skip
from tests.identity_helpers import TokenSet, login

TOKEN_MAX_AGE_S = 8 * 60  # access tokens live 10 minutes; a soak run logs in again


@dataclass
class RunningBackend:
    url: str
    port: int
    database_url: str
    engine: Engine  # the backend's own database, read directly by the assertions
    kind: str


@pytest.fixture(
    scope="package",
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
)
def backend(request: pytest.FixtureRequest,
            tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningBackend]:
    data_dir = tmp_path_factory.mktemp(f"backend-{request.param}")
    if request.param == "sqlite":
        database_url = f"sqlite:///{data_dir / 'backend.sqlite3'}"
    else:
        try:
            database_url = create_test_database()
        except psycopg.OperationalError as exc:
            shown = make_url(admin_url()).render_as_string(hide_password=True)
            require_or_skip(f"PostgreSQL not reachable at {shown} ({exc}); CI sets "
                            "TSUYAMA_REQUIRE_ALL=1 which turns this skip into a failure")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items()
           if k != "DATABASE_URL" and not k.startswith("TSUYAMA_")}
    env.update({"TSUYAMA_ENV": "development", "PYTHONUNBUFFERED": "1"})
    if request.param == "postgresql":
        env["DATABASE_URL"] = database_url
    log_path = data_dir / "backend.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "backend", "--port", str(port), "--data-dir", str(data_dir)],
            cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, text=True,
        )
    engine: Engine | None = None
    try:
        wait_for_health(url, process)
        engine = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://"))
        yield RunningBackend(url, port, database_url, engine, request.param)
    finally:
        if engine is not None:
            engine.dispose()
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        if request.param == "postgresql":
            drop_test_database(database_url)


@dataclass
class Device:
    """A persona signed in on one device id over real HTTP; `token()` logs in again when
    the access token is about to expire (soak runs last longer than a token)."""

    backend_url: str
    persona: str
    device_id: str
    tokens: TokenSet | None = None
    _issued: float = field(default=0.0)

    async def token(self) -> str:
        if self.tokens is None or time.monotonic() - self._issued > TOKEN_MAX_AGE_S:
            async with httpx.AsyncClient(base_url=self.backend_url, follow_redirects=False,
                                         timeout=20) as client:
                self.tokens = await login(client, self.persona, device_id=self.device_id)
            self._issued = time.monotonic()
        return self.tokens.access_token

    @property
    def person_id(self) -> str:
        assert self.tokens is not None, "call token() first"
        return self.tokens.common_id


async def signed_in(backend_url: str, persona: str, device_id: str) -> Device:
    device = Device(backend_url, persona, device_id)
    await device.token()
    return device
