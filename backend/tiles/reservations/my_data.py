"""The reservations tile in "My data": export and account deletion.

Export: every booking the person made or that was made for them (waiting-list places and
cancelled ones too), with its history, as the devices see it.

Deletion: the person's open bookings from now on (booked, waiting, offered) are cancelled,
so their places go back to the slots (and on to the first waiters) and a fee paid with
points goes back; what they answered when booking is wiped from all their bookings. The
bookings stay, pointing to the tombstone: the counters' records of the days (who was
expected, checked in, did not come), without personal data of their own. A booking the
person made for someone else stays theirs (the subject's) and is not cancelled.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from backend.models import Person
from backend.services import clock
from backend.tiles.reservations.booking_records import booking_json, bookings_of, write_rows
from backend.tiles.reservations.bookings import cancel_now
from backend.tiles.reservations.models import OPEN_STATUSES, ReservationBooking
from backend.tiles.reservations.resources.store import get_resource
from backend.tiles.reservations.waiting_list import publish_places

DELETION_REASON = (
    "Open bookings from now on are cancelled (places freed for others, points fees refunded) "
    "and the answers given when booking are wiped; the bookings stay, pointing to the "
    "tombstone, as the counters' records of who was expected and who came")
ACCOUNT_DELETED = "account deleted（アカウント削除）"


def bookings_export(session: Session, person: Person) -> list[dict[str, Any]]:
    rows = bookings_of(session, person.id)
    resources = {(row.municipality_code, row.resource_id) for row in rows}
    found = {key: get_resource(session, *key, withdrawn_too=True) for key in resources}
    return [booking_json(session, row, found[(row.municipality_code, row.resource_id)])
            for row in rows]


def cancel_open_bookings(session: Session, person: Person) -> None:
    """Account deletion (see above), in the caller's transaction."""
    now = clock.utc_now()
    open_ones = session.scalars(
        select(ReservationBooking)
        .where(col(ReservationBooking.subject_person_id) == person.id,
               col(ReservationBooking.status).in_(OPEN_STATUSES),
               col(ReservationBooking.slot_start) > now)
        .order_by(col(ReservationBooking.slot_start), col(ReservationBooking.id))
        .with_for_update()).all()
    for booking in open_ones:
        resource = get_resource(session, booking.municipality_code, booking.resource_id,
                                withdrawn_too=True)
        if resource is None:
            continue
        cancel_now(session, booking, resource, None, ACCOUNT_DELETED)
        session.flush()
        write_rows(session, booking, booking_json(session, booking, resource),
                   skip_person_id=person.id)
        publish_places(session, booking.municipality_code, booking.resource_id,
                       booking.slot_start)
    for booking in bookings_of(session, person.id):
        if booking.subject_person_id == person.id and booking.answers != "{}":
            booking.answers = "{}"
            session.add(booking)
