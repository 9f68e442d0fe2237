"""The httpx transport of the app's `BackendClient` that holds requests at a `BackendGate`
(app/backend_gate.py) while the embedded backend starts."""

from __future__ import annotations

import httpx

from app.backend_gate import MAX_WAIT_S, BackendGate


class GatedTransport(httpx.AsyncBaseTransport):
    """An httpx transport that holds each request until the gate is open (at most
    `max_wait_s`; then the request goes out and fails like any other)."""

    def __init__(self, gate: BackendGate, inner: httpx.AsyncBaseTransport | None = None,
                 max_wait_s: float = MAX_WAIT_S) -> None:
        self._gate = gate
        self._inner = inner or httpx.AsyncHTTPTransport()
        self._max_wait_s = max_wait_s

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if not self._gate.is_open:
            await self._gate.wait(self._max_wait_s)
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


def gated_transport(gate: BackendGate | None) -> httpx.AsyncBaseTransport | None:
    """The transport for a `BackendClient`: gated when there is a gate, else httpx's own."""
    return None if gate is None else GatedTransport(gate)
