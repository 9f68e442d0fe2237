"""`ShopSource` over the backend's shop-clerk routes (`backend_client.points_shop`), with the
signed-in clerk's fresh access token for each call."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date

from backend_client import BackendClient
from backend_client.points_shop import (
    ClerkShop,
    PointsShopClient,
    ShopCode,
    ShopTransfer,
    Takings,
)


class BackendShopSource:
    def __init__(self, client: BackendClient, token: Callable[[], Awaitable[str]]) -> None:
        self._client = PointsShopClient(client)
        self._token = token

    async def my_shops(self) -> list[ClerkShop]:
        return await self._client.my_shops(await self._token())

    async def code(self, shop_id: str, amount: int | None = None) -> ShopCode:
        return await self._client.code(await self._token(), shop_id, amount)

    async def charge(self, shop_id: str, *, customer_token: str, amount: int,
                     idempotency_key: str) -> ShopTransfer:
        return await self._client.charge(await self._token(), shop_id,
                                         customer_token=customer_token, amount=amount,
                                         idempotency_key=idempotency_key)

    async def takings(self, shop_id: str, day: date) -> Takings:
        return await self._client.takings(await self._token(), shop_id, day)

    async def refund(self, shop_id: str, *, transfer_id: str, reason: str,
                     idempotency_key: str, amount: int | None = None) -> ShopTransfer:
        return await self._client.refund(await self._token(), shop_id,
                                         transfer_id=transfer_id, reason=reason,
                                         idempotency_key=idempotency_key, amount=amount)
