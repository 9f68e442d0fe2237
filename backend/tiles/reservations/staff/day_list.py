"""What a clerk reads (docs/reservations.md §4): their departments' resources, and one
resource's day: its slots with the bookings in each (name, number, status). Every resident a
list shows is a read of their data: an entry in their access log with the purpose and the
clerk, in the same transaction as the read."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from backend.models import Person, as_utc
from backend.models.access_log_entry import ACTOR_STAFF
from backend.services.access_log import record_access
from backend.tiles.reservations import booking_records, waiting_list
from backend.tiles.reservations.models import ReservationBooking, ReservationSlot
from backend.tiles.reservations.resource import Resource, parse_resource
from backend.tiles.reservations.resources.store import body_of, stored_rows
from backend.tiles.reservations.slots import slots_of_day
from backend.tiles.reservations.staff.scope import ReservationClerk

# Bookings a day list shows first: those holding a place, then the waiting list, then the
# rest (cancelled, declined, closed, no-show).
_ORDER = {"checked_in": 0, "booked": 0, "offered": 1, "waiting": 2}


@dataclass(frozen=True)
class ClerksResource:
    resource: Resource
    withdrawn: bool


class NotYours(LookupError):
    """No such resource or booking, or one of another department: the same answer (404)."""


def clerks_resources(session: Session, clerk: ReservationClerk) -> list[ClerksResource]:
    """The resources of the clerk's departments, withdrawn ones too (their bookings stay)."""
    return [ClerksResource(parse_resource(body_of(row)), row.withdrawn)
            for _, row in sorted(stored_rows(session, clerk.municipality_code).items())
            if row.department in clerk.departments]


def clerks_resource(session: Session, clerk: ReservationClerk,
                    resource_id: str) -> ClerksResource:
    for found in clerks_resources(session, clerk):
        if found.resource.id == resource_id:
            return found
    raise NotYours(resource_id)


def clerks_booking(session: Session, clerk: ReservationClerk, booking_id: str,
                   for_update: bool = False) -> tuple[ReservationBooking, ClerksResource]:
    booking = booking_records.find_booking(session, clerk.municipality_code, booking_id,
                                           for_update)
    if booking is None:
        raise NotYours(booking_id)
    return booking, clerks_resource(session, clerk, booking.resource_id)


def log_booking_read(session: Session, clerk: ReservationClerk,
                     shown: list[ReservationBooking], purpose: str) -> None:
    """One access-log entry for each person the bookings concern (the booker and, when
    another person, the one a booking is for)."""
    people = dict.fromkeys(person_id for booking in shown
                           for person_id in booking_records.concerned(booking))
    for person_id in people:
        record_access(session, municipality_code=clerk.municipality_code,
                      subject_person_id=person_id, actor_person_id=clerk.id,
                      actor_kind=ACTOR_STAFF, purpose=purpose,
                      resource=booking_records.ACCESS_RESOURCE)


def staff_booking_json(session: Session, booking: ReservationBooking) -> dict[str, Any]:
    """A booking as the clerk's lists show it (with the names of the people)."""
    subject = session.get(Person, booking.subject_person_id)
    booker = session.get(Person, booking.booker_person_id)
    return {
        "id": booking.id,
        "number": booking.number,
        "status": booking.status,
        "name": subject.name if subject is not None else None,
        "subject_id": booking.subject_person_id,
        "booker_name": (booker.name if booker is not None
                        and booking.booker_person_id != booking.subject_person_id else None),
        "booker_id": booking.booker_person_id,
        "slot_start": as_utc(booking.slot_start).isoformat(),
        "slot_end": as_utc(booking.slot_end).isoformat(),
        "position": waiting_list.position(session, booking),
        "fee": {"amount_yen": booking.fee_amount_yen, "method": booking.fee_method,
                "paid": booking.fee_paid_at is not None},
        "answers": json.loads(booking.answers or "{}"),
        "reason": booking.reason,
        "checked_in_at": (as_utc(booking.checked_in_at).isoformat()
                          if booking.checked_in_at else None),
    }


def slot_json(slot: ReservationSlot) -> dict[str, Any]:
    return {"start": as_utc(slot.start).isoformat(), "end": as_utc(slot.end).isoformat(),
            "day": slot.day.isoformat(), "capacity": slot.capacity, "booked": slot.booked,
            "waiting": slot.waiting, "closed": slot.closed_at is not None,
            "closed_reason": slot.closed_reason}


def day_list(session: Session, clerk: ReservationClerk, resource: Resource, day: date,
             purpose: str) -> list[dict[str, Any]]:
    """The day's slots by start, each with its bookings; the reads are logged."""
    code = clerk.municipality_code
    slots = list(slots_of_day(session, code, resource.id, day))
    rows = list(session.scalars(select(ReservationBooking).where(
        col(ReservationBooking.municipality_code) == code,
        col(ReservationBooking.resource_id) == resource.id,
        col(ReservationBooking.slot_start).in_([slot.start for slot in slots]))
        .order_by(col(ReservationBooking.waiting_seq), col(ReservationBooking.created_at),
                  col(ReservationBooking.id)))) if slots else []
    by_start: dict[str, list[ReservationBooking]] = {}
    for row in sorted(rows, key=lambda r: _ORDER.get(r.status, 3)):
        by_start.setdefault(as_utc(row.slot_start).isoformat(), []).append(row)
    log_booking_read(session, clerk, rows, purpose)
    return [{**slot_json(slot),
             "bookings": [staff_booking_json(session, booking)
                          for booking in by_start.get(as_utc(slot.start).isoformat(), [])]}
            for slot in slots]
