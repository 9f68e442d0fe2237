"""A booking's records: the tile's constants, the booking as JSON (for devices and the
export), its history, its rows on every concerned person's stream, the decision a mutation
returns, and the lookups every part of the tile shares (docs/reservations.md §2).

Every function runs in the caller's transaction and never commits.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import or_, select
from sqlmodel import Session, col

from backend.models import Person, as_utc
from backend.services import clock
from backend.sync.change_log import append_changes
from backend.sync.refusals import Refused
from backend.sync.types import ChangeRow
from backend.tiles.reservations import waiting_list
from backend.tiles.reservations.models import (
    BOOKED,
    OFFERED,
    ReservationBooking,
    ReservationBookingEvent,
)
from backend.tiles.reservations.refusals import RESOURCE_UNKNOWN, refusal
from backend.tiles.reservations.resource import Resource
from backend.tiles.reservations.resources.store import get_resource
from backend.tiles.reservations.rules import changeable_until, slot_day_of

COLLECTION = "reservations"
ACCESS_RESOURCE = "reservations"
DELEGATION_SCOPE = "reservations"  # a delegation of "all" covers it too
ACTOR_RESIDENT = "resident"
ACTOR_STAFF = "staff"
ACTOR_SYSTEM = "system"

# Refusal codes of the bookings besides refusals.py's (same message form: Japanese, then
# English in brackets).
NOT_FOUND = "not_found"
WRONG_STATUS = "wrong_status"


def refused(code: str, en: str, ja: str) -> Refused:
    """A refusal of this module's own codes, worded like `Refusal.refused()`."""
    return Refused(code, f"{ja}（{en}）")


def iso_moment(moment: datetime | date | None) -> str | None:
    if moment is None:
        return None
    if isinstance(moment, datetime):
        return as_utc(moment).isoformat()
    return moment.isoformat()


# --- reading -------------------------------------------------------------------------------


def find_booking(session: Session, code: str, booking_id: str,
                 for_update: bool = False) -> ReservationBooking | None:
    statement = select(ReservationBooking).where(
        col(ReservationBooking.municipality_code) == code,
        col(ReservationBooking.id) == booking_id)
    if for_update:
        statement = statement.with_for_update()
    return session.scalars(statement).first()


def concerned(booking: ReservationBooking) -> list[str]:
    """The people whose streams hold the booking's row: the booker, then the subject."""
    return list(dict.fromkeys((booking.booker_person_id, booking.subject_person_id)))


def history(session: Session, booking_id: str) -> list[dict[str, Any]]:
    events = session.scalars(select(ReservationBookingEvent)
                             .where(col(ReservationBookingEvent.booking_id) == booking_id)
                             .order_by(col(ReservationBookingEvent.id)))
    return [{"at": iso_moment(event.at), "actor_kind": event.actor_kind,
             # Residents see which resident acted, not which staff member.
             "actor_id": None if event.actor_kind == ACTOR_STAFF else event.actor_person_id,
             "action": event.action, "from": event.from_status, "to": event.to_status,
             "detail": json.loads(event.detail)} for event in events]


def booking_json(session: Session, booking: ReservationBooking,
                 resource: Resource | None) -> dict[str, Any]:
    """The booking as the devices (and the export) see it (docs/reservations.md §2)."""
    deadline = (deadline_of(resource, booking) if resource is not None
                and booking.status == BOOKED else None)
    return {
        "id": booking.id,
        "number": booking.number,
        "resource_id": booking.resource_id,
        "title": resource.title if resource is not None else None,
        "slot_start": iso_moment(booking.slot_start),
        "slot_end": iso_moment(booking.slot_end),
        "status": booking.status,
        "place": resource.place if resource is not None else None,
        "fee": {"amount_yen": booking.fee_amount_yen, "method": booking.fee_method,
                "paid_at": iso_moment(booking.fee_paid_at)},
        "booker_id": booking.booker_person_id,
        "for_person_id": (booking.subject_person_id
                          if booking.subject_person_id != booking.booker_person_id else None),
        "position": waiting_list.position(session, booking),
        "offered_until": iso_moment(booking.offered_until) if booking.status == OFFERED else None,
        "changeable_until": iso_moment(deadline),
        "answers": json.loads(booking.answers),
        "ics_sequence": booking.ics_sequence,
        "reason": booking.reason,
        "history": history(session, booking.id),
        "created_at": iso_moment(booking.created_at),
        "updated_at": iso_moment(booking.updated_at),
    }


