"""What the reservations staff routes answer (docs/reservations.md §3–§4), as the staff
screens read it: the department's resources, a resource's day (slots with their bookings),
a slot after a change, a check-in, and the queue caller's screen.

Lenient about what is optional (a missing name is "", a missing moment None), strict about
what the screens cannot do without (ids, starts, statuses): those raise
`BackendProtocolError`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from backend_client.dto import parse_moment
from backend_client.errors import BackendProtocolError
from backend_client.reservations_queue import QueueTicket, counter_name

# Booking statuses (docs/reservations.md §2).
BOOKING_STATUSES: tuple[str, ...] = ("booked", "waiting", "offered", "cancelled",
                                     "checked_in", "no_show", "closed")


def _object(data: Any, what: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise BackendProtocolError(f"{what}: expected an object")
    return data


def _text(row: dict[str, Any], key: str) -> str:
    value = row.get(key)
    return value if isinstance(value, str) else ""


def _required(row: dict[str, Any], key: str, what: str) -> str:
    value = row.get(key)
    if not isinstance(value, str) or not value:
        raise BackendProtocolError(f"{what}: field {key!r} should be a non-empty string")
    return value


def _int(row: dict[str, Any], key: str, default: int = 0) -> int:
    value = row.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def _moment(row: dict[str, Any], key: str, what: str) -> datetime:
    moment = parse_moment(row.get(key))
    if moment is None:
        raise BackendProtocolError(f"{what}: field {key!r} should be a moment with its offset")
    return moment


def _sub(row: dict[str, Any], key: str) -> dict[str, Any]:
    value = row.get(key)
    return value if isinstance(value, dict) else {}


def _list(row: dict[str, Any], key: str) -> list[Any]:
    value = row.get(key)
    return value if isinstance(value, list) else []


@dataclass(frozen=True)
class StaffResource:
    """A resource of the clerk's departments."""

    id: str
    title: tuple[str, str]  # (ja, en)
    kind: str
    department: str
    withdrawn: bool
    queue_counter: str | None  # the queue counter it belongs to, if any
    queue_name: tuple[str, str] | None
    minutes: int  # the pattern's slot length
    capacity: int  # the pattern's places per slot

    @classmethod
    def from_json(cls, data: Any) -> StaffResource:
        row = _object(data, "resource")
        resource_id = _required(row, "id", "resource")
        queue = row.get("queue")
        counter = queue.get("counter") if isinstance(queue, dict) else None
        slots = _sub(row, "slots")
        return cls(id=resource_id, title=counter_name(row.get("title"), resource_id),
                   kind=_text(row, "kind"), department=_text(row, "department"),
                   withdrawn=row.get("withdrawn") is True,
                   queue_counter=counter if isinstance(counter, str) and counter else None,
                   queue_name=(counter_name(queue.get("name"), counter)
                               if isinstance(queue, dict) and isinstance(counter, str)
                               else None),
                   minutes=_int(slots, "minutes", 30), capacity=_int(slots, "capacity", 1))


@dataclass(frozen=True)
class StaffBookingRow:
    """A booking as the clerk's day list shows it."""

    id: str
    number: str
    status: str
    name: str  # the person it is for
    booker_name: str  # who booked it, when another person
    slot_start: datetime
    position: int | None  # on the waiting list
    fee_yen: int
    fee_method: str
    fee_paid: bool
    reason: str
    checked_in_at: datetime | None

    @classmethod
    def from_json(cls, data: Any) -> StaffBookingRow:
        row = _object(data, "booking")
        status = _required(row, "status", "booking")
        if status not in BOOKING_STATUSES:
            raise BackendProtocolError(f"booking: unknown status {status!r}")
        fee = _sub(row, "fee")
        position = row.get("position")
        return cls(id=_required(row, "id", "booking"), number=_text(row, "number"),
                   status=status, name=_text(row, "name"), booker_name=_text(row, "booker_name"),
                   slot_start=_moment(row, "slot_start", "booking"),
                   position=position if isinstance(position, int) else None,
                   fee_yen=_int(fee, "amount_yen"), fee_method=_text(fee, "method"),
                   fee_paid=fee.get("paid") is True, reason=_text(row, "reason"),
                   checked_in_at=parse_moment(row.get("checked_in_at")))


