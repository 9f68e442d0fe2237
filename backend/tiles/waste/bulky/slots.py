"""Slots: one area's collection day and its capacity, counted in bookings.

A place is taken with ONE conditional statement (`booked = booked + 1 ... AND booked <
capacity`): two residents racing for the last place cannot both get it, on SQLite (one
writer) or PostgreSQL (the row lock; the loser's WHERE is evaluated again on the committed
row). See ADR 0015. Every change of a slot is published as a public `bulky_slots` row, so
devices see what is left offline.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Table, select, update
from sqlmodel import Session

from backend.sync.types import ChangeRow
from backend.tiles.waste.bulky.errors import NO_SLOT, SLOT_FULL, Refused
from backend.tiles.waste.bulky.models import BulkySlot

SLOTS_COLLECTION = "bulky_slots"
SLOT: Table = BulkySlot.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class SlotState:
    area_id: str
    day: date
    capacity: int
    booked: int

    @property
    def remaining(self) -> int:
        return max(0, self.capacity - self.booked)

    @property
    def key(self) -> str:
        return slot_key(self.area_id, self.day)

    def data(self) -> dict[str, Any]:
        return {"area_id": self.area_id, "day": self.day.isoformat(),
                "capacity": self.capacity, "remaining": self.remaining}

    def change(self) -> ChangeRow:
        """The slot's public row: devices show the remaining places from it."""
        return ChangeRow(SLOTS_COLLECTION, self.key, "upsert", self.data(), public=True)


def slot_key(area_id: str, day: date) -> str:
    return f"{area_id}:{day.isoformat()}"


def _where(code: str, area_id: str, day: date) -> list[Any]:
    return [SLOT.c.municipality_code == code, SLOT.c.area_id == area_id, SLOT.c.day == day]


def read_slot(session: Session, code: str, area_id: str, day: date) -> SlotState | None:
    row = session.execute(
        select(SLOT.c.capacity, SLOT.c.booked).where(*_where(code, area_id, day))).first()
    return None if row is None else SlotState(area_id, day, row.capacity, row.booked)


def take_place(session: Session, code: str, area_id: str, day: date) -> SlotState:
    """Take one place of the slot, or raise `Refused` (`no_slot`, `slot_full`)."""
    if read_slot(session, code, area_id, day) is None:
        raise Refused(NO_SLOT, f"there is no bulky-waste collection in area {area_id} on "
                               f"{day.isoformat()}; pick one of the collection days offered")
    row = session.execute(
        update(SLOT)
        .where(*_where(code, area_id, day), SLOT.c.booked < SLOT.c.capacity)
        .values(booked=SLOT.c.booked + 1)
        .returning(SLOT.c.capacity, SLOT.c.booked)
    ).first()
    if row is None:
        raise Refused(SLOT_FULL, f"bulky-waste collection on {day.isoformat()} in this area "
                                 "is fully booked; please choose another day "
                                 f"（{day.isoformat()} の粗大ごみ収集は予約がいっぱいです。"
                                 "別の日を選んでください）")
    return SlotState(area_id, day, row.capacity, row.booked)


def release_place(session: Session, code: str, area_id: str, day: date) -> SlotState | None:
    """Give one place back (a cancelled or moved booking); the slot's state after it."""
    row = session.execute(
        update(SLOT)
        .where(*_where(code, area_id, day), SLOT.c.booked > 0)
        .values(booked=SLOT.c.booked - 1)
        .returning(SLOT.c.capacity, SLOT.c.booked)
    ).first()
    if row is None:  # no such slot any more (or already at 0): publish what is there
        return read_slot(session, code, area_id, day)
    return SlotState(area_id, day, row.capacity, row.booked)
