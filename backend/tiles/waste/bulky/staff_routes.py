"""Staff routes of bulky-waste booking (staff of 環境事業課, department "waste", only;
ADR 0023; docs/waste-data.md):

- `GET /staff/bulky/slots`: the slots of a period (capacity and places booked);
- `PUT /staff/bulky/slots`: create or resize collection slots (and publish them);
- `GET /staff/bulky/bookings` (paged JSON) and `GET /staff/bulky/bookings.csv` (Excel);
- `POST /staff/bulky/bookings/{number}/collected`.

Listing bookings is a read of residents' data: each resident shown gets an access-log entry.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Response, status
from pydantic import AfterValidator, BaseModel, Field
from sqlmodel import Session

from backend.api.dependencies import EngineDep
from backend.api.params import (
    MAX_PURPOSE,
    MIN_PURPOSE,
    Offset,
    PathId,
    calendar_day,
    optional_calendar_day,
    stated_purpose,
)
from backend.db import write_engine
from backend.identity.dependencies import WasteStaff
from backend.tiles.waste.bulky.bookings import area_names
from backend.tiles.waste.bulky.staff import (
    BookingFilter,
    BookingNotBooked,
    BookingNotFound,
    CapacityBelowBooked,
    SlotInput,
    UnknownAreas,
    bookings_csv,
    find_bookings,
    list_slots,
    log_staff_read,
    mark_collected,
    put_slots,
    staff_booking_json,
)

router = APIRouter(tags=["staff"])

DEFAULT_PURPOSE = "粗大ごみの収集（bulky waste collection）"
MAX_SLOTS = 500
Status = Literal["booked", "cancelled", "collected"]


class SlotIn(BaseModel):
    area_id: str = Field(min_length=1, max_length=64)
    day: Annotated[date, AfterValidator(calendar_day)]
    capacity: int = Field(ge=0, le=1000)


def _filters(day: date | None, area_id: str | None, status_: Status | None) -> BookingFilter:
    return BookingFilter(day=day, area_id=area_id, status=status_)


Purpose = Annotated[str, Query(min_length=MIN_PURPOSE, max_length=MAX_PURPOSE,
                               description="Why the bookings are read (in residents' logs)"),
                    AfterValidator(stated_purpose)]
DayQuery = Annotated[date | None, Query(description="Collection day YYYY-MM-DD"),
                     AfterValidator(optional_calendar_day)]
AreaQuery = Annotated[str | None, Query(max_length=64)]
StatusQuery = Annotated[Status | None, Query(alias="status")]


MAX_SLOT_DAYS = 366


@router.get("/staff/bulky/slots")
def get_slots(
    staff: WasteStaff,
    engine: EngineDep,
    from_: Annotated[date, Query(alias="from", description="First day YYYY-MM-DD"),
                     AfterValidator(calendar_day)],
    to: Annotated[date, Query(description="Last day YYYY-MM-DD"), AfterValidator(calendar_day)],
    area_id: AreaQuery = None,
) -> dict[str, Any]:
    """Slots from `from` to `to` (at most a year), by day and area; no resident data."""
    if not 0 <= (to - from_).days < MAX_SLOT_DAYS:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                            f"'to' must be 0 to {MAX_SLOT_DAYS - 1} days after 'from'")
    with Session(engine) as session:
        states = list_slots(session, staff.municipality_code, from_, to, area_id)
        names = area_names(session, staff.municipality_code, {s.area_id for s in states})
    return {"slots": [{**state.data(), "booked": state.booked,
                       "area_name": names.get(state.area_id)} for state in states]}


@router.put("/staff/bulky/slots")
def set_slots(body: list[SlotIn], staff: WasteStaff, engine: EngineDep) -> dict[str, Any]:
    if not 1 <= len(body) <= MAX_SLOTS:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                            f"send 1 to {MAX_SLOTS} slots")
    keys = [(slot.area_id, slot.day) for slot in body]
    if len(set(keys)) != len(keys):
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                            "each area and day may appear once")
    try:
        states = put_slots(engine, staff.municipality_code,
                           [SlotInput(s.area_id, s.day, s.capacity) for s in body])
    except UnknownAreas as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, {
            "code": "unknown_area", "message": str(exc), "area_ids": exc.area_ids}) from None
    except CapacityBelowBooked as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, {
            "code": "capacity_below_booked", "message": str(exc),
            "area_id": exc.slot.area_id, "day": exc.slot.day.isoformat(),
            "capacity": exc.slot.capacity, "booked": exc.booked}) from None
    return {"slots": [{**state.data(), "booked": state.booked} for state in states]}


@router.get("/staff/bulky/bookings")
def list_bookings(
    staff: WasteStaff,
    engine: EngineDep,
    day: DayQuery = None,
    area_id: AreaQuery = None,
    status_: StatusQuery = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Offset = 0,
    purpose: Purpose = DEFAULT_PURPOSE,
) -> dict[str, Any]:
    code = staff.municipality_code
    with Session(write_engine(engine)) as session:  # read, then log the read
        bookings, total = find_bookings(session, code, _filters(day, area_id, status_),
                                        limit, offset)
        names = area_names(session, code, {booking.area_id for booking in bookings})
        rows = [staff_booking_json(booking, names) for booking in bookings]
        log_staff_read(session, staff.id, code, bookings, purpose)
        session.commit()
    return {"bookings": rows, "total": total, "limit": limit, "offset": offset}


@router.get("/staff/bulky/bookings.csv", response_class=Response, responses={
    200: {"content": {"text/csv": {"schema": {"type": "string"}}},
          "description": "UTF-8 CSV with a BOM (opens in Excel)"}})
def bookings_as_csv(
    staff: WasteStaff,
    engine: EngineDep,
    day: DayQuery = None,
    area_id: AreaQuery = None,
    status_: StatusQuery = None,
    purpose: Purpose = DEFAULT_PURPOSE,
) -> Response:
    code = staff.municipality_code
    with Session(write_engine(engine)) as session:  # read, then log the read
        bookings, _ = find_bookings(session, code, _filters(day, area_id, status_))
        body = bookings_csv(session, code, bookings)
        log_staff_read(session, staff.id, code, bookings, purpose)
        session.commit()
    name = f"bulky-bookings-{day.isoformat() if day else 'all'}.csv"
    return Response(content=body, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.post("/staff/bulky/bookings/{number}/collected")
def booking_collected(number: PathId, staff: WasteStaff, engine: EngineDep) -> dict[str, Any]:
    try:
        return mark_collected(engine, staff.municipality_code, number)
    except BookingNotFound:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no booking with that number") from None
    except BookingNotBooked as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, {
            "code": "not_booked", "message": str(exc), "status": exc.status}) from None
