"""Resident routes of the reservations tile (docs/reservations.md §2):

- `GET /reservations/{id}.ics?lang=ja|en`: the booking as a calendar file (`ics.py`);
- `GET /reservations/{id}/checkin-code`: the text of the booking's check-in QR
  (`checkin_code.py`), while it is booked;
- `POST /reservations/{id}/points-payment` `{pin, idempotency_key}`: the fee in points (the
  booker only; like the procedures' and bulky-waste fees).

Only the booker and the person it is for see a booking: anyone else gets 404, as for one
that does not exist. A booker reading a booking made for someone else is in that person's
access log.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, NoReturn

from fastapi import APIRouter, HTTPException, Path, Query, Response, status
from pydantic import BaseModel, Field
from sqlmodel import Session

from backend.api.dependencies import EngineDep
from backend.db import write_engine
from backend.identity.dependencies import CardVerifiedPerson, CurrentPerson, SigningKeyDep
from backend.models import Person, as_utc
from backend.services import clock
from backend.services.access_log import record_delegate_read
from backend.tiles.points import api as points_api
from backend.tiles.reservations.booking_records import (
    ACCESS_RESOURCE,
    booking_json,
    concerned,
    find_booking,
    write_rows,
)
from backend.tiles.reservations.checkin_code import checkin_code, checkin_key
from backend.tiles.reservations.fee import FEE_PURPOSE, LEDGER_SCOPE, POINTS, refund_fee
from backend.tiles.reservations.ics import booking_calendar
from backend.tiles.reservations.models import BOOKED, ReservationBooking
from backend.tiles.reservations.resource import Resource
from backend.tiles.reservations.resources.store import get_resource

router = APIRouter(tags=["reservations"])

ID_PATTERN = r"^[A-Za-z0-9-]{8,36}$"
BookingId = Annotated[str, Path(pattern=ID_PATTERN)]
Language = Literal["ja", "en"]


class PointsPaymentIn(BaseModel):
    pin: str = Field(pattern=r"^[0-9]{4,6}$")
    # The client's key of this request. The ledger's own key is the booking's, so a retry
    # and a second device's payment are both answered "already paid".
    idempotency_key: str = Field(pattern=r"^[A-Za-z0-9._:-]{8,64}$")


def _fail(http_status: int, code: str, ja: str, en: str) -> NoReturn:
    raise HTTPException(http_status, {"code": code, "message": f"{ja}（{en}）",
                                      "message_ja": ja, "message_en": en})


def _not_found() -> NoReturn:
    _fail(status.HTTP_404_NOT_FOUND, "not_found", "予約が見つかりません", "no such booking")


def _readable(session: Session, reader: Person,
              booking_id: str) -> tuple[ReservationBooking, Resource]:
    """The booking, for its booker or the person it is for (404 for anyone else); a booker's
    read of someone else's booking is logged for that person, with the read."""
    booking = find_booking(session, reader.municipality_code, booking_id)
    if booking is None or reader.id not in concerned(booking):
        _not_found()
    resource = get_resource(session, booking.municipality_code, booking.resource_id,
                            withdrawn_too=True)
    if resource is None:
        _not_found()
    subject = session.get(Person, booking.subject_person_id)
    if subject is not None and subject.id != reader.id:
        record_delegate_read(session, reader, subject,
                             f"代理予約の確認（予約番号 {booking.number}）", ACCESS_RESOURCE)
    return booking, resource


@router.get("/reservations/{booking_id}.ics", response_class=Response,
            responses={200: {"content": {"text/calendar": {}}}})
def booking_ics(booking_id: BookingId, person: CurrentPerson, engine: EngineDep,
                lang: Annotated[Language, Query(description="Language of the event")] = "ja",
                ) -> Response:
    """The booking as an iCalendar file: a stable UID, SEQUENCE raised on every change."""
    with Session(write_engine(engine), expire_on_commit=False) as session:
        booking, resource = _readable(session, person, booking_id)
        data = booking_json(session, booking, resource)
    return Response(booking_calendar(data, resource, lang), media_type="text/calendar",
                    headers={"Content-Disposition":
                             f'attachment; filename="reservation-{booking.number[-6:]}.ics"'})


