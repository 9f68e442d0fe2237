"""Bookings: the decisions behind the `reservations` mutations (docs/reservations.md §2),
the booking as JSON, its history, and its rows on every concerned person's stream.

Every function runs in the caller's transaction (the push engine's savepoint, a staff route's
or a job's) and never commits; a refusal is raised as `Refused` (the savepoint rolls back
whatever was written before it, so a refused `change` keeps the old place).

A booking concerns two people when someone books for another (`for_person_id`: a delegate
for the delegator, a parent for a minor child): the row goes to both streams and both
access logs record it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import Engine, func, or_, select
from sqlmodel import Session, col

from backend.db import write_engine
from backend.models import Person, as_utc
from backend.models.access_log_entry import ACTOR_DELEGATE, ACTOR_SELF
from backend.models.person import ASSURANCE_CARD
from backend.services import clock
from backend.services.access_log import record_access
from backend.services.clock import CITY_TIME_ZONE, age_on
from backend.services.delegation import may_act_for
from backend.services.households import member_of
from backend.settings import Settings
from backend.sync.change_log import append_changes
from backend.sync.refusals import Refused
from backend.sync.types import ChangeRow
from backend.tiles.notices.api import notify_person
from backend.tiles.reservations import waiting_list
from backend.tiles.reservations.answers import checked_answers
from backend.tiles.reservations.fee import fee_method, refund_fee
from backend.tiles.reservations.models import (
    BOOKED,
    CANCELLED,
    CHECKED_IN,
    DECLINED,
    HOLDS_A_PLACE,
    NO_SHOW,
    OFFERED,
    OPEN_STATUSES,
    WAITING,
    ReservationBooking,
    ReservationBookingEvent,
    ReservationSlot,
)
from backend.tiles.reservations.numbers import next_booking_number, next_waiting_seq
from backend.tiles.reservations.refusals import (
    NOT_FOR_WHOM,
    NOT_OFFERED,
    OFFER_EXPIRED,
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
    changeable_until,
    check_booking,
    check_changeable,
    slot_day_of,
)
from backend.tiles.reservations.slots import read_slot

COLLECTION = "reservations"
ACCESS_RESOURCE = "reservations"
DELEGATION_SCOPE = "reservations"  # a delegation of "all" covers it too
ACTOR_RESIDENT = "resident"
ACTOR_STAFF = "staff"
ACTOR_SYSTEM = "system"

# Refusal codes of this module besides refusals.py's (same message form: Japanese, then
# English in brackets).
NOT_FOUND = "not_found"
WRONG_STATUS = "wrong_status"
NO_WAITING_LIST = "no_waiting_list"
PLACES_FREE = "places_free"
SLOT_PASSED = "slot_passed"
USED_STATUSES = (*OPEN_STATUSES, CHECKED_IN, NO_SHOW)  # counted in the monthly limit


def refused(code: str, en: str, ja: str) -> Refused:
    """A refusal of this module's own codes, worded like `Refusal.refused()`."""
    return Refused(code, f"{ja}（{en}）")