@dataclass(frozen=True)
class StaffSlotRow:
    """A slot of a resource's day (with its bookings in a day list)."""

    start: datetime
    end: datetime
    day: date
    capacity: int
    booked: int
    waiting: int
    closed: bool
    closed_reason: str
    bookings: tuple[StaffBookingRow, ...] = ()

    @property
    def free(self) -> int:
        return 0 if self.closed else max(self.capacity - self.booked, 0)

    @classmethod
    def from_json(cls, data: Any) -> StaffSlotRow:
        row = _object(data, "slot")
        start = _moment(row, "start", "slot")
        try:
            day = date.fromisoformat(_text(row, "day")[:10])
        except ValueError:
            raise BackendProtocolError("slot: no day") from None
        return cls(start=start, end=_moment(row, "end", "slot"), day=day,
                   capacity=_int(row, "capacity"), booked=_int(row, "booked"),
                   waiting=_int(row, "waiting"), closed=row.get("closed") is True,
                   closed_reason=_text(row, "closed_reason"),
                   bookings=tuple(StaffBookingRow.from_json(b)
                                  for b in _list(row, "bookings")))


@dataclass(frozen=True)
class DayList:
    """A resource's day: its slots by start, each with its bookings."""

    resource: StaffResource
    day: date
    slots: tuple[StaffSlotRow, ...]

    @classmethod
    def from_json(cls, data: Any) -> DayList:
        row = _object(data, "day list")
        try:
            day = date.fromisoformat(_text(row, "day")[:10])
        except ValueError:
            raise BackendProtocolError("day list: no day") from None
        return cls(StaffResource.from_json(row.get("resource")), day,
                   tuple(StaffSlotRow.from_json(s) for s in _list(row, "slots")))


@dataclass(frozen=True)
class CheckedIn:
    """A check-in's answer: the booking now, and its queue ticket (a counter's)."""

    booking: StaffBookingRow
    ticket: QueueTicket | None

    @classmethod
    def from_json(cls, data: Any) -> CheckedIn:
        row = _object(data, "check-in")
        ticket = row.get("ticket")
        return cls(StaffBookingRow.from_json(row.get("booking")),
                   QueueTicket.from_json(ticket) if ticket is not None else None)


@dataclass(frozen=True)
class CallerScreen:
    """The queue caller's screen: today's tickets by number and the call order."""

    counter: str
    name: tuple[str, str]
    day: date
    serving: int | None
    waiting: int
    call_order: tuple[int, ...]
    tickets: tuple[QueueTicket, ...]
    as_of: datetime | None

    @classmethod
    def from_json(cls, data: Any) -> CallerScreen:
        row = _object(data, "caller screen")
        counter = _required(row, "counter", "caller screen")
        try:
            day = date.fromisoformat(_text(row, "day")[:10])
        except ValueError:
            raise BackendProtocolError("caller screen: no day") from None
        serving = row.get("serving")
        return cls(counter=counter, name=counter_name(row.get("name"), counter), day=day,
                   serving=serving if isinstance(serving, int) else None,
                   waiting=_int(row, "waiting"),
                   call_order=tuple(n for n in _list(row, "call_order") if isinstance(n, int)),
                   tickets=tuple(QueueTicket.from_json(t) for t in _list(row, "tickets")),
                   as_of=parse_moment(row.get("as_of")))


@dataclass(frozen=True)
class Called:
    """The ticket just called, and how many still wait."""

    ticket: QueueTicket
    waiting: int

    @classmethod
    def from_json(cls, data: Any) -> Called:
        row = _object(data, "call")
        return cls(QueueTicket.from_json(row.get("ticket")), _int(row, "waiting"))
