"""Connects `AccountState` to Flet's OAuth plumbing (`page.login`), which routes the browser's
return to `/oauth_callback` back to this session, also after a full-page redirect.

In web mode the login page opens in the same tab (a redirect); Flet's web server receives the
callback, sends the browser back to the app page and resumes this session, then calls
`request_token`. Elsewhere the system browser opens (RFC 8252: never an embedded web view).
"""

from __future__ import annotations

from typing import Any

import flet as ft
from flet.auth import Authorization, OAuthProvider

from app.account.account_state import AccountState
from backend_client import APP_CLIENT_ID, LoginRequest

CALLBACK_PATH = "/oauth_callback"  # Flet's web server handles this path


class PortalAuthorization(Authorization):
    """Flet's view of one login attempt; the real work is in `AccountState`."""

    def __init__(self, account: AccountState, login: LoginRequest, url: str) -> None:
        self._account = account
        self.state = login.state  # Flet checks the callback's state against this
        self._url = url

    def get_authorization_data(self) -> tuple[str, str]:
        return self._url, self.state

    async def request_token(self, code: str) -> None:
        await self._account.complete_login(code, self.state)

    async def get_token(self) -> Any:
        return None

    async def dehydrate_token(self, saved_token: str) -> None:
        return None


def callback_url(page: ft.Page) -> str:
    """This app's redirect URI: the page's own origin plus Flet's callback path."""
    from urllib.parse import urlsplit

    parts = urlsplit(page.url or "http://127.0.0.1")
    # In web mode page.url is the session's WebSocket address (ws:// or wss://).
    scheme = {"ws": "http", "wss": "https"}.get(parts.scheme, parts.scheme)
    return f"{scheme}://{parts.netloc}{CALLBACK_PATH}"


async def start_login(page: ft.Page, account: AccountState, backend_url: str,
                      language: str, acr_values: str | None = None,
                      attempt: int | None = None) -> None:
    """Opens the login page for `attempt` (raises `LoginError` if it was cancelled)."""
    login = await account.begin_login(callback_url(page), acr_values, attempt)
    url = login.authorize_url(backend_url, language)
    provider = OAuthProvider(
        client_id=APP_CLIENT_ID,
        client_secret="",
        authorization_endpoint=f"{backend_url}/authorize",
        token_endpoint=f"{backend_url}/token",
        redirect_url=login.redirect_uri,
    )

    async def open_login_page(authorization_url: str) -> None:
        launcher = ft.UrlLauncher()
        if page.web:
            await launcher.launch_url(authorization_url, web_only_window_name="_self")
        else:
            await launcher.launch_url(authorization_url)

    async def on_login(e: ft.LoginEvent) -> None:
        if e.error:  # the provider answered with an error: request_token was not called
            await account.complete_login(None, login.state, error=e.error)

    page.on_login = on_login
    await page.login(
        provider,
        fetch_user=False,
        # Flet asks for a class but only calls it: a factory binding this login works as well.
        authorization=lambda *_args, **_kwargs: PortalAuthorization(  # type: ignore[arg-type]
            account, login, url),
        on_open_authorization_url=open_login_page,
        redirect_to_page=True,
    )
