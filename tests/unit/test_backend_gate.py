"""The embedded backend's start-up gate: the app's requests wait for it instead of failing
(so the first seconds of `python -m app` show no offline banner), and never forever."""

from __future__ import annotations

import asyncio
import threading

import httpx
import pytest

from app.backend_gate import BackendGate
from app.gated_transport import GatedTransport, gated_transport
from backend_client import BackendClient, BackendUnavailable

pytestmark = pytest.mark.anyio

HEALTH = {"status": "ok", "database": "ok", "schema_version": "head",
          "municipality_code": "332038"}


class StartingBackend:
    """Refuses connections until `up()`, like a backend child still importing."""

    def __init__(self) -> None:
        self.is_up = False
        self.refused = 0

    def up(self) -> None:
        self.is_up = True

    def handler(self, request: httpx.Request) -> httpx.Response:
        if not self.is_up:
            self.refused += 1
            raise httpx.ConnectError("connection refused", request=request)
        return httpx.Response(200, json=HEALTH)


async def test_a_request_waits_at_the_gate_and_goes_through_when_it_opens() -> None:
    backend, gate = StartingBackend(), BackendGate()
    client = BackendClient("http://backend", retries=0,
                           transport=GatedTransport(gate, httpx.MockTransport(backend.handler)))

    async def start_backend() -> None:
        await asyncio.sleep(0.3)
        backend.up()
        threading.Thread(target=gate.open).start()  # the launcher's watcher thread

    starting = asyncio.ensure_future(start_backend())
    health = await client.health()
    await starting
    assert health.status == "ok"
    assert backend.refused == 0  # nothing was sent before the backend answered
    await client.aclose()


async def test_without_a_gate_the_same_start_is_a_failure() -> None:
    backend = StartingBackend()
    client = BackendClient("http://backend", retries=0,
                           transport=httpx.MockTransport(backend.handler))
    with pytest.raises(BackendUnavailable):
        await client.health()
    await client.aclose()


async def test_a_gate_that_never_opens_lets_requests_fail_after_the_wait() -> None:
    backend, gate = StartingBackend(), BackendGate()
    transport = GatedTransport(gate, httpx.MockTransport(backend.handler), max_wait_s=0.2)
    client = BackendClient("http://backend", retries=0, transport=transport)
    with pytest.raises(BackendUnavailable):
        await client.health()
    assert backend.refused == 1
    await client.aclose()


async def test_an_open_gate_does_not_wait() -> None:
    gate = BackendGate()
    gate.open()
    assert gate.is_open
    assert await gate.wait(timeout_s=0) is True


def test_no_gate_means_httpx_default_transport() -> None:
    assert gated_transport(None) is None
    assert isinstance(gated_transport(BackendGate()), GatedTransport)
