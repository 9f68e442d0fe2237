"""What a first visit loads before the app's first screen (ADR 0029), as an ASGI middleware
around Flet's app.

- `/assets/FontManifest.json`, the list of fonts Flutter's web engine downloads and registers
  before its first frame: Flet's own list keeps the Material icons (and adds Roboto), drops
  the KaTeX and Cupertino fonts this app never draws (17 files, 0.8 MB), and gains the fonts
  of the start language (`engine_fonts` in app/design/theme.py). So the app's first screen
  is drawn with its Japanese font: no frame of empty boxes. The pages then leave those fonts
  out of `page.fonts` (`fonts_for`).
- The page (assets/index.html, served by Flet for `/` and every route): its
  `<!-- tsuyama:preload -->` marker becomes preload links for those fonts, so they download
  beside the engine instead of after it. The page is sent uncached (it names this server's
  fonts).

A manifest font's asset is `../fonts/<file>`: Flutter asks for `assets/` + the asset, which
the browser resolves to `fonts/<file>`, the very address `page.fonts` and the preload link use,
served by Flet from the app's assets folder. One download, whoever asks first.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

FONT_MANIFEST_PATH = "/assets/FontManifest.json"
PRELOAD_MARKER = b"<!-- tsuyama:preload -->"
# Of Flet's font manifest, the families this app draws with.
KEPT_FLET_FAMILIES = frozenset({"MaterialIcons"})
# Flet appends its bundled Roboto to the manifest when serving without a CDN; so do we.
ROBOTO = {"family": "Roboto", "fonts": [{"asset": "fonts/roboto.woff2"}]}


def font_manifest(flet_manifest: list[dict[str, Any]], fonts: Mapping[str, str]
                  ) -> list[dict[str, Any]]:
    """Flutter's font manifest: the kept families of Flet's, Roboto, then `fonts` (family ->
    path in the assets folder)."""
    kept = [entry for entry in flet_manifest if entry.get("family") in KEPT_FLET_FAMILIES]
    ours = [{"family": family, "fonts": [{"asset": f"../{path}"}]}
            for family, path in fonts.items()]
    return [*kept, ROBOTO, *ours]


def preload_links(manifest: list[dict[str, Any]]) -> bytes:
    """`<link rel="preload">` for every font file of the manifest, as Flutter fetches them
    (`fetch()`: a CORS request with same-origin credentials, hence `crossorigin`)."""
    links = []
    for entry in manifest:
        for font in entry.get("fonts", []):
            asset = font["asset"]
            href = asset[3:] if asset.startswith("../") else f"assets/{asset}"
            links.append(f'<link rel="preload" href="{html.escape(href)}" as="fetch" '
                         'crossorigin="anonymous">')
    return "\n  ".join(links).encode("utf-8")


def read_flet_manifest(web_dir: Path) -> list[dict[str, Any]]:
    path = web_dir / "assets" / "FontManifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else []
    return manifest if isinstance(manifest, list) else []


class FirstLoad:
    """The ASGI middleware (see the module docstring)."""

    def __init__(self, app: ASGIApp, manifest: list[dict[str, Any]]) -> None:
        self.app = app
        self.manifest_body = json.dumps(manifest).encode("utf-8")
        self.preload = preload_links(manifest)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        if scope["path"] == FONT_MANIFEST_PATH:
            await self._send_manifest(scope, send)
            return
        await self.app(scope, receive, self._patching(scope, send))

    async def _send_manifest(self, scope: Scope, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(self.manifest_body)).encode("latin-1")),
            (b"cache-control", b"no-cache"),
        ]})
        body = b"" if scope["method"] == "HEAD" else self.manifest_body
        await send({"type": "http.response.body", "body": body})

    def _patching(self, scope: Scope, send: Send) -> Send:
        """A `send` that fills in the preload links of an HTML page."""
        start: Message | None = None
        chunks: list[bytes] = []

        async def patched(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                named = {k.lower(): v for k, v in message.get("headers", [])}
                is_page = (message.get("status") == 200
                           and named.get(b"content-type", b"").startswith(b"text/html")
                           and b"content-encoding" not in named)
                if not is_page:
                    await send(message)
                    return
                start = message
            elif start is None or message["type"] != "http.response.body":
                await send(message)
            else:
                chunks.append(message.get("body", b""))
                if message.get("more_body", False):
                    return
                body = b"".join(chunks)
                if scope["method"] != "HEAD":
                    body = body.replace(PRELOAD_MARKER, self.preload, 1)
                headers = [(k, v) for k, v in start.get("headers", [])
                           if k.lower() not in (b"content-length", b"etag", b"last-modified",
                                                b"cache-control")]
                headers += [(b"content-length", str(len(body)).encode("latin-1")),
                            (b"cache-control", b"no-cache")]
                if scope["method"] == "HEAD":  # no body to measure: the page's own length
                    headers = [h for h in headers if h[0] != b"content-length"]
                await send({**start, "headers": headers})
                await send({"type": "http.response.body", "body": body})

        return patched
