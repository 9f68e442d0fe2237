"""Bulky-waste bookings (粗大ごみ) on the device, in plain Python.

A booking is a server-decided command: the device writes it optimistically (collection
`bulky_waste`, key = a booking id it makes) with its outbox entry, shows it as "waiting for
the city", and the server's answer decides: a booking number and the fee, or a rejection with
its reason (the day is full, the deadline passed…), which stays listed with the reason.
Remaining places per district and day come as public `bulky_slots` rows (their age shown).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from app.i18n.formatting import city_today
from app.working_days import working_days_before

if TYPE_CHECKING:
    from app.features.waste.ports import BulkyRepository
    from offline_store import LocalRow, OutboxEntry

COLLECTION = "bulky_waste"
SLOTS = "bulky_slots"
MAX_LINES = 10
MAX_QUANTITY = 10
DEADLINE_WORKING_DAYS = 2  # the city's rule; the server decides, this only hides past days


def is_bulky(item: Mapping[str, Any]) -> bool:
    fee = item.get("fee")
    return str(item.get("category") or "").startswith("粗大") or (
        isinstance(fee, int) and fee > 0)


@dataclass(frozen=True)
class Slot:
    area_id: str
    day: date
    capacity: int
    remaining: int


@dataclass(frozen=True)
class Booking:
    booking_id: str
    day: date | None
    area_name: str
    items: list[dict[str, Any]]
    total_fee: int
    status: str  # booked | cancelled | collected | pending (not confirmed yet)
    number: str | None = None
    changeable_until: date | None = None
    payment: dict[str, Any] = field(default_factory=dict)
    waiting: bool = False  # a change made on this device not yet confirmed
    rejection: tuple[str | None, str | None] | None = None  # (code, message) if refused
    # The resident's last change or cancellation of this booking, refused by the city:
    # (mutation name, code, message). The booking shows the city's version.
    refused_change: tuple[str, str | None, str | None] | None = None


def slots_from(rows: Iterable[Mapping[str, Any]], area_id: str | None, today: date,
               holidays: Mapping[date, str]) -> list[Slot]:
    """The district's coming collection days still open for booking, soonest first."""
    slots = []
    for row in rows:
        try:
            day = date.fromisoformat(str(row["day"]))
            slot = Slot(str(row["area_id"]), day, int(row["capacity"]), int(row["remaining"]))
        except (KeyError, TypeError, ValueError):
            continue
        if slot.area_id != area_id:
            continue
        if working_days_before(day, DEADLINE_WORKING_DAYS, holidays) < today:
            continue
        slots.append(slot)
    return sorted(slots, key=lambda s: s.day)


def bookings_from(rows: Iterable[LocalRow], outbox: Iterable[OutboxEntry], now: datetime,
                  items: Mapping[str, Mapping[str, Any]] | None = None,
                  areas: Mapping[str, Mapping[str, Any]] | None = None) -> list[Booking]:
    """Bookings on this device (confirmed and waiting), then recent refused ones (rebuilt
    from the refused mutation's args, with names from the synced items and districts)."""
    out: list[Booking] = []
    seen: set[str] = set()
    outbox = list(outbox)
    last_of: dict[str, OutboxEntry] = {}
    for entry in outbox:
        if entry.collection == COLLECTION:
            last_of[entry.key] = entry  # in seq order: the last one stays
    for row in rows:
        data = row.data if isinstance(row.data, Mapping) else {}
        seen.add(row.key)
        last = last_of.get(row.key)
        refused = None
        if (last is not None and last.state == "rejected" and last.name in ("change", "cancel")
                and now - last.created_at <= timedelta(days=30)):
            refused = (last.name, last.error_code, last.error_message)
        booking = _booking(row.key, data, waiting=row.pending)
        out.append(replace(booking, refused_change=refused) if refused else booking)
    for entry in outbox:
        if (entry.collection != COLLECTION or entry.state != "rejected"
                or entry.name != "book" or entry.key in seen
                or now - entry.created_at > timedelta(days=30)):
            continue
        args = entry.args if isinstance(entry.args, Mapping) else {}
        out.append(_booking(entry.key, shown_booking(args, items or {}, areas or {}),
                            waiting=False, rejection=(entry.error_code, entry.error_message)))
    return sorted(out, key=lambda b: (b.rejection is not None, b.day or date.max))


