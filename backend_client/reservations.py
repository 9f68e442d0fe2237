"""The reservations tile's resident routes (docs/reservations.md §2): a booking's calendar
file (.ics), the text of its check-in QR code and paying its fee with points.

Bookings themselves (book, change, cancel, wait, accept, decline) go through sync
(`reservations`); these routes need the network. Built on `BackendClient`'s request helpers
(its errors and token renewal)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

from backend_client.client import BackendClient, _bearer
from backend_client.dto import parse_moment
from backend_client.errors import BackendProtocolError

CALENDAR_TYPE = "text/calendar"


def _path(booking_id: str) -> str:
    return f"/reservations/{quote(booking_id, safe='')}"


@dataclass(frozen=True)
class CalendarFile:
    """`GET /reservations/{id}.ics`: the file and the name the server gives it."""

    name: str
    content: bytes


@dataclass(frozen=True)
class CheckinCode:
    """`GET /reservations/{id}/checkin-code`: the text of the booking's check-in QR code."""

    booking_id: str
    number: str
    slot_start: datetime | None
    code: str

    @classmethod
    def from_json(cls, data: Any) -> CheckinCode:
        if not isinstance(data, dict):
            raise BackendProtocolError("check-in code: expected a JSON object")
        code = data.get("code")
        if not isinstance(code, str) or not code:
            raise BackendProtocolError("check-in code: field 'code' should be a string")
        return cls(booking_id=str(data.get("id") or ""), number=str(data.get("number") or ""),
                   slot_start=parse_moment(data.get("slot_start")), code=code)


def _file_name(disposition: str, booking_id: str) -> str:
    marker = 'filename="'
    if marker in disposition:
        name = disposition.split(marker, 1)[1].split('"', 1)[0]
        if name and "/" not in name and "\\" not in name:
            return name
    return f"reservation-{booking_id[:8]}.ics"


class ReservationsClient:
    """A resident's reservation routes (the sync carries the bookings)."""

    def __init__(self, client: BackendClient) -> None:
        self._client = client

    async def calendar(self, access_token: str, booking_id: str,
                       language: str = "ja") -> CalendarFile:
        """The booking as an iCalendar file in `language` (ja or en); 404 for a booking
        that is not the caller's."""
        response = await self._client._request_checked(
            "GET", f"{_path(booking_id)}.ics", headers=_bearer(access_token),
            params={"lang": "en" if language == "en" else "ja"})
        if not response.headers.get("content-type", "").startswith(CALENDAR_TYPE):
            raise BackendProtocolError("calendar: the answer is not text/calendar")
        return CalendarFile(_file_name(response.headers.get("content-disposition", ""),
                                       booking_id), response.content)

    async def checkin_code(self, access_token: str, booking_id: str) -> CheckinCode:
        """The check-in QR code's text while the booking is booked (409 `wrong_status`
        otherwise)."""
        return CheckinCode.from_json(await self._client._request_json(
            "GET", f"{_path(booking_id)}/checkin-code", headers=_bearer(access_token)))

    async def pay_fee_with_points(self, access_token: str, booking_id: str, *, pin: str,
                                  idempotency_key: str) -> dict[str, Any]:
        """Pays a booking's fee with points (`{pin, idempotency_key}`); the answer as sent.
        403 `pin_wrong`, 423 `pin_locked`, 409 `insufficient_points`, `already_paid`,
        `not_paid_with_points`, `wrong_status`; 404 for another person's booking."""
        answer = await self._client._request_json(
            "POST", f"{_path(booking_id)}/points-payment", headers=_bearer(access_token),
            ok=(200, 201), json={"pin": pin, "idempotency_key": idempotency_key})
        if not isinstance(answer, dict):
            raise BackendProtocolError("points payment: expected a JSON object")
        return answer
