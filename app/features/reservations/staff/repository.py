"""`ReservationsStaffSource` over the backend's staff routes
(`backend_client.reservations_staff`), with the staff member's fresh access token for each
call."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, datetime

from backend_client import BackendClient
from backend_client.reservations_queue import QueueTicket
from backend_client.reservations_staff import (
    Called,
    CallerScreen,
    CheckedIn,
    DayList,
    ReservationsStaffClient,
    StaffBookingRow,
    StaffResource,
    StaffSlotRow,
)


class BackendReservationsStaff:
    def __init__(self, client: BackendClient, token: Callable[[], Awaitable[str]],
                 walk_in_channel: str = "counter") -> None:
        self._client = ReservationsStaffClient(client)
        self._token = token
        self._channel = walk_in_channel  # "kiosk" on a kiosk signed in as staff

    async def resources(self) -> list[StaffResource]:
        return await self._client.resources(await self._token())

    async def day(self, resource_id: str, day: date) -> DayList:
        return await self._client.day(await self._token(), resource_id, day)

    async def add_slot(self, resource_id: str, start: datetime,
                       capacity: int | None) -> StaffSlotRow:
        return await self._client.add_slot(await self._token(), resource_id, start,
                                           capacity=capacity)

    async def set_capacity(self, resource_id: str, start: datetime,
                           capacity: int) -> StaffSlotRow:
        return await self._client.set_capacity(await self._token(), resource_id, start,
                                               capacity)

    async def close_slot(self, resource_id: str, start: datetime,
                         reason: str) -> tuple[StaffSlotRow, list[str]]:
        return await self._client.close_slot(await self._token(), resource_id, start, reason)

    async def check_in(self, booking_id: str) -> CheckedIn:
        return await self._client.check_in(await self._token(), booking_id)

    async def check_in_by_code(self, code: str) -> CheckedIn:
        return await self._client.check_in_by_code(await self._token(), code)

    async def no_show(self, booking_id: str) -> StaffBookingRow:
        return await self._client.no_show(await self._token(), booking_id)

    async def caller_screen(self, counter: str) -> CallerScreen:
        return await self._client.caller_screen(await self._token(), counter)

    async def call_next(self, counter: str) -> Called:
        return await self._client.call_next(await self._token(), counter)

    async def skip(self, counter: str, number: int) -> QueueTicket:
        return await self._client.skip(await self._token(), counter, number)

    async def done(self, counter: str, number: int) -> QueueTicket:
        return await self._client.done(await self._token(), counter, number)

    async def walk_in(self, counter: str) -> QueueTicket:
        return await self._client.walk_in(await self._token(), counter, self._channel)
