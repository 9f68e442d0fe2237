"""Where the transit staff screen gets its data: the backend's staff routes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Protocol

from backend_client import BackendClient
from backend_client.transit_staff import TransitStaffClient


class TransitStaffSource(Protocol):
    async def feeds(self) -> Mapping[str, Any]: ...

    async def upload(self, feed_id: str, filename: str, body: bytes) -> Mapping[str, Any]: ...


class BackendTransitStaff:
    def __init__(self, client: BackendClient, token: Callable[[], Awaitable[str]]) -> None:
        self._client = TransitStaffClient(client)
        self._token = token

    async def feeds(self) -> Mapping[str, Any]:
        return await self._client.feeds(await self._token())

    async def upload(self, feed_id: str, filename: str, body: bytes) -> Mapping[str, Any]:
        return await self._client.upload(await self._token(), feed_id, filename, body)
