"""Bulky-waste bookings in "My data": every booking of the person, in every status."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from backend.models import Person
from backend.sync.quotas import UsageMeter, table_of
from backend.tiles.waste.bulky.bookings import area_names, booking_json
from backend.tiles.waste.bulky.models import BulkyBooking


def bookings_export(session: Session, person: Person) -> list[dict[str, Any]]:
    """Bulky-waste bookings as the devices see them (cancelled and collected ones too)."""
    rows = list(session.exec(
        select(BulkyBooking).where(BulkyBooking.person_id == person.id)
        .order_by(col(BulkyBooking.created_at), col(BulkyBooking.id))
    ))
    names: dict[str, str] = {}
    for code in {row.municipality_code for row in rows}:
        names |= area_names(session, code, {r.area_id for r in rows
                                            if r.municipality_code == code})
    return [booking_json(row, names.get(row.area_id)) for row in rows]


# The per-person quota (Settings.quota_bulky_waste_*): every booking counts, cancelled and
# collected ones too (they stay as the city's records); a cancel is never refused.
BOOKINGS_METER = UsageMeter(table_of(BulkyBooking), "id", ("id", "items"),
                            key_arg="id", removals=frozenset({"cancel"}))
