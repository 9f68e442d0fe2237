"""`GET /auth/upstream/callback`: state is single use and expires; upstream errors go back
to the app; a forged upstream answer is refused."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from backend.identity.keys import SigningKey
from backend.models import Person
from tests.identity_helpers import AppLogin, identity_client, query_of, upstream_login
from tests.security.conftest import FakeClock

pytestmark = [pytest.mark.anyio, pytest.mark.sqlite_enough]


async def callback_url(client: httpx.AsyncClient, app_login: AppLogin,
                       persona: str = "dev-taro") -> str:
    """Everything up to the dev IdP sending the browser back: the callback URL."""
    to_upstream = await client.get("/authorize", params=app_login.authorize_params())
    to_callback = await upstream_login(client, to_upstream.headers["location"], persona)
    assert to_callback.status_code == 303
    return to_callback.headers["location"]


def person_count(app: FastAPI) -> int:
    with app.state.engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(Person)).scalar_one()


async def test_wrong_state_is_refused_without_redirect(client: httpx.AsyncClient,
                                                       identity: FastAPI) -> None:
    url = await callback_url(client, AppLogin())
    params = query_of(httpx.Response(303, headers={"location": url}))
    params["state"] = "forged-state"
    response = await client.get(f"/auth/upstream/callback?{urlencode(params)}")
    assert response.status_code == 400 and "location" not in response.headers
    missing = await client.get("/auth/upstream/callback", params={"code": params["code"]})
    assert missing.status_code == 400
    assert person_count(identity) == 0


async def test_upstream_state_is_single_use(client: httpx.AsyncClient,
                                            identity: FastAPI) -> None:
    app_login = AppLogin()
    url = await callback_url(client, app_login)
    first = await client.get(url)
    assert query_of(first)["state"] == app_login.state
    replay = await client.get(url)
    assert replay.status_code == 400 and "location" not in replay.headers


async def test_login_expires_after_ten_minutes(client: httpx.AsyncClient, identity: FastAPI,
                                               clock: FakeClock) -> None:
    url = await callback_url(client, AppLogin())
    clock.advance(minutes=10, seconds=1)
    response = await client.get(url)
    assert response.status_code == 400 and "location" not in response.headers


async def test_upstream_error_goes_back_to_the_app(client: httpx.AsyncClient,
                                                   identity: FastAPI) -> None:
    app_login = AppLogin()
    url = await callback_url(client, app_login)
    upstream_state = query_of(httpx.Response(303, headers={"location": url}))["state"]
    response = await client.get("/auth/upstream/callback",
                                params={"error": "access_denied", "state": upstream_state})
    params = query_of(response)
    assert response.headers["location"].startswith(app_login.redirect_uri)
    assert params["error"] == "access_denied" and params["state"] == app_login.state
    assert "code" not in params


async def test_a_code_the_upstream_never_issued_is_refused(client: httpx.AsyncClient,
                                                           identity: FastAPI) -> None:
    app_login = AppLogin()
    url = await callback_url(client, app_login)
    params = query_of(httpx.Response(303, headers={"location": url}))
    params["code"] = "not-a-real-code"
    response = await client.get(f"/auth/upstream/callback?{urlencode(params)}")
    back = query_of(response)
    assert back["error"] == "access_denied" and "code" not in back
    assert person_count(identity) == 0


async def test_id_token_signed_by_another_key_is_refused(
    make_identity: Callable[..., FastAPI], database_url: str
) -> None:
    """The RP verifies the upstream ID token against the upstream JWKS fetched over HTTP:
    here the JWKS it gets is someone else's."""
    app = make_identity(database_url)
    real = httpx.ASGITransport(app=app)
    impostor = SigningKey.generate().jwks()

    async def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/dev-idp/jwks.json":
            return httpx.Response(200, json=impostor)
        response = await real.handle_async_request(request)
        await response.aread()
        return httpx.Response(response.status_code, headers=response.headers,
                              content=response.content)

    app.state.upstream_transport = httpx.MockTransport(handler)
    async with identity_client(app) as http:
        app_login = AppLogin()
        url = await callback_url(http, app_login)
        back = query_of(await http.get(url))
    assert back["error"] == "access_denied"
    assert person_count(app) == 0
