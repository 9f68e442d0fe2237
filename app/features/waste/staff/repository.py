"""Where the bulky-waste staff screens get their data: the backend's staff routes (through
`backend_client`) and the district names of the city's public content on this device."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from typing import Protocol

from backend_client import BackendClient, StaffBooking, StaffBookingPage, StaffSlot


class BulkyStaffSource(Protocol):
    """What `BulkyStaffState` needs; errors are `backend_client.BackendError`s."""

    async def areas(self) -> list[tuple[str, str]]: ...  # (area id, name), by name

    async def slots(self, first: date, last: date) -> list[StaffSlot]: ...

    async def put_slots(self, changes: list[tuple[str, date, int]]) -> list[StaffSlot]: ...

    async def bookings(self, purpose: str, *, day: date | None, area_id: str | None,
                       status: str | None, limit: int, offset: int) -> StaffBookingPage: ...

    async def bookings_csv(self, purpose: str, *, day: date | None, area_id: str | None,
                           status: str | None) -> bytes: ...

    async def mark_collected(self, number: str) -> StaffBooking: ...


class BackendBulkyStaff:
    """`BulkyStaffSource` over the backend; `token` gives a fresh access token."""

    def __init__(self, client: BackendClient, token: Callable[[], Awaitable[str]],
                 area_names: Callable[[], Awaitable[list[tuple[str, str]]]]) -> None:
        self._client = client
        self._token = token
        self._area_names = area_names

    async def areas(self) -> list[tuple[str, str]]:
        return await self._area_names()

    async def slots(self, first: date, last: date) -> list[StaffSlot]:
        return await self._client.staff_bulky_slots(await self._token(), first, last)

    async def put_slots(self, changes: list[tuple[str, date, int]]) -> list[StaffSlot]:
        return await self._client.staff_put_bulky_slots(await self._token(), changes)

    async def bookings(self, purpose: str, *, day: date | None, area_id: str | None,
                       status: str | None, limit: int, offset: int) -> StaffBookingPage:
        return await self._client.staff_bulky_bookings(
            await self._token(), purpose, day=day, area_id=area_id, status=status,
            limit=limit, offset=offset)

    async def bookings_csv(self, purpose: str, *, day: date | None, area_id: str | None,
                           status: str | None) -> bytes:
        return await self._client.staff_bulky_bookings_csv(
            await self._token(), purpose, day=day, area_id=area_id, status=status)

    async def mark_collected(self, number: str) -> StaffBooking:
        return await self._client.staff_mark_collected(await self._token(), number)
