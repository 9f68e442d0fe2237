"""A booking's calendar file (backend/tiles/reservations/ics.py), parsed back with
`icalendar`: times in Asia/Tokyo with a VTIMEZONE, a UID stable across changes, SEQUENCE
raised, CANCELLED, the reminder the day before, the place and the booking number."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar, Event

from backend.tiles.reservations.ics import booking_calendar
from backend.tiles.reservations.resource import Resource, parse_resource

TOKYO = ZoneInfo("Asia/Tokyo")
STAMP = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)
RESOURCE: Resource = parse_resource({
    "format": 1, "id": "kosodate-counter", "version": 1, "demo": True, "kind": "counter",
    "title": {"ja": "子育て支援課 窓口予約", "en": "Child support counter"},
    "department": "children",
    "place": {"ja": "津山市役所 1階 子育て支援課", "en": "City hall 1F, child support"},
    "slots": {"weekdays": [1, 2, 3, 4, 5], "times": ["09:00"], "minutes": 30, "capacity": 2},
    "window": {"opens_days_before": 30, "closes_working_days_before": 2},
})
BOOKING_ID = "3f1c2a4e-5b6d-4e7f-8a9b-0c1d2e3f4a5b"


def _booking(**changes: Any) -> dict[str, Any]:
    booking: dict[str, Any] = {
        "id": BOOKING_ID, "number": "予-2026-000123",
        "slot_start": datetime(2026, 12, 3, 0, 0, tzinfo=UTC),  # 09:00 in Tokyo
        "slot_end": datetime(2026, 12, 3, 0, 30, tzinfo=UTC),
        "status": "booked", "ics_sequence": 0,
    }
    booking.update(changes)
    return booking


def _event(data: bytes) -> tuple[Calendar, Event]:
    calendar = Calendar.from_ical(data)
    events = calendar.events
    assert len(events) == 1
    return calendar, events[0]


def test_times_are_in_tokyo_with_a_vtimezone() -> None:
    data = booking_calendar(_booking(), RESOURCE, "ja", stamp=STAMP)
    calendar, event = _event(data)
    assert event["DTSTART"].params["TZID"] == "Asia/Tokyo"
    assert event["DTEND"].params["TZID"] == "Asia/Tokyo"
    assert event.decoded("DTSTART") == datetime(2026, 12, 3, 9, 0, tzinfo=TOKYO)
    assert event.decoded("DTEND") == datetime(2026, 12, 3, 9, 30, tzinfo=TOKYO)
    assert b"DTSTART;TZID=Asia/Tokyo:20261203T090000" in data
    assert [str(tz["TZID"]) for tz in calendar.timezones] == ["Asia/Tokyo"]
    assert calendar.timezones[0].to_tz().utcoffset(datetime(2026, 12, 3)) == timedelta(hours=9)
    assert event.decoded("DTSTAMP") == STAMP


def test_iso_strings_are_accepted_and_naive_times_refused() -> None:
    from_text = booking_calendar(
        _booking(slot_start="2026-12-03T09:00:00+09:00", slot_end="2026-12-03T00:30:00Z"),
        RESOURCE, "ja", stamp=STAMP)
    assert from_text == booking_calendar(_booking(), RESOURCE, "ja", stamp=STAMP)
    with pytest.raises(ValueError, match="aware"):
        booking_calendar(_booking(slot_start=datetime(2026, 12, 3, 9)), RESOURCE, "ja")


def test_summary_place_number_and_checkin_hint_in_the_language() -> None:
    _, event = _event(booking_calendar(_booking(), RESOURCE, "ja", stamp=STAMP))
    assert str(event["SUMMARY"]) == "子育て支援課 窓口予約"
    assert str(event["LOCATION"]) == "津山市役所 1階 子育て支援課"
    description = str(event["DESCRIPTION"])
    assert "予約番号: 予-2026-000123" in description and "QRコード" in description
    _, english = _event(booking_calendar(_booking(), RESOURCE, "en", stamp=STAMP))
    assert str(english["SUMMARY"]) == "Child support counter"
    assert str(english["LOCATION"]) == "City hall 1F, child support"
    assert "Booking number: 予-2026-000123" in str(english["DESCRIPTION"])


def test_uid_stays_and_sequence_rises_when_the_booking_moves() -> None:
    _, first = _event(booking_calendar(_booking(), RESOURCE, "ja", stamp=STAMP))
    moved_start = datetime(2026, 12, 4, 1, 0, tzinfo=UTC)
    _, moved = _event(booking_calendar(
        _booking(slot_start=moved_start, slot_end=moved_start + timedelta(minutes=30),
                 ics_sequence=1), RESOURCE, "ja", stamp=STAMP))
    assert str(first["UID"]) == str(moved["UID"]) == f"{BOOKING_ID}@reservations.tsuyama-portal"
    assert first.decoded("SEQUENCE") == 0 and moved.decoded("SEQUENCE") == 1
    assert moved.decoded("DTSTART") == datetime(2026, 12, 4, 10, 0, tzinfo=TOKYO)
    assert str(first["STATUS"]) == str(moved["STATUS"]) == "CONFIRMED"


@pytest.mark.parametrize(("status", "expected"), [
    ("booked", "CONFIRMED"), ("checked_in", "CONFIRMED"), ("waiting", "TENTATIVE"),
    ("offered", "TENTATIVE"), ("cancelled", "CANCELLED"), ("closed", "CANCELLED"),
    ("declined", "CANCELLED"),
])
def test_status(status: str, expected: str) -> None:
    _, event = _event(booking_calendar(_booking(status=status, ics_sequence=2), RESOURCE,
                                       "ja", stamp=STAMP))
    assert str(event["STATUS"]) == expected
    assert event.decoded("SEQUENCE") == 2


def test_reminder_the_day_before_unless_cancelled() -> None:
    _, event = _event(booking_calendar(_booking(), RESOURCE, "ja", stamp=STAMP))
    alarms = event.subcomponents
    assert [alarm.name for alarm in alarms] == ["VALARM"]
    assert alarms[0].decoded("TRIGGER") == timedelta(days=-1)
    assert str(alarms[0]["ACTION"]) == "DISPLAY"
    _, cancelled = _event(booking_calendar(_booking(status="cancelled"), RESOURCE, "ja",
                                           stamp=STAMP))
    assert cancelled.subcomponents == []
