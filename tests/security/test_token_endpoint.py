"""`POST /token` with authorization codes: single use (a replay revokes what the code gave),
PKCE, the redirect URI and device of /authorize, 60 s lifetime, RFC 6749 §5.2 errors."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from tests.identity_helpers import AppLogin, authorize_code, refresh
from tests.security.conftest import WHOAMI_PATH, FakeClock

pytestmark = [pytest.mark.anyio, pytest.mark.sqlite_enough]


def bearer(body: dict) -> dict[str, str]:
    return {"Authorization": f"Bearer {body['access_token']}"}


def assert_error(response: httpx.Response, error: str, status: int = 400) -> None:
    assert response.status_code == status, response.text
    assert response.json()["error"] == error
    assert "error_description" in response.json()
    assert response.headers["cache-control"] == "no-store"


async def test_reused_code_is_refused_and_revokes_its_tokens(client: httpx.AsyncClient,
                                                              identity: FastAPI) -> None:
    app_login = AppLogin()
    code = await authorize_code(client, "dev-taro", app_login)
    first = await client.post("/token", data=app_login.token_form(code))
    assert first.status_code == 200
    tokens = first.json()
    assert (await client.get(WHOAMI_PATH, headers=bearer(tokens))).status_code == 200

    replay = await client.post("/token", data=app_login.token_form(code))

    assert_error(replay, "invalid_grant")
    assert (await client.get(WHOAMI_PATH, headers=bearer(tokens))).status_code == 401
    assert_error(await refresh(client, tokens["refresh_token"]), "invalid_grant")


@pytest.mark.parametrize("verifier", ["", "x" * 43, "short"])
async def test_wrong_or_missing_verifier_is_refused(client: httpx.AsyncClient,
                                                    identity: FastAPI, verifier: str) -> None:
    app_login = AppLogin()
    code = await authorize_code(client, "dev-taro", app_login)
    response = await client.post("/token", data=app_login.token_form(code,
                                                                      code_verifier=verifier))
    assert_error(response, "invalid_grant")
    # The code is spent: even the right verifier cannot use it now.
    again = await client.post("/token", data=app_login.token_form(code))
    assert_error(again, "invalid_grant")


@pytest.mark.parametrize(
    "overrides",
    [
        {"redirect_uri": "http://127.0.0.1:9999/oauth_callback"},  # another loopback port
        {"redirect_uri": None},
        {"device_id": "another-device"},
        {"device_id": None},
    ],
)
async def test_token_request_must_match_the_authorize_request(
    client: httpx.AsyncClient, identity: FastAPI, overrides: dict[str, str | None]
) -> None:
    app_login = AppLogin()
    code = await authorize_code(client, "dev-taro", app_login)
    response = await client.post("/token", data=app_login.token_form(code, **overrides))
    assert_error(response, "invalid_grant")


async def test_code_expires_after_sixty_seconds(client: httpx.AsyncClient, identity: FastAPI,
                                                clock: FakeClock) -> None:
    app_login = AppLogin()
    code = await authorize_code(client, "dev-taro", app_login)
    clock.advance(seconds=61)
    assert_error(await client.post("/token", data=app_login.token_form(code)), "invalid_grant")


async def test_unknown_client_is_invalid_client(client: httpx.AsyncClient,
                                                identity: FastAPI) -> None:
    app_login = AppLogin()
    code = await authorize_code(client, "dev-taro", app_login)
    response = await client.post("/token", data=app_login.token_form(code, client_id="evil"))
    assert_error(response, "invalid_client", status=401)
    assert "www-authenticate" in response.headers


async def test_unknown_code_and_grant_type(client: httpx.AsyncClient) -> None:
    app_login = AppLogin()
    assert_error(await client.post("/token", data=app_login.token_form("no-such-code")),
                 "invalid_grant")
    assert_error(await client.post("/token", data=app_login.token_form("")), "invalid_request")
    response = await client.post("/token", data={"grant_type": "password",
                                                 "client_id": "tsuyama-portal-app"})
    assert_error(response, "unsupported_grant_type")


async def test_login_without_device_id(client: httpx.AsyncClient, identity: FastAPI) -> None:
    app_login = AppLogin(device_id=None)
    code = await authorize_code(client, "dev-hanako", app_login)
    response = await client.post("/token", data=app_login.token_form(code))
    assert response.status_code == 200
    assert (await refresh(client, response.json()["refresh_token"], device_id=None)
            ).status_code == 200
