"""Reminders of the resident's bookings the day before (「明日 10:00 子育て支援課 窓口予約
（津山市役所 1階）予約番号 予-2026-000001」), in plain Python.

Nothing here delivers anything (reminder_delivery.py does). A booking the city confirmed
(`booked`, no change of this device waiting to be sent) is reminded from 18:00 Tokyo the day
before its slot until the slot starts: a phone that was off in the evening still reminds in
the morning, a booking made after 18:00 for the next day is reminded at once. The server's
job sends the same reminder to the in-app inbox at the same hour
(backend/tiles/reservations/reminders.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from app.features.reservations.catalogue import CITY_TIME_ZONE
from app.features.reservations.records import Booking

REMIND_FROM = time(18, 0)  # Tokyo, the day before the slot (as the server's job)

# English message ids (Japanese in the catalog).
TITLE = "Booking reminder"
TOMORROW = "Tomorrow {time} {title} ({place}) booking number {number}"
TODAY = "Today {time} {title} ({place}) booking number {number}"


@dataclass(frozen=True)
class BookingReminder:
    at: datetime  # aware: 18:00 Tokyo the day before the slot
    booking: Booking

    @property
    def slot_start(self) -> datetime:
        start = self.booking.slot_start
        if start is None:  # never: only bookings with a start are reminded
            raise ValueError("a reminder needs the slot's start")
        return start


def remind_at(slot_start: datetime) -> datetime:
    """18:00 Tokyo the day before the slot's day (in Tokyo)."""
    day = slot_start.astimezone(CITY_TIME_ZONE).date()
    return datetime.combine(day - timedelta(days=1), REMIND_FROM, CITY_TIME_ZONE)


def reminded(booking: Booking) -> bool:
    """Only a place the city confirmed: booked, nothing of this device waiting to be sent
    (a cancellation or change not sent yet), not refused."""
    return (booking.status == "booked" and not booking.waiting and booking.refusal is None
            and booking.slot_start is not None)


def upcoming_reminders(bookings: Iterable[Booking], now: datetime) -> list[BookingReminder]:
    """The reminders of the bookings whose slot has not started, soonest first; those with
    `at <= now` are due (notified once, shown on the home screen). `now` must be aware."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be an aware datetime")
    found = [BookingReminder(remind_at(b.slot_start), b) for b in bookings
             if reminded(b) and b.slot_start is not None and b.slot_start > now]
    found.sort(key=lambda r: (r.slot_start.timestamp(), r.booking.id))
    return found


def reminder_id(reminder: BookingReminder) -> str:
    """`reservations:<booking id>:<slot start>`: a booking moved to another day is reminded
    again for its new slot."""
    return f"reservations:{reminder.booking.id}:{reminder.slot_start.isoformat()}"


def reminder_text(reminder: BookingReminder, now: datetime, language: str,
                  translate: Callable[..., str]) -> str:
    """「明日 10:00 …（場所）予約番号 …」, or 「今日 …」 once the slot's day has come."""
    local = reminder.slot_start.astimezone(CITY_TIME_ZONE)
    today = now.astimezone(CITY_TIME_ZONE).date()
    booking = reminder.booking
    return translate(TODAY if local.date() <= today else TOMORROW,
                     time=local.strftime("%H:%M"), title=booking.title_in(language),
                     place=booking.place_in(language), number=booking.number or "")
