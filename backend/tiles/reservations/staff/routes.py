"""Staff routes of reservations (docs/reservations.md §4), for card-verified staff; a
resource or booking of another department is 404, as an unknown one:

- `GET /staff/reservations/resources`: the resources of the caller's departments;
- `GET /staff/reservations/{resource}/day/{day}?purpose=`: the day's slots with their
  bookings (name, number, status), each resident shown logged in their access log;
- `POST /staff/reservations/{resource}/slots` `{start, minutes?, capacity?}`: add a slot;
- `PATCH /staff/reservations/{resource}/slots/{start}` `{capacity}` (409 below the places
  taken);
- `POST /staff/reservations/{resource}/slots/{start}/close` `{reason}`: the bookings in it
  become `closed` (notices, fees back);
- `POST /staff/reservations/bookings/{id}/check-in` and `.../no-show`;
- `POST /staff/reservations/check-in` `{code}`: check in by the scanned QR code.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, NoReturn

from fastapi import APIRouter, HTTPException, Path, Query, status
from pydantic import AfterValidator, BaseModel, Field, field_validator
from sqlmodel import Session

from backend.api.dependencies import EngineDep
from backend.api.params import MAX_PURPOSE, MIN_PURPOSE, PathId, calendar_day, stated_purpose
from backend.db import write_engine
from backend.identity.dependencies import SigningKeyDep
from backend.models import as_utc
from backend.services import clock
from backend.tiles.reservations.models import BOOKED, ReservationBooking
from backend.tiles.reservations.queue.refusal import refusal
from backend.tiles.reservations.queue.tickets import ticket_json
from backend.tiles.reservations.staff import check_in as counter
from backend.tiles.reservations.staff import slots_admin
from backend.tiles.reservations.staff.attendance_points import grant_for_attendance
from backend.tiles.reservations.staff.check_in_refusals import (
    check_in_or_refuse,
    read_code,
    require_current_code,
)
from backend.tiles.reservations.staff.day_list import (
    ClerksResource,
    NotYours,
    clerks_booking,
    clerks_resource,
    clerks_resources,
    day_list,
    log_booking_read,
    slot_json,
    staff_booking_json,
)
from backend.tiles.reservations.staff.scope import ClerkDep, ReservationClerk

router = APIRouter(tags=["staff"])

MOMENT_PATTERN = (r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?"
                  r"(Z|[+-][0-9]{2}:[0-9]{2})$")
ResourcePath = Annotated[str, Path(pattern=r"^[a-z0-9-]{1,64}$", description="A resource id")]
DayPath = Annotated[str, Path(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
                              description="A day YYYY-MM-DD (Asia/Tokyo)")]
StartPath = Annotated[str, Path(pattern=MOMENT_PATTERN, description="The slot's start, ISO "
                                "8601 with its time zone (2026-12-15T09:00:00+09:00)")]
Purpose = Annotated[str | None, Query(min_length=MIN_PURPOSE, max_length=MAX_PURPOSE,
                                      description="Why the bookings are read (shown to the "
                                      "residents in their access log)")]
MAX_MINUTES = 24 * 60
MAX_CAPACITY = 1000
CHECK_IN_PURPOSE = "予約の受付（チェックイン）"


def _aware_calendar_moment(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("give the time with its time zone (2026-12-15T09:00:00+09:00)")
    try:
        calendar_day(moment.astimezone(clock.CITY_TIME_ZONE).date())
        return as_utc(moment)
    except OverflowError:
        raise ValueError("the time is outside the booking calendar") from None


Moment = Annotated[datetime, AfterValidator(_aware_calendar_moment)]


class NewSlotIn(BaseModel):
    start: Moment
    minutes: int | None = Field(default=None, ge=5, le=MAX_MINUTES)
    capacity: int | None = Field(default=None, ge=1, le=MAX_CAPACITY)


class CapacityIn(BaseModel):
    capacity: int = Field(ge=0, le=MAX_CAPACITY)


class CloseIn(BaseModel):
    reason: str = Field(min_length=1, max_length=500)

    @field_validator("reason")
    @classmethod
    def _said(cls, reason: str) -> str:
        if not reason.strip():
            raise ValueError("say why the slot is closed")
        return reason.strip()


class CodeIn(BaseModel):
    code: str = Field(min_length=1, max_length=200)


# --- answers --------------------------------------------------------------------------------


def _resource_not_found() -> NoReturn:
    raise refusal(status.HTTP_404_NOT_FOUND, "resource_not_found", "予約の対象が見つかりません。",
                  "no such resource")


def _booking_not_found() -> NoReturn:
    raise refusal(status.HTTP_404_NOT_FOUND, "booking_not_found", "予約が見つかりません。",
                  "no such booking")


def _slot_not_found() -> NoReturn:
    raise refusal(status.HTTP_404_NOT_FOUND, "slot_not_found", "その時間の枠はありません。",
                  "no slot starts at that time")


def _unprocessable(message: str) -> HTTPException:
    return HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, message)


def _day(text: str) -> date:
    try:
        return calendar_day(date.fromisoformat(text))
    except ValueError as exc:
        raise _unprocessable(f"not a calendar day: {exc}") from None


def _start(text: str) -> datetime:
    try:
        return _aware_calendar_moment(datetime.fromisoformat(text.replace("Z", "+00:00")))
    except (ValueError, OverflowError) as exc:
        raise _unprocessable(f"not a slot start: {exc}") from None


def _clerks_resource(session: Session, clerk: ReservationClerk,
                     resource_id: str) -> ClerksResource:
    try:
        return clerks_resource(session, clerk, resource_id)
    except NotYours:
        _resource_not_found()


def _open_resource(session: Session, clerk: ReservationClerk,
                   resource_id: str) -> ClerksResource:
    found = _clerks_resource(session, clerk, resource_id)
    if found.withdrawn:
        raise refusal(status.HTTP_409_CONFLICT, "resource_withdrawn",
                      "この予約の対象は取り下げられています。", "the resource was withdrawn")
    return found


def _resource_json(found: ClerksResource) -> dict[str, Any]:
    resource = found.resource
    return {"id": resource.id, "kind": resource.kind, "title": resource.title,
            "department": resource.department, "place": resource.place,
            "demo": resource.demo, "withdrawn": found.withdrawn,
            "queue": ({"counter": resource.queue.counter, "name": resource.queue.name}
                      if resource.queue is not None else None),
            "slots": {"minutes": resource.slots.minutes,
                      "capacity": resource.slots.capacity}}


# --- reading --------------------------------------------------------------------------------


@router.get("/staff/reservations/resources")
def resources(clerk: ClerkDep, engine: EngineDep) -> dict[str, Any]:
    """The resources of the caller's departments (no resident data)."""
    with Session(engine) as session:
        return {"resources": [_resource_json(found)
                              for found in clerks_resources(session, clerk)]}


