"""The OAuth clients this authorization server knows, and redirect URI matching.

The app is a public client (RFC 8252: no secret, PKCE required). Its loopback redirect URIs
accept any port (RFC 8252 §7.3) but scheme, host and path must match exactly; every other
redirect URI must match exactly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from backend.settings import Settings

APP_CLIENT_ID = "tsuyama-portal-app"
LOOPBACK_REDIRECT_URIS = (
    "http://127.0.0.1/oauth_callback",
    "http://localhost/oauth_callback",
)
PRIVATE_USE_REDIRECT_URI = "jp.lg.tsuyama.portal:/oauth2redirect"
_LOOPBACK_NETLOC = re.compile(r"^(?P<host>127\.0\.0\.1|localhost)(?::(?P<port>[0-9]{1,5}))?$")


@dataclass(frozen=True)
class RegisteredClient:
    client_id: str
    exact_redirect_uris: frozenset[str]
    loopback_redirect_uris: frozenset[str]  # any port accepted

    def allows_redirect(self, redirect_uri: str) -> bool:
        if redirect_uri in self.exact_redirect_uris:
            return True
        return _loopback_without_port(redirect_uri) in self.loopback_redirect_uris


def _loopback_without_port(uri: str) -> str | None:
    """`http://127.0.0.1:PORT/path` → `http://127.0.0.1/path`; None if not such a URI."""
    try:
        parts = urlsplit(uri)
    except ValueError:
        return None
    if parts.scheme != "http" or parts.query or parts.fragment or "#" in uri:
        return None
    match = _LOOPBACK_NETLOC.fullmatch(parts.netloc)
    if match is None:
        return None
    port = match.group("port")
    if port is not None and not 0 < int(port) < 65536:
        return None
    return f"http://{match.group('host')}{parts.path}"


def registered_clients(settings: Settings) -> dict[str, RegisteredClient]:
    app = RegisteredClient(
        client_id=APP_CLIENT_ID,
        exact_redirect_uris=frozenset((PRIVATE_USE_REDIRECT_URI, *settings.app_redirect_uris)),
        loopback_redirect_uris=frozenset(LOOPBACK_REDIRECT_URIS),
    )
    return {app.client_id: app}
