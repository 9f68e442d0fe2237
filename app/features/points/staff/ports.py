"""What the points staff screens' state needs from the backend (tests pass fakes); errors
are `backend_client.BackendError`s."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from backend_client.points_staff import (
    EarningRule,
    HistoryLine,
    PointsShop,
    PointsTotals,
    StaffDistrict,
)


class PointsStaffSource(Protocol):
    async def rules(self) -> list[EarningRule]: ...

    async def shops(self) -> list[PointsShop]: ...

    async def register_shop(self, *, name: str, merchant_id: str, category: str,
                            postal_code: str) -> PointsShop: ...

    async def set_clerk(self, shop_id: str, person_id: str, clerk: bool) -> None: ...

    async def totals(self) -> PointsTotals: ...

    async def resident_history(self, person_id: str, purpose: str) -> list[HistoryLine]: ...

    async def earn_code(self, *, rule_id: str, label: str, valid_from: datetime,
                        valid_until: datetime) -> str: ...

    async def record_weight(self, *, district_id: str, period: str,
                            kg: float) -> dict[str, Any]: ...

    async def run_expiry(self) -> dict[str, Any]: ...

    async def districts(self, period: str) -> list[StaffDistrict]: ...

    async def grant(self, *, person_id: str, rule_id: str, reason: str,
                    idempotency_key: str) -> dict[str, Any]: ...

    async def correct(self, *, transfer_id: str, reason: str,
                      idempotency_key: str) -> dict[str, Any]: ...