@router.get("/staff/reservations/{resource}/day/{day}")
def day_of_resource(resource: ResourcePath, day: DayPath, clerk: ClerkDep, engine: EngineDep,
        purpose: Purpose = None) -> dict[str, Any]:
    """The day's slots with their bookings; every resident shown is in their access log."""
    the_day = _day(day)
    try:
        stated = stated_purpose(purpose) if purpose is not None else None
    except ValueError as exc:
        raise _unprocessable(str(exc)) from None
    with Session(write_engine(engine)) as session:  # read, then log the read
        found = _clerks_resource(session, clerk, resource)
        title = found.resource.text(found.resource.title, "ja")
        slots = day_list(session, clerk, found.resource, the_day,
                         stated or f"予約の確認（{title}、{the_day.isoformat()}）")
        session.commit()
    return {"resource": _resource_json(found), "day": the_day.isoformat(), "slots": slots}


# --- slots ----------------------------------------------------------------------------------


@router.post("/staff/reservations/{resource}/slots", status_code=status.HTTP_201_CREATED)
def add_slot(resource: ResourcePath, body: NewSlotIn, clerk: ClerkDep,
             engine: EngineDep) -> dict[str, Any]:
    """A slot besides the pattern's (length and capacity default to the pattern's)."""
    now = clock.utc_now()
    with Session(write_engine(engine)) as session:
        found = _open_resource(session, clerk, resource)
        pattern = found.resource.slots
        try:
            slot = slots_admin.add_slot(session, clerk.municipality_code, found.resource,
                                        body.start, body.minutes or pattern.minutes,
                                        body.capacity or pattern.capacity, now)
        except slots_admin.SlotInPast:
            raise refusal(status.HTTP_422_UNPROCESSABLE_CONTENT, "slot_in_past",
                          "過去の時間に枠は作れません。", "a slot must start in the future"
                          ) from None
        except slots_admin.SlotExists:
            raise refusal(status.HTTP_409_CONFLICT, "slot_exists",
                          "その時間の枠はすでにあります。", "a slot already starts then") from None
        session.commit()
        return slot_json(slot)


