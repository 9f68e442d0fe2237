"""The reservations tile's staff routes (docs/reservations.md §3–§4) for staff of the
resource's department: their resources, a resource's day (slots with the bookings: name,
number, status; every resident shown is in their access log, written by the backend), slots
added, resized and closed, check-in by booking id or by the scanned QR code, no-show; and
the waiting-number queue's caller (call next, skip, done, a walk-in ticket, today's list).

Another department's resource, booking or counter is 404 (as an unknown one). Refusals are
`BackendRejected` with the backend's code (`slot_exists`, `slot_in_past`, `slot_closed`,
`capacity_below_booked` with `booked`, `resource_withdrawn`, `not_today`, `wrong_status`,
`not_begun`, `invalid_code`, `code_outdated`, `queue_empty`, `ticket_not_found`,
`wrong_ticket_status` ...)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from urllib.parse import quote

from backend_client.client import BackendClient, _bearer
from backend_client.reservations_queue import QueueTicket, counter_path
from backend_client.reservations_staff_dto import (
    BOOKING_STATUSES,
    Called,
    CallerScreen,
    CheckedIn,
    DayList,
    StaffBookingRow,
    StaffResource,
    StaffSlotRow,
)

__all__ = [
    "BOOKING_STATUSES",
    "Called",
    "CallerScreen",
    "CheckedIn",
    "DayList",
    "ReservationsStaffClient",
    "StaffBookingRow",
    "StaffResource",
    "StaffSlotRow",
]


def _id(value: str) -> str:
    return quote(value, safe="")


def _start(moment: datetime) -> str:
    """A slot start as the routes take it in a path (ISO 8601 with its offset)."""
    if moment.tzinfo is None:
        raise ValueError("a slot start needs its time zone")
    return quote(moment.isoformat(), safe="")


class ReservationsStaffClient:
    """The `/staff/reservations/*` and `/staff/queue/*` routes; `access_token` is a staff
    member's."""

    def __init__(self, client: BackendClient) -> None:
        self._client = client

    # --- resources and the day list -------------------------------------------------------
    async def resources(self, access_token: str) -> list[StaffResource]:
        data = await self._client._get_json("/staff/reservations/resources",
                                            headers=_bearer(access_token))
        rows = data.get("resources") if isinstance(data, dict) else None
        return [StaffResource.from_json(row) for row in rows or []]

    async def day(self, access_token: str, resource_id: str, day: date,
                  purpose: str | None = None) -> DayList:
        """The day's slots with their bookings (each resident shown is access-logged with
        `purpose`, else the backend's default)."""
        params = {"purpose": purpose} if purpose else None
        return DayList.from_json(await self._client._get_json(
            f"/staff/reservations/{_id(resource_id)}/day/{day.isoformat()}", params=params,
            headers=_bearer(access_token)))

    # --- slots ----------------------------------------------------------------------------
    async def add_slot(self, access_token: str, resource_id: str, start: datetime,
                       minutes: int | None = None, capacity: int | None = None) -> StaffSlotRow:
        if start.tzinfo is None:
            raise ValueError("a slot start needs its time zone")
        body: dict[str, Any] = {"start": start.isoformat()}
        if minutes is not None:
            body["minutes"] = minutes
        if capacity is not None:
            body["capacity"] = capacity
        return StaffSlotRow.from_json(await self._client._request_json(
            "POST", f"/staff/reservations/{_id(resource_id)}/slots",
            headers=_bearer(access_token), json=body, ok=(200, 201)))

    async def set_capacity(self, access_token: str, resource_id: str, start: datetime,
                           capacity: int) -> StaffSlotRow:
        return StaffSlotRow.from_json(await self._client._request_json(
            "PATCH", f"/staff/reservations/{_id(resource_id)}/slots/{_start(start)}",
            headers=_bearer(access_token), json={"capacity": capacity}))

    async def close_slot(self, access_token: str, resource_id: str, start: datetime,
                         reason: str) -> tuple[StaffSlotRow, list[str]]:
        """Closes the slot; the slot now and the numbers of the bookings closed."""
        data = await self._client._request_json(
            "POST", f"/staff/reservations/{_id(resource_id)}/slots/{_start(start)}/close",
            headers=_bearer(access_token), json={"reason": reason})
        closed = data.get("closed_bookings") if isinstance(data, dict) else None
        return (StaffSlotRow.from_json(data),
                [n for n in closed or [] if isinstance(n, str)])

    # --- check-in ---------------------------------------------------------------------------
    async def check_in(self, access_token: str, booking_id: str) -> CheckedIn:
        return CheckedIn.from_json(await self._client._request_json(
            "POST", f"/staff/reservations/bookings/{_id(booking_id)}/check-in",
            headers=_bearer(access_token)))

    async def check_in_by_code(self, access_token: str, code: str) -> CheckedIn:
        return CheckedIn.from_json(await self._client._request_json(
            "POST", "/staff/reservations/check-in", headers=_bearer(access_token),
            json={"code": code}))

    async def no_show(self, access_token: str, booking_id: str) -> StaffBookingRow:
        return StaffBookingRow.from_json(await self._client._request_json(
            "POST", f"/staff/reservations/bookings/{_id(booking_id)}/no-show",
            headers=_bearer(access_token)))

    # --- the queue's caller -----------------------------------------------------------------
    async def caller_screen(self, access_token: str, counter: str) -> CallerScreen:
        return CallerScreen.from_json(await self._client._get_json(
            f"/staff/queue/{counter_path(counter)}", headers=_bearer(access_token)))

    async def call_next(self, access_token: str, counter: str) -> Called:
        """Calls the next (appointments due first); 409 `queue_empty` when nobody waits."""
        return Called.from_json(await self._client._request_json(
            "POST", f"/staff/queue/{counter_path(counter)}/call",
            headers=_bearer(access_token)))

    async def skip(self, access_token: str, counter: str, number: int) -> QueueTicket:
        return await self._move(access_token, counter, number, "skip")

    async def done(self, access_token: str, counter: str, number: int) -> QueueTicket:
        return await self._move(access_token, counter, number, "done")

    async def _move(self, access_token: str, counter: str, number: int,
                    action: str) -> QueueTicket:
        return QueueTicket.from_json(await self._client._request_json(
            "POST", f"/staff/queue/{counter_path(counter)}/tickets/{int(number)}/{action}",
            headers=_bearer(access_token)))

    async def walk_in(self, access_token: str, counter: str,
                      channel: str = "counter") -> QueueTicket:
        """A number for someone without the app (`kiosk` or `counter`)."""
        return QueueTicket.from_json(await self._client._request_json(
            "POST", f"/staff/queue/{counter_path(counter)}/tickets",
            headers=_bearer(access_token), json={"channel": channel}, ok=(200, 201)))
