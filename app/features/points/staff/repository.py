"""`PointsStaffSource` over the backend's `/staff/points/*` routes
(`backend_client.points_staff`), with the staff member's fresh access token for each call."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from backend_client import BackendClient
from backend_client.points_staff import (
    EarningRule,
    HistoryLine,
    PointsShop,
    PointsStaffClient,
    PointsTotals,
    StaffDistrict,
)


class BackendPointsStaff:
    def __init__(self, client: BackendClient, token: Callable[[], Awaitable[str]]) -> None:
        self._client = PointsStaffClient(client)
        self._token = token

    async def rules(self) -> list[EarningRule]:
        return await self._client.rules()

    async def shops(self) -> list[PointsShop]:
        return await self._client.shops(await self._token())

    async def register_shop(self, *, name: str, merchant_id: str, category: str,
                            postal_code: str) -> PointsShop:
        return await self._client.register_shop(
            await self._token(), name=name, merchant_id=merchant_id, category=category,
            postal_code=postal_code)

    async def set_clerk(self, shop_id: str, person_id: str, clerk: bool) -> None:
        await self._client.set_clerk(await self._token(), shop_id, person_id, clerk)

    async def totals(self) -> PointsTotals:
        return await self._client.totals(await self._token())

    async def resident_history(self, person_id: str, purpose: str) -> list[HistoryLine]:
        return await self._client.resident_history(await self._token(), person_id, purpose)

    async def earn_code(self, *, rule_id: str, label: str, valid_from: datetime,
                        valid_until: datetime) -> str:
        return await self._client.earn_code(await self._token(), rule_id=rule_id, label=label,
                                            valid_from=valid_from, valid_until=valid_until)

    async def record_weight(self, *, district_id: str, period: str,
                            kg: float) -> dict[str, Any]:
        return await self._client.record_weight(await self._token(), district_id=district_id,
                                                 period=period, kg=kg)

    async def run_expiry(self) -> dict[str, Any]:
        return await self._client.run_expiry(await self._token())

    async def districts(self, period: str) -> list[StaffDistrict]:
        return await self._client.districts(await self._token(), period)

    async def grant(self, *, person_id: str, rule_id: str, reason: str,
                    idempotency_key: str) -> dict[str, Any]:
        return await self._client.grant(await self._token(), person_id=person_id,
                                        rule_id=rule_id, reason=reason,
                                        idempotency_key=idempotency_key)

    async def correct(self, *, transfer_id: str, reason: str,
                      idempotency_key: str) -> dict[str, Any]:
        return await self._client.correct(await self._token(), transfer_id=transfer_id,
                                          reason=reason, idempotency_key=idempotency_key)
