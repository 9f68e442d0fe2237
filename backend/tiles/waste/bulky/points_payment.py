"""Paying a bulky-waste booking's fee with points (docs/points.md; issue 13):

`POST /bulky/bookings/{number}/points-payment {"pin", "idempotency_key"}`

The booking's owner only (another person's number is 404, as is an unknown one); the amount
is the booking's fee (1 point = 1 yen); the PIN is checked by the points tile
(`verify_pin`: 403 `pin_wrong`, 423 `pin_locked`, 409 `pin_not_set`) and the payment goes
to the city (`pay`, purpose `bulky_waste_fee`, reference = the booking number).

A booking is paid at most once: a fee already paid is 409 `already_paid` (`find_payment`),
and the ledger's idempotency key is the booking's own ("bulky-fee:<number>" in the scope
"tile:waste"), so two payments racing for one booking post one transfer; the second is
answered 409 too. The resident's `bulky_waste` row gets the payment (method "points") in
the same answer's change log, so every device of theirs shows it paid after its next sync.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, status
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlmodel import Session, col

from backend.api.dependencies import EngineDep
from backend.db import write_engine
from backend.identity.dependencies import CardVerifiedPerson
from backend.sync.change_log import append_changes
from backend.tiles.points import api as points_api
from backend.tiles.waste.bulky.bookings import area_name, booking_change, booking_json
from backend.tiles.waste.bulky.models import BOOKING_BOOKED, BulkyBooking
from backend.tiles.waste.bulky.points_fee import FEE_PURPOSE, LEDGER_SCOPE, points_payment_json

router = APIRouter(tags=["bulky-waste"])

PURPOSE = FEE_PURPOSE
PIN_PATTERN = r"^[0-9]{4,6}$"
KEY_PATTERN = r"^[A-Za-z0-9._:-]{8,64}$"
NUMBER_PATTERN = r"^[A-Za-z0-9-]{1,16}$"


class PointsPaymentIn(BaseModel):
    pin: str = Field(pattern=PIN_PATTERN)
    # The client's key of this request (kept across its retries). The ledger's own key is
    # the booking's, so a retry and a second device's payment are both refused as paid.
    idempotency_key: str = Field(pattern=KEY_PATTERN)


def _refuse(code: str, message: str, http_status: int = status.HTTP_409_CONFLICT,
            **details: Any) -> HTTPException:
    return HTTPException(http_status, {"code": code, "message": message, **details})


def _own_booking(engine: Any, person_id: str, code: str, number: str) -> BulkyBooking:
    with Session(engine) as session:
        booking = session.scalars(select(BulkyBooking).where(
            col(BulkyBooking.municipality_code) == code,
            col(BulkyBooking.number) == number)).first()
    if booking is None or booking.person_id != person_id:
        # Another person's booking is answered like one that does not exist.
        raise _refuse("not_found", "no such booking of yours", status.HTTP_404_NOT_FOUND)
    return booking


def _already_paid(result: points_api.TransferResult, number: str) -> HTTPException:
    return _refuse("already_paid", f"the fee of booking {number} is already paid",
                   transfer_id=result.transfer_id, amount=result.amount)


@router.post("/bulky/bookings/{number}/points-payment", status_code=status.HTTP_201_CREATED)
def pay_with_points(
    body: PointsPaymentIn,
    person: CardVerifiedPerson,
    engine: EngineDep,
    number: Annotated[str, Path(pattern=NUMBER_PATTERN)],
) -> dict[str, Any]:
    """Pays the booking's fee with the caller's points, confirmed with their PIN."""
    booking = _own_booking(engine, person.id, person.municipality_code, number)
    if booking.status != BOOKING_BOOKED:
        raise _refuse("not_booked", f"booking {number} is {booking.status}")
    if booking.total_fee <= 0:
        raise _refuse("no_fee", f"booking {number} has no fee")
    paid = points_api.find_payment(engine, purpose=PURPOSE, reference=number)
    if paid is not None:
        raise _already_paid(paid, number)
    try:
        points_api.verify_pin(engine, person.id, body.pin)
        result = points_api.pay(
            engine, person_id=person.id, payee=points_api.Payee.city(),
            amount=booking.total_fee, purpose=PURPOSE, reference=number,
            idempotency_key=f"bulky-fee:{number}", scope=LEDGER_SCOPE)
    except points_api.IdempotencyConflict:
        # The booking's key was used for another amount: a payment was made before the fee
        # changed. It stays the one payment of this booking.
        paid = points_api.find_payment(engine, purpose=PURPOSE, reference=number)
        if paid is None:
            raise
        raise _already_paid(paid, number) from None
    except (points_api.PointsError, points_api.PinProblem) as exc:
        raise HTTPException(exc.status, exc.detail()) from None
    if result.replayed:  # a concurrent request for this booking paid first
        raise _already_paid(result, number)
    _record_on_booking(engine, booking, result)
    return {"booking_number": number, "transfer_id": result.transfer_id,
            "amount": result.amount, "balance_after": result.balance_after,
            "created_at": result.created_at.isoformat(), "replayed": False}


def _record_on_booking(engine: Any, booking: BulkyBooking,
                       result: points_api.TransferResult) -> None:
    """The owner's `bulky_waste` row, now showing the fee paid with points."""
    with Session(write_engine(engine)) as session:
        data = booking_json(booking, area_name(session, booking.municipality_code,
                                               booking.area_id))
        data["payment"] = points_payment_json(result, booking.number)
        append_changes(session.connection(), booking.municipality_code, booking.person_id,
                       [booking_change(data)])
        session.commit()
