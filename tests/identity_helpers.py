"""Log in through the real flow in tests: app → /authorize → dev IdP → callback → /token.

    app = make_identity_app(database_url)              # or any create_app(...) app
    async with identity_client(app) as client:
        tokens = await login(client, "dev-taro")
        await client.get("/me", headers=tokens.auth_header)

`login` works with any `httpx.AsyncClient` on an `httpx.ASGITransport` of a development app:
it routes the backend's own calls to the dev IdP (discovery, JWKS, token) back into the same
app through `app.state.upstream_transport` (set by `identity_client` / `wire_upstream`).
Redirects are walked by hand (the client must not follow them). Persona subjects:
`backend/identity/dev_idp/personas.py`.

`email_login(client, "visitor@example.jp")` logs an email-only visitor in instead
(`acr_values=email`): the email page, the code read from the development mailbox
(`GET /dev-mail`), the code page, then `/token`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
from dataclasses import dataclass, field
from html import unescape
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from fastapi import FastAPI

from backend.app import create_app
from backend.identity.clients import APP_CLIENT_ID
from backend.settings import Settings

BASE_URL = "http://backend.test"
APP_REDIRECT_URI = "http://127.0.0.1:53682/oauth_callback"
DEFAULT_DEVICE_ID = "test-device"


@dataclass(frozen=True)
class TokenSet:
    access_token: str
    refresh_token: str
    id_token: str
    expires_in: int
    scope: str
    device_id: str | None

    @property
    def auth_header(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}

    @property
    def id_claims(self) -> dict[str, Any]:
        """The ID token's claims, NOT verified (tests verify it where that matters)."""
        return unverified_claims(self.id_token)

    @property
    def common_id(self) -> str:
        return str(self.id_claims["sub"])


def unverified_claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def make_identity_app(database_url: str, **overrides: Any) -> FastAPI:
    """A development app whose public URL is the test client's base URL, wired for login.
    Dispose it with `app.state.engine.dispose()` (the `make_app` fixture does that too)."""
    overrides.setdefault("public_url", BASE_URL)
    app = create_app(Settings(database_url=database_url, **overrides))
    wire_upstream(app)
    return app


def wire_upstream(app: FastAPI) -> None:
    """Route the backend's calls to its upstream (the dev IdP) back into `app` in-process."""
    app.state.upstream_transport = httpx.ASGITransport(app=app)


def identity_client(app: FastAPI) -> httpx.AsyncClient:
    """An in-process client that does not follow redirects; wires the upstream if needed."""
    if getattr(app.state, "upstream_transport", None) is None:
        wire_upstream(app)
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url=BASE_URL, follow_redirects=False
    )


def _ensure_wired(client: httpx.AsyncClient) -> None:
    transport = getattr(client, "_transport", None)
    app = getattr(transport, "app", None)
    if app is not None and getattr(app.state, "upstream_transport", None) is None:
        wire_upstream(app)


@dataclass
class Pkce:
    verifier: str = field(default_factory=lambda: secrets.token_urlsafe(48))

    @property
    def challenge(self) -> str:
        digest = hashlib.sha256(self.verifier.encode()).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


@dataclass
class AppLogin:
    """One login as the app makes it: its own state, nonce and PKCE verifier."""

    device_id: str | None = DEFAULT_DEVICE_ID
    redirect_uri: str = APP_REDIRECT_URI
    state: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    nonce: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    pkce: Pkce = field(default_factory=Pkce)

    def authorize_params(self, **overrides: str | None) -> dict[str, str]:
        params: dict[str, str | None] = {
            "response_type": "code",
            "client_id": APP_CLIENT_ID,
            "redirect_uri": self.redirect_uri,
            "scope": "openid profile",
            "state": self.state,
            "nonce": self.nonce,
            "code_challenge": self.pkce.challenge,
            "code_challenge_method": "S256",
            "device_id": self.device_id,
        }
        params.update(overrides)
        return {k: v for k, v in params.items() if v is not None}

    def token_form(self, code: str, **overrides: str | None) -> dict[str, str]:
        form: dict[str, str | None] = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": self.redirect_uri,
            "client_id": APP_CLIENT_ID,
            "code_verifier": self.pkce.verifier,
            "device_id": self.device_id,
        }
        form.update(overrides)
        return {k: v for k, v in form.items() if v is not None}


class _PersonaForms(HTMLParser):
    """Collects each `<form>` of the dev IdP page: action and fields, keyed by persona."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: dict[str, tuple[str, dict[str, str]]] = {}
        self._action = ""
        self._fields: dict[str, str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._action, self._fields = values.get("action", ""), {}
        elif tag == "input" and self._fields is not None and "name" in values:
            self._fields[values["name"]] = values.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self._fields is not None:
            self.forms[self._fields.get("persona", "")] = (self._action, self._fields)
            self._fields = None


def query_of(response: httpx.Response) -> dict[str, str]:
    """The query parameters of a redirect's Location (single values)."""
    assert response.status_code in (302, 303), (response.status_code, response.text[:500])
    location = response.headers["location"]
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


