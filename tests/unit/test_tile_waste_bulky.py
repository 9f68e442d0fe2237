"""Bulky-waste booking on the device: fees, cart rules, open days, my bookings and refusals."""

from __future__ import annotations

from datetime import UTC, date, datetime

from app.features.waste.bulky import (
    bookings_from,
    is_bulky,
    shown_booking,
    slots_from,
    working_days_before,
)
from offline_store import LocalRow, OutboxEntry

NOW = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
HOLIDAYS = {date(2026, 11, 23): "勤労感謝の日"}
RANGE = {"id": "i1", "name": "電子レンジ", "category": "粗大ごみ", "fee": 500}
SOFA = {"id": "i2", "name": "ソファ(2人掛け)", "category": "粗大ごみ", "fee": 1000}
BOTTLE = {"id": "i3", "name": "ペットボトル", "category": "資源ごみ", "fee": None}


def test_bulky_items_are_the_ones_with_a_fee_or_the_category():
    assert is_bulky(RANGE) and is_bulky(SOFA) and not is_bulky(BOTTLE)
    assert is_bulky({"category": "その他", "fee": 300})


def test_the_deadline_counts_working_days_only():
    # Wednesday 11/25 ← Tuesday 11/24, (Monday 11/23 is a holiday) Friday 11/20
    assert working_days_before(date(2026, 11, 25), 2, HOLIDAYS) == date(2026, 11, 20)
    # over the year-end break: 1/5 (Tue) ← 1/4 (Mon), 12/28 (Mon)
    assert working_days_before(date(2027, 1, 5), 2, {}) == date(2026, 12, 28)


def test_only_days_still_open_are_offered_soonest_first():
    rows = [
        {"area_id": "a", "day": "2026-12-14", "capacity": 5, "remaining": 0},
        {"area_id": "a", "day": "2026-11-25", "capacity": 5, "remaining": 5},  # too late
        {"area_id": "a", "day": "2026-12-01", "capacity": 5, "remaining": 2},
        {"area_id": "b", "day": "2026-12-01", "capacity": 5, "remaining": 5},  # other area
        {"area_id": "a", "day": "not a day", "capacity": 5, "remaining": 5},  # malformed
    ]
    slots = slots_from(rows, "a", date(2026, 11, 24), HOLIDAYS)
    assert [(s.day, s.remaining) for s in slots] == [(date(2026, 12, 1), 2),
                                                      (date(2026, 12, 14), 0)]


def test_my_bookings_with_waiting_ones_and_refusals_with_their_reason():
    confirmed = {"booking_id": "b1", "number": "S2612-0001", "day": "2026-12-14",
                 "area_name": "津山中央", "items": [{"item_id": "i1", "name": "電子レンジ",
                                                     "fee": 500, "quantity": 1}],
                 "total_fee": 500, "status": "booked", "changeable_until": "2026-12-10",
                 "payment": {"text_ja": "処理券を貼ってください"}}
    rows = [LocalRow("bulky_waste", "b1", confirmed, False, NOW, NOW, 3),
            LocalRow("bulky_waste", "b2", {"booking_id": "b2", "day": "2026-12-01",
                                           "status": "pending", "total_fee": 1000,
                                           "items": []}, True, NOW, None, None)]
    refused = OutboxEntry(7, "m7", "bulky_waste", "b3", "book",
                          {"id": "b3", "area_id": "a", "day": "2026-12-01",
                           "items": [{"item_id": "i2", "quantity": 2}]},
                          NOW, "rejected", "slot_full", "no places left")
    bookings = bookings_from(rows, [refused], NOW, {"i2": SOFA}, {"a": {"name": "林田"}})
    assert [(b.booking_id, b.status, b.waiting) for b in bookings] == [
        ("b2", "pending", True), ("b1", "booked", False), ("b3", "pending", False)]
    assert bookings[1].number == "S2612-0001" and bookings[1].changeable_until == date(
        2026, 12, 10)
    assert bookings[2].rejection == ("slot_full", "no places left")
    assert bookings[2].total_fee == 2000 and bookings[2].area_name == "林田"


def test_a_refused_booking_is_rebuilt_from_what_was_asked():
    shown = shown_booking({"id": "b9", "area_id": "x", "day": "2027-01-12",
                           "items": [{"item_id": "gone", "quantity": 1}, "junk"]}, {}, {})
    assert shown["items"] == [{"item_id": "gone", "name": "?", "fee": None, "quantity": 1}]
    assert shown["total_fee"] == 0