def shown_booking(args: Mapping[str, Any], items: Mapping[str, Mapping[str, Any]],
                  areas: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """What a `book` mutation asked for, as a booking row the tile can show."""
    lines = []
    for line in args.get("items") or []:
        if not isinstance(line, Mapping):
            continue
        item = items.get(str(line.get("item_id")), {})
        lines.append({"item_id": line.get("item_id"), "name": item.get("name", "?"),
                      "fee": item.get("fee"), "quantity": line.get("quantity", 1)})
    total = sum(int(i["fee"] or 0) * int(i["quantity"] or 0) for i in lines
                if isinstance(i["fee"], int) and isinstance(i["quantity"], int))
    area = areas.get(str(args.get("area_id")), {})
    return {"booking_id": args.get("id"), "area_id": args.get("area_id"),
            "area_name": area.get("name", ""), "day": args.get("day"), "items": lines,
            "total_fee": total, "status": "pending"}


def _booking(key: str, data: Mapping[str, Any], *, waiting: bool,
             rejection: tuple[str | None, str | None] | None = None) -> Booking:
    def day_of(name: str) -> date | None:
        try:
            return date.fromisoformat(str(data.get(name)))
        except ValueError:
            return None

    items = [i for i in data.get("items") or [] if isinstance(i, Mapping)]
    total = data.get("total_fee")
    return Booking(
        booking_id=key, day=day_of("day"), area_name=str(data.get("area_name") or ""),
        items=[dict(i) for i in items],
        total_fee=total if isinstance(total, int) else 0,
        status=str(data.get("status") or "pending"),
        number=data.get("number") if isinstance(data.get("number"), str) else None,
        changeable_until=day_of("changeable_until"),
        payment=dict(data.get("payment") or {}),
        waiting=waiting, rejection=rejection)


class BulkyBooking:
    """The cart, the chosen day and the resident's bookings for one session (state only: the
    stores are reached through a `BulkyRepository`, see ports.py)."""

    def __init__(self, repository: BulkyRepository, now: Callable[[], datetime]) -> None:
        self._repo = repository
        self._now = now
        self.query = ""  # what the resident typed to find items
        self.query_revision = 0  # bumped when the state itself changes `query`
        self.cart: dict[str, int] = {}  # item id -> quantity
        self.cart_items: dict[str, dict[str, Any]] = {}
        self.day: date | None = None
        self.slot_rows: list[dict[str, Any]] = []
        self.bookings: list[Booking] = []
        self.moving: str | None = None  # a booking whose day is being changed
        self.message = ""  # what the last action did (English message id)
        self.stamp: object = None  # the repository's stamp the lists were read at

    @property
    def signed_in(self) -> bool:
        return self._repo.signed_in

    def stamp_now(self) -> object:
        return self._repo.stamp()

    def claim_load(self) -> bool:
        """Marks a read as started when the stores changed since the last one."""
        stamp = self.stamp_now()
        if self.stamp == stamp:
            return False
        self.stamp = stamp
        return True

    async def load(self, items: Mapping[str, Mapping[str, Any]] | None = None,
                   areas: Mapping[str, Mapping[str, Any]] | None = None) -> None:
        self.stamp = self.stamp_now()
        rows = await self._repo.slot_rows()
        if rows is not None:
            self.slot_rows = rows
        self.bookings = await self._repo.bookings(self._now(), items or {}, areas or {})

    def slots(self, area_id: str | None, holidays: Mapping[date, str]) -> list[Slot]:
        return slots_from(self.slot_rows, area_id, city_today(self._now()), holidays)

    def today(self) -> date:
        """The city's today by the clock the state was given (the server's: the deadline)."""
        return city_today(self._now())

    def set_query(self, query: str) -> None:
        """What the resident typed to find items."""
        self.query = query

    # --- cart ---------------------------------------------------------------------------
    def add(self, item: Mapping[str, Any]) -> None:
        item_id = str(item.get("id"))
        if not is_bulky(item):
            raise ValueError(f"{item.get('name')} is not bulky waste")
        if item_id not in self.cart and len(self.cart) >= MAX_LINES:
            self.message = "A booking can have at most 10 kinds of items."
            return
        self.cart[item_id] = min(MAX_QUANTITY, self.cart.get(item_id, 0) + 1)
        self.cart_items[item_id] = dict(item)
        self.message = ""

    def remove_one(self, item_id: str) -> None:
        if item_id in self.cart:
            self.cart[item_id] -= 1
            if self.cart[item_id] <= 0:
                del self.cart[item_id]

    def pick_day(self, day: date | None) -> None:
        self.day = day

    def toggle_move(self, booking: Booking) -> None:
        """Shows (again: hides) the days a booking can be moved to."""
        self.moving = None if self.moving == booking.booking_id else booking.booking_id

    @property
    def total_fee(self) -> int:
        return sum(int(self.cart_items[i].get("fee") or 0) * q for i, q in self.cart.items())

    # --- actions ------------------------------------------------------------------------
    async def book(self, area: Mapping[str, Any]) -> bool:
        if not self.signed_in or not self.cart or self.day is None:
            return False
        booking_id = str(uuid.uuid4())
        lines = [{"item_id": i, "quantity": q} for i, q in self.cart.items()]
        shown = {
            "booking_id": booking_id, "area_id": area.get("id"), "area_name": area.get("name"),
            "day": self.day.isoformat(), "status": "pending", "total_fee": self.total_fee,
            "items": [{"item_id": i, "name": self.cart_items[i].get("name"),
                       "fee": self.cart_items[i].get("fee"), "quantity": q}
                      for i, q in self.cart.items()],
        }
        args = {"id": booking_id, "area_id": area.get("id"), "day": self.day.isoformat(),
                "items": lines}
        if not await self._repo.write(booking_id, shown, "book", args):
            return False
        self.cart, self.cart_items, self.day, self.query = {}, {}, None, ""
        self.query_revision += 1  # the field is emptied by the state, not by typing
        self.message = "Your booking is saved and will be sent to the city."
        return True

    async def cancel(self, booking: Booking) -> None:
        await self._write(booking, "cancel", {"id": booking.booking_id}, status="cancelled")
        self.message = "The cancellation will be sent to the city."

    async def move(self, booking: Booking, day: date) -> None:
        await self._write(booking, "change", {"id": booking.booking_id, "day": day.isoformat()},
                          day=day.isoformat())
        self.moving = None
        self.message = "The new day will be sent to the city."

    async def _write(self, booking: Booking, name: str, args: dict[str, Any],
                     **changes: Any) -> None:
        if not self.signed_in:
            return
        data = await self._repo.stored(booking.booking_id)
        data.update(changes)
        await self._repo.write(booking.booking_id, data, name, args)
