"""The web server of `python -m app` (ADR 0029): Flet's ASGI app, wrapped, run by uvicorn.

`ft.run(..., export_asgi_app=True)` returns the very app `ft.run` would serve in web mode
(Flet's FastAPI app: static files, the session WebSocket, its lifespan), built by Flet's
public function; we wrap it (app/web/first_load.py, app/web/compression.py) and serve it
with the same uvicorn settings Flet uses. Nothing in the installed Flet package is changed.
"""

from __future__ import annotations

import threading
from collections.abc import Awaitable, Callable
from pathlib import Path

import flet as ft
import uvicorn
from flet_web import get_package_web_dir  # type: ignore[import-untyped]
from starlette.types import ASGIApp

from app.design.theme import ENGINE_FONTS, engine_fonts
from app.web.compression import GzipResponses
from app.web.first_load import FirstLoad, font_manifest, read_flet_manifest
from app.web.font_fallback import EmptyFontFallback

# What every first visit downloads, compressed at start-up in this order (Chromium takes the
# skwasm engine and the Wasm build; other browsers the JavaScript build and CanvasKit).
CLIENT_FILES = (
    "/main.dart.wasm", "/canvaskit/skwasm.wasm", "/main.dart.mjs", "/canvaskit/skwasm.js",
    "/flutter_bootstrap.js", "/python.js",
)
FALLBACK_CLIENT_FILES = (
    "/main.dart.js", "/canvaskit/chromium/canvaskit.wasm", "/canvaskit/canvaskit.wasm",
    "/canvaskit/canvaskit.js", "/canvaskit/skwasm_heavy.wasm", "/canvaskit/skwasm_heavy.js",
)
GRACEFUL_SHUTDOWN_S = 5


def build_web_app(main: Callable[[ft.Page], Awaitable[None]], assets_dir: Path,
                  language: str) -> ASGIApp:
    """The app `python -m app` serves: Flet's web app for `main`, with the fonts of
    `language` loaded by the engine before its first frame, and compressed responses."""
    fonts = engine_fonts(language)
    ENGINE_FONTS.update(fonts)  # the pages leave them out of page.fonts
    flet_app = ft.run(main, assets_dir=str(assets_dir), no_cdn=True, export_asgi_app=True)
    manifest = font_manifest(read_flet_manifest(Path(get_package_web_dir())), fonts)
    font_files = [
        "/" + (font["asset"][3:] if font["asset"].startswith("../") else
               "assets/" + font["asset"])
        for entry in manifest for font in entry["fonts"]
    ]
    warm = [*CLIENT_FILES, *font_files, "/", *FALLBACK_CLIENT_FILES]
    return GzipResponses(EmptyFontFallback(FirstLoad(flet_app, manifest)), warm_paths=warm)


def serve(main: Callable[[ft.Page], Awaitable[None]], *, host: str, port: int,
          assets_dir: Path, language: str, on_listening: Callable[[], None] | None = None
          ) -> None:
    """Serve until SIGINT or SIGTERM (uvicorn's handlers; it re-raises the signal after its
    graceful shutdown, so the caller sees KeyboardInterrupt as with `ft.run`)."""
    config = uvicorn.Config(
        build_web_app(main, assets_dir, language), host=host, port=port, log_level=None,
        ws="websockets-sansio", timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S,
    )
    server = uvicorn.Server(config)
    if on_listening is not None:
        def notify() -> None:
            while not server.started and not server.should_exit:
                threading.Event().wait(0.05)
            if server.started:
                on_listening()

        threading.Thread(target=notify, name="web-server-started", daemon=True).start()
    server.run()