async def upstream_login(client: httpx.AsyncClient, upstream_authorize_url: str,
                         persona_sub: str) -> httpx.Response:
    """On the dev IdP page, press the persona's button; the 303 back to the backend."""
    page = await client.get(upstream_authorize_url)
    assert page.status_code == 200, page.text[:500]
    forms = _PersonaForms()
    forms.feed(page.text)
    assert persona_sub in forms.forms, f"no persona {persona_sub!r} on the dev IdP page"
    action, fields = forms.forms[persona_sub]
    return await client.post(action, data=fields)


async def authorize_code(client: httpx.AsyncClient, persona_sub: str,
                         app_login: AppLogin) -> str:
    """Run the browser part of the login; the app's authorization code."""
    _ensure_wired(client)
    to_upstream = await client.get("/authorize", params=app_login.authorize_params())
    assert to_upstream.status_code == 302, to_upstream.text[:500]
    to_callback = await upstream_login(client, to_upstream.headers["location"], persona_sub)
    assert to_callback.status_code == 303, to_callback.text[:500]
    to_app = await client.get(to_callback.headers["location"])
    params = query_of(to_app)
    assert to_app.headers["location"].startswith(app_login.redirect_uri), to_app.headers
    assert params.get("state") == app_login.state, params
    assert "code" in params, params
    return params["code"]


async def login(client: httpx.AsyncClient, persona_sub: str,
                device_id: str | None = DEFAULT_DEVICE_ID) -> TokenSet:
    """Log `persona_sub` (e.g. "dev-taro") in through the whole real flow; the tokens."""
    app_login = AppLogin(device_id=device_id)
    code = await authorize_code(client, persona_sub, app_login)
    response = await client.post("/token", data=app_login.token_form(code))
    assert response.status_code == 200, response.text
    body = response.json()
    return TokenSet(
        access_token=body["access_token"],
        refresh_token=body["refresh_token"],
        id_token=body["id_token"],
        expires_in=body["expires_in"],
        scope=body["scope"],
        device_id=device_id,
    )


async def exchange_code(client: httpx.AsyncClient, app_login: AppLogin, code: str) -> TokenSet:
    """POST /token for `code`; the tokens (asserts success)."""
    response = await client.post("/token", data=app_login.token_form(code))
    assert response.status_code == 200, response.text
    body = response.json()
    return TokenSet(
        access_token=body["access_token"],
        refresh_token=body["refresh_token"],
        id_token=body["id_token"],
        expires_in=body["expires_in"],
        scope=body["scope"],
        device_id=app_login.device_id,
    )


class _FormFields(HTMLParser):
    """Every `<form>` of a page: (action, {name: value})."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append((values.get("action", ""), {}))
        elif tag == "input" and self.forms and "name" in values:
            self.forms[-1][1][values["name"]] = values.get("value", "")


def only_form(page: httpx.Response) -> tuple[str, dict[str, str]]:
    """The action and fields of the page's single form."""
    parser = _FormFields()
    parser.feed(page.text)
    assert len(parser.forms) == 1, page.text[:800]
    return parser.forms[0]


_MAIL = re.compile(r'<article class="mail" data-to="([^"]*)">(.*?)</article>', re.S)
_CODE = re.compile(r"\b(\d{6})\b")


async def latest_code(client: httpx.AsyncClient, address: str) -> str:
    """The newest login code the development mailbox holds for `address`."""
    page = await client.get("/dev-mail")
    assert page.status_code == 200, page.text[:500]
    for to, body in _MAIL.findall(page.text):
        if unescape(to) == address.lower():
            found = _CODE.search(unescape(body))
            assert found, body
            return found.group(1)
    raise AssertionError(f"no mail to {address!r} in the development mailbox")


async def start_email_login(client: httpx.AsyncClient, app_login: AppLogin,
                            address: str) -> tuple[str, dict[str, str]]:
    """/authorize with `acr_values=email`, then send the code to `address`; the code
    form's action and fields (fill in "code")."""
    to_page = await client.get("/authorize",
                               params=app_login.authorize_params(acr_values="email"))
    assert to_page.status_code == 302, to_page.text[:500]
    page = await client.get(to_page.headers["location"])
    assert page.status_code == 200, page.text[:500]
    action, fields = only_form(page)
    code_page = await client.post(action, data={**fields, "email": address})
    assert code_page.status_code == 200, code_page.text[:800]
    return only_form(code_page)


async def email_login(client: httpx.AsyncClient, address: str,
                      device_id: str | None = DEFAULT_DEVICE_ID) -> TokenSet:
    """Log an email-only visitor in through the real flow (code from `GET /dev-mail`)."""
    app_login = AppLogin(device_id=device_id)
    action, fields = await start_email_login(client, app_login, address)
    code = await latest_code(client, address.strip())
    to_app = await client.post(action, data={**fields, "code": code})
    params = query_of(to_app)
    assert to_app.headers["location"].startswith(app_login.redirect_uri), to_app.headers
    assert params.get("state") == app_login.state and "code" in params, params
    return await exchange_code(client, app_login, params["code"])


async def refresh(client: httpx.AsyncClient, refresh_token: str,
                  device_id: str | None = DEFAULT_DEVICE_ID) -> httpx.Response:
    form = {"grant_type": "refresh_token", "refresh_token": refresh_token,
            "client_id": APP_CLIENT_ID}
    if device_id is not None:
        form["device_id"] = device_id
    return await client.post("/token", data=form)
