"""Schemathesis against the running backend over HTTP (issue 10): every route of the
OpenAPI, anonymously, as a resident and as city staff (who also carry the development
kiosk's key, `X-Kiosk-Key`, so the kiosk's routes are fuzzed past their 401), on SQLite
and PostgreSQL. Zero 5xx, every status code, content type and response body as the OpenAPI
declares it; invalid input is refused.

Bounded: `TSUYAMA_FUZZ_SECONDS` per run (default 15; three runs per database). A failure
prints Schemathesis's report with a `curl` line for each problem; the JUnit report lands in
test-artifacts/fuzz/.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Iterator

import httpx
import pytest

from backend.tiles.reservations.kiosks.keys import make_key
from tests.backend.test_cli import REPO_ROOT
from tests.identity_helpers import login
from tests.support.running_backend import RunningBackend, running_backend

SECONDS = int(os.environ.get("TSUYAMA_FUZZ_SECONDS", "15"))
CHECKS = ("not_a_server_error,status_code_conformance,content_type_conformance,"
          "response_schema_conformance,response_headers_conformance,negative_data_rejection")
# Signed-in runs keep their login: no logout, token revocation or account deletion.
KEEP_LOGIN = ("--exclude-path", "/logout", "--exclude-path", "/revoke",
              "--exclude-method", "DELETE")
ARTIFACTS = REPO_ROOT / "test-artifacts" / "fuzz"
KIOSK_KEY = make_key()  # registered at the backend's start (development, demo data)


@pytest.fixture(
    scope="module",
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
)
def backend(request: pytest.FixtureRequest,
            tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningBackend]:
    with running_backend(request.param, tmp_path_factory.mktemp(f"fuzz-{request.param}"),
                         {"TSUYAMA_KIOSK_BOOTSTRAP_KEY": KIOSK_KEY}) as running:
        yield running


@pytest.fixture(scope="module")
def tokens(backend: RunningBackend) -> dict[str, str]:
    """Access tokens of a resident and of staff, taken before any fuzzing (the anonymous run
    trips the login rate limits on purpose; tokens live 10 minutes, a run far less)."""

    async def sign_in() -> dict[str, str]:
        found = {}
        async with httpx.AsyncClient(base_url=backend.url, timeout=20) as client:
            for persona in ("dev-taro", "dev-ichiro"):
                found[persona] = (await login(client, persona,
                                              device_id=f"fuzz-{persona}")).access_token
        return found

    return asyncio.run(sign_in())


def schemathesis(backend: RunningBackend, name: str, *extra: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable, "-m", "schemathesis.cli", "run", f"{backend.url}/openapi.json",
        "--checks", CHECKS, "--max-time", str(SECONDS), "--workers", "1", "--seed", "332038",
        "--request-timeout", "10", "--no-color", "--report", "junit",
        "--report-junit-path", str(ARTIFACTS / f"{backend.kind}-{name}.xml"), *extra,
    ]
    result = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True,
                            timeout=SECONDS * 4 + 120, check=False)
    output = result.stdout + result.stderr
    (ARTIFACTS / f"{backend.kind}-{name}.txt").write_text(output)
    assert result.returncode == 0, output[-20_000:]


def test_a_resident_gets_clear_answers(backend: RunningBackend,
                                       tokens: dict[str, str]) -> None:
    schemathesis(backend, "resident", "--header",
                 f"Authorization: Bearer {tokens['dev-taro']}", *KEEP_LOGIN)


def test_staff_get_clear_answers(backend: RunningBackend, tokens: dict[str, str]) -> None:
    schemathesis(backend, "staff", "--header",
                 f"Authorization: Bearer {tokens['dev-ichiro']}",
                 "--header", f"X-Kiosk-Key: {KIOSK_KEY}", *KEEP_LOGIN)


def test_anonymous_callers_get_clear_answers(backend: RunningBackend,
                                             tokens: dict[str, str]) -> None:
    schemathesis(backend, "anonymous")
