"""The request-body limit: how many bytes a request may send, enforced before anything
reads the body.

`BodyLimits.default` applies to every route; `routes` raises it for a few (method, path)
pairs, e.g. `POST /sync/push` (up to 500 mutations). A raised limit only counts for a caller
with a valid access token (`authenticated`): anonymous requests never get more than the
default, so the larger bodies are read only for someone who logged in.

`Content-Length` over the limit is refused at once (413) without reading a byte; a chunked
body is counted as it arrives and refused the moment it passes the limit. Settings:
`TSUYAMA_BODY_LIMIT_BYTES`, `TSUYAMA_PUSH_BODY_LIMIT_BYTES` (docs/api-input-policy.md).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from starlette.types import Message, Receive

KIB = 1024
MIB = 1024 * KIB
DEFAULT_BODY_LIMIT_BYTES = 256 * KIB
DEFAULT_PUSH_BODY_LIMIT_BYTES = 2 * MIB
MIN_BODY_LIMIT_BYTES = 16 * KIB
MAX_BODY_LIMIT_BYTES = 64 * MIB
BODY_TOO_LARGE = "body_too_large"


def human_size(size: int) -> str:
    if size % MIB == 0:
        return f"{size // MIB} MiB"
    if size % KIB == 0:
        return f"{size // KIB} KiB"
    return f"{size} bytes"


def check_limit(name: str, value: int) -> None:
    """Settings check: a limit must be between 16 KiB and 64 MiB."""
    if not MIN_BODY_LIMIT_BYTES <= value <= MAX_BODY_LIMIT_BYTES:
        raise ValueError(f"{name} must be {MIN_BODY_LIMIT_BYTES} to {MAX_BODY_LIMIT_BYTES} "
                         f"bytes, got {value}")


@dataclass(frozen=True)
class BodyLimits:
    default: int = DEFAULT_BODY_LIMIT_BYTES
    routes: Mapping[tuple[str, str], int] = field(default_factory=dict)

    def route_limit(self, method: str, path: str) -> int:
        return self.routes.get((method, path), self.default)


class BodyTooLarge(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(f"request body over {limit} bytes")
        self.limit = limit


class ClientGone(Exception):
    """The client disconnected before it had sent the whole body."""


def declared_length(raw: bytes | None) -> int | None:
    """`Content-Length` as a number; None when absent; -1 when it is not a number."""
    if raw is None:
        return None
    text = raw.strip()
    return int(text) if text.isdigit() and len(text) <= 18 else -1


async def read_body(receive: Receive, limit: int) -> bytes:
    """The whole body, read from `receive`; `BodyTooLarge` as soon as it passes `limit`."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message: Message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientGone
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(limit)
        if chunk:
            chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def replay(body: bytes, receive: Receive) -> Receive:
    """A `receive` that hands the app the body already read, then the real channel (for
    `http.disconnect`)."""
    pending = [{"type": "http.request", "body": body, "more_body": False}]

    async def receive_again() -> Message:
        if pending:
            return pending.pop()
        return await receive()

    return receive_again


def body_limits_from_env() -> dict[str, Any]:  # keyword arguments of Settings
    """`TSUYAMA_BODY_LIMIT_BYTES` (default 256 KiB) and `TSUYAMA_PUSH_BODY_LIMIT_BYTES`
    (default 2 MiB) as Settings fields; checked by `Settings` (`check_limit`)."""
    values = {}
    for name, setting, default in (
            ("TSUYAMA_BODY_LIMIT_BYTES", "body_limit_bytes", DEFAULT_BODY_LIMIT_BYTES),
            ("TSUYAMA_PUSH_BODY_LIMIT_BYTES", "push_body_limit_bytes",
             DEFAULT_PUSH_BODY_LIMIT_BYTES)):
        raw = os.environ.get(name, "").strip()
        try:
            values[setting] = int(raw) if raw else default
        except ValueError:
            raise ValueError(f"{name} must be a number of bytes, got {raw!r}") from None
    return values
