"""The staff side of bulky-waste booking: set slot capacities, list bookings (also as CSV for
Excel), mark a booking collected. Routes: backend/tiles/waste/bulky/staff_routes.py."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, Engine, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col

from backend.db import SQLITE_BEGIN_OPTION
from backend.models import as_utc
from backend.models.access_log_entry import ACTOR_STAFF
from backend.services.access_log import record_access
from backend.services.clock import CITY_TIME_ZONE, utc_now
from backend.sync.change_log import append_changes
from backend.tiles.waste.bulky.bookings import area_names, booking_change, booking_json
from backend.tiles.waste.bulky.models import BOOKING_BOOKED, BOOKING_COLLECTED, BulkyBooking
from backend.tiles.waste.bulky.slots import SLOT, SlotState
from backend.tiles.waste.models import WasteAreaRow

CSV_COLUMNS = ("number", "day", "area", "items", "total_fee", "status", "booked_at")
ACCESS_RESOURCE = "bulky_waste_bookings"


@dataclass(frozen=True)
class SlotInput:
    area_id: str
    day: date
    capacity: int


class UnknownAreas(ValueError):
    def __init__(self, area_ids: list[str]) -> None:
        super().__init__(f"unknown areas: {', '.join(area_ids)}")
        self.area_ids = area_ids


class CapacityBelowBooked(ValueError):
    def __init__(self, slot: SlotInput, booked: int) -> None:
        super().__init__(f"{slot.area_id} on {slot.day.isoformat()} already has {booked} "
                         f"bookings; the capacity cannot be {slot.capacity}")
        self.slot = slot
        self.booked = booked


class BookingNotFound(LookupError):
    pass


class BookingNotBooked(ValueError):
    def __init__(self, number: str, status: str) -> None:
        super().__init__(f"booking {number} is {status}; only a booked booking can be "
                         "marked collected")
        self.status = status


def _writer(engine: Engine) -> Engine:
    return engine.execution_options(**{SQLITE_BEGIN_OPTION: "IMMEDIATE"})


def _upsert_slot(connection: Connection, code: str, slot: SlotInput) -> SlotState | None:
    """Insert the slot or set its capacity, unless that is below its bookings (None then):
    one statement, so a booking racing the change cannot slip past the check."""
    insert = pg_insert if connection.dialect.name == "postgresql" else sqlite_insert
    statement = insert(SLOT).values(municipality_code=code, area_id=slot.area_id,
                                    day=slot.day, capacity=slot.capacity, booked=0)
    row = connection.execute(
        statement.on_conflict_do_update(
            index_elements=["municipality_code", "area_id", "day"],
            set_={"capacity": statement.excluded.capacity},
            where=SLOT.c.booked <= statement.excluded.capacity,
        ).returning(SLOT.c.capacity, SLOT.c.booked)
    ).first()
    return None if row is None else SlotState(slot.area_id, slot.day, row.capacity, row.booked)


def put_slots(engine: Engine, code: str, slots: list[SlotInput]) -> list[SlotState]:
    """Create or resize `slots` and publish their public rows, all or nothing.

    Raises `UnknownAreas` or `CapacityBelowBooked` (nothing written then)."""
    ordered = sorted(slots, key=lambda s: (s.area_id, s.day))  # one lock order for everyone
    with _writer(engine).connect() as connection, connection.begin():
        ids = sorted({slot.area_id for slot in slots})
        known = set(connection.execute(select(col(WasteAreaRow.id)).where(
            col(WasteAreaRow.municipality_code) == code,
            col(WasteAreaRow.id).in_(ids))).scalars())
        if unknown := [area_id for area_id in ids if area_id not in known]:
            raise UnknownAreas(unknown)
        states: list[SlotState] = []
        for slot in ordered:
            state = _upsert_slot(connection, code, slot)
            if state is None:
                booked = connection.execute(select(SLOT.c.booked).where(
                    SLOT.c.municipality_code == code, SLOT.c.area_id == slot.area_id,
                    SLOT.c.day == slot.day)).scalar_one()
                raise CapacityBelowBooked(slot, booked)
            states.append(state)
        append_changes(connection, code, None, [state.change() for state in states])
    return states


def list_slots(session: Session, code: str, first: date, last: date,
               area_id: str | None = None) -> list[SlotState]:
    """Slots from `first` to `last` (inclusive), by day and area."""
    conditions = [SLOT.c.municipality_code == code, SLOT.c.day >= first, SLOT.c.day <= last]
    if area_id is not None:
        conditions.append(SLOT.c.area_id == area_id)
    rows = session.execute(select(SLOT.c.area_id, SLOT.c.day, SLOT.c.capacity, SLOT.c.booked)
                           .where(*conditions).order_by(SLOT.c.day, SLOT.c.area_id))
    return [SlotState(row.area_id, row.day, row.capacity, row.booked) for row in rows]


@dataclass(frozen=True)
class BookingFilter:
    day: date | None = None
    area_id: str | None = None
    status: str | None = None

    def where(self, code: str) -> list[Any]:
        conditions: list[Any] = [BulkyBooking.municipality_code == code]
        if self.day is not None:
            conditions.append(BulkyBooking.day == self.day)
        if self.area_id is not None:
            conditions.append(BulkyBooking.area_id == self.area_id)
        if self.status is not None:
            conditions.append(BulkyBooking.status == self.status)
        return conditions


def find_bookings(session: Session, code: str, where: BookingFilter, limit: int | None = None,
                  offset: int = 0) -> tuple[list[BulkyBooking], int]:
    """Bookings by day, area and number, and how many match in all."""
    conditions = where.where(code)
    total = session.scalar(select(func.count()).select_from(BulkyBooking).where(*conditions))
    statement = (select(BulkyBooking).where(*conditions)
                 .order_by(col(BulkyBooking.day), col(BulkyBooking.area_id),
                           col(BulkyBooking.number))
                 .offset(offset))
    if limit is not None:
        statement = statement.limit(limit)
    return list(session.scalars(statement)), int(total or 0)


def log_staff_read(session: Session, staff_id: str, code: str, bookings: list[BulkyBooking],
                   purpose: str) -> None:
    """One access-log entry per resident whose bookings the staff member was shown."""
    for person_id in sorted({booking.person_id for booking in bookings}):
        record_access(session, municipality_code=code, subject_person_id=person_id,
                      actor_person_id=staff_id, actor_kind=ACTOR_STAFF, purpose=purpose,
                      resource=ACCESS_RESOURCE)


def staff_booking_json(booking: BulkyBooking, names: dict[str, str]) -> dict[str, Any]:
    return {**booking_json(booking, names.get(booking.area_id)),
            "common_id": booking.person_id}


def _items_text(items: list[dict[str, Any]]) -> str:
    return "、".join(f"{item['name']}×{item['quantity']}" for item in items)


def bookings_csv(session: Session, code: str, bookings: list[BulkyBooking]) -> bytes:
    """UTF-8 with a BOM (Excel then reads the Japanese right), CRLF line ends."""
    names = area_names(session, code, {booking.area_id for booking in bookings})
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for booking in bookings:
        data = booking_json(booking, names.get(booking.area_id))
        booked_at = as_utc(booking.created_at).astimezone(CITY_TIME_ZONE)
        writer.writerow([booking.number, data["day"], data["area_name"] or booking.area_id,
                         _items_text(data["items"]), booking.total_fee, booking.status,
                         booked_at.strftime("%Y-%m-%d %H:%M")])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def mark_collected(engine: Engine, code: str, number: str) -> dict[str, Any]:
    """Mark a booked booking collected and write its owner's row; the booking as JSON.

    Raises `BookingNotFound` or `BookingNotBooked`."""
    with Session(_writer(engine), expire_on_commit=False) as session:
        booking = session.scalars(
            select(BulkyBooking)
            .where(col(BulkyBooking.municipality_code) == code, col(BulkyBooking.number) == number)
            .with_for_update()
        ).first()
        if booking is None:
            raise BookingNotFound(number)
        if booking.status != BOOKING_BOOKED:
            raise BookingNotBooked(number, booking.status)
        now = utc_now()
        booking.status = BOOKING_COLLECTED
        booking.collected_at = now
        booking.updated_at = now
        session.add(booking)
        session.flush()
        data = booking_json(booking, area_names(session, code, {booking.area_id})
                            .get(booking.area_id))
        append_changes(session.connection(), code, booking.person_id,
                       [booking_change(data)], now)
        session.commit()
    return data
