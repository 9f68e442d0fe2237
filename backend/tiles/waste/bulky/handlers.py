"""`bulky_waste`: server-decided bookings. `book`, `change` and `cancel` run in the push
engine's savepoint (a rejection rolls their writes back) and never commit.

Each applied mutation returns the booking (`bookings.booking_json`) and writes its personal
`bulky_waste` row plus the public `bulky_slots` rows of the slots it touched.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from sqlmodel import Session

from backend.models import Person
from backend.models.person import ASSURANCE_CARD
from backend.services.clock import utc_now
from backend.sync.args import BadArgs, text_arg
from backend.sync.collections import Collection, Policy
from backend.sync.refusals import refusals_rejected
from backend.sync.types import ALREADY_EXISTS, NOT_FOUND, Mutation, MutationOutcome
from backend.tiles.points import api as points_api
from backend.tiles.waste.bulky import deadline
from backend.tiles.waste.bulky.bookings import (
    COLLECTION,
    area_name,
    booking_change,
    booking_json,
    encode_items,
    own_booking,
)
from backend.tiles.waste.bulky.errors import (
    DEADLINE_PASSED,
    FEE_PAID_WITH_POINTS,
    NOT_BOOKED,
    RESIDENTS_ONLY,
    UNKNOWN_AREA,
    Refused,
)
from backend.tiles.waste.bulky.items import parse_lines, resolve_items, total_fee
from backend.tiles.waste.bulky.models import BOOKING_BOOKED, BOOKING_CANCELLED, BulkyBooking
from backend.tiles.waste.bulky.numbers import next_number
from backend.tiles.waste.bulky.points_fee import FEE_PURPOSE, LEDGER_SCOPE, points_payment_json
from backend.tiles.waste.bulky.slots import SLOTS_COLLECTION, SlotState, release_place, take_place
from backend.tiles.waste.models import WasteAreaRow

_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def day_arg(args: dict[str, Any], name: str = "day") -> date:
    raw = args.get(name)
    if not isinstance(raw, str) or not _DAY.fullmatch(raw):
        raise BadArgs(f"{name} must be a date YYYY-MM-DD")
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        raise BadArgs(f"{name} {raw} is not a date") from None
    if not deadline.FIRST_DAY <= day <= deadline.LAST_DAY:
        raise BadArgs(f"{name} {raw} is outside the booking calendar "
                      f"({deadline.FIRST_DAY.isoformat()} to {deadline.LAST_DAY.isoformat()})")
    return day


def _check_open(day: date) -> None:
    if not deadline.is_open(day):
        last = deadline.changeable_until(day)
        raise Refused(DEADLINE_PASSED, (
            f"bookings for {day.isoformat()} could be made, changed or cancelled until "
            f"{last.isoformat()} ({deadline.working_days_before()} working days before); "
            "please call the city office"
            f"（{day.isoformat()} 収集分の受付・変更・取消は {last.isoformat()} までです）"))




def _outcome(session: Session, booking: BulkyBooking, slots: list[SlotState | None]
             ) -> MutationOutcome:
    data = booking_json(booking, area_name(session, booking.municipality_code,
                                           booking.area_id))
    if booking.status == BOOKING_BOOKED and (paid := points_api.find_payment_within(
            session, purpose=FEE_PURPOSE, reference=booking.number)) is not None:
        data["payment"] = points_payment_json(paid, booking.number)  # no stickers needed
    changes = [booking_change(data)]
    changes += [slot.change() for slot in slots if slot is not None]
    return MutationOutcome.applied(data, changes)


def book(session: Session, person: Person, mutation: Mutation) -> MutationOutcome:
    """`book {id, area_id, day, items: [{item_id, quantity}]}`."""
    args = mutation.args
    booking_id = text_arg(args, "id", 64)
    area_id = text_arg(args, "area_id", 64)
    day = day_arg(args)
    lines = parse_lines(args.get("items"))
    code = person.municipality_code
    if person.assurance_level != ASSURANCE_CARD:
        # Collection at a home address is for residents: an email-only (visitor) account has
        # no verified address in the city.
        raise Refused(RESIDENTS_ONLY, "bulky-waste collection is booked by residents "
                      "logged in with their My Number card"
                      "（粗大ごみの収集はマイナンバーカードでログインした住民の方が予約できます）")
    if session.get(BulkyBooking, (person.id, booking_id)) is not None:
        return MutationOutcome.rejected(ALREADY_EXISTS, f"booking {booking_id} already exists")
    if session.get(WasteAreaRow, (code, area_id)) is None:
        raise Refused(UNKNOWN_AREA, f"no waste collection area {area_id} in this city")
    items = resolve_items(session, code, lines)
    _check_open(day)
    slot = take_place(session, code, area_id, day)
    now = utc_now()
    booking = BulkyBooking(
        person_id=person.id, id=booking_id, municipality_code=code,
        number=next_number(session, code, day), area_id=area_id, day=day,
        items=encode_items(items), total_fee=total_fee(items), status=BOOKING_BOOKED,
        created_at=now, updated_at=now,
    )
    session.add(booking)
    return _outcome(session, booking, [slot])


def _booked(session: Session, person: Person, booking_id: str) -> BulkyBooking:
    booking = own_booking(session, person.id, booking_id)
    if booking is None:
        raise Refused(NOT_FOUND, f"no booking {booking_id}")
    if booking.status != BOOKING_BOOKED:
        raise Refused(NOT_BOOKED, f"booking {booking.number} is {booking.status}")
    return booking


def change(session: Session, person: Person, mutation: Mutation) -> MutationOutcome:
    """`change {id, day?, items?}`: a new day moves the place (all or nothing)."""
    args = mutation.args
    booking_id = text_arg(args, "id", 64)
    new_day = day_arg(args) if args.get("day") is not None else None
    lines = parse_lines(args["items"]) if args.get("items") is not None else None
    if new_day is None and lines is None:
        raise BadArgs("change needs day or items")
    booking = _booked(session, person, booking_id)
    code = booking.municipality_code
    _check_open(booking.day)
    items = resolve_items(session, code, lines) if lines is not None else None
    slots: list[SlotState | None] = []
    if new_day is not None and new_day != booking.day:
        _check_open(new_day)
        # Both slots in one order (area, day) so two moves in opposite directions cannot
        # deadlock; a full new slot rejects the whole change and the release is rolled back.
        for day in sorted((booking.day, new_day)):
            if day == new_day:
                slots.append(take_place(session, code, booking.area_id, new_day))
            else:
                slots.append(release_place(session, code, booking.area_id, booking.day))
        booking.day = new_day
    if items is not None:
        fee = total_fee(items)
        if fee != booking.total_fee and points_api.find_payment_within(
                session, purpose=FEE_PURPOSE, reference=booking.number) is not None:
            raise Refused(FEE_PAID_WITH_POINTS,
                          f"the fee of booking {booking.number} is paid with points: cancel "
                          "it (the points come back) and book again"
                          "（ポイントで支払い済みの予約です。取り消すとポイントが戻ります。"
                          "あらためて予約してください）")
        booking.items = encode_items(items)
        booking.total_fee = fee
    booking.updated_at = utc_now()
    session.add(booking)
    return _outcome(session, booking, slots)


def cancel(session: Session, person: Person, mutation: Mutation) -> MutationOutcome:
    """`cancel {id}`: the place goes back to the slot. Cancelling again changes nothing."""
    booking_id = text_arg(mutation.args, "id", 64)
    booking = own_booking(session, person.id, booking_id)
    if booking is None:
        raise Refused(NOT_FOUND, f"no booking {booking_id}")
    if booking.status == BOOKING_CANCELLED:
        data = booking_json(booking, area_name(session, booking.municipality_code,
                                               booking.area_id))
        return MutationOutcome.applied(data)
    if booking.status != BOOKING_BOOKED:
        raise Refused(NOT_BOOKED, f"booking {booking.number} is {booking.status}")
    _check_open(booking.day)
    slot = release_place(session, booking.municipality_code, booking.area_id, booking.day)
    now = utc_now()
    booking.status = BOOKING_CANCELLED
    booking.cancelled_at = now
    booking.updated_at = now
    session.add(booking)
    # A fee paid with points goes back to the resident with the cancellation (or neither).
    points_api.refund_payment_within(
        session, purpose=FEE_PURPOSE, reference=booking.number,
        idempotency_key=f"bulky-fee-refund:{booking.number}", scope=LEDGER_SCOPE,
        reason="粗大ごみの予約の取り消し（bulky-waste booking cancelled）",
        actor_person_id=person.id)
    return _outcome(session, booking, [slot])


# Declared in the waste tile's spec (backend/tiles/waste/tile.py).
BULKY_WASTE = Collection(COLLECTION, Policy.SERVER_DECIDED, {
    "book": refusals_rejected(book), "change": refusals_rejected(change),
    "cancel": refusals_rejected(cancel)})
# Slots are public content written by bookings and staff: devices only pull them.
BULKY_SLOTS = Collection(SLOTS_COLLECTION, Policy.READ_ONLY)
