"""Booking numbers: "S" + the collection month (YYMM) + "-" + a sequence per municipality and
month, e.g. "S2612-0042". Residents write it on their stickers; staff find bookings by it.

The sequence comes from `bulky_number_counter`, bumped with `UPDATE ... RETURNING` inside the
booking's transaction: the row lock makes concurrent bookings of one month take turns, and a
rolled-back booking leaves at most a gap, never a number handed out twice (the unique
constraint on (municipality_code, number) is the backstop).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Table
from sqlmodel import Session

from backend.services.counters import next_in_sequence
from backend.tiles.waste.bulky.models import BulkyNumberCounter

COUNTER: Table = BulkyNumberCounter.__table__  # type: ignore[attr-defined]


def format_number(day: date, sequence: int) -> str:
    return f"S{day:%y%m}-{sequence:04d}"


def next_number(session: Session, code: str, day: date) -> str:
    """The next booking number of `day`'s month; holds that month's counter until commit."""
    return format_number(day, next_in_sequence(
        session, COUNTER, {"municipality_code": code, "month": f"{day:%y%m}"}))