@router.patch("/staff/reservations/{resource}/slots/{start}")
def set_capacity(resource: ResourcePath, start: StartPath, body: CapacityIn, clerk: ClerkDep,
                 engine: EngineDep) -> dict[str, Any]:
    """Set the slot's capacity: 409 below the places taken; new places go to the waiters."""
    moment = _start(start)
    now = clock.utc_now()
    with Session(write_engine(engine)) as session:
        found = _clerks_resource(session, clerk, resource)
        try:
            slot = slots_admin.set_capacity(session, clerk.municipality_code, found.resource,
                                            moment, body.capacity, now)
        except slots_admin.SlotNotFound:
            _slot_not_found()
        except slots_admin.SlotAlreadyClosed:
            raise refusal(status.HTTP_409_CONFLICT, "slot_closed", "この枠は中止されています。",
                          "the slot is closed") from None
        except slots_admin.CapacityBelowBooked as exc:
            raise refusal(status.HTTP_409_CONFLICT, "capacity_below_booked",
                          f"すでに {exc.booked} 件の予約があります。",
                          f"{exc.booked} places are already taken",
                          booked=exc.booked, capacity=exc.capacity) from None
        session.commit()
        return slot_json(slot)


@router.post("/staff/reservations/{resource}/slots/{start}/close")
def close_slot(resource: ResourcePath, start: StartPath, body: CloseIn, clerk: ClerkDep,
               engine: EngineDep) -> dict[str, Any]:
    """Close the slot: its bookings become `closed`, each person told, fees given back."""
    moment = _start(start)
    now = clock.utc_now()
    with Session(write_engine(engine)) as session:
        found = _clerks_resource(session, clerk, resource)
        try:
            slot, closed = slots_admin.close_slot(session, clerk.municipality_code,
                                                  found.resource, moment, body.reason,
                                                  clerk.id, now)
        except slots_admin.SlotNotFound:
            _slot_not_found()
        except slots_admin.SlotAlreadyClosed:
            raise refusal(status.HTTP_409_CONFLICT, "slot_closed",
                          "この枠はすでに中止されています。", "the slot is already closed"
                          ) from None
        session.commit()
        return {**slot_json(slot), "closed_bookings": [b.number for b in closed]}


# --- check-in -------------------------------------------------------------------------------


def _checked_in(session: Session, clerk: ReservationClerk, booking: ReservationBooking,
                found: ClerksResource) -> dict[str, Any]:
    was_booked = booking.status == BOOKED
    now = clock.utc_now()
    ticket = check_in_or_refuse(session, booking, found.resource, clerk.id, now)
    points_granted = (grant_for_attendance(session, clerk.id, booking, found.resource, now)
                      if was_booked else None)
    log_booking_read(session, clerk, [booking], CHECK_IN_PURPOSE)
    answer = {"booking": staff_booking_json(session, booking),
              "ticket": ticket_json(ticket) if ticket is not None else None,
              "points": points_granted}
    session.commit()
    return answer


@router.post("/staff/reservations/bookings/{booking_id}/check-in")
def check_in(booking_id: PathId, clerk: ClerkDep, engine: EngineDep) -> dict[str, Any]:
    """Check in a booking of today (again: nothing changes); the appointment's queue
    ticket when its resource has a counter."""
    with Session(write_engine(engine)) as session:
        try:
            booking, found = clerks_booking(session, clerk, booking_id, for_update=True)
        except NotYours:
            _booking_not_found()
        return _checked_in(session, clerk, booking, found)


@router.post("/staff/reservations/check-in")
def check_in_by_code(body: CodeIn, clerk: ClerkDep, engine: EngineDep,
                     signing_key: SigningKeyDep) -> dict[str, Any]:
    """Check in by the booking's scanned QR code (a code of an earlier slot is refused)."""
    reference = read_code(signing_key, body.code)
    with Session(write_engine(engine)) as session:
        try:
            booking, found = clerks_booking(session, clerk, reference.booking_id,
                                            for_update=True)
        except NotYours:
            _booking_not_found()
        require_current_code(reference, booking)
        return _checked_in(session, clerk, booking, found)


@router.post("/staff/reservations/bookings/{booking_id}/no-show")
def no_show(booking_id: PathId, clerk: ClerkDep, engine: EngineDep) -> dict[str, Any]:
    """The person did not come: the booking becomes `no_show` (after its slot began)."""
    now = clock.utc_now()
    with Session(write_engine(engine)) as session:
        try:
            booking, found = clerks_booking(session, clerk, booking_id, for_update=True)
        except NotYours:
            _booking_not_found()
        try:
            counter.no_show(session, booking, found.resource, clerk.id, now)
        except counter.NotBegun:
            raise refusal(status.HTTP_409_CONFLICT, "not_begun",
                          "予約の時間はまだ始まっていません。", "the slot has not begun yet"
                          ) from None
        except counter.WrongBookingStatus as exc:
            raise refusal(status.HTTP_409_CONFLICT, "wrong_status",
                          "この予約は不来所にできない状態です。",
                          "the booking cannot be marked no-show in its state",
                          status=exc.status) from None
        log_booking_read(session, clerk, [booking], "予約の不来所の記録")
        answer = staff_booking_json(session, booking)
        session.commit()
        return answer
