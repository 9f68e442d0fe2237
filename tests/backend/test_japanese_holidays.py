"""Japanese national holidays by rule: the complete published lists of 2025–2027 and the rules'
corner cases (2000–2099)."""

from __future__ import annotations

from datetime import date

import pytest

from backend.services.japanese_holidays import (
    Holiday,
    autumnal_equinox_day,
    holiday,
    holiday_name,
    holidays_between,
    holidays_in_year,
    is_holiday,
    vernal_equinox_day,
)

# The Cabinet Office's lists (「国民の祝日」について); 振替休日 and 国民の休日 are listed there
# as 「休日」.
HOLIDAYS_2025 = [
    ("2025-01-01", "元日"), ("2025-01-13", "成人の日"), ("2025-02-11", "建国記念の日"),
    ("2025-02-23", "天皇誕生日"), ("2025-02-24", "振替休日"), ("2025-03-20", "春分の日"),
    ("2025-04-29", "昭和の日"), ("2025-05-03", "憲法記念日"), ("2025-05-04", "みどりの日"),
    ("2025-05-05", "こどもの日"), ("2025-05-06", "振替休日"), ("2025-07-21", "海の日"),
    ("2025-08-11", "山の日"), ("2025-09-15", "敬老の日"), ("2025-09-23", "秋分の日"),
    ("2025-10-13", "スポーツの日"), ("2025-11-03", "文化の日"), ("2025-11-23", "勤労感謝の日"),
    ("2025-11-24", "振替休日"),
]
HOLIDAYS_2026 = [
    ("2026-01-01", "元日"), ("2026-01-12", "成人の日"), ("2026-02-11", "建国記念の日"),
    ("2026-02-23", "天皇誕生日"), ("2026-03-20", "春分の日"), ("2026-04-29", "昭和の日"),
    ("2026-05-03", "憲法記念日"), ("2026-05-04", "みどりの日"), ("2026-05-05", "こどもの日"),
    ("2026-05-06", "振替休日"), ("2026-07-20", "海の日"), ("2026-08-11", "山の日"),
    ("2026-09-21", "敬老の日"), ("2026-09-22", "国民の休日"), ("2026-09-23", "秋分の日"),
    ("2026-10-12", "スポーツの日"), ("2026-11-03", "文化の日"), ("2026-11-23", "勤労感謝の日"),
]
HOLIDAYS_2027 = [
    ("2027-01-01", "元日"), ("2027-01-11", "成人の日"), ("2027-02-11", "建国記念の日"),
    ("2027-02-23", "天皇誕生日"), ("2027-03-21", "春分の日"), ("2027-03-22", "振替休日"),
    ("2027-04-29", "昭和の日"), ("2027-05-03", "憲法記念日"), ("2027-05-04", "みどりの日"),
    ("2027-05-05", "こどもの日"), ("2027-07-19", "海の日"), ("2027-08-11", "山の日"),
    ("2027-09-20", "敬老の日"), ("2027-09-23", "秋分の日"), ("2027-10-11", "スポーツの日"),
    ("2027-11-03", "文化の日"), ("2027-11-23", "勤労感謝の日"),
]


@pytest.mark.parametrize(("year", "expected"), [
    (2025, HOLIDAYS_2025), (2026, HOLIDAYS_2026), (2027, HOLIDAYS_2027),
])
def test_complete_lists(year: int, expected: list[tuple[str, str]]) -> None:
    got = [(h.day.isoformat(), h.name_ja) for h in holidays_in_year(year)]
    assert got == expected


def test_english_names() -> None:
    names = {h.name_ja: h.name_en for h in holidays_in_year(2026)}
    assert names["元日"] == "New Year's Day"
    assert names["成人の日"] == "Coming of Age Day"
    assert names["スポーツの日"] == "Sports Day"
    assert names["国民の休日"] == "Citizens' Holiday"
    assert names["振替休日"] == "Substitute Holiday"
    assert all(name_en and name_en.isascii() for name_en in names.values())
    assert holiday_name(date(2026, 11, 3), "en") == "Culture Day"
    assert holiday_name(date(2026, 11, 3)) == "文化の日"
    assert holiday(date(2026, 11, 3)) == Holiday(date(2026, 11, 3), "文化の日", "Culture Day")


