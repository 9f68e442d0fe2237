"""gzip for what the web server sends (ADR 0029), as a plain ASGI middleware around Flet's app.

Flet's static files go out as they are on disk: the Flutter client alone (main.dart.wasm,
the skwasm engine) is 12 MB that gzip brings to 4.4 MB. A response is compressed when the
request accepts gzip and asks for no range, and the response is a 200 of a compressible type
of at least `MIN_SIZE` bytes without an encoding of its own. A response with an ETag (every
static file) is compressed once and kept in memory under its path and ETag, so a large file
costs its compression (about 0.5 s for the 8.5 MB main.dart.wasm) once per process, not per
visit; `warm` does it at start-up for the files every first visit needs. Compressed
responses carry a weak ETag (the bytes differ from the file's) and `Vary: Accept-Encoding`.

Browsers offer brotli and zstd only over HTTPS, and the app is served over plain HTTP on
loopback, so gzip is the one encoding that counts here.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import logging
from collections.abc import Iterable
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger(__name__)

MIN_SIZE = 1024
LEVEL = 6  # level 9 saves under 1 % on the Flutter client and takes twice as long
# Compressed bodies kept per process (the client, its engines and the fonts: about 12 MB).
CACHE_LIMIT_BYTES = 64 * 1024 * 1024
COMPRESSIBLE_TYPES = (
    "text/", "application/javascript", "application/json", "application/manifest+json",
    "application/wasm", "application/octet-stream", "application/xml", "image/svg+xml",
    "font/ttf", "font/otf", "font/sfnt", "application/font-sfnt", "application/x-font-ttf",
    "application/x-font-otf", "application/vnd.ms-opentype",
)


def accepts_gzip(accept_encoding: str) -> bool:
    """Does an Accept-Encoding header value allow gzip (`gzip` or `*`, not with q=0)?"""
    for part in accept_encoding.split(","):
        name, _, params = part.strip().partition(";")
        if name.strip().lower() not in ("gzip", "*"):
            continue
        q = params.strip().lower()
        if q.startswith("q="):
            with contextlib.suppress(ValueError):
                if float(q[2:]) == 0:
                    continue
        return True
    return False


def compressible(content_type: str) -> bool:
    return content_type.split(";")[0].strip().lower().startswith(COMPRESSIBLE_TYPES)


def _compress(body: bytes) -> bytes:
    return gzip.compress(body, LEVEL, mtime=0)


class GzipResponses:
    """The ASGI middleware (see the module docstring)."""

    def __init__(self, app: ASGIApp, warm_paths: Iterable[str] = ()) -> None:
        self.app = app
        self.warm_paths = list(warm_paths)
        self._cache: dict[tuple[str, str], asyncio.Future[bytes]] = {}
        self._cached_bytes = 0
        self._warming: asyncio.Task[None] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.app(scope, receive, self._lifespan_send(send))
            return
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1")
                   for k, v in scope.get("headers", [])}
        if "range" in headers or not accepts_gzip(headers.get("accept-encoding", "")):
            await self.app(scope, receive, send)
            return
        await self._respond(scope, receive, send)

    def _lifespan_send(self, send: Send) -> Send:
        async def wrapped(message: Message) -> None:
            if message["type"] == "lifespan.startup.complete" and self.warm_paths:
                self._warming = asyncio.get_running_loop().create_task(self.warm())
            elif message["type"].startswith("lifespan.shutdown") and self._warming:
                self._warming.cancel()
            await send(message)

        return wrapped

    async def _respond(self, scope: Scope, receive: Receive, send: Send) -> None:
        start: Message | None = None
        chunks: list[bytes] = []
        passing = False  # not compressed: messages go through as they come

        async def capture(message: Message) -> None:
            nonlocal start, passing
            if passing:
                await send(message)
            elif message["type"] == "http.response.start":
                if self._wanted(message):
                    start = message
                else:
                    passing = True
                    await send(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    await self._send_compressed(scope, start or {}, b"".join(chunks), send)
            else:
                await send(message)

        await self.app(scope, receive, capture)

    @staticmethod
    def _wanted(start: Message) -> bool:
        if start.get("status") != 200:
            return False
        headers = {k.decode("latin-1").lower(): v.decode("latin-1")
                   for k, v in start.get("headers", [])}
        if "content-encoding" in headers or not compressible(headers.get("content-type", "")):
            return False
        length = headers.get("content-length")
        return length is None or not length.isdigit() or int(length) >= MIN_SIZE

    async def _compressed(self, scope: Scope, etag: str | None, body: bytes) -> bytes:
        if etag is None:  # made per request: nothing to keep
            return await asyncio.to_thread(_compress, body)
        key = (scope.get("root_path", "") + scope["path"], etag)
        future = self._cache.get(key)
        if future is None:
            future = asyncio.get_running_loop().create_future()
            self._cache[key] = future
            try:
                result = await asyncio.to_thread(_compress, body)
            except BaseException as exc:
                del self._cache[key]
                future.set_exception(exc)
                future.exception()  # retrieved: awaited by this request only
                raise
            future.set_result(result)
            self._cached_bytes += len(result)
            if self._cached_bytes > CACHE_LIMIT_BYTES:
                del self._cache[key]
                self._cached_bytes -= len(result)
            return result
        return await asyncio.shield(future)

    async def _send_compressed(self, scope: Scope, start: Message, body: bytes,
                               send: Send) -> None:
        headers = [(k, v) for k, v in start.get("headers", [])
                   if k.lower() not in (b"content-length", b"etag", b"vary")]
        etag = next((v.decode("latin-1") for k, v in start.get("headers", [])
                     if k.lower() == b"etag"), None)
        if len(body) < MIN_SIZE:
            compressed = None
        else:
            compressed = await self._compressed(scope, etag, body)
            if len(compressed) >= len(body):
                compressed = None
        if compressed is None:  # not worth it: as it was
            await send(start)
            await send({"type": "http.response.body", "body": body})
            return
        headers += [(b"content-encoding", b"gzip"), (b"vary", b"Accept-Encoding"),
                    (b"content-length", str(len(compressed)).encode("latin-1"))]
        if etag is not None:
            weak = etag if etag.startswith("W/") else "W/" + etag
            headers.append((b"etag", weak.encode("latin-1")))
        await send({**start, "headers": headers})
        await send({"type": "http.response.body",
                    "body": b"" if scope["method"] == "HEAD" else compressed})

    async def warm(self) -> None:
        """Compress `warm_paths` now, one after the other, through the app itself (so with
        the very responses and ETags a browser will get)."""
        for path in self.warm_paths:
            try:
                await self._fetch(path)
            except asyncio.CancelledError:
                raise
            except Exception:  # a missing file only means nothing to warm
                log.debug("warming %s failed", path, exc_info=True)

    async def _fetch(self, path: str) -> None:
        scope: dict[str, Any] = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
            "method": "GET", "scheme": "http", "path": path,
            "raw_path": path.encode("utf-8"), "query_string": b"", "root_path": "",
            "headers": [(b"host", b"localhost"), (b"accept-encoding", b"gzip")],
            "client": ("127.0.0.1", 0), "server": ("127.0.0.1", 80),
        }
        sent = False

        async def receive() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": b"", "more_body": False}
            await asyncio.Event().wait()  # never disconnects
            return {"type": "http.disconnect"}

        async def discard(message: Message) -> None:
            return None

        await self._respond(scope, receive, discard)