def _iso(moment: datetime | date | None) -> str | None:
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
    return [{"at": _iso(event.at), "actor_kind": event.actor_kind,
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
        "slot_start": _iso(booking.slot_start),
        "slot_end": _iso(booking.slot_end),
        "status": booking.status,
        "place": resource.place if resource is not None else None,
        "fee": {"amount_yen": booking.fee_amount_yen, "method": booking.fee_method,
                "paid_at": _iso(booking.fee_paid_at)},
        "booker_id": booking.booker_person_id,
        "for_person_id": (booking.subject_person_id
                          if booking.subject_person_id != booking.booker_person_id else None),
        "position": waiting_list.position(session, booking),
        "offered_until": _iso(booking.offered_until) if booking.status == OFFERED else None,
        "changeable_until": _iso(deadline),
        "answers": json.loads(booking.answers),
        "ics_sequence": booking.ics_sequence,
        "reason": booking.reason,
        "history": history(session, booking.id),
        "created_at": _iso(booking.created_at),
        "updated_at": _iso(booking.updated_at),
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


def _moment(booking: ReservationBooking) -> datetime:
    return as_utc(booking.slot_start)


def deadline_of(resource: Resource, booking: ReservationBooking) -> datetime:
    """Until when the booking may be changed or cancelled (rules.py `changeable_until`)."""
    start = _moment(booking)
    return min(changeable_until(resource, slot_day_of(start), slot_start=start), start)


def _resource_of(session: Session, booking: ReservationBooking) -> Resource:
    resource = get_resource(session, booking.municipality_code, booking.resource_id,
                            withdrawn_too=True)
    if resource is None:
        raise refusal(RESOURCE_UNKNOWN).refused()
    return resource


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
    for person, actor_kind, purpose in (
            (subject, ACTOR_DELEGATE, f"代理{verb_ja}: {title}（予約番号 {booking.number}、"
                                      f"{booker.name} さんによる）"),
            (booker, ACTOR_SELF, f"{subject.name} さんの代理で{verb_ja}: {title}"
                                 f"（予約番号 {booking.number}）")):
        record_access(session, municipality_code=booking.municipality_code,
                      subject_person_id=person.id, actor_person_id=booker.id,
                      actor_kind=actor_kind, purpose=purpose, resource=ACCESS_RESOURCE)


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


def own_booking(session: Session, person: Person, booking_id: str) -> ReservationBooking:
    """The booking the caller made or that is for them, row-locked until commit."""
    booking = find_booking(session, person.municipality_code, booking_id, for_update=True)
    if booking is None or person.id not in (booking.booker_person_id,
                                            booking.subject_person_id):
        raise refused(NOT_FOUND, f"no booking {booking_id} of yours", "その予約はありません")
    return booking


def _wrong_status(booking: ReservationBooking) -> Refused:
    return refused(WRONG_STATUS, f"booking {booking.number} is {booking.status}",
                   f"予約 {booking.number} は現在の状態（{booking.status}）では操作できません")


def _actor_kind(person: Person | None, booking: ReservationBooking) -> str:
    if person is None:
        return ACTOR_SYSTEM
    return ACTOR_RESIDENT if person.id in concerned(booking) else ACTOR_STAFF


def _local(moment: datetime) -> str:
    return as_utc(moment).astimezone(CITY_TIME_ZONE).strftime("%Y-%m-%d %H:%M")


def _tell_offered(session: Session, waiter: ReservationBooking, resource: Resource) -> None:
    """The offer in the history, a personal notice to each person it concerns, and the
    booking's row on their streams."""
    add_event(session, waiter, actor_kind=ACTOR_SYSTEM, actor_person_id=None,
              action="offer", from_status=WAITING,
              detail={"offered_until": _iso(waiter.offered_until)})
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
        _show_new_positions(session, code, resource, start)


def _show_new_positions(session: Session, code: str, resource: Resource,
                        start: datetime) -> None:
    """The rows of the slot's waiters again: someone ahead of them left the list."""
    for waiter in waiting_list.waiters(session, code, resource.id, start):
        write_rows(session, waiter, booking_json(session, waiter, resource))


def _free_place(session: Session, booking: ReservationBooking, resource: Resource) -> None:
    """The booking's place goes back to its slot and on to the first waiter."""
    code = booking.municipality_code
    waiting_list.release_place(session, code, booking.resource_id, _moment(booking))
    pass_on(session, code, resource, _moment(booking))


def _check_changeable(resource: Resource, booking: ReservationBooking) -> None:
    found = check_changeable(resource, _moment(booking), clock.utc_now())
    if found is not None:
        raise found.refused()


def change(session: Session, person: Person, booking_id: str, new_start: datetime) -> Decision:
    """Move a booked place to another slot of the same resource, all or nothing: a full new
    slot refuses the whole change and the old place is kept."""
    booking = own_booking(session, person, booking_id)
    if booking.status != BOOKED:
        raise _wrong_status(booking)
    code = booking.municipality_code
    old_start = _moment(booking)
    _check_changeable(_resource_of(session, booking), booking)
    if new_start == old_start:
        return Decision(booking, _resource_of(session, booking), [])
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
    add_event(session, booking, actor_kind=_actor_kind(person, booking),
              actor_person_id=person.id, action="change", from_status=before,
              detail={"from_slot": _iso(old_start), "to_slot": _iso(new_start)})
    pass_on(session, code, resource, old_start)
    return Decision(booking, resource, [old_start, new_start])


def cancel(session: Session, person: Person, booking_id: str,
           reason: str | None = None) -> Decision:
    """Cancel a booking (until `changeable_until`), a place on a waiting list or an offer
    (until the slot starts); a held place goes to the first waiter, a fee paid with points
    back to the payer. Cancelling again changes nothing."""
    booking = own_booking(session, person, booking_id)
    resource = _resource_of(session, booking)
    if booking.status in (CANCELLED, DECLINED):
        return Decision(booking, resource, [])
    if booking.status not in OPEN_STATUSES:
        raise _wrong_status(booking)
    if booking.status == BOOKED:
        _check_changeable(resource, booking)
    elif _moment(booking) <= clock.utc_now():
        raise refused(SLOT_PASSED, f"booking {booking.number}'s time has begun",
                      f"予約 {booking.number} の時間はすでに始まっています")
    cancel_now(session, booking, resource, person, reason)
    return Decision(booking, resource, [_moment(booking)])


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
                                  _moment(booking), -1)
        _show_new_positions(session, booking.municipality_code, resource, _moment(booking))
    else:
        refund_fee(session, booking, "予約の取消し（reservation cancelled）",
                   None if actor is None else actor.id)
        _free_place(session, booking, resource)
    add_event(session, booking, actor_kind=_actor_kind(actor, booking),
              actor_person_id=None if actor is None else actor.id, action="cancel",
              from_status=before, detail={"reason": reason} if reason else None)


def decline(session: Session, person: Person, booking_id: str) -> Decision:
    """A waiter declines the place offered to them: it goes to the next waiter."""
    booking = own_booking(session, person, booking_id)
    resource = _resource_of(session, booking)
    if booking.status == DECLINED:
        return Decision(booking, resource, [])
    if booking.status != OFFERED:
        raise refusal(NOT_OFFERED).refused()
    decline_offer(session, booking, resource, actor=person)
    return Decision(booking, resource, [_moment(booking)])


def decline_offer(session: Session, booking: ReservationBooking, resource: Resource,
                  actor: Person | None) -> None:
    """The offer is declined (by a person) or ran out (`actor` None): passed on."""
    booking.status = DECLINED
    booking.offered_until = None
    booking.updated_at = clock.utc_now()
    session.add(booking)
    add_event(session, booking, actor_kind=_actor_kind(actor, booking),
              actor_person_id=None if actor is None else actor.id,
              action="decline" if actor is not None else "expire", from_status=OFFERED)
    _free_place(session, booking, resource)


def accept(session: Session, person: Person, booking_id: str) -> Decision:
    """A waiter takes the place offered to them (before the offer runs out)."""
    booking = own_booking(session, person, booking_id)
    resource = _resource_of(session, booking)
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
    add_event(session, booking, actor_kind=_actor_kind(person, booking),
              actor_person_id=person.id, action="accept", from_status=OFFERED)
    return Decision(booking, resource, [_moment(booking)])


# --- the offers' expiry (a periodic job) ---------------------------------------------------


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
                resource = _resource_of(session, booking)
                decline_offer(session, booking, resource, actor=None)
                write_rows(session, booking, booking_json(session, booking, resource))
                waiting_list.publish_places(session, booking.municipality_code, booking.resource_id,
                                 _moment(booking))
            session.commit()
            done += 1


def bookings_of(session: Session, person_id: str) -> list[ReservationBooking]:
    """Every booking the person made or that is for them, oldest first."""
    return list(session.scalars(
        select(ReservationBooking)
        .where(or_(col(ReservationBooking.booker_person_id) == person_id,
                   col(ReservationBooking.subject_person_id) == person_id))
        .order_by(col(ReservationBooking.created_at), col(ReservationBooking.id))))
