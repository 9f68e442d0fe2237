"""What the shop screen's state needs from the backend (tests pass fakes); errors are
`backend_client.BackendError`s."""

from __future__ import annotations

from datetime import date
from typing import Protocol

from backend_client.points_shop import ClerkShop, ShopCode, ShopTransfer, Takings


class ShopSource(Protocol):
    async def my_shops(self) -> list[ClerkShop]: ...

    async def code(self, shop_id: str, amount: int | None = None) -> ShopCode: ...

    async def charge(self, shop_id: str, *, customer_token: str, amount: int,
                     idempotency_key: str) -> ShopTransfer: ...

    async def takings(self, shop_id: str, day: date) -> Takings: ...

    async def refund(self, shop_id: str, *, transfer_id: str, reason: str,
                     idempotency_key: str, amount: int | None = None) -> ShopTransfer: ...
