"""The check-in's answers as HTTP refusals, shared by the clerk's routes (staff/routes.py)
and the kiosk's (kiosks/check_in.py): a code that is not a booking's (422 `invalid_code`),
a code of a slot the booking has left (409 `code_outdated`), a booking not of today (409
`not_today`) or in a state that cannot be checked in (409 `wrong_status`)."""

from __future__ import annotations

from datetime import datetime

from fastapi import status
from sqlmodel import Session

from backend.identity.keys import SigningKey
from backend.models import as_utc
from backend.tiles.reservations.checkin_code import (
    CheckinReference,
    checkin_key,
    read_checkin_reference,
)
from backend.tiles.reservations.models import QueueTicket, ReservationBooking
from backend.tiles.reservations.queue.refusal import refusal
from backend.tiles.reservations.queue.tickets import CHANNEL_COUNTER
from backend.tiles.reservations.resource import Resource
from backend.tiles.reservations.staff import check_in as counter


def read_code(signing_key: SigningKey, code: str) -> CheckinReference:
    """What a scanned or typed code says (422 `invalid_code` when it is no booking's)."""
    reference = read_checkin_reference(checkin_key(signing_key), code)
    if reference is None:
        raise refusal(status.HTTP_422_UNPROCESSABLE_CONTENT, "invalid_code",
                      "予約のコードを読み取れません。", "not a check-in code of a booking")
    return reference


def require_current_code(reference: CheckinReference, booking: ReservationBooking) -> None:
    """409 `code_outdated` when the booking was moved after the code was shown."""
    if not reference.is_for_slot(as_utc(booking.slot_start)):
        raise refusal(status.HTTP_409_CONFLICT, "code_outdated",
                      "予約の時間が変更されています。新しいコードを表示してください。",
                      "the booking was moved; show its new code")


def check_in_or_refuse(session: Session, booking: ReservationBooking, resource: Resource,
                       clerk_id: str | None, now: datetime, channel: str = CHANNEL_COUNTER
                       ) -> QueueTicket | None:
    """`staff.check_in.check_in`, its refusals as 409s."""
    try:
        return counter.check_in(session, booking, resource, clerk_id, now, channel)
    except counter.NotToday:
        raise refusal(status.HTTP_409_CONFLICT, "not_today", "この予約は今日ではありません。",
                      "the booking is not for today") from None
    except counter.WrongBookingStatus as exc:
        raise refusal(status.HTTP_409_CONFLICT, "wrong_status",
                      "この予約は受付できない状態です。",
                      "the booking cannot be checked in in its state",
                      status=exc.status) from None
