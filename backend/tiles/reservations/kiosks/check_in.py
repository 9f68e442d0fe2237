"""A resident checks their own booking in at the kiosk (docs/reservations.md §3, "Kiosk
numbers without a login"): `POST /kiosk/check-in` `{code}` with the kiosk's key.

The booking's QR code (`TRS1`, checkin_code.py) is shown to the kiosk's camera: a booking of
today becomes `checked_in` as at the counter (staff/check_in.py), and when its resource has
a queue counter the appointment's number is answered, to be called first once its time is
due. Nobody logs in: the code itself is the proof (an HMAC of the booking and its slot), and
the answer names no person: the booking's number, what and when, and the waiting number.

Refusals: 422 `invalid_code` (not a booking's code), 404 `booking_not_found` (no such
booking in the kiosk's city), 409 `code_outdated` (the booking was moved since), 409
`not_today`, 409 `wrong_status` (cancelled, no-show...), 409 `not_at_this_kiosk` (the
booking's counter is not one the kiosk serves), 401 `kiosk_key_invalid`.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, status
from pydantic import BaseModel, Field
from sqlmodel import Session

from backend.api.dependencies import EngineDep
from backend.db import write_engine
from backend.identity.dependencies import SigningKeyDep
from backend.models import as_utc
from backend.services import clock
from backend.tiles.reservations.booking_records import find_booking
from backend.tiles.reservations.kiosks.routes import KioskDep
from backend.tiles.reservations.queue.counters import find_counter
from backend.tiles.reservations.queue.refusal import refusal
from backend.tiles.reservations.queue.tickets import CHANNEL_KIOSK, queue_place, ticket_json
from backend.tiles.reservations.resources.store import get_resource
from backend.tiles.reservations.staff.check_in_refusals import (
    check_in_or_refuse,
    read_code,
    require_current_code,
)

router = APIRouter(tags=["kiosk"])


class KioskCodeIn(BaseModel):
    code: str = Field(min_length=1, max_length=200)


@router.post("/kiosk/check-in")
def kiosk_check_in(body: KioskCodeIn, device: KioskDep, engine: EngineDep,
                   signing_key: SigningKeyDep) -> dict[str, Any]:
    """Check in the booking whose QR code the kiosk read (see the module docstring)."""
    reference = read_code(signing_key, body.code)
    code = device.municipality_code
    now = clock.utc_now()
    with Session(write_engine(engine)) as session:
        booking = find_booking(session, code, reference.booking_id, for_update=True)
        resource = (get_resource(session, code, booking.resource_id, withdrawn_too=True)
                    if booking is not None else None)
        if booking is None or resource is None:
            raise refusal(status.HTTP_404_NOT_FOUND, "booking_not_found",
                          "その予約はありません。", "no such booking")
        require_current_code(reference, booking)
        listed = device.counter_ids()
        if listed and (resource.queue is None or resource.queue.counter not in listed):
            raise refusal(status.HTTP_409_CONFLICT, "not_at_this_kiosk",
                          "この予約はこの端末では受付できません。窓口でお申し出ください。",
                          "this kiosk does not check in bookings of that counter")
        ticket = check_in_or_refuse(session, booking, resource, None, now, CHANNEL_KIOSK)
        session.commit()
        answer: dict[str, Any] = {
            "booking": {"number": booking.number, "status": booking.status,
                        "title": resource.title,
                        "slot_start": as_utc(booking.slot_start).isoformat(),
                        "slot_end": as_utc(booking.slot_end).isoformat()},
            "ticket": None,
        }
        if ticket is not None:
            view = find_counter(session, code, ticket.counter)
            place = queue_place(session, code, ticket.counter, ticket.day, now)
            answer["ticket"] = {**ticket_json(ticket, place),
                                "name": view.name if view is not None else None}
        return answer
