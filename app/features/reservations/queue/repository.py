"""`QueueSource` over the backend's `/queue/*` routes (`backend_client.reservations_queue`),
with the signed-in resident's fresh access token for each call."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from backend_client import BackendClient
from backend_client.reservations_queue import QueueStatus, QueueTicket, ReservationsQueueClient


class BackendQueue:
    def __init__(self, client: BackendClient, token: Callable[[], Awaitable[str]],
                 signed_in: Callable[[], bool] = lambda: True) -> None:
        self._client = ReservationsQueueClient(client)
        self._token = token
        self._signed_in = signed_in

    async def status(self, counter: str) -> QueueStatus:
        token = await self._token() if self._signed_in() else None
        return await self._client.status(counter, token)

    async def take(self, counter: str) -> QueueTicket:
        return await self._client.take(await self._token(), counter)
