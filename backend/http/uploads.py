"""Routes that receive a file (a GTFS zip for the transit staff): larger than the body limit
and not text, so `InputGuard` treats them apart (docs/api-input-policy.md, "File uploads").

A route declares itself with `openapi_extra=file_upload(max_bytes, ...)`, which also
documents its multipart body. The guard then hands the body to the route **unread and
unchecked**, counting it against `max_bytes` for a caller with a valid access token and
against the default body limit for anyone else: a `Content-Length` over the limit is 413 at
once, a body that passes it while streaming raises `BodyTooLarge` (answered 413 by
`backend.http.errors`). The route reads the body itself, after its authorization
dependencies (so a caller who may not upload never has a byte read), and checks its text
fields itself (no NUL, no control characters, lengths).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from fastapi.routing import iter_route_contexts
from starlette.routing import BaseRoute, compile_path
from starlette.types import Message, Receive

from backend.http.body_limit import BodyTooLarge

UPLOAD_LIMIT_KEY = "x-upload-limit-bytes"


def file_upload(max_bytes: int, *, file_field: str = "file", file_description: str = "",
                text_fields: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The `openapi_extra` of an upload route: its limit and its multipart body (one file,
    optional text fields with their descriptions)."""
    properties: dict[str, Any] = {file_field: {"type": "string", "format": "binary",
                                               "description": file_description}}
    for name, description in (text_fields or {}).items():
        properties[name] = {"type": "string", "description": description}
    return {
        UPLOAD_LIMIT_KEY: max_bytes,
        "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
            "type": "object", "required": [file_field], "properties": properties}}}},
    }


@dataclass(frozen=True)
class UploadRoute:
    methods: frozenset[str]
    path: re.Pattern[str]
    max_bytes: int


def upload_routes(routes: Iterable[BaseRoute]) -> tuple[UploadRoute, ...]:
    """The routes declared with `file_upload`, included routers flattened."""
    found = []
    for context in iter_route_contexts(list(routes)):
        extra = getattr(context.route, "openapi_extra", None) or {}
        limit = extra.get(UPLOAD_LIMIT_KEY)
        if isinstance(limit, int) and context.path:
            found.append(UploadRoute(frozenset(context.methods or ()),
                                     compile_path(context.path)[0], limit))
    return tuple(found)


def upload_limit(uploads: Iterable[UploadRoute], method: str, path: str) -> int | None:
    """The limit of the upload route `method path`, or None when it is not one."""
    for upload in uploads:
        if method in upload.methods and upload.path.match(path):
            return upload.max_bytes
    return None


def counted(receive: Receive, limit: int) -> Receive:
    """`receive` that raises `BodyTooLarge` once the body passes `limit` bytes."""
    size = 0

    async def receive_counted() -> Message:
        nonlocal size
        message = await receive()
        if message["type"] == "http.request":
            size += len(message.get("body", b""))
            if size > limit:
                raise BodyTooLarge(limit)
        return message

    return receive_counted