@router.get("/reservations/{booking_id}/checkin-code")
def booking_checkin_code(booking_id: BookingId, person: CurrentPerson, engine: EngineDep,
                         signing_key: SigningKeyDep) -> dict[str, Any]:
    """The text of the booking's check-in QR code (a signed reference, no personal data)."""
    with Session(write_engine(engine), expire_on_commit=False) as session:
        booking, _ = _readable(session, person, booking_id)
    if booking.status != BOOKED:
        _fail(status.HTTP_409_CONFLICT, "wrong_status",
              "この予約は受付できる状態ではありません", f"the booking is {booking.status}")
    return {"id": booking.id, "number": booking.number,
            "slot_start": as_utc(booking.slot_start).isoformat(),
            "code": checkin_code(checkin_key(signing_key), booking.id,
                                 as_utc(booking.slot_start))}


def _payable(engine: Any, person: Person, booking_id: str) -> ReservationBooking:
    with Session(engine) as session:
        booking = find_booking(session, person.municipality_code, booking_id)
    if booking is None or booking.booker_person_id != person.id:
        _not_found()
    if booking.status != BOOKED:
        _fail(status.HTTP_409_CONFLICT, "wrong_status", "この予約は支払いできる状態ではありません",
              f"booking {booking.number} is {booking.status}")
    if booking.fee_amount_yen <= 0 or booking.fee_method != POINTS:
        _fail(status.HTTP_409_CONFLICT, "not_paid_with_points",
              "この予約の料金はポイントで支払う設定ではありません",
              f"booking {booking.number} has no fee to pay with points")
    if booking.fee_paid_at is not None:
        _fail(status.HTTP_409_CONFLICT, "already_paid", "支払い済みです",
              f"the fee of booking {booking.number} is already paid")
    return booking


@router.post("/reservations/{booking_id}/points-payment", status_code=status.HTTP_201_CREATED)
def pay_fee_with_points(body: PointsPaymentIn, booking_id: BookingId,
                        person: CardVerifiedPerson, engine: EngineDep) -> dict[str, Any]:
    """Pay the booking's fee with the booker's points, confirmed with their PIN."""
    booking = _payable(engine, person, booking_id)
    try:
        points_api.verify_pin(engine, person.id, body.pin)
        result = points_api.pay(
            engine, person_id=person.id, payee=points_api.Payee.city(),
            amount=booking.fee_amount_yen, purpose=FEE_PURPOSE, reference=booking.number,
            idempotency_key=f"reservation-fee:{booking.id}", scope=LEDGER_SCOPE)
    except points_api.IdempotencyConflict:
        _fail(status.HTTP_409_CONFLICT, "already_paid", "支払い済みです", "already paid")
    except (points_api.PointsError, points_api.PinProblem) as exc:
        raise HTTPException(exc.status, exc.detail()) from None
    if result.replayed:
        _fail(status.HTTP_409_CONFLICT, "already_paid", "支払い済みです", "already paid")
    with Session(write_engine(engine)) as session:
        stored = find_booking(session, person.municipality_code, booking_id, for_update=True)
        assert stored is not None
        resource = get_resource(session, stored.municipality_code, stored.resource_id,
                                withdrawn_too=True)
        if stored.status != BOOKED:  # cancelled while paying: the points go back
            refund_fee(session, stored, "支払中に予約が取り消されました（booking cancelled "
                       "while paying）", person.id)
            session.commit()
            _fail(status.HTTP_409_CONFLICT, "wrong_status",
                  "支払い中に予約が取り消されたため、ポイントは戻りました",
                  "the booking was cancelled while being paid; the points went back")
        stored.fee_paid_at = result.created_at or clock.utc_now()
        stored.updated_at = clock.utc_now()
        session.add(stored)
        session.flush()
        write_rows(session, stored, booking_json(session, stored, resource))
        session.commit()
    return {"id": booking.id, "number": booking.number, "transfer_id": result.transfer_id,
            "amount": result.amount, "balance_after": result.balance_after,
            "created_at": result.created_at.isoformat()}
