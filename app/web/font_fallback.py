"""Flutter's font fallback requests answered with an empty font (ADR 0029, ADR 0035).

When Flutter's web engine lays out a character that none of a text's fonts has (or lays it
out before the page's font is ready), it asks for a slice of a Noto font under
`fontFallbackBaseUrl`, which Flet sets to `assets/fonts/` when there is no CDN:
`/assets/fonts/notosanssc/v37/<slice>.woff2`. We bundle every font the app draws with (ADR
0005, 0028) and serve nothing from elsewhere.

Flet's static files answer an unknown path with the app's HTML page (for routes such as
/waste), which the engine downloaded and failed to parse. A 404 was no better: the engine
forgets a failed download, re-lays out every text when its downloads settle, finds the same
characters "missing" again and asks again, so the page could stay busy in that loop for
minutes (a hung page on the staff slot list). These requests are now answered with a valid
font of one empty glyph (`fallback_font.ttf`, built by `scripts/build_fallback_font.py`):
the download succeeds, the engine never asks for that slice again, and it draws nothing
that the page's own fonts do not already draw.
"""

from __future__ import annotations

from pathlib import Path

from starlette.types import ASGIApp, Receive, Scope, Send

FALLBACK_PREFIX = "/assets/fonts/"
EMPTY_FONT = (Path(__file__).resolve().parent / "fallback_font.ttf").read_bytes()


def is_fallback_font_request(path: str) -> bool:
    """A fallback slice: a file in a folder under assets/fonts/ (our fonts and Flutter's
    MaterialIcons are directly in it)."""
    return path.startswith(FALLBACK_PREFIX) and "/" in path[len(FALLBACK_PREFIX):]


class EmptyFontFallback:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and is_fallback_font_request(scope.get("path", "")):
            await send({"type": "http.response.start", "status": 200, "headers": [
                (b"content-type", b"font/ttf"),
                (b"content-length", str(len(EMPTY_FONT)).encode()),
                (b"cache-control", b"public, max-age=604800, immutable"),
            ]})
            await send({"type": "http.response.body", "body": EMPTY_FONT})
            return
        await self.app(scope, receive, send)
