"""Flutter's font fallback requests answered with a plain 404 (ADR 0029).

When a character is in none of the page's fonts, Flutter's web engine asks for a slice of a
Noto font under `fontFallbackBaseUrl`, which Flet sets to `assets/fonts/` when there is no
CDN: `/assets/fonts/notosanssc/v36/<slice>.woff2`. Flet's static files answer an unknown path
with the app's HTML page (for routes such as /waste), so the engine downloaded and failed to
parse 15 KB of HTML per slice. We bundle every font the app draws with (ADR 0005, 0028) and
serve nothing from elsewhere, so such a request is answered at once: 404, no body to parse.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

FALLBACK_PREFIX = "/assets/fonts/"


def is_fallback_font_request(path: str) -> bool:
    """A fallback slice: a file in a folder under assets/fonts/ (our fonts and Flutter's
    MaterialIcons are directly in it)."""
    return path.startswith(FALLBACK_PREFIX) and "/" in path[len(FALLBACK_PREFIX):]


class NoFontFallback:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and is_fallback_font_request(scope.get("path", "")):
            body = b"no fallback fonts here: the app bundles its fonts\n"
            await send({"type": "http.response.start", "status": 404, "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
                (b"cache-control", b"max-age=86400"),
            ]})
            await send({"type": "http.response.body", "body": body})
            return
        await self.app(scope, receive, send)
