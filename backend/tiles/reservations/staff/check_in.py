"""Check-in and no-show of a booking at the counter (docs/reservations.md §2, §4).

- Check-in: a `booked` booking of today (Asia/Tokyo) becomes `checked_in` (again: nothing
  changes); when its resource has a queue counter, the appointment also gets that counter's
  ticket of the day (`queue_appointment`), which is called first once its slot is due.
- No-show: a `booked` booking whose slot has begun becomes `no_show`; its place goes back to
  the slot (no waiter is offered a time that has begun).

Each writes an event, the booking's rows on the streams of the people it concerns and, for
a place given back, the slot's public row. The caller commits.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from backend.models import as_utc
from backend.services.clock import city_today
from backend.tiles.reservations import booking_records, waiting_list
from backend.tiles.reservations.models import (
    BOOKED,
    CHECKED_IN,
    NO_SHOW,
    QueueTicket,
    ReservationBooking,
)
from backend.tiles.reservations.queue.counters import find_counter
from backend.tiles.reservations.queue.tickets import CHANNEL_COUNTER, queue_appointment
from backend.tiles.reservations.resource import Resource
from backend.tiles.reservations.resources.publish import publish_slot
from backend.tiles.reservations.slots import read_slot


class WrongBookingStatus(ValueError):
    def __init__(self, booking: ReservationBooking, action: str) -> None:
        super().__init__(f"booking {booking.number} is {booking.status}; it cannot be "
                         f"{action}")
        self.status = booking.status


class NotToday(ValueError):
    pass


class NotBegun(ValueError):
    pass


def _recorded(session: Session, booking: ReservationBooking, resource: Resource,
              clerk_id: str | None, action: str, before: str, now: datetime,
              detail: dict[str, str] | None = None) -> None:
    booking.updated_at = now
    session.add(booking)
    actor_kind = (booking_records.ACTOR_STAFF if clerk_id is not None
                  else booking_records.ACTOR_SYSTEM)
    booking_records.add_event(session, booking, actor_kind=actor_kind,
                              actor_person_id=clerk_id, action=action, from_status=before,
                              detail=detail)
    booking_records.write_rows(session, booking,
                               booking_records.booking_json(session, booking, resource))


def check_in(session: Session, booking: ReservationBooking, resource: Resource,
             clerk_id: str | None, now: datetime, channel: str = CHANNEL_COUNTER
             ) -> QueueTicket | None:
    """Check the booking in (see the module docstring); its queue ticket, if any. A clerk
    checks in at the counter; `clerk_id` None is the resident at a kiosk (`channel`
    "kiosk"), recorded as the system's event with the channel."""
    today = city_today(now)
    if city_today(as_utc(booking.slot_start)) != today:
        raise NotToday(booking.number)
    if booking.status not in (BOOKED, CHECKED_IN):
        raise WrongBookingStatus(booking, "checked in")
    if booking.status == BOOKED:
        booking.status = CHECKED_IN
        booking.checked_in_at = now
        _recorded(session, booking, resource, clerk_id, "check_in", BOOKED, now,
                  detail={"channel": channel} if clerk_id is None else None)
    if resource.queue is None:
        return None
    counter = find_counter(session, booking.municipality_code, resource.queue.counter)
    if counter is None:  # withdrawn meanwhile: checked in, without a number
        return None
    return queue_appointment(session, booking.municipality_code, counter.id, today, now,
                             booking, channel)


def no_show(session: Session, booking: ReservationBooking, resource: Resource,
            clerk_id: str, now: datetime) -> None:
    if booking.status == NO_SHOW:
        return
    if booking.status != BOOKED:
        raise WrongBookingStatus(booking, "marked no-show")
    if as_utc(booking.slot_start) > now:
        raise NotBegun(booking.number)
    booking.status = NO_SHOW
    code = booking.municipality_code
    waiting_list.release_place(session, code, booking.resource_id, as_utc(booking.slot_start))
    _recorded(session, booking, resource, clerk_id, "no_show", BOOKED, now)
    slot = read_slot(session, code, booking.resource_id, booking.slot_start)
    if slot is not None:
        session.refresh(slot)
        publish_slot(session, code, slot, city_today(now))
