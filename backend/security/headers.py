"""Security headers on every answer, and `Cache-Control: no-store` on personal ones.

- every answer: `X-Content-Type-Options: nosniff`;
- HTML pages (the sign-in pages, the development IdP and mailbox, error pages): a Content
  Security Policy that allows nothing but their inline style and posting their forms, no
  framing (`frame-ancestors 'none'`, `X-Frame-Options: DENY`), and `Referrer-Policy:
  same-origin` (not `no-referrer`: with that, browsers send `Origin: null` on the pages' own
  form posts, and the CSRF check could no longer tell them from a cross-site post);
- other answers: `Referrer-Policy: no-referrer`;
- any answer to a request that carries `Authorization` (personal data: `/me`, sync, staff
  routes, …) and any answer of the token endpoints: `Cache-Control: no-store`, replacing a
  weaker policy. RFC 6749 §5.1 asks for it on token answers; shared and browser caches must
  never keep a resident's data.

The interactive API docs (development only, `/docs`, `/redoc`) load their scripts from a
CDN, so they get every header but the CSP.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backend.identity.clients import LOOPBACK_REDIRECT_URIS, PRIVATE_USE_REDIRECT_URI
from backend.settings import Settings

NO_STORE = b"no-store"
# Answers that carry tokens or login secrets whether or not an Authorization header came.
_TOKEN_PATHS = frozenset({"/token", "/revoke", "/logout", "/dev-idp/token"})


def _origin(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme in ("http", "https") and parts.netloc:
        return f"{parts.scheme}://{parts.netloc}"
    if parts.scheme and not parts.netloc:  # a private-use scheme, e.g. jp.lg.tsuyama.portal:
        return f"{parts.scheme}:"
    return None


def form_targets(settings: Settings) -> list[str]:
    """Where a form of ours may post or be redirected to after posting (CSP `form-action`
    covers the redirects too): this backend, and the app's redirect URIs, loopback ones on
    any port (RFC 8252 §7.3)."""
    targets = ["'self'"]
    extra = [settings.public_url,
             *(f"{uri.split('/oauth_callback')[0]}:*" for uri in LOOPBACK_REDIRECT_URIS),
             PRIVATE_USE_REDIRECT_URI, *settings.app_redirect_uris]
    for url in extra:
        origin = url if url.endswith(":*") else _origin(url)
        if origin and origin not in targets:
            targets.append(origin)
    return targets


def page_policy(settings: Settings) -> str:
    """The Content Security Policy of the backend's HTML pages."""
    return "; ".join((
        "default-src 'none'",
        "style-src 'unsafe-inline'",
        f"form-action {' '.join(form_targets(settings))}",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    ))


class SecurityHeaders:
    """ASGI middleware adding the headers above to every HTTP answer."""

    def __init__(self, app: ASGIApp, settings: Settings,
                 no_csp_paths: Iterable[str] = ()) -> None:
        self.app = app
        self.page_csp = page_policy(settings).encode()
        self.no_csp_paths = frozenset(no_csp_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        personal = path in _TOKEN_PATHS or any(
            name == b"authorization" for name, _ in scope.get("headers", ()))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": self._headers(
                    list(message.get("headers", [])), path, personal)}
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _headers(self, headers: list[tuple[bytes, bytes]], path: str,
                 personal: bool) -> list[tuple[bytes, bytes]]:
        present = {name.lower(): value for name, value in headers}
        content_type = present.get(b"content-type", b"")
        added: list[tuple[bytes, bytes]] = [(b"x-content-type-options", b"nosniff")]
        if content_type.startswith(b"text/html"):
            if path not in self.no_csp_paths:
                added.append((b"content-security-policy", self.page_csp))
            added += [(b"x-frame-options", b"DENY"), (b"referrer-policy", b"same-origin")]
        else:
            added.append((b"referrer-policy", b"no-referrer"))
        if personal and NO_STORE not in present.get(b"cache-control", b""):
            headers = [(n, v) for n, v in headers if n.lower() != b"cache-control"]
            added.append((b"cache-control", NO_STORE))
        return headers + [(n, v) for n, v in added if n not in present or n == b"cache-control"]
