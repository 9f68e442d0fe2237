"""A booking as a calendar file (`GET /reservations/{id}.ics`, docs/reservations.md §2),
made with `icalendar`.

One VEVENT whose UID stays the same for the booking's whole life
(`<booking id>@reservations.tsuyama-portal`), so a calendar that imported it before updates
it instead of adding a second event; `SEQUENCE` is the booking's `ics_sequence`, which the
bookings module raises on every change (a moved slot, a cancellation, a closed slot), so
the newer file wins. Times are in Asia/Tokyo (`TZID` and a VTIMEZONE). `STATUS` is
CANCELLED for a cancelled, closed or declined booking, TENTATIVE while it waits for a place
(waiting, offered) and CONFIRMED otherwise. A reminder (VALARM) the day before, unless
cancelled.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

from icalendar import Alarm, Calendar, Event, Timezone

from backend.services.clock import CITY_TIME_ZONE, utc_now
from backend.services.japanese_holidays import FIRST_YEAR, LAST_YEAR
from backend.tiles.reservations.models import CANCELLED, CLOSED, DECLINED, OFFERED, WAITING
from backend.tiles.reservations.resource import Resource

UID_DOMAIN = "reservations.tsuyama-portal"
PRODUCT_ID = "-//Tsuyama City//Tsuyama Portal reservations//JA"
REMINDER_BEFORE = timedelta(days=1)
_CANCELLED_STATUSES = (CANCELLED, CLOSED, DECLINED)
_TENTATIVE_STATUSES = (WAITING, OFFERED)

_TEXTS = {
    "ja": {"number": "予約番号", "checkin": "当日は窓口またはキオスクで、アプリの予約画面の"
           "QRコードを読み取ってください。", "reminder": "明日は予約の日です"},
    "en": {"number": "Booking number", "checkin": "On the day, scan the QR code of the "
           "booking in the app at the counter or the kiosk.",
           "reminder": "Your booking is tomorrow"},
}


def booking_uid(booking_id: str) -> str:
    return f"{booking_id}@{UID_DOMAIN}"


def _moment(value: datetime | str, key: str) -> datetime:
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"booking {key} must be an aware time")
    return moment.astimezone(CITY_TIME_ZONE)


def _status(status: str) -> str:
    if status in _CANCELLED_STATUSES:
        return "CANCELLED"
    if status in _TENTATIVE_STATUSES:
        return "TENTATIVE"
    return "CONFIRMED"


def booking_calendar(booking: Mapping[str, Any], resource: Resource, language: str, *,
                     stamp: datetime | None = None) -> bytes:
    """The `.ics` file of `booking` (keys: id, number, slot_start, slot_end as aware
    datetimes or ISO strings, status, ics_sequence) of `resource`, in `language` ("ja";
    anything else is English). `stamp` is the DTSTAMP (now by default)."""
    texts = _TEXTS["ja" if language == "ja" else "en"]
    title = resource.text(resource.title, language)
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    calendar.add_component(Timezone.from_tzid(
        CITY_TIME_ZONE.key, first_date=date(FIRST_YEAR, 1, 1),
        last_date=date(LAST_YEAR + 1, 1, 1)))

    event = Event()
    event.add("uid", booking_uid(str(booking["id"])))
    event.add("sequence", int(booking["ics_sequence"]))
    event.add("dtstamp", (stamp or utc_now()).astimezone(UTC))
    event.add("dtstart", _moment(booking["slot_start"], "slot_start"))
    event.add("dtend", _moment(booking["slot_end"], "slot_end"))
    event.add("summary", title)
    place = resource.text(resource.place, language) if resource.place else ""
    if place:
        event.add("location", place)
    event.add("description", f"{texts['number']}: {booking['number']}\n{texts['checkin']}")
    event.add("status", _status(str(booking["status"])))

    if event["status"] != "CANCELLED":
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("trigger", -REMINDER_BEFORE)
        alarm.add("description", f"{texts['reminder']}: {title}")
        event.add_component(alarm)

    calendar.add_component(event)
    return calendar.to_ical()
