"""`GET /authorize`: client and redirect URI checks (never an open redirect), PKCE S256 only,
required state and nonce; RFC 8252 loopback redirects on any port."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from fastapi import FastAPI

from backend.identity.clients import registered_clients
from backend.settings import Settings
from tests.identity_helpers import BASE_URL, AppLogin, identity_client, query_of

pytestmark = [pytest.mark.anyio, pytest.mark.sqlite_enough]

APP = registered_clients(Settings(database_url="sqlite://"))["tsuyama-portal-app"]


@pytest.mark.parametrize(
    "uri",
    [
        "http://127.0.0.1/oauth_callback",
        "http://127.0.0.1:1/oauth_callback",
        "http://127.0.0.1:53682/oauth_callback",
        "http://localhost:65535/oauth_callback",
        "jp.lg.tsuyama.portal:/oauth2redirect",
    ],
)
def test_registered_redirects_are_accepted(uri: str) -> None:
    assert APP.allows_redirect(uri)


@pytest.mark.parametrize(
    "uri",
    [
        "https://127.0.0.1:5000/oauth_callback",  # scheme differs
        "http://127.0.0.2:5000/oauth_callback",  # host differs
        "http://localhost.evil.example/oauth_callback",
        "http://127.0.0.1:5000@evil.example/oauth_callback",  # userinfo trick
        "http://evil.example#@127.0.0.1/oauth_callback",
        "http://127.0.0.1:5000/oauth_callback/extra",  # path differs
        "http://127.0.0.1:5000/OAUTH_CALLBACK",
        "http://127.0.0.1:5000/oauth_callback?x=1",  # query not registered
        "http://127.0.0.1:5000/oauth_callback#frag",
        "http://127.0.0.1:99999/oauth_callback",  # not a port
        "http://127.0.0.1:0/oauth_callback",
        "http://[::1]:5000/oauth_callback",
        "jp.lg.tsuyama.portal:/oauth2redirect/x",
        "jp.lg.tsuyama.portal://oauth2redirect",
        "https://evil.example/oauth_callback",
        "",
    ],
)
def test_other_redirects_are_refused(uri: str) -> None:
    assert not APP.allows_redirect(uri)


def test_extra_redirect_uris_match_exactly() -> None:
    settings = Settings(database_url="sqlite://",
                        app_redirect_uris=("https://portal.example/oauth_callback",))
    client = registered_clients(settings)["tsuyama-portal-app"]
    assert client.allows_redirect("https://portal.example/oauth_callback")
    assert not client.allows_redirect("https://portal.example:444/oauth_callback")


async def test_loopback_on_any_port_reaches_the_upstream(client: httpx.AsyncClient) -> None:
    for port in (1024, 49152, 65000):
        app_login = AppLogin(redirect_uri=f"http://localhost:{port}/oauth_callback")
        response = await client.get("/authorize", params=app_login.authorize_params())
        assert response.status_code == 302
        upstream = query_of(response)
        assert response.headers["location"].startswith(f"{BASE_URL}/dev-idp/authorize?")
        assert upstream["client_id"] == "tsuyama-portal-backend"
        assert upstream["redirect_uri"] == f"{BASE_URL}/auth/upstream/callback"
        assert upstream["scope"] == "openid name address birthdate gender"
        assert upstream["code_challenge_method"] == "S256"
        # The backend's own state and nonce, never the app's.
        assert upstream["state"] != app_login.state and upstream["nonce"] != app_login.nonce


@pytest.mark.parametrize(
    "overrides",
    [
        {"client_id": "someone-else"},
        {"client_id": None},
        {"redirect_uri": "https://attacker.example/steal"},
        {"redirect_uri": "http://127.0.0.1:80@attacker.example/oauth_callback"},
        {"redirect_uri": None},
    ],
)
async def test_bad_client_or_redirect_is_shown_not_redirected(
    client: httpx.AsyncClient, overrides: dict[str, str | None]
) -> None:
    params = AppLogin().authorize_params(**overrides)
    response = await client.get("/authorize", params=params)
    assert response.status_code == 400
    assert "location" not in response.headers
    assert "text/html" in response.headers["content-type"]


async def test_repeated_redirect_uri_is_not_redirected(client: httpx.AsyncClient) -> None:
    params = list(AppLogin().authorize_params().items())
    params.append(("redirect_uri", "https://attacker.example/steal"))
    response = await client.get("/authorize", params=params)
    assert response.status_code == 400 and "location" not in response.headers


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"code_challenge_method": None}, "invalid_request"),
        ({"code_challenge": None}, "invalid_request"),
        ({"code_challenge": "too-short"}, "invalid_request"),
        ({"nonce": None}, "invalid_request"),
        ({"scope": "profile"}, "invalid_scope"),
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"device_id": "has spaces"}, "invalid_request"),
        ({"device_id": "x" * 129}, "invalid_request"),
    ],
)
async def test_bad_request_goes_back_to_the_app_with_an_error(
    client: httpx.AsyncClient, overrides: dict[str, str | None], error: str
) -> None:
    app_login = AppLogin()
    response = await client.get("/authorize", params=app_login.authorize_params(**overrides))
    assert response.status_code == 302
    assert response.headers["location"].startswith(app_login.redirect_uri + "?")
    params = query_of(response)
    assert params["error"] == error
    assert params["state"] == app_login.state
    assert params["iss"] == BASE_URL


async def test_missing_state_is_an_error_without_state(client: httpx.AsyncClient) -> None:
    response = await client.get("/authorize", params=AppLogin().authorize_params(state=None))
    params = query_of(response)
    assert params["error"] == "invalid_request" and "state" not in params


async def test_unreachable_upstream_is_temporarily_unavailable(
    make_identity: Callable[..., FastAPI], database_url: str
) -> None:
    app = make_identity(database_url, upstream_issuer="http://upstream.invalid",
                        dev_idp_enabled=False)

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("no route", request=request)

    app.state.upstream_transport = httpx.MockTransport(refuse)
    async with identity_client(app) as http:
        app_login = AppLogin()
        response = await http.get("/authorize", params=app_login.authorize_params())
    params = query_of(response)
    assert params["error"] == "temporarily_unavailable"
    assert params["state"] == app_login.state
