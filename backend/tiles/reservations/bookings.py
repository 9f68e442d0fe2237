"""Bookings: the decisions behind the `reservations` mutations book, wait, change and
cancel (docs/reservations.md §2); the booking's records are booking_records.py's, the
waiting list's offers (accept, decline, expiry) offers.py's.

Every function runs in the caller's transaction (the push engine's savepoint, a staff route's
or a job's) and never commits; a refusal is raised as `Refused` (the savepoint rolls back
whatever was written before it, so a refused `change` keeps the old place).

A booking concerns two people when someone books for another (`for_person_id`: a delegate
for the delegator, a parent for a minor child): the row goes to both streams and both
access logs record it.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, time
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session, col

from backend.models import Person, as_utc
from backend.models.access_log_entry import ACTOR_DELEGATE, ACTOR_SELF
from backend.models.person import ASSURANCE_CARD
from backend.services import clock
from backend.services.access_log import record_access
from backend.services.clock import CITY_TIME_ZONE, age_on
from backend.services.delegation import may_act_for
from backend.services.households import member_of
from backend.tiles.reservations import waiting_list
from backend.tiles.reservations.answers import checked_answers
from backend.tiles.reservations.booking_records import (
    ACCESS_RESOURCE,
    ACTOR_RESIDENT,
    DELEGATION_SCOPE,
    Decision,
    actor_kind,
    add_event,
    iso_moment,
    own_booking,
    refused,
    resource_of,
    slot_moment,
    wrong_status,
)
from backend.tiles.reservations.fee import fee_method, refund_fee
from backend.tiles.reservations.models import (
    BOOKED,
    CANCELLED,
    CHECKED_IN,
    DECLINED,
    HOLDS_A_PLACE,
    NO_SHOW,
    OPEN_STATUSES,
    WAITING,
    ReservationBooking,
    ReservationSlot,
)
from backend.tiles.reservations.numbers import next_booking_number, next_waiting_seq
from backend.tiles.reservations.offers import free_place, pass_on, show_new_positions
from backend.tiles.reservations.refusals import (
    NOT_FOR_WHOM,
    OVERLAPS,
    RESOURCE_UNKNOWN,
    SLOT_CLOSED,
    SLOT_FULL,
    SLOT_UNKNOWN,
    refusal,
)
from backend.tiles.reservations.resource import Resource
from backend.tiles.reservations.resources.store import get_resource
from backend.tiles.reservations.rules import (
    BookingContext,
    check_booking,
    check_changeable,
    slot_day_of,
)
from backend.tiles.reservations.slots import read_slot

# Refusal codes of this module besides refusals.py's and booking_records.py's.
NO_WAITING_LIST = "no_waiting_list"
PLACES_FREE = "places_free"
SLOT_PASSED = "slot_passed"
USED_STATUSES = (*OPEN_STATUSES, CHECKED_IN, NO_SHOW)  # counted in the monthly limit



def _bookable(session: Session, code: str, resource_id: str,
              start: datetime) -> tuple[Resource, ReservationSlot]:
    resource = get_resource(session, code, resource_id)
    if resource is None:
        raise refusal(RESOURCE_UNKNOWN).refused()
    slot = read_slot(session, code, resource_id, start)
    if slot is None:
        raise refusal(SLOT_UNKNOWN).refused()
    if slot.closed_at is not None:
        raise refusal(SLOT_CLOSED).refused()
    return resource, slot


def subject_of(session: Session, booker: Person, for_person_id: str | None) -> Person:
    """For whom: the booker, or another person of the city (whether the booker may act for
    them is the rules' first check). Nobody else is answered like a refused delegation."""
    if for_person_id is None or for_person_id == booker.id:
        return booker
    subject = session.get(Person, for_person_id)
    if (subject is None or not subject.active
            or subject.municipality_code != booker.municipality_code):
        raise refusal(NOT_FOR_WHOM).refused()
    return subject


def _count(session: Session, *where: Any) -> int:
    return int(session.scalar(select(func.count()).select_from(ReservationBooking)
                              .where(*where)) or 0)


def _month_bounds(slot_start: datetime) -> tuple[datetime, datetime]:
    day = slot_day_of(slot_start)
    first = datetime.combine(day.replace(day=1), time(0), tzinfo=CITY_TIME_ZONE)
    following = (day.replace(year=day.year + 1, month=1, day=1) if day.month == 12
                 else day.replace(month=day.month + 1, day=1))
    return (first.astimezone(UTC),
            datetime.combine(following, time(0), tzinfo=CITY_TIME_ZONE).astimezone(UTC))


def booking_context(session: Session, resource: Resource, slot: ReservationSlot,
                    booker: Person, subject: Person,
                    leaving_out: str | None = None) -> BookingContext:
    """What the rules need, read from the database for the subject; `leaving_out` is the
    booking being moved (not counted against its own move)."""
    code = subject.municipality_code
    other = [col(ReservationBooking.municipality_code) == code,
             col(ReservationBooking.id) != (leaving_out or "")]
    mine = [*other, col(ReservationBooking.subject_person_id) == subject.id]
    of_resource = col(ReservationBooking.resource_id) == resource.id
    open_ = col(ReservationBooking.status).in_(OPEN_STATUSES)
    household = household_id_of(session, subject)
    month_start, month_end = _month_bounds(as_utc(slot.start))
    busy = session.execute(select(col(ReservationBooking.slot_start),
                                  col(ReservationBooking.slot_end))
                           .where(*mine, col(ReservationBooking.status).in_(HOLDS_A_PLACE)))
    verified = subject.assurance_level == ASSURANCE_CARD
    return BookingContext(
        now=clock.utc_now(),
        subject_age=age_on(subject.birthdate, slot_day_of(as_utc(slot.start))),
        subject_verified=verified,
        # Residency is known from the card: a verified person of this municipality lives here.
        subject_resident=verified and subject.municipality_code == slot.municipality_code,
        acting_for_other=booker.id != subject.id,
        may_act_for=booker.id == subject.id or may_act_for(session, booker, subject,
                                                           scope=DELEGATION_SCOPE),
        open_for_person=_count(session, *mine, of_resource, open_),
        open_for_household=(_count(session, *other, of_resource, open_,
                                   col(ReservationBooking.household_id) == household)
                            if household is not None else 0),
        this_month_for_person=_count(
            session, *mine, of_resource, col(ReservationBooking.status).in_(USED_STATUSES),
            col(ReservationBooking.slot_start) >= month_start,
            col(ReservationBooking.slot_start) < month_end),
        person_busy=tuple((as_utc(start), as_utc(end)) for start, end in busy),
    )


def check_rules(session: Session, resource: Resource, slot: ReservationSlot, booker: Person,
                subject: Person, method: str | None, leaving_out: str | None = None) -> None:
    """rules.py's `check_booking` for the subject on this slot; its refusal raised."""
    context = booking_context(session, resource, slot, booker, subject, leaving_out)
    found = check_booking(resource, as_utc(slot.start), as_utc(slot.end), context,
                          fee_method=method)
    if found is not None:
        raise found.refused()


def _log_on_behalf(session: Session, booking: ReservationBooking, booker: Person,
                   subject: Person, resource: Resource, verb_ja: str) -> None:
    """Acting for someone is recorded in both people's access logs."""
    if booker.id == subject.id:
        return
    title = resource.text(resource.title, "ja")
    for person, log_actor, purpose in (
            (subject, ACTOR_DELEGATE, f"代理{verb_ja}: {title}（予約番号 {booking.number}、"
                                      f"{booker.name} さんによる）"),
            (booker, ACTOR_SELF, f"{subject.name} さんの代理で{verb_ja}: {title}"
                                 f"（予約番号 {booking.number}）")):
        record_access(session, municipality_code=booking.municipality_code,
                      subject_person_id=person.id, actor_person_id=booker.id,
                      actor_kind=log_actor, purpose=purpose, resource=ACCESS_RESOURCE)


def household_id_of(session: Session, person: Person) -> str | None:
    member = member_of(session, person.municipality_code, person.id)
    return None if member is None else member.household_id


def _new_booking(session: Session, booker: Person, subject: Person, booking_id: str,
                 resource: Resource, slot: ReservationSlot, status: str,
                 answers: dict[str, Any], method: str | None) -> ReservationBooking:
    now = clock.utc_now()
    code = booker.municipality_code
    booking = ReservationBooking(
        id=booking_id, municipality_code=code, number=next_booking_number(session, code),
        resource_id=resource.id, slot_start=slot.start, slot_end=slot.end,
        booker_person_id=booker.id, subject_person_id=subject.id,
        household_id=household_id_of(session, subject), status=status,
        answers=json.dumps(answers, ensure_ascii=False),
        fee_amount_yen=resource.fee.amount_yen if resource.fee and method else 0,
        fee_method=method, created_at=now, updated_at=now)
    session.add(booking)
    session.flush()
    return booking


# --- the decisions -------------------------------------------------------------------------


def book(session: Session, booker: Person, booking_id: str, resource_id: str,
         start: datetime, for_person_id: str | None = None,
         answers: dict[str, Any] | None = None, requested_fee_method: object = None) -> Decision:
    """Take a place of the slot for the subject; `slot_full` when there is none left."""
    code = booker.municipality_code
    resource, slot = _bookable(session, code, resource_id, start)
    subject = subject_of(session, booker, for_person_id)
    method = fee_method(resource, requested_fee_method)
    check_rules(session, resource, slot, booker, subject, method)
    cleaned = checked_answers(session, resource, answers or {}, booker, subject)
    if not waiting_list.take_place(session, code, resource_id, slot.start):
        raise refusal(SLOT_FULL).refused()
    booking = _new_booking(session, booker, subject, booking_id, resource, slot, BOOKED,
                           cleaned, method)
    add_event(session, booking, actor_kind=ACTOR_RESIDENT, actor_person_id=booker.id,
              action="book", from_status=None)
    _log_on_behalf(session, booking, booker, subject, resource, "予約")
    return Decision(booking, resource, [as_utc(slot.start)])


def wait(session: Session, booker: Person, booking_id: str, resource_id: str,
         start: datetime, for_person_id: str | None = None,
         answers: dict[str, Any] | None = None, requested_fee_method: object = None) -> Decision:
    """Join a full slot's waiting list (after the last of its waiters)."""
    code = booker.municipality_code
    resource, slot = _bookable(session, code, resource_id, start)
    if not resource.waiting_list:
        raise refused(NO_WAITING_LIST, f"{resource_id} has no waiting list",
                      "この予約にはキャンセル待ちがありません")
    subject = subject_of(session, booker, for_person_id)
    method = fee_method(resource, requested_fee_method)
    check_rules(session, resource, slot, booker, subject, method)
    cleaned = checked_answers(session, resource, answers or {}, booker, subject)
    if _count(session, col(ReservationBooking.municipality_code) == code,
              col(ReservationBooking.subject_person_id) == subject.id,
              col(ReservationBooking.resource_id) == resource_id,
              col(ReservationBooking.slot_start) == slot.start,
              col(ReservationBooking.status).in_(OPEN_STATUSES)):
        raise refusal(OVERLAPS).refused()  # already on this slot's list (or booked on it)
    # Counting the waiter first holds the slot's row: the places read next are settled.
    waiting_list.count_waiter(session, code, resource_id, slot.start, +1)
    session.refresh(slot)
    if slot.booked < slot.capacity:
        raise refused(PLACES_FREE, "this time still has free places: book it instead",
                      "この枠にはまだ空きがあります。予約してください")
    booking = _new_booking(session, booker, subject, booking_id, resource, slot, WAITING,
                           cleaned, method)
    booking.waiting_seq = next_waiting_seq(session, code)
    session.add(booking)
    add_event(session, booking, actor_kind=ACTOR_RESIDENT, actor_person_id=booker.id,
              action="wait", from_status=None)
    _log_on_behalf(session, booking, booker, subject, resource, "キャンセル待ち登録")
    return Decision(booking, resource, [as_utc(slot.start)])


def _check_changeable(resource: Resource, booking: ReservationBooking) -> None:
    found = check_changeable(resource, slot_moment(booking), clock.utc_now())
    if found is not None:
        raise found.refused()


def change(session: Session, person: Person, booking_id: str, new_start: datetime) -> Decision:
    """Move a booked place to another slot of the same resource, all or nothing: a full new
    slot refuses the whole change and the old place is kept."""
    booking = own_booking(session, person, booking_id)
    if booking.status != BOOKED:
        raise wrong_status(booking)
    code = booking.municipality_code
    old_start = slot_moment(booking)
    _check_changeable(resource_of(session, booking), booking)
    if new_start == old_start:
        return Decision(booking, resource_of(session, booking), [])
    resource, slot = _bookable(session, code, booking.resource_id, new_start)
    booker = session.get(Person, booking.booker_person_id) or person
    subject = session.get(Person, booking.subject_person_id) or person
    check_rules(session, resource, slot, booker, subject, booking.fee_method,
                leaving_out=booking.id)
    # Both slots in one order (by start) so two moves in opposite directions cannot
    # deadlock; a full new slot raises and the savepoint takes the release back.
    for start in sorted((old_start, new_start)):
        if start != new_start:
            waiting_list.release_place(session, code, booking.resource_id, old_start)
        elif not waiting_list.take_place(session, code, booking.resource_id, new_start):
            raise refusal(SLOT_FULL).refused()
    before = booking.status
    booking.slot_start, booking.slot_end = slot.start, slot.end
    booking.ics_sequence += 1
    booking.reminded_at = None  # the new time is reminded the evening before it
    booking.updated_at = clock.utc_now()
    session.add(booking)
    add_event(session, booking, actor_kind=actor_kind(person, booking),
              actor_person_id=person.id, action="change", from_status=before,
              detail={"from_slot": iso_moment(old_start), "to_slot": iso_moment(new_start)})
    pass_on(session, code, resource, old_start)
    return Decision(booking, resource, [old_start, new_start])


def cancel(session: Session, person: Person, booking_id: str,
           reason: str | None = None) -> Decision:
    """Cancel a booking (until `changeable_until`), a place on a waiting list or an offer
    (until the slot starts); a held place goes to the first waiter, a fee paid with points
    back to the payer. Cancelling again changes nothing."""
    booking = own_booking(session, person, booking_id)
    resource = resource_of(session, booking)
    if booking.status in (CANCELLED, DECLINED):
        return Decision(booking, resource, [])
    if booking.status not in OPEN_STATUSES:
        raise wrong_status(booking)
    if booking.status == BOOKED:
        _check_changeable(resource, booking)
    elif slot_moment(booking) <= clock.utc_now():
        raise refused(SLOT_PASSED, f"booking {booking.number}'s time has begun",
                      f"予約 {booking.number} の時間はすでに始まっています")
    cancel_now(session, booking, resource, person, reason)
    return Decision(booking, resource, [slot_moment(booking)])


def cancel_now(session: Session, booking: ReservationBooking, resource: Resource,
               actor: Person | None, reason: str | None) -> None:
    """Cancel an open booking without the resident's checks (also account deletion's and
    staff's): its place to the first waiter, or its waiter count down; a fee paid with
    points back. The caller publishes the slot and writes the rows."""
    before = booking.status
    booking.status = CANCELLED
    booking.offered_until = None
    booking.reason = reason
    booking.ics_sequence += 1
    booking.updated_at = clock.utc_now()
    session.add(booking)
    if before == WAITING:
        waiting_list.count_waiter(session, booking.municipality_code, booking.resource_id,
                                  slot_moment(booking), -1)
        show_new_positions(session, booking.municipality_code, resource, slot_moment(booking))
    else:
        refund_fee(session, booking, "予約の取消し（reservation cancelled）",
                   None if actor is None else actor.id)
        free_place(session, booking, resource)
    add_event(session, booking, actor_kind=actor_kind(actor, booking),
              actor_person_id=None if actor is None else actor.id, action="cancel",
              from_status=before, detail={"reason": reason} if reason else None)