@pytest.mark.parametrize(("day", "name"), [
    # 2019: the enthronement; Golden Week's sandwiched days; no Emperor's Birthday
    ("2019-04-30", "国民の休日"), ("2019-05-01", "天皇の即位の日"), ("2019-05-02", "国民の休日"),
    ("2019-10-22", "即位礼正殿の儀の行われる日"), ("2019-12-23", None),
    ("2019-10-14", "体育の日"),
    # 2020 and 2021: the Olympics' moves
    ("2020-07-23", "海の日"), ("2020-07-24", "スポーツの日"), ("2020-08-10", "山の日"),
    ("2020-07-20", None), ("2020-08-11", None), ("2020-10-12", None),
    ("2020-02-23", "天皇誕生日"), ("2020-02-24", "振替休日"),
    ("2021-07-22", "海の日"), ("2021-07-23", "スポーツの日"), ("2021-08-08", "山の日"),
    ("2021-08-09", "振替休日"), ("2021-07-19", None), ("2021-08-11", None),
    ("2021-10-11", None),
    # before Happy Monday (海の日 and 敬老の日 until 2002) and the old みどりの日
    ("2000-01-10", "成人の日"), ("2002-07-20", "海の日"), ("2002-09-15", "敬老の日"),
    ("2002-09-16", "振替休日"), ("2003-07-21", "海の日"), ("2003-09-15", "敬老の日"),
    ("2006-04-29", "みどりの日"), ("2006-05-04", "国民の休日"), ("2007-04-29", "昭和の日"),
    ("2007-05-04", "みどりの日"), ("2018-12-23", "天皇誕生日"), ("2018-12-24", "振替休日"),
    # 国民の休日 in September (the silver weeks)
    ("2009-09-22", "国民の休日"), ("2015-09-22", "国民の休日"), ("2032-09-21", "国民の休日"),
    # since 2007 a substitute can skip past holidays: 5/3 on a Sunday gives 5/6
    ("2009-05-06", "振替休日"), ("2015-05-06", "振替休日"),
    # 山の日 from 2016
    ("2015-08-11", None), ("2016-08-11", "山の日"),
])
def test_corner_cases(day: str, name: str | None) -> None:
    assert holiday_name(date.fromisoformat(day)) == name


def test_before_2007_a_sunday_is_not_a_citizens_holiday() -> None:
    # 2003-05-04 was a Sunday between two holidays: no 国民の休日 (and nothing to substitute)
    assert holiday_name(date(2003, 5, 4)) is None
    assert holiday_name(date(2003, 5, 6)) is None


@pytest.mark.parametrize(("year", "vernal", "autumnal"), [
    (2000, 20, 23), (2012, 20, 22), (2016, 20, 22), (2025, 20, 23), (2026, 20, 23),
    (2027, 21, 23), (2044, 20, 22),
])
def test_equinoxes(year: int, vernal: int, autumnal: int) -> None:
    assert vernal_equinox_day(year) == vernal
    assert autumnal_equinox_day(year) == autumnal


def test_every_year_is_consistent() -> None:
    for year in range(2000, 2100):
        days = holidays_in_year(year)
        assert [h.day for h in days] == sorted({h.day for h in days})
        assert all(h.day.year == year for h in days)
        assert 15 <= len(days) <= 22, year
        national = {h.day for h in days if h.name_ja not in ("振替休日", "国民の休日")}
        for h in days:
            if h.name_ja == "振替休日":  # ends a run of holidays with a Sunday in it
                run = []
                before = h.day.toordinal() - 1
                while date.fromordinal(before) in national:
                    run.append(date.fromordinal(before))
                    before -= 1
                assert any(day.weekday() == 6 for day in run), h
            if h.name_ja == "国民の休日":
                assert date.fromordinal(h.day.toordinal() - 1) in national
                assert date.fromordinal(h.day.toordinal() + 1) in national


def test_range_and_helpers() -> None:
    assert is_holiday(date(2026, 1, 1))
    assert not is_holiday(date(2026, 1, 2))
    assert holiday(date(1999, 1, 1)) is None  # outside 2000–2099
    assert holiday(date(2100, 1, 1)) is None
    with pytest.raises(ValueError):
        holidays_in_year(1999)
    found = holidays_between(date(2025, 12, 20), date(2026, 1, 15))
    assert [(h.day.isoformat(), h.name_ja) for h in found] == [
        ("2026-01-01", "元日"), ("2026-01-12", "成人の日"),
    ]
    assert holidays_between(date(1999, 12, 1), date(2000, 1, 1))[0].day == date(2000, 1, 1)
