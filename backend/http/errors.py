"""One shape for every refused input, and the handler of FastAPI's validation errors.

    {"detail": [{"loc": ["query", "limit"], "msg": "Input should be ...", "type": "..."}]}

422 (a value the route's model refuses), 400 (the input policy) and 413 (the body limit)
all answer this way. The caller's input is never echoed: pydantic's `input` and `ctx` are
dropped, `loc` parts and messages are cut to a short prefix, at most `MAX_ERRORS` entries
are listed, and lone surrogates are written as escapes so the answer can always be encoded.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.types import Receive, Send

from backend.http.body_limit import BODY_TOO_LARGE, BodyTooLarge, human_size

MAX_ERRORS = 20
MAX_LOC_PART = 100
MAX_MSG = 300
# After refusing a body unread: how much more of it is dropped before closing.
LINGER_BYTES = 16 * 1024 * 1024
LINGER_SECONDS = 1.0


def short_text(value: object, limit: int) -> str:
    """`value` as printable UTF-8 text (surrogates escaped), cut to `limit` characters."""
    text = str(value).encode("utf-8", "backslashreplace").decode("utf-8")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def error_entry(type_: str, msg: str, loc: Iterable[object]) -> dict[str, Any]:
    return {"loc": [part if isinstance(part, int) else short_text(part, MAX_LOC_PART)
                    for part in loc],
            "msg": short_text(msg, MAX_MSG), "type": short_text(type_, MAX_LOC_PART)}


def clean_errors(errors: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """pydantic/FastAPI error dicts reduced to loc, msg and type."""
    cleaned = []
    for error in errors[:MAX_ERRORS]:
        msg = str(error.get("msg", "")).removeprefix("Value error, ")  # our own validators
        context = error.get("ctx")
        if error.get("type") == "json_invalid" and isinstance(context, Mapping):
            msg = f"{msg}: {context.get('error', '')}"  # where the JSON broke, not its text
        cleaned.append(error_entry(str(error.get("type", "invalid")), msg,
                                   error.get("loc", ())))
    if len(errors) > MAX_ERRORS:
        cleaned.append(error_entry("too_many_errors",
                                   f"and {len(errors) - MAX_ERRORS} more errors", ()))
    return cleaned


def error_json(entries: list[dict[str, Any]]) -> bytes:
    return json.dumps({"detail": entries}, ensure_ascii=False,
                      separators=(",", ":")).encode("utf-8")


async def validation_error_handler(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return JSONResponse(status_code=422, content={"detail": clean_errors(exc.errors())})


async def send_error(send: Send, status: int, entries: list[dict[str, Any]], *,
                     close: bool = False, linger_on: Receive | None = None) -> None:
    """Answer from ASGI middleware (before any route): JSON in the shape above.

    `close`: the request's body was left (partly) unread, so the connection is closed after
    the answer. `linger_on`: before that, what the client still sends is read from it and
    dropped for a moment (`linger`): closing a socket with unread data resets it, and the
    client could lose the answer it has not read yet."""
    body = error_json(entries)
    headers = [(b"content-type", b"application/json"),
               (b"content-length", str(len(body)).encode()),
               (b"cache-control", b"no-store")]
    if close:
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": linger_on is not None})
    if linger_on is not None:
        await linger(linger_on)
        await send({"type": "http.response.body", "body": b"", "more_body": False})


async def linger(receive: Receive) -> None:
    """Read and drop the rest of a refused body until the client stops sending, at most
    LINGER_BYTES or LINGER_SECONDS (a lingering close, like nginx's)."""

    async def discard() -> None:
        dropped = 0
        while dropped < LINGER_BYTES:
            message = await receive()
            if message["type"] != "http.request" or not message.get("more_body", False):
                return
            dropped += len(message.get("body", b""))

    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(discard(), LINGER_SECONDS)


async def body_too_large_handler(_request: Request, exc: Exception) -> JSONResponse:
    """A streamed upload passed its limit while the route read it (`backend/http/uploads.py`)."""
    assert isinstance(exc, BodyTooLarge)
    return JSONResponse(status_code=413, headers={"connection": "close"}, content={
        "detail": [error_entry(BODY_TOO_LARGE, f"the request body is larger than "
                               f"{human_size(exc.limit)}, the most this route accepts",
                               ("body",))]})


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, validation_error_handler)
    app.add_exception_handler(BodyTooLarge, body_too_large_handler)
