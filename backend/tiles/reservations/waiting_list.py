"""A slot's places and its waiting list (docs/reservations.md §2).

Places are taken with ONE conditional UPDATE (`booked < capacity AND closed_at IS NULL`),
as the bulky-waste slots (ADR 0015): on SQLite one writer at a time, on PostgreSQL the row
lock makes a racing UPDATE evaluate its WHERE again on the committed row, so concurrent
bookings never overbook. A statement that moves `booked` or `waiting` also holds the slot's
row until commit, which makes everything touching one slot's waiting list take turns.

Waiters are ordered by `waiting_seq` (the tile's "waiting" sequence). When places free
(a cancellation, a change away, a declined or expired offer, capacity raised by staff) the
first waiters are offered them: each offered waiter holds a place (`booked`) until they
accept, decline or the offer runs out.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, func, select, update
from sqlmodel import Session, col

from backend.services import clock
from backend.tiles.reservations.models import (
    OFFERED,
    WAITING,
    ReservationBooking,
    ReservationSlot,
)
from backend.tiles.reservations.resources.publish import publish_slot

SLOT: Table = ReservationSlot.__table__  # type: ignore[attr-defined]


def _slot_where(code: str, resource_id: str, start: datetime) -> list[Any]:
    return [SLOT.c.municipality_code == code, SLOT.c.resource_id == resource_id,
            SLOT.c.start == start]


def take_place(session: Session, code: str, resource_id: str, start: datetime) -> bool:
    """Take one place of an open slot; False when it is full or closed (nothing changed)."""
    row = session.execute(
        update(SLOT)
        .where(*_slot_where(code, resource_id, start), SLOT.c.booked < SLOT.c.capacity,
               SLOT.c.closed_at.is_(None))
        .values(booked=SLOT.c.booked + 1, updated_at=clock.utc_now())
        .returning(SLOT.c.booked)
    ).first()
    return row is not None


def release_place(session: Session, code: str, resource_id: str, start: datetime) -> None:
    """Give one place back to the slot (a cancelled, moved or declined booking)."""
    session.execute(
        update(SLOT)
        .where(*_slot_where(code, resource_id, start), SLOT.c.booked > 0)
        .values(booked=SLOT.c.booked - 1, updated_at=clock.utc_now()))


def count_waiter(session: Session, code: str, resource_id: str, start: datetime,
                 delta: int) -> None:
    """One more (+1) or one fewer (-1) waiter on the slot."""
    session.execute(
        update(SLOT)
        .where(*_slot_where(code, resource_id, start), SLOT.c.waiting + delta >= 0)
        .values(waiting=SLOT.c.waiting + delta, updated_at=clock.utc_now()))


def publish_places(session: Session, code: str, resource_id: str, start: datetime) -> None:
    """Publish the slot as the statements above left it (read back from the database)."""
    slot = session.scalars(
        select(ReservationSlot).where(*_slot_where(code, resource_id, start))
        .execution_options(populate_existing=True)).first()
    if slot is not None:
        publish_slot(session, code, slot)


def _waiters_of(code: str, resource_id: str, start: datetime) -> Any:
    return (select(ReservationBooking)
            .where(col(ReservationBooking.municipality_code) == code,
                   col(ReservationBooking.resource_id) == resource_id,
                   col(ReservationBooking.slot_start) == start,
                   col(ReservationBooking.status) == WAITING)
            .order_by(col(ReservationBooking.waiting_seq), col(ReservationBooking.id)))


def waiters(session: Session, code: str, resource_id: str,
            start: datetime) -> list[ReservationBooking]:
    """The slot's waiters in their order."""
    return list(session.scalars(_waiters_of(code, resource_id, start)))


def first_waiter(session: Session, code: str, resource_id: str,
                 start: datetime) -> ReservationBooking | None:
    return session.scalars(
        _waiters_of(code, resource_id, start).limit(1).with_for_update()).first()


def position(session: Session, booking: ReservationBooking) -> int | None:
    """1 for the first waiter of the slot, 2 for the next, ...; None when not waiting."""
    if booking.status != WAITING or booking.waiting_seq is None:
        return None
    ahead = session.scalar(
        select(func.count()).select_from(ReservationBooking)
        .where(col(ReservationBooking.municipality_code) == booking.municipality_code,
               col(ReservationBooking.resource_id) == booking.resource_id,
               col(ReservationBooking.slot_start) == booking.slot_start,
               col(ReservationBooking.status) == WAITING,
               col(ReservationBooking.waiting_seq) < booking.waiting_seq))
    return int(ahead or 0) + 1


def offer_free_places(session: Session, code: str, resource_id: str, start: datetime,
                      offer_hours: int,
                      on_offer: Callable[[ReservationBooking], None]) -> list[ReservationBooking]:
    """Offer each free place of the slot to the next waiter, in order, until the places or
    the waiters run out. `on_offer` records each offer (history, notice, sync rows)."""
    offered: list[ReservationBooking] = []
    while (waiter := first_waiter(session, code, resource_id, start)) is not None:
        if not take_place(session, code, resource_id, start):
            break
        count_waiter(session, code, resource_id, start, -1)
        waiter.status = OFFERED
        # Never past the slot's start: an answer after it is no use to anyone.
        waiter.offered_until = min(clock.utc_now() + timedelta(hours=offer_hours), start)
        waiter.updated_at = clock.utc_now()
        session.add(waiter)
        session.flush()
        on_offer(waiter)
        offered.append(waiter)
    return offered


def expired_offers(session: Session, now: datetime, limit: int = 200) -> list[ReservationBooking]:
    """Offers nobody answered in time, oldest first (the expiry job passes them on)."""
    return list(session.scalars(
        select(ReservationBooking)
        .where(col(ReservationBooking.status) == OFFERED,
               col(ReservationBooking.offered_until) < now)
        .order_by(col(ReservationBooking.offered_until), col(ReservationBooking.id))
        .limit(limit)))
