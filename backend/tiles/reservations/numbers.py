"""Booking numbers and the waiting-list order, from the tile's `reservation_counter`.

- Booking numbers: "予-" + the (city) year + "-" + six digits per municipality and year,
  e.g. "予-2026-000123" (sequence "number:2026"). Every booking row gets one, waiters too:
  residents quote it at the counter whatever became of it.
- Waiting order: one sequence "waiting" per municipality; a waiter's position on a slot's
  list is the count of that slot's waiters with a smaller or equal value.

Both are bumped with `next_in_sequence` in the booking's transaction (a rolled-back booking
leaves at most a gap, never a value handed out twice).
"""

from __future__ import annotations

from sqlalchemy import Table
from sqlmodel import Session

from backend.services.clock import city_today
from backend.services.counters import next_in_sequence
from backend.tiles.reservations.models import ReservationCounter

COUNTER: Table = ReservationCounter.__table__  # type: ignore[attr-defined]
WAITING_SEQUENCE = "waiting"


def booking_number(year: int, sequence: int) -> str:
    return f"予-{year:04d}-{sequence:06d}"


def next_booking_number(session: Session, code: str) -> str:
    year = city_today().year
    sequence = next_in_sequence(session, COUNTER,
                                {"municipality_code": code, "name": f"number:{year}"})
    return booking_number(year, sequence)


def next_waiting_seq(session: Session, code: str) -> int:
    return next_in_sequence(session, COUNTER,
                            {"municipality_code": code, "name": WAITING_SEQUENCE})
