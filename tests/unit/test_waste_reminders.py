"""Collection reminders: the evening before, once each."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from app.features.waste.reminders import JST, Reminder, due_reminders, ready, reminder_id

MON, TUE, WED, THU, FRI, SAT, SUN = range(7)

AREA = {
    "id": "a", "name": "a", "center": "c", "source": "test", "is_demo": True,
    "schedules": [
        {"kind": "燃やすごみ", "weekly": [MON, THU], "nth": [], "months": [], "dates": []},
        {"kind": "資源", "weekly": [], "nth": [[TUE, 1], [TUE, 3]], "months": [], "dates": []},
        {"kind": "あきびん", "weekly": [], "nth": [[MON, 1]], "months": [], "dates": []},
    ],
}
KINDS = [{"label": "あきびん", "order": 1}, {"label": "燃やすごみ", "order": 2},
         {"label": "資源", "order": 3}]


def jst(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=JST)


def test_one_reminder_the_evening_before_each_collection_of_enabled_kinds() -> None:
    now = jst(2026, 11, 24, 12)  # a Tuesday
    found = due_reminders(AREA, now, {"燃やすごみ"}, horizon_days=7)
    assert found == [
        Reminder(jst(2026, 11, 25, 19), "燃やすごみ", date(2026, 11, 26)),
        Reminder(jst(2026, 11, 29, 19), "燃やすごみ", date(2026, 11, 30)),
    ]
    assert all(r.at.utcoffset() == timedelta(hours=9) for r in found)


def test_hour_and_every_enabled_kind() -> None:
    now = jst(2026, 11, 29, 8)  # Sunday
    found = due_reminders(AREA, now, {"燃やすごみ", "資源", "あきびん"}, hour=20, horizon_days=2)
    # 11/30 (月): 燃やすごみ; 12/1 (火1): 資源; あきびん is 月1: 12/7, beyond the horizon
    assert [(r.at, r.kind, r.collection_day) for r in found] == [
        (jst(2026, 11, 29, 20), "燃やすごみ", date(2026, 11, 30)),
        (jst(2026, 11, 30, 20), "資源", date(2026, 12, 1)),
    ]


def test_kinds_of_one_day_follow_kind_order() -> None:
    now = jst(2026, 12, 6, 9)
    enabled = {"燃やすごみ", "あきびん"}
    found = due_reminders(AREA, now, enabled, horizon_days=1)
    assert [r.kind for r in found] == ["燃やすごみ", "あきびん"]  # the area's schedule order
    found = due_reminders(AREA, now, enabled, horizon_days=1, kinds=KINDS)
    assert [r.kind for r in found] == ["あきびん", "燃やすごみ"]
    assert {r.collection_day for r in found} == {date(2026, 12, 7)}


def test_a_missed_reminder_stays_until_the_collection_morning() -> None:
    # collection on Thursday 11/26; the phone was off on Wednesday evening
    early = due_reminders(AREA, jst(2026, 11, 26, 6), {"燃やすごみ"}, horizon_days=3)
    assert early[0] == Reminder(jst(2026, 11, 25, 19), "燃やすごみ", date(2026, 11, 26))
    late = due_reminders(AREA, jst(2026, 11, 26, 8, 30), {"燃やすごみ"}, horizon_days=4)
    assert [r.collection_day for r in late] == [date(2026, 11, 30)]
    custom = due_reminders(AREA, jst(2026, 11, 26, 9), {"燃やすごみ"}, horizon_days=3,
                           collection_time=time(10))
    assert custom[0].collection_day == date(2026, 11, 26)


def test_horizon_counts_days_from_today() -> None:
    now = jst(2026, 11, 24, 12)
    found = due_reminders(AREA, now, {"燃やすごみ"})  # default 14 days
    assert [r.collection_day.isoformat() for r in found] == [
        "2026-11-26", "2026-11-30", "2026-12-03", "2026-12-07"]
    assert due_reminders(AREA, now, {"燃やすごみ"}, horizon_days=1) == []
    assert due_reminders(AREA, now, set()) == []
    assert due_reminders(AREA, now, {"燃やすごみ"}, horizon_days=-1) == []


def test_now_in_another_zone_is_read_in_japan() -> None:
    # 2026-11-25 16:00 UTC is 11/26 01:00 in Japan: the reminder of 11/26 is due, not earlier ones
    now = datetime(2026, 11, 25, 16, tzinfo=UTC)
    found = due_reminders(AREA, now, {"燃やすごみ"}, horizon_days=0)
    assert found == [Reminder(jst(2026, 11, 25, 19), "燃やすごみ", date(2026, 11, 26))]


def test_closures_silence_reminders() -> None:
    centers = [{"name": "c", "closures": [{"from": "2026-12-29", "to": "2027-01-03"}]}]
    now = jst(2026, 12, 27, 12)
    found = due_reminders(AREA, now, {"燃やすごみ"}, horizon_days=11, centers=centers)
    assert [r.collection_day.isoformat() for r in found] == [
        "2026-12-28", "2027-01-04", "2027-01-07"]


def test_bad_arguments() -> None:
    with pytest.raises(ValueError):
        due_reminders(AREA, datetime(2026, 11, 24, 12), {"燃やすごみ"})  # naive
    with pytest.raises(ValueError):
        due_reminders(AREA, jst(2026, 11, 24), {"燃やすごみ"}, hour=24)


def test_reminder_id_is_stable_and_ignores_the_hour() -> None:
    a = Reminder(jst(2026, 11, 25, 19), "燃やすごみ", date(2026, 11, 26))
    b = Reminder(jst(2026, 11, 25, 20), "燃やすごみ", date(2026, 11, 26))
    c = Reminder(jst(2026, 11, 25, 19), "資源", date(2026, 11, 26))
    assert reminder_id(a) == "waste:2026-11-26:燃やすごみ"
    assert reminder_id(a) == reminder_id(b)
    assert reminder_id(a) != reminder_id(c)


def test_ready_delivers_each_once() -> None:
    reminders = due_reminders(AREA, jst(2026, 11, 25, 12), {"燃やすごみ"}, horizon_days=7)
    assert ready(reminders, jst(2026, 11, 25, 12), set()) == []  # not 19:00 yet
    evening = jst(2026, 11, 25, 19, 5)
    first = ready(reminders, evening, set())
    assert [r.collection_day for r in first] == [date(2026, 11, 26)]
    delivered = {reminder_id(r) for r in first}
    again = due_reminders(AREA, evening, {"燃やすごみ"}, horizon_days=7)
    assert ready(again, evening, delivered) == []
