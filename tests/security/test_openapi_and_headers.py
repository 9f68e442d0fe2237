"""Security headers on every answer, `no-store` on personal ones, API docs off in production,
and an OpenAPI that declares bearer security and the status codes the routes answer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from backend.security import openapi
from tests.backend.people import bearer, make_person
from tests.identity_helpers import BASE_URL, AppLogin, identity_client, login, refresh

pytestmark = [pytest.mark.anyio, pytest.mark.sqlite_enough]


def assert_page_headers(response: httpx.Response) -> None:
    assert response.headers["content-type"].startswith("text/html")
    csp = response.headers["content-security-policy"]
    for directive in ("default-src 'none'", "frame-ancestors 'none'", "base-uri 'none'",
                      "form-action 'self'", "style-src 'unsafe-inline'"):
        assert directive in csp, csp
    assert "script-src" not in csp  # no scripts at all (default-src 'none')
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"


async def test_html_pages_get_csp_no_framing_nosniff_and_a_referrer_policy(
    client: httpx.AsyncClient,
) -> None:
    to_upstream = await client.get("/authorize", params=AppLogin().authorize_params())
    assert_page_headers(await client.get(to_upstream.headers["location"]))  # dev IdP
    to_email = await client.get("/authorize", params=AppLogin().authorize_params(
        acr_values="email"))
    assert_page_headers(await client.get(to_email.headers["location"]))  # email sign-in
    assert_page_headers(await client.get("/dev-mail"))
    error_page = await client.get("/authorize", params={"client_id": "unknown"})
    assert error_page.status_code == 400
    assert_page_headers(error_page)


async def test_the_pages_may_post_back_to_the_app_after_redirects(
    client: httpx.AsyncClient,
) -> None:
    """CSP form-action also covers the redirects after a post: the app's loopback redirect
    URIs on any port and its private-use scheme."""
    to_upstream = await client.get("/authorize", params=AppLogin().authorize_params())
    csp = (await client.get(to_upstream.headers["location"])).headers["content-security-policy"]
    form_action = next(part for part in csp.split("; ") if part.startswith("form-action"))
    assert form_action.split()[1:] == [
        "'self'", BASE_URL, "http://127.0.0.1:*", "http://localhost:*", "jp.lg.tsuyama.portal:"]


async def test_json_answers_get_nosniff(client: httpx.AsyncClient) -> None:
    health = await client.get("/healthz")
    assert health.headers["x-content-type-options"] == "nosniff"
    assert health.headers["referrer-policy"] == "no-referrer"
    assert "cache-control" not in health.headers  # public, anonymous: no need


async def test_personal_answers_are_no_store(client: httpx.AsyncClient,
                                             identity: FastAPI) -> None:
    tokens = await login(client, "dev-taro")
    for path in ("/me", "/me/household", "/me/consents", "/me/delegations", "/me/access-log",
                 "/sync/pull", "/notices", "/sync/streams/public/pull"):
        response = await client.get(path, headers=tokens.auth_header)
        assert response.status_code == 200, (path, response.text[:300])
        assert response.headers["cache-control"] == "no-store", path
        assert response.headers["x-content-type-options"] == "nosniff", path
    refused = await client.get("/me", headers={"Authorization": "Bearer nope"})
    assert refused.status_code == 401 and refused.headers["cache-control"] == "no-store"
    refreshed = await refresh(client, tokens.refresh_token)
    assert refreshed.status_code == 200 and refreshed.headers["cache-control"] == "no-store"
    failed = await client.post("/token", data={"grant_type": "refresh_token",
                                                "client_id": "tsuyama-portal-app"})
    assert failed.status_code == 400 and failed.headers["cache-control"] == "no-store"
    staff = make_person(identity, name="職員 一郎", role="staff",
                        departments=("citizens",))
    lookup = await client.get(f"/staff/residents/{tokens.common_id}",
                              params={"purpose": "窓口での本人確認"},
                              headers=bearer(identity, staff))
    assert lookup.status_code == 200 and lookup.headers["cache-control"] == "no-store"


# --- API docs ----------------------------------------------------------------------------------

DOCS = ("/docs", "/redoc", "/openapi.json")


async def test_api_docs_are_off_in_production(make_app: Callable[..., FastAPI],
                                              database_url: str) -> None:
    app = make_app(database_url, environment="production", public_url=BASE_URL,
                   upstream_issuer="https://upstream.example",
                   upstream_client_id="tsuyama-city")
    async with identity_client(app) as client:
        for path in DOCS:
            assert (await client.get(path)).status_code == 404, path
        assert (await client.get("/healthz")).status_code == 200


async def test_api_docs_are_on_in_development(client: httpx.AsyncClient) -> None:
    for path in DOCS:
        response = await client.get(path)
        assert response.status_code == 200, path
        assert response.headers["x-content-type-options"] == "nosniff"
    # The docs pages load Swagger UI / ReDoc from their CDN: no CSP there (development only).
    assert "content-security-policy" not in (await client.get("/docs")).headers


# --- OpenAPI ---------------------------------------------------------------------------------


@pytest.fixture
async def schema(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.get("/openapi.json")
    assert response.status_code == 200
    return response.json()


def codes(schema: dict[str, Any], method: str, path: str) -> set[int]:
    return {int(code) for code in schema["paths"][path][method]["responses"]}


async def test_openapi_declares_bearer_security(schema: dict[str, Any]) -> None:
    scheme = schema["components"]["securitySchemes"][openapi.BEARER]
    assert scheme == {"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                      "description": scheme["description"]}
    required = [{openapi.BEARER: []}]
    for method, path in (("get", "/me"), ("post", "/sync/push"), ("get", "/sync/pull"),
                         ("delete", "/me"), ("post", "/logout"),
                         ("get", "/staff/residents/{common_id}"),
                         ("put", "/staff/bulky/slots")):
        assert schema["paths"][path][method]["security"] == required, (method, path)
        assert 401 in codes(schema, method, path), (method, path)
    optional = [{}, {openapi.BEARER: []}]
    assert schema["paths"]["/notices"]["get"]["security"] == optional
    assert schema["paths"]["/sync/streams/{stream}/pull"]["get"]["security"] == optional
    for method, path in (("get", "/healthz"), ("post", "/token"), ("get", "/authorize"),
                         ("get", "/jwks.json")):
        assert "security" not in schema["paths"][path][method], (method, path)


async def test_openapi_declares_the_status_codes(schema: dict[str, Any]) -> None:
    assert codes(schema, "get", "/me") >= {200, 400, 401}
    assert codes(schema, "post", "/sync/push") >= {200, 400, 401, 413, 422, 503}
    assert codes(schema, "get", "/sync/streams/{stream}/pull") >= {
        200, 401, 403, 404, 422, 503}
    assert codes(schema, "put", "/staff/bulky/slots") >= {200, 401, 403, 409, 413, 422}
    assert codes(schema, "post", "/me/delegations/{delegation_id}/accept") >= {
        401, 403, 404, 409, 422}
    assert codes(schema, "post", "/token") >= {200, 400, 401, 413, 429}
    assert codes(schema, "post", "/auth/email/start") >= {200, 400, 403, 413, 429, 503}
    assert codes(schema, "post", "/dev-idp/login") >= {303, 400, 403}
    assert codes(schema, "get", "/healthz") >= {200, 503}
    assert codes(schema, "get", "/auth/upstream/callback") >= {302, 400, 429}


async def test_every_operation_is_described(schema: dict[str, Any]) -> None:
    """A new route must say what it answers (backend/security/openapi.py, RESPONSES)."""
    operations = {(method, path) for path, ops in schema["paths"].items() for method in ops
                  if not path.startswith("/test-only/")}  # the fixture's own route
    assert operations - set(openapi.RESPONSES) == set()
    for method, path in operations:
        for code, response in schema["paths"][path][method]["responses"].items():
            assert response.get("description"), (method, path, code)


async def test_the_declared_codes_are_the_real_ones(client: httpx.AsyncClient,
                                                    identity: FastAPI) -> None:
    """A sample of real answers, each declared for its route."""
    schema = (await client.get("/openapi.json")).json()
    tokens = await login(client, "dev-taro")
    answers = [
        ("get", "/me", await client.get("/me")),
        ("get", "/sync/streams/{stream}/pull", await client.get("/sync/streams/x/pull")),
        ("get", "/sync/streams/{stream}/pull",
         await client.get("/sync/streams/audience:parents/pull")),
        ("get", "/people/{common_id}",
         await client.get("/people/nobody", headers=tokens.auth_header)),
        ("get", "/staff/residents/{common_id}",
         await client.get("/staff/residents/x", params={"purpose": "確認のため"},
                          headers=tokens.auth_header)),
        ("post", "/sync/push", await client.post("/sync/push", json={},
                                                 headers=tokens.auth_header)),
        ("post", "/token", await client.post("/token", data={"grant_type": "x"})),
        ("post", "/auth/email/start", await client.post("/auth/email/start", data={})),
        ("post", "/dev-idp/login", await client.post("/dev-idp/login", data={})),
    ]
    for method, path, response in answers:
        assert response.status_code in codes(schema, method, path), (
            method, path, response.status_code)