def booking_change(data: dict[str, Any]) -> ChangeRow:
    return ChangeRow(COLLECTION, str(data["id"]), "upsert", data)


def write_rows(session: Session, booking: ReservationBooking, data: dict[str, Any],
               skip_person_id: str | None = None) -> None:
    """The booking's row on each concerned person's stream in this transaction, except
    `skip_person_id` (a sync caller, whose row comes with the push's outcome)."""
    row = booking_change(data)
    for person_id in (p for p in concerned(booking) if p != skip_person_id):
        append_changes(session.connection(), booking.municipality_code, person_id, [row])


def add_event(session: Session, booking: ReservationBooking, *, actor_kind: str,
              actor_person_id: str | None, action: str, from_status: str | None,
              detail: dict[str, Any] | None = None) -> None:
    session.add(ReservationBookingEvent(
        booking_id=booking.id, at=clock.utc_now(), actor_kind=actor_kind,
        actor_person_id=actor_person_id, action=action, from_status=from_status,
        to_status=booking.status, detail=json.dumps(detail or {}, ensure_ascii=False)))
    session.flush()


# --- what a decision touched ---------------------------------------------------------------


@dataclass
class Decision:
    """A decided mutation: the booking, its resource, and the starts of the slots whose
    places or waiters moved (the caller publishes them)."""

    booking: ReservationBooking
    resource: Resource
    slots: list[datetime] = field(default_factory=list)


def slot_moment(booking: ReservationBooking) -> datetime:
    return as_utc(booking.slot_start)


def deadline_of(resource: Resource, booking: ReservationBooking) -> datetime:
    """Until when the booking may be changed or cancelled (rules.py `changeable_until`)."""
    start = slot_moment(booking)
    return min(changeable_until(resource, slot_day_of(start), slot_start=start), start)


def resource_of(session: Session, booking: ReservationBooking) -> Resource:
    resource = get_resource(session, booking.municipality_code, booking.resource_id,
                            withdrawn_too=True)
    if resource is None:
        raise refusal(RESOURCE_UNKNOWN).refused()
    return resource


def own_booking(session: Session, person: Person, booking_id: str) -> ReservationBooking:
    """The booking the caller made or that is for them, row-locked until commit."""
    booking = find_booking(session, person.municipality_code, booking_id, for_update=True)
    if booking is None or person.id not in (booking.booker_person_id,
                                            booking.subject_person_id):
        raise refused(NOT_FOUND, f"no booking {booking_id} of yours", "その予約はありません")
    return booking


def wrong_status(booking: ReservationBooking) -> Refused:
    return refused(WRONG_STATUS, f"booking {booking.number} is {booking.status}",
                   f"予約 {booking.number} は現在の状態（{booking.status}）では操作できません")


def actor_kind(person: Person | None, booking: ReservationBooking) -> str:
    if person is None:
        return ACTOR_SYSTEM
    return ACTOR_RESIDENT if person.id in concerned(booking) else ACTOR_STAFF


def bookings_of(session: Session, person_id: str) -> list[ReservationBooking]:
    """Every booking the person made or that is for them, oldest first."""
    return list(session.scalars(
        select(ReservationBooking)
        .where(or_(col(ReservationBooking.booker_person_id) == person_id,
                   col(ReservationBooking.subject_person_id) == person_id))
        .order_by(col(ReservationBooking.created_at), col(ReservationBooking.id))))
