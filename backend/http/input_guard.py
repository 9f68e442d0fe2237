"""`InputGuard`: the pure-ASGI middleware that applies the body limit and the input policy to
every HTTP request before routing, authentication or parsing (ADR 0020).

1. The path and the query string: UTF-8, no NUL (`input_policy.check_url_part`), else 400.
2. The body: `Content-Length` over the route's limit is 413 at once, unread; otherwise the
   body is read up to the limit (a chunked body is refused when it passes it). A file upload
   route (`uploads.file_upload`) gets its body streamed unread and unchecked instead,
   counted against its own limit with a valid access token, the default one without
   (`backend/http/uploads.py`).
3. JSON, form and multipart bodies are checked (`input_policy`), else 400; a large body is
   checked in a worker thread so the event loop keeps serving other requests.
4. The app gets the body from memory (`body_limit.replay`).

`install_input_guard` adds it to the app with the limits of the settings, and the handler
that answers validation errors without echoing the input (`errors`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from backend.http import input_policy
from backend.http.body_limit import (
    BODY_TOO_LARGE,
    BodyLimits,
    BodyTooLarge,
    ClientGone,
    declared_length,
    human_size,
    read_body,
    replay,
)
from backend.http.errors import error_entry, install_error_handlers, send_error
from backend.http.uploads import UploadRoute, counted, upload_limit, upload_routes
from backend.identity.access_tokens import InvalidToken, verify_access_token
from backend.settings import Settings

logger = logging.getLogger(__name__)

PUSH_ROUTE = ("POST", "/sync/push")
# Bodies up to this size are checked on the event loop (well under a millisecond).
CHECK_INLINE_BYTES = 64 * 1024

Authenticated = Callable[[str], bool]


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return value
    return None


def _body_violation(content_type: bytes, body: bytes) -> input_policy.Violation | None:
    kind = content_type.split(b";", 1)[0].strip().lower()
    if kind == b"application/x-www-form-urlencoded":
        return input_policy.check_form(body)
    if kind == b"multipart/form-data":
        return input_policy.check_multipart(body)
    if not kind or kind == b"application/json" or kind.endswith(b"+json"):
        return input_policy.check_json(body)  # FastAPI reads a body without a type as JSON
    return None  # no route parses other types: the route refuses them itself


@dataclass(frozen=True)
class Unread:
    """What is left of the request body when the guard answers without reading it."""

    pending: bool  # a body is (still) coming: close the connection after the answer
    sending: bool  # the client is sending it (no "Expect: 100-continue"): linger over it
    receive: Receive

    def options(self) -> dict[str, Any]:
        return {"close": self.pending,
                "linger_on": self.receive if self.pending and self.sending else None}


class InputGuard:
    def __init__(self, app: ASGIApp, limits: BodyLimits,
                 authenticated: Authenticated | None = None) -> None:
        self.app = app
        self.limits = limits
        self.authenticated = authenticated
        self._uploads: tuple[UploadRoute, ...] | None = None  # found at the first request

    def _upload_limit(self, scope: Scope) -> tuple[int, str] | None:
        """For a file upload route: its limit (the default one without a valid access
        token) and what to tell a caller who passes it; None for any other route."""
        if self._uploads is None:
            self._uploads = upload_routes(getattr(scope.get("app"), "routes", ()))
        limit = upload_limit(self._uploads, scope["method"], scope["path"])
        if limit is None:
            return None
        where = f"{scope['method']} {scope['path'][:100]}"
        header = (_header(scope, b"authorization") or b"").decode("latin-1")
        if self.authenticated is None or not self.authenticated(header):
            return min(limit, self.limits.default), f"{where} without a valid access token"
        return limit, where

    def _limit(self, scope: Scope) -> tuple[int, str]:
        """The body limit of this request, and what to tell a caller who passes it."""
        method, path = scope["method"], scope["path"]
        limit = self.limits.route_limit(method, path)
        where = f"{method} {path[:100]}"
        if limit > self.limits.default:
            header = (_header(scope, b"authorization") or b"").decode("latin-1")
            if self.authenticated is None or not self.authenticated(header):
                return self.limits.default, f"{where} without a valid access token"
        return limit, where

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = declared_length(_header(scope, b"content-length"))
        chunked = _header(scope, b"transfer-encoding") is not None
        # A body is coming that will not be read: close afterwards, and linger over it
        # unless the client waits for "100 Continue" before sending it (it then never comes:
        # lingering would make the server send "100 Continue" after the answer).
        unread = Unread(bool(chunked or length), _header(scope, b"expect") is None, receive)
        violation = (input_policy.check_url_part(scope.get("raw_path") or b"", "path")
                     or input_policy.check_url_part(scope.get("query_string", b""), "query"))
        if violation is not None:
            await self._refuse_policy(scope, send, violation, unread)
            return
        if length == -1:  # the server would have refused it already; to be sure
            await send_error(send, 400, [error_entry(
                "invalid_content_length", "Content-Length is not a number",
                ("header", "content-length"))], close=True)
            return
        if not chunked and not length:
            await self.app(scope, receive, send)  # no body
            return
        upload = self._upload_limit(scope)
        if upload is not None:  # streamed: the route reads (and checks) the file itself
            limit, where = upload
            if length is not None and length > limit:
                await self._refuse_size(send, unread, limit, where)
                return
            await self.app(scope, counted(receive, limit), send)
            return
        limit, where = self._limit(scope)
        if length is not None and length > limit:
            await self._refuse_size(send, unread, limit, where)
            return
        try:
            body = await read_body(receive, limit)
        except BodyTooLarge:
            await self._refuse_size(send, Unread(True, True, receive), limit, where)
            return
        except ClientGone:
            return
        content_type = _header(scope, b"content-type") or b""
        if len(body) <= CHECK_INLINE_BYTES:
            violation = _body_violation(content_type, body)
        else:
            violation = await run_in_threadpool(_body_violation, content_type, body)
        if violation is not None:
            await self._refuse_policy(scope, send, violation, Unread(False, False, receive))
            return
        await self.app(scope, replay(body, receive), send)

    @staticmethod
    async def _refuse_size(send: Send, unread: Unread, limit: int, where: str) -> None:
        """413, the rest of the body unread (only lingered over, see `send_error`)."""
        await send_error(send, 413, [error_entry(
            BODY_TOO_LARGE, f"the request body is larger than {human_size(limit)}, the most "
            f"{where} accepts", ("body",))], **unread.options())

    @staticmethod
    async def _refuse_policy(scope: Scope, send: Send, violation: input_policy.Violation,
                             unread: Unread) -> None:
        logger.info("Refused %s %s: %s", scope["method"], scope["path"][:100], violation.type)
        await send_error(send, 400, [error_entry(violation.type, violation.msg,
                                                 violation.loc)], **unread.options())


def bearer_checker(app: FastAPI) -> Authenticated:
    """Whether an `Authorization` header carries an access token of this backend that is
    signed and unexpired (revocation is the route's business: this only decides how much
    body to read)."""

    def authenticated(header: str) -> bool:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return False
        try:
            verify_access_token(app.state.signing_key, app.state.settings.issuer,
                                token.strip())
        except (InvalidToken, ValueError, KeyError, TypeError):
            return False
        return True

    return authenticated


def install_input_guard(app: FastAPI, settings: Settings) -> None:
    """The guard (with the settings' limits) and the validation error handler."""
    limits = BodyLimits(default=settings.body_limit_bytes,
                        routes={PUSH_ROUTE: settings.push_body_limit_bytes})
    app.add_middleware(InputGuard, limits=limits, authenticated=bearer_checker(app))
    install_error_handlers(app)
