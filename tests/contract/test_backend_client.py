"""BackendClient against the real backend app, and against scripted faults."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from pathlib import Path

import httpx
import pytest

from backend.app import create_app
from backend.schema import HEAD_REVISION
from backend.settings import Settings
from backend_client import (
    BackendClient,
    BackendProtocolError,
    BackendRejected,
    BackendUnavailable,
    Health,
    Notice,
)

BASE_URL = "http://backend.test"


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[BackendClient]:
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'backend.sqlite3'}"))
    transport = httpx.ASGITransport(app=app)
    try:
        async with BackendClient(BASE_URL, transport=transport) as backend:
            yield backend
    finally:
        app.state.engine.dispose()


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class CountingTransport(httpx.AsyncBaseTransport):
    """Wraps a transport and counts the requests that went through it."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.calls = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


def scripted(handler: Callable[[httpx.Request], httpx.Response]) -> CountingTransport:
    return CountingTransport(httpx.MockTransport(handler))


def fast_client(transport: httpx.AsyncBaseTransport, retries: int = 2) -> BackendClient:
    return BackendClient(BASE_URL, transport=transport, retries=retries, backoff=0.01)


@pytest.mark.anyio
async def test_health(client: BackendClient) -> None:
    assert await client.health() == Health(
        status="ok", database="sqlite", schema_version=HEAD_REVISION, municipality_code="332038"
    )


@pytest.mark.anyio
async def test_notices(client: BackendClient) -> None:
    japanese = await client.list_notices()
    english = await client.list_notices(lang="en", limit=3)

    assert len(japanese) == 6
    assert all(isinstance(notice, Notice) and notice.is_demo for notice in japanese)
    assert all(notice.published_at.tzinfo is not None for notice in japanese)
    moments = [notice.published_at for notice in japanese]
    assert moments == sorted(moments, reverse=True)
    assert [notice.id for notice in english] == [notice.id for notice in japanese[:3]]
    assert english[0].title != japanese[0].title
    assert isinstance(english[0].published_at, datetime)


@pytest.mark.anyio
async def test_validation_error_is_rejected(client: BackendClient) -> None:
    with pytest.raises(BackendRejected) as caught:
        await client.list_notices(limit=0)
    assert caught.value.status_code == 422
    assert "limit" in caught.value.detail


@pytest.mark.anyio
async def test_bad_language_is_rejected(client: BackendClient) -> None:
    with pytest.raises(BackendRejected) as caught:
        await client.list_notices(lang="fr")
    assert caught.value.status_code == 422
    assert "lang" in caught.value.detail


@pytest.mark.anyio
async def test_not_found_is_rejected() -> None:
    transport = scripted(lambda _: httpx.Response(404, json={"detail": "Not Found"}))
    async with fast_client(transport) as backend:
        with pytest.raises(BackendRejected) as caught:
            await backend.health()
    assert (caught.value.status_code, caught.value.detail) == (404, "Not Found")
    assert transport.calls == 1  # 4xx is not retried


@pytest.mark.anyio
async def test_connection_refused_is_unavailable_after_retries() -> None:
    base_url = f"http://127.0.0.1:{closed_port()}"
    transport = CountingTransport(httpx.AsyncHTTPTransport())
    async with BackendClient(base_url, transport=transport, retries=2, backoff=0.01) as backend:
        with pytest.raises(BackendUnavailable) as caught:
            await backend.health()
    assert base_url in str(caught.value)
    assert transport.calls == 3


@pytest.mark.anyio
@pytest.mark.parametrize("status_code", [502, 503, 504])
async def test_gateway_errors_are_unavailable_after_retries(status_code: int) -> None:
    transport = scripted(lambda _: httpx.Response(status_code, json={"status": "error"}))
    async with fast_client(transport, retries=2) as backend:
        with pytest.raises(BackendUnavailable, match=str(status_code)):
            await backend.list_notices()
    assert transport.calls == 3


@pytest.mark.anyio
async def test_retry_recovers_after_a_503() -> None:
    answers = iter(
        [
            httpx.Response(503, json={"status": "error", "detail": "starting"}),
            httpx.Response(200, json={"notices": []}),
        ]
    )
    transport = scripted(lambda _: next(answers))
    async with fast_client(transport) as backend:
        assert await backend.list_notices() == []
    assert transport.calls == 2


@pytest.mark.anyio
async def test_timeout_is_unavailable() -> None:
    def time_out(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    async with fast_client(scripted(time_out), retries=0) as backend:
        with pytest.raises(BackendUnavailable, match="timed out"):
            await backend.health()


@pytest.mark.anyio
async def test_malformed_json_is_a_protocol_error() -> None:
    transport = scripted(lambda _: httpx.Response(200, text="{not json"))
    async with fast_client(transport) as backend:
        with pytest.raises(BackendProtocolError, match="Malformed JSON"):
            await backend.health()
    assert transport.calls == 1


@pytest.mark.parametrize(
    "body",
    [
        [],
        {"notices": {"id": 1}},
        {"notices": [{"id": 1}]},
        {
            "notices": [
                {
                    "id": "1",
                    "category": "life",
                    "published_at": "2026-11-01T00:00:00+00:00",
                    "title": "t",
                    "body": "b",
                    "is_demo": True,
                }
            ]
        },
        {
            "notices": [
                {
                    "id": 1,
                    "category": "life",
                    "published_at": "2026-11-01T00:00:00",
                    "title": "t",
                    "body": "b",
                    "is_demo": True,
                }
            ]
        },
    ],
    ids=["list", "notices-not-list", "missing-fields", "id-as-string", "naive-time"],
)
@pytest.mark.anyio
async def test_unexpected_shape_is_a_protocol_error(body: object) -> None:
    async with fast_client(scripted(lambda _: httpx.Response(200, json=body))) as backend:
        with pytest.raises(BackendProtocolError):
            await backend.list_notices()
