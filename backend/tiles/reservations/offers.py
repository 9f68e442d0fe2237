"""A waiting list's offers (docs/reservations.md §2): a freed place is held for the first
waiter with a personal notice (`pass_on`); the waiter accepts or declines it, or the offer
runs out (`expire_offers`, a periodic job) and passes on to the next.

Every function but the job runs in the caller's transaction and never commits.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine
from sqlmodel import Session

from backend.db import write_engine
from backend.models import Person, as_utc
from backend.services import clock
from backend.services.clock import CITY_TIME_ZONE
from backend.settings import Settings
from backend.tiles.notices.api import notify_person
from backend.tiles.reservations import waiting_list
from backend.tiles.reservations.booking_records import (
    ACTOR_SYSTEM,
    Decision,
    actor_kind,
    add_event,
    booking_json,
    concerned,
    find_booking,
    iso_moment,
    own_booking,
    resource_of,
    slot_moment,
    write_rows,
)
from backend.tiles.reservations.models import (
    BOOKED,
    DECLINED,
    OFFERED,
    WAITING,
    ReservationBooking,
)
from backend.tiles.reservations.refusals import NOT_OFFERED, OFFER_EXPIRED, refusal
from backend.tiles.reservations.resource import Resource


def _local(moment: datetime) -> str:
    return as_utc(moment).astimezone(CITY_TIME_ZONE).strftime("%Y-%m-%d %H:%M")


def _tell_offered(session: Session, waiter: ReservationBooking, resource: Resource) -> None:
    """The offer in the history, a personal notice to each person it concerns, and the
    booking's row on their streams."""
    add_event(session, waiter, actor_kind=ACTOR_SYSTEM, actor_person_id=None,
              action="offer", from_status=WAITING,
              detail={"offered_until": iso_moment(waiter.offered_until)})
    when = _local(waiter.slot_start)
    until = _local(waiter.offered_until or clock.utc_now())
    for person_id in concerned(waiter):
        person = session.get(Person, person_id)
        if person is not None:
            notify_person(
                session, person, "キャンセル待ちの枠が空きました",
                "A place you waited for is free",
                f"{resource.text(resource.title, 'ja')}（{when}）に空きが出ました。{until} "
                f"までに予約を確定するか辞退してください（予約番号 {waiter.number}）。",
                f"{resource.text(resource.title, 'en')} ({when}, Japan time): a place is "
                f"free. Accept or decline it by {until} (booking {waiter.number}).")
    write_rows(session, waiter, booking_json(session, waiter, resource))


def pass_on(session: Session, code: str, resource: Resource, start: datetime) -> None:
    """Offer the slot's free places to its first waiters. Staff call this too after raising
    a slot's capacity (then publish the slot). A slot that has begun offers nothing."""
    if as_utc(start) <= clock.utc_now():
        return
    offered = waiting_list.offer_free_places(
        session, code, resource.id, start, resource.offer_hours,
        lambda waiter: _tell_offered(session, waiter, resource))
    if offered:
        show_new_positions(session, code, resource, start)


def show_new_positions(session: Session, code: str, resource: Resource,
                        start: datetime) -> None:
    """The rows of the slot's waiters again: someone ahead of them left the list."""
    for waiter in waiting_list.waiters(session, code, resource.id, start):
        write_rows(session, waiter, booking_json(session, waiter, resource))


def free_place(session: Session, booking: ReservationBooking, resource: Resource) -> None:
    """The booking's place goes back to its slot and on to the first waiter."""
    code = booking.municipality_code
    waiting_list.release_place(session, code, booking.resource_id, slot_moment(booking))
    pass_on(session, code, resource, slot_moment(booking))


def decline(session: Session, person: Person, booking_id: str) -> Decision:
    """A waiter declines the place offered to them: it goes to the next waiter."""
    booking = own_booking(session, person, booking_id)
    resource = resource_of(session, booking)
    if booking.status == DECLINED:
        return Decision(booking, resource, [])
    if booking.status != OFFERED:
        raise refusal(NOT_OFFERED).refused()
    decline_offer(session, booking, resource, actor=person)
    return Decision(booking, resource, [slot_moment(booking)])


def decline_offer(session: Session, booking: ReservationBooking, resource: Resource,
                  actor: Person | None) -> None:
    """The offer is declined (by a person) or ran out (`actor` None): passed on."""
    booking.status = DECLINED
    booking.offered_until = None
    booking.updated_at = clock.utc_now()
    session.add(booking)
    add_event(session, booking, actor_kind=actor_kind(actor, booking),
              actor_person_id=None if actor is None else actor.id,
              action="decline" if actor is not None else "expire", from_status=OFFERED)
    free_place(session, booking, resource)


def accept(session: Session, person: Person, booking_id: str) -> Decision:
    """A waiter takes the place offered to them (before the offer runs out)."""
    booking = own_booking(session, person, booking_id)
    resource = resource_of(session, booking)
    if booking.status == BOOKED and booking.waiting_seq is not None:
        return Decision(booking, resource, [])  # accepted before
    if booking.status != OFFERED:
        raise refusal(NOT_OFFERED).refused()
    if booking.offered_until is not None and as_utc(booking.offered_until) <= clock.utc_now():
        raise refusal(OFFER_EXPIRED).refused()
    booking.status = BOOKED
    booking.offered_until = None
    booking.ics_sequence += 1
    booking.updated_at = clock.utc_now()
    session.add(booking)
    add_event(session, booking, actor_kind=actor_kind(person, booking),
              actor_person_id=person.id, action="accept", from_status=OFFERED)
    return Decision(booking, resource, [slot_moment(booking)])


def expire_offers(engine: Engine, settings: Settings) -> int:
    """Offers nobody answered in time are declined and passed on to the next waiter, one
    transaction each (the slot published, both people's rows written); how many."""
    done = 0
    while True:
        with Session(write_engine(engine)) as session:
            due = waiting_list.expired_offers(session, clock.utc_now(), limit=1)
            if not due:
                return done
            booking = find_booking(session, due[0].municipality_code, due[0].id,
                                   for_update=True)
            if booking is not None and booking.status == OFFERED:
                resource = resource_of(session, booking)
                decline_offer(session, booking, resource, actor=None)
                write_rows(session, booking, booking_json(session, booking, resource))
                waiting_list.publish_places(session, booking.municipality_code, booking.resource_id,
                                 slot_moment(booking))
            session.commit()
            done += 1


