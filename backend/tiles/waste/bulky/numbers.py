"""Booking numbers: "S" + the collection month (YYMM) + "-" + a sequence per municipality and
month, e.g. "S2612-0042". Residents write it on their stickers; staff find bookings by it.

The sequence comes from `bulky_number_counter`, bumped with `UPDATE ... RETURNING` inside the
booking's transaction: the row lock makes concurrent bookings of one month take turns, and a
rolled-back booking leaves at most a gap, never a number handed out twice (the unique
constraint on (municipality_code, number) is the backstop).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Table, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from backend.tiles.waste.bulky.models import BulkyNumberCounter

COUNTER: Table = BulkyNumberCounter.__table__  # type: ignore[attr-defined]


def format_number(day: date, sequence: int) -> str:
    return f"S{day:%y%m}-{sequence:04d}"


def next_number(session: Session, code: str, day: date) -> str:
    """The next booking number of `day`'s month; holds that month's counter until commit."""
    month = f"{day:%y%m}"
    bump = (update(COUNTER)
            .where(COUNTER.c.municipality_code == code, COUNTER.c.month == month)
            .values(value=COUNTER.c.value + 1)
            .returning(COUNTER.c.value))
    value = session.execute(bump).scalar_one_or_none()
    if value is None:
        insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        session.execute(insert(COUNTER).values(municipality_code=code, month=month, value=0)
                        .on_conflict_do_nothing(index_elements=["municipality_code", "month"]))
        value = session.execute(bump).scalar_one()
    return format_number(day, value)
