"""What the reservations staff screens share, in plain Python: the source they read
through (tests pass fakes), refusals, load states, and the booking's check-in code as typed
or read (`TRS1.<id>.<slot>.<signature>`, docs/reservations.md §2)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Protocol

from backend_client import BackendError, BackendRejected, BackendUnavailable
from backend_client.reservations_queue import QueueTicket
from backend_client.reservations_staff import (
    Called,
    CallerScreen,
    CheckedIn,
    DayList,
    StaffBookingRow,
    StaffResource,
    StaffSlotRow,
)

__all__ = [
    "Called",
    "CallerScreen",
    "CheckedIn",
    "DayList",
    "Load",
    "QueueTicket",
    "Refusal",
    "ReservationsStaffSource",
    "StaffBookingRow",
    "StaffResource",
    "StaffSlotRow",
    "normalise_code",
    "refusal_of",
]

_CHECKIN = re.compile(r"TRS1\.[UA][A-Z2-7]{1,80}\.[0-9]{1,10}\.[A-Z2-7]{16}")
MAX_CODE = 120


class Load(StrEnum):
    IDLE = "idle"
    LOADING = "loading"
    LOADED = "loaded"
    FAILED = "failed"


@dataclass(frozen=True)
class Refusal:
    """Why something was not done: the backend's code (`slot_full`, `capacity_below_booked`,
    `not_today`, `wrong_status`, `not_begun`, `invalid_code`, `code_outdated`,
    `queue_empty`, `wrong_ticket_status`, `booking_not_found` ...) or the screen's own
    (`malformed_code`, `no_code_in_picture`, `invalid_capacity`, `invalid_time`,
    `no_reason`, `no_resource`, `offline`, `failed`)."""

    code: str
    detail: str = ""
    info: dict[str, object] = field(default_factory=dict)


def refusal_of(exc: Exception) -> Refusal:
    if isinstance(exc, BackendRejected):
        return Refusal(exc.code or ("not_found" if exc.status_code == 404 else "failed"),
                       exc.detail, dict(exc.info))
    if isinstance(exc, BackendUnavailable):
        return Refusal("offline", str(exc))
    if isinstance(exc, BackendError):
        return Refusal("failed", str(exc))
    return Refusal("failed", str(exc))


def normalise_code(text: str) -> str | None:
    """The check-in code as typed or read: full-width made narrow, spaces dropped, upper
    case. None when it is not the shape of a check-in code."""
    code = "".join(unicodedata.normalize("NFKC", text).split()).upper().replace("。", ".")
    if len(code) > MAX_CODE or not _CHECKIN.fullmatch(code):
        return None
    return code


class ReservationsStaffSource(Protocol):
    async def resources(self) -> list[StaffResource]: ...

    async def day(self, resource_id: str, day: date) -> DayList: ...

    async def add_slot(self, resource_id: str, start: datetime,
                       capacity: int | None) -> StaffSlotRow: ...

    async def set_capacity(self, resource_id: str, start: datetime,
                           capacity: int) -> StaffSlotRow: ...

    async def close_slot(self, resource_id: str, start: datetime,
                         reason: str) -> tuple[StaffSlotRow, list[str]]: ...

    async def check_in(self, booking_id: str) -> CheckedIn: ...

    async def check_in_by_code(self, code: str) -> CheckedIn: ...

    async def no_show(self, booking_id: str) -> StaffBookingRow: ...

    async def caller_screen(self, counter: str) -> CallerScreen: ...

    async def call_next(self, counter: str) -> Called: ...

    async def skip(self, counter: str, number: int) -> QueueTicket: ...

    async def done(self, counter: str, number: int) -> QueueTicket: ...

    async def walk_in(self, counter: str) -> QueueTicket: ...
