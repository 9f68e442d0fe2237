"""A fault-injecting HTTP/1.1 proxy for the reliability tests (issue 4).

It listens on 127.0.0.1 (a free port), accepts ONE request per connection, forwards it to the
real backend with `Connection: close` and relays the answer, unless the fault drawn for that
request from a seeded `random.Random` says otherwise:

- `PASS`:      forward and relay the answer unchanged;
- `DELAY`:     wait up to 200 ms, then behave like `PASS`;
- `BAD_GATEWAY` / `UNAVAILABLE`: answer 502 / 503 without forwarding anything;
- `RESET`:     abort the client's connection (TCP RST) before forwarding anything;
- `DROP`:      forward, let the backend answer (and commit), then close the client's
               connection without a byte of the answer: the dangerous case, committed but
               unanswered;
- `TRUNCATE`:  forward and relay the head and only part of the body, then close.

`offline = True` makes every request fail (502, 503 or reset), like a device without a link.
The proxy only understands what httpx sends for the sync client (`http2=False`): a request
head and a `Content-Length` body; chunked request bodies are refused with 501.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import random
from collections import Counter

MAX_HEAD_BYTES = 64 * 1024
MAX_DELAY_S = 0.2
IO_TIMEOUT_S = 15.0  # every read from either side is bounded in time


class Fault(enum.Enum):
    PASS = "pass"
    DELAY = "delay"
    BAD_GATEWAY = "502"
    UNAVAILABLE = "503"
    RESET = "reset"
    DROP = "drop"
    TRUNCATE = "truncate"


# Default weights for "online but flaky": most requests pass, every fault shows up often.
DEFAULT_WEIGHTS: dict[Fault, float] = {
    Fault.PASS: 0.45, Fault.DELAY: 0.10, Fault.BAD_GATEWAY: 0.07, Fault.UNAVAILABLE: 0.07,
    Fault.RESET: 0.07, Fault.DROP: 0.14, Fault.TRUNCATE: 0.10,
}
OFFLINE_FAULTS = (Fault.BAD_GATEWAY, Fault.UNAVAILABLE, Fault.RESET)


class FaultProxy:
    """`async with FaultProxy(backend_port, rng) as proxy:` then use `proxy.url`.

    `enabled = False` forwards everything unchanged; `offline = True` fails everything.
    `stats` counts the faults applied (by `Fault.value`).
    """

    def __init__(self, backend_port: int, rng: random.Random,
                 weights: dict[Fault, float] | None = None) -> None:
        self.backend_port = backend_port
        self.rng = rng
        weights = weights or DEFAULT_WEIGHTS
        self._faults = list(weights)
        self._weights = [weights[f] for f in self._faults]
        self.enabled = True
        self.offline = False
        self.stats: Counter[str] = Counter()
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def url(self) -> str:
        assert self._server is not None, "the proxy is not started"
        port = self._server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    async def __aenter__(self) -> FaultProxy:
        self._server = await asyncio.start_server(self._on_connect, "127.0.0.1", 0)
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._server is None:
            return  # never started
        self._server.close()
        for task in list(self._tasks):
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._server.wait_closed()
        self._server = None

    def _draw(self) -> Fault:
        """The fault for the next request; drawn in request order from the seeded rng."""
        if self.offline:
            return self.rng.choice(OFFLINE_FAULTS)
        if not self.enabled:
            return Fault.PASS
        return self.rng.choices(self._faults, self._weights)[0]

    async def _on_connect(self, reader: asyncio.StreamReader,
                          writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            await self._serve_one(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError, TimeoutError):
            pass  # the client gave up or a fault closed the connection
        finally:
            self._tasks.discard(task)
            if not writer.is_closing():
                writer.close()
            with contextlib.suppress(ConnectionError, OSError):
                await writer.wait_closed()

    async def _serve_one(self, reader: asyncio.StreamReader,
                         writer: asyncio.StreamWriter) -> None:
        request = await _read_request(reader)
        if request is None:
            writer.write(_plain_response(501, b"chunked or oversized requests unsupported"))
            return
        fault = self._draw()
        self.stats[fault.value] += 1
        if fault is Fault.RESET:
            writer.transport.abort()  # RST: the request never reached the backend
            return
        if fault in (Fault.BAD_GATEWAY, Fault.UNAVAILABLE):
            writer.write(_plain_response(int(fault.value), b"injected fault"))
            await writer.drain()
            return
        if fault is Fault.DELAY:
            await asyncio.sleep(self.rng.uniform(0.0, MAX_DELAY_S))
        response = await self._forward(request)
        if fault is Fault.DROP:
            return  # the backend answered (and committed): close without a byte of it
        if fault is Fault.TRUNCATE:
            writer.write(_truncated(response))
            await writer.drain()
            return  # closed with a short body: the client sees an incomplete response
        writer.write(response)
        await writer.drain()

    async def _forward(self, request: bytes) -> bytes:
        """Send one request to the backend and read its whole answer (it closes after it)."""
        up_reader, up_writer = await asyncio.wait_for(
            asyncio.open_connection("127.0.0.1", self.backend_port), IO_TIMEOUT_S)
        try:
            up_writer.write(request)
            await up_writer.drain()
            return await asyncio.wait_for(up_reader.read(), IO_TIMEOUT_S)  # until EOF
        finally:
            up_writer.close()
            with contextlib.suppress(ConnectionError, OSError):
                await up_writer.wait_closed()


async def _read_request(reader: asyncio.StreamReader) -> bytes | None:
    """One request (head + Content-Length body), its `Connection` header forced to close.
    None for what this proxy does not handle (chunked bodies, oversized heads)."""
    try:
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), IO_TIMEOUT_S)
    except asyncio.LimitOverrunError:
        return None
    if len(head) > MAX_HEAD_BYTES:
        return None
    lines = head[:-4].split(b"\r\n")
    kept = [lines[0]]
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        lowered = name.strip().lower()
        if lowered == b"transfer-encoding":
            return None
        if lowered == b"content-length":
            length = int(value.strip())
        if lowered in (b"connection", b"keep-alive"):
            continue
        kept.append(line)
    kept.append(b"Connection: close")
    body = await asyncio.wait_for(reader.readexactly(length), IO_TIMEOUT_S) if length else b""
    return b"\r\n".join(kept) + b"\r\n\r\n" + body


def _truncated(response: bytes) -> bytes:
    """The head and half the body; half the head when the body is too short to cut."""
    head_end = response.find(b"\r\n\r\n") + 4
    body = len(response) - head_end
    return response[: head_end + body // 2] if body >= 2 else response[: max(1, head_end // 2)]


def _plain_response(status: int, body: bytes) -> bytes:
    reason = {501: "Not Implemented", 502: "Bad Gateway", 503: "Service Unavailable"}[status]
    return (f"HTTP/1.1 {status} {reason}\r\nContent-Type: text/plain\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode() + body
