"""Collection days from an area row (5374 semantics), closures, the month view."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from app.features.waste.calendar import (
    DayCell,
    center_closures,
    collection_days,
    kind_order,
    month_view,
    next_collections,
)
from backend.services.japanese_holidays import holidays_in_year

MON, TUE, WED, THU, FRI, SAT, SUN = range(7)


def schedule(kind: str, weekly: list[int] | None = None, nth: list[list[int]] | None = None,
             months: list[int] | None = None, dates: list[str] | None = None) -> dict[str, Any]:
    return {"kind": kind, "weekly": weekly or [], "nth": nth or [], "months": months or [],
            "dates": dates or []}


# 浅野川 in Kanazawa's area_days.csv: 月 木 / 水4 / 火1 火3 火5 / 水2, center 東部管理センター
ASANOGAWA = {
    "id": "kanazawa-asanogawa", "name": "浅野川", "center": "東部管理センター",
    "schedules": [
        schedule("燃やすごみ", weekly=[MON, THU]),
        schedule("燃やさないごみ", nth=[[WED, 4]]),
        schedule("資源", nth=[[TUE, 1], [TUE, 3], [TUE, 5]]),
        schedule("あきびん", nth=[[WED, 2]]),
    ],
    "source": "5374 kanazawa_2022 area_days.csv", "is_demo": True,
}
CENTERS = [
    {"name": "東部管理センター", "closures": [{"from": "2022-12-30", "to": "2023-01-03"}]},
    {"name": "西部管理センター", "closures": [{"from": "2022-12-30", "to": "2023-01-03"}]},
]
KINDS = [
    {"label": "燃やすごみ", "sublabel": "", "description": "", "color": "#ea3b13", "order": 1},
    {"label": "燃やさないごみ", "sublabel": "", "description": "", "color": "#733b96", "order": 2},
    {"label": "資源", "sublabel": "", "description": "", "color": "#77ae1f", "order": 3},
    {"label": "あきびん", "sublabel": "", "description": "", "color": "#2dc7aa", "order": 4},
]


def days_of(area: dict[str, Any], kind: str, start: date, end: date, **options: Any) -> list[str]:
    found = collection_days(area, start, end, **options)
    return [day.isoformat() for day, kinds in found.items() if kind in kinds]


def area_with(*schedules: dict[str, Any], center: str | None = None) -> dict[str, Any]:
    return {"id": "a", "name": "a", "center": center, "schedules": list(schedules),
            "source": "test", "is_demo": True}


# --- weekly, n-th weekday, months, dates --------------------------------------------------------

def test_weekly_days() -> None:
    got = days_of(ASANOGAWA, "燃やすごみ", date(2026, 11, 1), date(2026, 11, 30))
    assert got == ["2026-11-02", "2026-11-05", "2026-11-09", "2026-11-12", "2026-11-16",
                   "2026-11-19", "2026-11-23", "2026-11-26", "2026-11-30"]


def test_nth_weekday_of_the_month() -> None:
    # 水2: the 2nd Wednesday; 水4: the 4th
    assert days_of(ASANOGAWA, "あきびん", date(2026, 1, 1), date(2026, 4, 30)) == [
        "2026-01-14", "2026-02-11", "2026-03-11", "2026-04-08"]
    assert days_of(ASANOGAWA, "燃やさないごみ", date(2026, 9, 1), date(2026, 10, 31)) == [
        "2026-09-23", "2026-10-28"]


def test_fifth_weekday_only_in_months_that_have_one() -> None:
    # 火1 火3 火5: December 2026 has five Tuesdays (1, 8, 15, 22, 29), November four
    assert days_of(ASANOGAWA, "資源", date(2026, 11, 1), date(2026, 12, 31)) == [
        "2026-11-03", "2026-11-17", "2026-12-01", "2026-12-15", "2026-12-29"]


def test_months_filter() -> None:
    # 5374's `火2 金4:4 6 8 10 12 2`
    area = area_with(schedule("古紙", nth=[[TUE, 2], [FRI, 4]], months=[4, 6, 8, 10, 12, 2]))
    got = days_of(area, "古紙", date(2026, 1, 1), date(2026, 6, 30))
    assert got == ["2026-02-10", "2026-02-27", "2026-04-14", "2026-04-24", "2026-06-09",
                   "2026-06-26"]


def test_months_filter_applies_to_weekly_days_too() -> None:
    area = area_with(schedule("草木", weekly=[SAT], months=[5]))
    got = days_of(area, "草木", date(2026, 4, 1), date(2026, 6, 30))
    assert got == ["2026-05-02", "2026-05-09", "2026-05-16", "2026-05-23", "2026-05-30"]


def test_irregular_dates_ignore_months_and_closures() -> None:
    area = area_with(
        schedule("粗大ごみ", months=[4], dates=["2023-01-02", "2023-03-15", "2024-03-01"]),
        center="東部管理センター",
    )
    got = days_of(area, "粗大ごみ", date(2023, 1, 1), date(2023, 12, 31), centers=CENTERS)
    assert got == ["2023-01-02", "2023-03-15"]  # 1/2 is in the closure, listed all the same


def test_range_is_inclusive_and_sorted() -> None:
    found = collection_days(ASANOGAWA, date(2026, 11, 2), date(2026, 11, 5))
    assert list(found) == [date(2026, 11, 2), date(2026, 11, 3), date(2026, 11, 5)]
    assert collection_days(ASANOGAWA, date(2026, 11, 5), date(2026, 11, 2)) == {}


def test_kinds_of_a_day_follow_kind_order() -> None:
    area = area_with(schedule("資源", weekly=[MON]), schedule("燃やすごみ", weekly=[MON]))
    day = date(2026, 11, 2)
    assert collection_days(area, day, day)[day] == ["資源", "燃やすごみ"]  # schedule order
    assert collection_days(area, day, day, kinds=KINDS)[day] == ["燃やすごみ", "資源"]


def test_two_schedules_of_one_kind_are_merged() -> None:
    area = area_with(schedule("燃やすごみ", weekly=[MON]), schedule("燃やすごみ", weekly=[THU]),
                     schedule("燃やすごみ", dates=["2026-11-02"]))
    found = collection_days(area, date(2026, 11, 2), date(2026, 11, 8))
    assert found == {date(2026, 11, 2): ["燃やすごみ"], date(2026, 11, 5): ["燃やすごみ"]}


def test_malformed_parts_are_ignored() -> None:
    area = area_with(
        schedule("燃やすごみ", weekly=[MON, 9, "x"], nth=[[TUE, 6], [WED], [THU, 1]],  # type: ignore[list-item]
                 months=[13], dates=["2026-11-31", "not a date", "2026-11-10"]),
        {"kind": "", "weekly": [MON]},
        {"weekly": [TUE]},
    )
    found = collection_days(area, date(2026, 11, 1), date(2026, 11, 10))
    assert found == {date(2026, 11, 2): ["燃やすごみ"], date(2026, 11, 5): ["燃やすごみ"],
                     date(2026, 11, 9): ["燃やすごみ"], date(2026, 11, 10): ["燃やすごみ"]}
    assert collection_days({"id": "x"}, date(2026, 1, 1), date(2026, 12, 31)) == {}


# --- closures ---------------------------------------------------------------------------------

def test_center_closures_of_the_area_only() -> None:
    assert center_closures(ASANOGAWA, CENTERS) == [(date(2022, 12, 30), date(2023, 1, 3))]
    assert center_closures(area_with(), CENTERS) == []
    assert center_closures(ASANOGAWA, None) == []
    odd = [{"name": "東部管理センター", "closures": [{"from": "2023-01-03", "to": "2022-12-30"},
                                                    {"from": "?", "to": "2023-01-01"}]}]
    assert center_closures(ASANOGAWA, odd) == [(date(2022, 12, 30), date(2023, 1, 3))]


def test_closed_days_are_skipped() -> None:
    found = collection_days(ASANOGAWA, date(2022, 12, 26), date(2023, 1, 12), CENTERS)
    assert {d.isoformat(): k for d, k in found.items()} == {
        "2022-12-26": ["燃やすごみ"], "2022-12-28": ["燃やさないごみ"],
        "2022-12-29": ["燃やすごみ"],
        # 12/30 (金), 1/2 (月) and 1/3 (火1, 資源) are in the closure
        "2023-01-05": ["燃やすごみ"], "2023-01-09": ["燃やすごみ"], "2023-01-11": ["あきびん"],
        "2023-01-12": ["燃やすごみ"],
    }


def test_closures_of_another_center_do_not_apply() -> None:
    west_only = [CENTERS[1]]
    got = days_of(ASANOGAWA, "燃やすごみ", date(2023, 1, 1), date(2023, 1, 6), centers=west_only)
    assert got == ["2023-01-02", "2023-01-05"]


def test_week_shift_moves_the_rest_of_the_month_a_week_later() -> None:
    # Kanazawa: 1/3 (火1) is closed, so January's 火1 and 火3 become 1/10 and 1/24, and 火5
    # (1/31) would be 2/7: out of the month, dropped
    plain = days_of(ASANOGAWA, "資源", date(2023, 1, 1), date(2023, 2, 28), centers=CENTERS)
    shifted = days_of(ASANOGAWA, "資源", date(2023, 1, 1), date(2023, 2, 28), centers=CENTERS,
                      week_shift=True)
    assert plain == ["2023-01-17", "2023-01-31", "2023-02-07", "2023-02-21"]
    assert shifted == ["2023-01-10", "2023-01-24", "2023-02-07", "2023-02-21"]


def test_week_shift_of_weekly_days_is_the_same_as_skipping() -> None:
    for kind in ("燃やすごみ",):
        plain = days_of(ASANOGAWA, kind, date(2022, 12, 1), date(2023, 1, 31), centers=CENTERS)
        shifted = days_of(ASANOGAWA, kind, date(2022, 12, 1), date(2023, 1, 31),
                          centers=CENTERS, week_shift=True)
        assert plain == shifted
        assert "2023-01-02" not in plain and "2023-01-09" in plain


def test_week_shift_drops_a_day_still_closed_a_week_later() -> None:
    centers = [{"name": "c", "closures": [{"from": "2026-12-28", "to": "2027-01-12"}]}]
    area = area_with(schedule("資源", nth=[[TUE, 1], [TUE, 3]]), center="c")
    got = days_of(area, "資源", date(2027, 1, 1), date(2027, 1, 31), centers=centers,
                  week_shift=True)
    # 火1 = 1/5 closed → 1/12, still closed: dropped; 火3 = 1/19 → 1/26
    assert got == ["2027-01-26"]


def test_week_shift_leaves_months_without_closures_alone() -> None:
    plain = collection_days(ASANOGAWA, date(2026, 3, 1), date(2026, 11, 30), CENTERS)
    shifted = collection_days(ASANOGAWA, date(2026, 3, 1), date(2026, 11, 30), CENTERS, True)
    assert plain == shifted


# --- next collections ---------------------------------------------------------------------------

def test_next_collections_sorted_by_date_then_kind_order() -> None:
    found = next_collections(ASANOGAWA, date(2026, 11, 24), CENTERS, kinds=KINDS)
    assert found == [
        ("燃やさないごみ", date(2026, 11, 25)), ("燃やすごみ", date(2026, 11, 26)),
        ("資源", date(2026, 12, 1)), ("あきびん", date(2026, 12, 9)),
    ]


def test_next_collections_include_today_and_break_ties_by_kind_order() -> None:
    area = area_with(schedule("資源", weekly=[TUE]), schedule("燃やすごみ", weekly=[TUE]))
    today = date(2026, 11, 24)  # a Tuesday
    assert next_collections(area, today, kinds=KINDS) == [
        ("燃やすごみ", today), ("資源", today)]
    assert next_collections(area, today) == [("資源", today), ("燃やすごみ", today)]


def test_next_collections_across_a_closure() -> None:
    found = dict(next_collections(ASANOGAWA, date(2022, 12, 30), CENTERS))
    assert found["燃やすごみ"] == date(2023, 1, 5)
    assert found["資源"] == date(2023, 1, 17)
    shifted = dict(next_collections(ASANOGAWA, date(2022, 12, 30), CENTERS, week_shift=True))
    assert shifted["資源"] == date(2023, 1, 10)


def test_next_collections_leave_out_kinds_beyond_the_horizon() -> None:
    area = area_with(schedule("燃やすごみ", weekly=[MON]),
                     schedule("粗大ごみ", dates=["2027-06-01"]),
                     schedule("古い", dates=["2020-01-01"]))
    found = next_collections(area, date(2026, 11, 24), horizon_days=30)
    assert found == [("燃やすごみ", date(2026, 11, 30))]
    found = next_collections(area, date(2026, 11, 24))  # default: about 13 months
    assert ("粗大ごみ", date(2027, 6, 1)) in found


# --- month view ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("year", "month", "first", "cells"), [
    (2026, 11, date(2026, 10, 26), 42),  # 11/1 is a Sunday: six weeks
    (2027, 2, date(2027, 2, 1), 28),  # starts on a Monday, 28 days: four weeks
    (2026, 12, date(2026, 11, 30), 35),
    (2027, 1, date(2026, 12, 28), 35),
])
def test_month_view_covers_full_weeks_from_monday(year: int, month: int, first: date,
                                                  cells: int) -> None:
    view = month_view(ASANOGAWA, year, month, CENTERS)
    assert len(view) == cells
    assert view[0].date == first and view[0].date.weekday() == MON
    assert view[-1].date.weekday() == SUN
    assert [c.date for c in view] == [first + timedelta(days=n) for n in range(cells)]
    assert all(isinstance(c, DayCell) for c in view)


def holiday_names(year: int, language: str = "ja") -> dict[date, str]:
    return {h.day: h.name(language) for h in holidays_in_year(year)}


def test_month_view_cells() -> None:
    holidays = holiday_names(2022) | holiday_names(2023)
    view = {c.date: c for c in month_view(ASANOGAWA, 2023, 1, CENTERS, kinds=KINDS,
                                          holidays=holidays)}
    assert view[date(2023, 1, 1)] == DayCell(date(2023, 1, 1), (), "元日", True)
    assert view[date(2023, 1, 2)] == DayCell(date(2023, 1, 2), (), "振替休日", True)
    assert view[date(2023, 1, 3)].closed and view[date(2023, 1, 3)].kinds == ()
    assert view[date(2023, 1, 4)] == DayCell(date(2023, 1, 4), (), None, False)
    assert view[date(2023, 1, 5)].kinds == ("燃やすごみ",)
    # 成人の日 (a Monday): collected all the same
    assert view[date(2023, 1, 9)] == DayCell(date(2023, 1, 9), ("燃やすごみ",), "成人の日", False)
    # the neighbouring month's days are filled in too
    assert view[date(2022, 12, 26)].kinds == ("燃やすごみ",)
    assert view[date(2022, 12, 30)].closed


def test_month_view_holiday_names_in_english() -> None:
    view = month_view(ASANOGAWA, 2026, 11, holidays=holiday_names(2026, "en"))
    names = {c.date: c.holiday_name for c in view if c.holiday_name}
    assert names == {date(2026, 11, 3): "Culture Day",
                     date(2026, 11, 23): "Labour Thanksgiving Day"}
    # 11/3 (火1, 資源) and 11/23 (月, 燃やすごみ) are holidays with collection
    cells = {c.date: c for c in view}
    assert cells[date(2026, 11, 3)].kinds == ("資源",)
    assert cells[date(2026, 11, 23)].kinds == ("燃やすごみ",)


def test_kind_order() -> None:
    assert kind_order(KINDS) == {"燃やすごみ": 1, "燃やさないごみ": 2, "資源": 3, "あきびん": 4}
    assert kind_order([{"label": "x", "order": "?"}, {"order": 3}]) == {"x": 0}
    assert kind_order(None) == {}
