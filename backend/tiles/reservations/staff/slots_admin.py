"""Staff changes to a resource's slots (docs/reservations.md §4): add a slot, set its
capacity (never below the places taken; a raise offers the new places to the waiters), close
it with a reason.

Closing a slot (`close_slot`) is written here with the bookings part's pieces
(`booking_records.py`, `offers.py`; neither closes a slot): every booked, offered or waiting
booking in it becomes `closed` with an event, a raised `ics_sequence`, a refunded points
fee, a personal notice to each person it concerns and its row on their streams. Bookings
already checked in stay. Everything runs in the caller's transaction; the caller commits.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from backend.models import Person, as_utc
from backend.services.clock import CITY_TIME_ZONE, city_today
from backend.tiles.notices import api as notices_api
from backend.tiles.reservations import booking_records, offers
from backend.tiles.reservations.fee import refund_fee
from backend.tiles.reservations.models import (
    BOOKED,
    CHECKED_IN,
    CLOSED,
    OFFERED,
    WAITING,
    ReservationBooking,
    ReservationSlot,
)
from backend.tiles.reservations.resource import Resource
from backend.tiles.reservations.resources.publish import publish_slot
from backend.tiles.reservations.slots import read_slot

SLOT: Table = ReservationSlot.__table__  # type: ignore[attr-defined]
CLOSES = (BOOKED, OFFERED, WAITING)


class SlotNotFound(LookupError):
    pass


class SlotExists(ValueError):
    pass


class SlotInPast(ValueError):
    pass


class SlotAlreadyClosed(ValueError):
    pass


class CapacityBelowBooked(ValueError):
    def __init__(self, booked: int, capacity: int) -> None:
        super().__init__(f"{booked} places are taken; the capacity cannot be {capacity}")
        self.booked = booked
        self.capacity = capacity


def _where(code: str, resource_id: str, start: datetime) -> list[Any]:
    return [SLOT.c.municipality_code == code, SLOT.c.resource_id == resource_id,
            SLOT.c.start == as_utc(start)]


def _published(session: Session, code: str, resource_id: str, start: datetime,
               now: datetime) -> ReservationSlot:
    slot = read_slot(session, code, resource_id, start)
    assert slot is not None
    session.refresh(slot)
    publish_slot(session, code, slot, city_today(now))
    return slot


def add_slot(session: Session, code: str, resource: Resource, start: datetime,
             minutes: int, capacity: int, now: datetime) -> ReservationSlot:
    """A new slot of `resource` (its public row too); `SlotExists` when one starts then."""
    start = as_utc(start)
    if start <= now:
        raise SlotInPast(start)
    if read_slot(session, code, resource.id, start) is not None:
        raise SlotExists(start)
    slot = ReservationSlot(municipality_code=code, resource_id=resource.id, start=start,
                           end=start + timedelta(minutes=minutes),
                           day=start.astimezone(CITY_TIME_ZONE).date(), capacity=capacity,
                           booked=0, waiting=0, updated_at=now)
    try:
        with session.begin_nested():
            session.add(slot)
    except IntegrityError:  # added meanwhile by another clerk
        raise SlotExists(start) from None
    publish_slot(session, code, slot, city_today(now))
    return slot


def set_capacity(session: Session, code: str, resource: Resource, start: datetime,
                 capacity: int, now: datetime) -> ReservationSlot:
    """One conditional UPDATE (`booked <= capacity`, open slot), so a booking racing the
    change cannot slip past the check; new places go to the waiters first."""
    changed = session.execute(
        update(SLOT).where(*_where(code, resource.id, start), SLOT.c.booked <= capacity,
                           SLOT.c.closed_at.is_(None))
        .values(capacity=capacity, updated_at=now).returning(SLOT.c.booked)).first()
    if changed is None:
        slot = read_slot(session, code, resource.id, start)
        if slot is None:
            raise SlotNotFound(start)
        if slot.closed_at is not None:
            raise SlotAlreadyClosed(start)
        raise CapacityBelowBooked(slot.booked, capacity)
    offers.pass_on(session, code, resource, as_utc(start))
    return _published(session, code, resource.id, start, now)


def _slot_text(resource: Resource, start: datetime, language: str) -> str:
    when = as_utc(start).astimezone(CITY_TIME_ZONE).strftime("%Y-%m-%d %H:%M")
    return f"{resource.text(resource.title, language)}（{when}）"


def _tell_closed(session: Session, booking: ReservationBooking, resource: Resource,
                 reason: str, refunded: bool) -> None:
    for person_id in booking_records.concerned(booking):
        person = session.get(Person, person_id)
        if person is None or not person.active:
            continue
        notices_api.notify_person(
            session, person, "予約の枠が中止になりました", "Your booked time was cancelled",
            f"{_slot_text(resource, booking.slot_start, 'ja')}は市の都合により中止になりました"
            f"（予約番号 {booking.number}）。理由: {reason}"
            + ("。お支払いのポイントはお返ししました。" if refunded else ""),
            f"{_slot_text(resource, booking.slot_start, 'en')} was cancelled by the city "
            f"(booking {booking.number}). Reason: {reason}"
            + (". The points you paid were given back." if refunded else ""))


def close_slot(session: Session, code: str, resource: Resource, start: datetime,
               reason: str, clerk_id: str, now: datetime) -> tuple[ReservationSlot,
                                                                   list[ReservationBooking]]:
    """Close the slot for good and close its open bookings (see the module docstring)."""
    closed = session.execute(
        update(SLOT).where(*_where(code, resource.id, start), SLOT.c.closed_at.is_(None))
        .values(closed_at=now, closed_reason=reason, updated_at=now)
        .returning(SLOT.c.booked)).first()  # holds the row: no booking slips in now
    if closed is None:
        if read_slot(session, code, resource.id, start) is None:
            raise SlotNotFound(start)
        raise SlotAlreadyClosed(start)
    affected = list(session.scalars(
        select(ReservationBooking).where(
            col(ReservationBooking.municipality_code) == code,
            col(ReservationBooking.resource_id) == resource.id,
            col(ReservationBooking.slot_start) == as_utc(start),
            col(ReservationBooking.status).in_(CLOSES))
        .order_by(col(ReservationBooking.created_at), col(ReservationBooking.id))
        .with_for_update()))
    for booking in affected:
        before = booking.status
        booking.status = CLOSED
        booking.reason = reason
        booking.offered_until = None
        booking.ics_sequence += 1
        booking.updated_at = now
        refunded = before != WAITING and booking.fee_amount_yen > 0 and refund_fee(
            session, booking, "予約枠の中止（slot closed by the city）", clerk_id)
        session.add(booking)
        booking_records.add_event(session, booking, actor_kind=booking_records.ACTOR_STAFF,
                                  actor_person_id=clerk_id, action="close",
                                  from_status=before, detail={"reason": reason})
        _tell_closed(session, booking, resource, reason, refunded)
        booking_records.write_rows(session, booking,
                                   booking_records.booking_json(session, booking, resource))
    still_held = session.scalar(select(func.count()).select_from(ReservationBooking).where(
        col(ReservationBooking.municipality_code) == code,
        col(ReservationBooking.resource_id) == resource.id,
        col(ReservationBooking.slot_start) == as_utc(start),
        col(ReservationBooking.status) == CHECKED_IN))
    session.execute(update(SLOT).where(*_where(code, resource.id, start))
                    .values(booked=int(still_held or 0), waiting=0))
    return _published(session, code, resource.id, start, now), affected
