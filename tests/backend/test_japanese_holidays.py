"""Japanese national holidays: what we publish and count working days with matches the Cabinet
Office's published lists (2025–2027); our English names, range and helpers. The rules
themselves are the `holidays` library's (compared with our former rule table for 2000–2099
in docs/adr/0025-libraries-over-hand-written-code.md)."""

from __future__ import annotations

from datetime import date

import pytest

from backend.services.japanese_holidays import (
    Holiday,
    holiday,
    holiday_name,
    holidays_between,
    holidays_in_year,
    is_holiday,
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


@pytest.mark.parametrize(("day", "name_ja", "name_en"), [
    # the days the library names differently in English: ours are the Cabinet Office's
    ("2019-05-01", "天皇の即位の日", "Day of the Emperor's Enthronement"),
    ("2019-10-22", "即位礼正殿の儀が行われる日", "Day of the Enthronement Ceremony"),
    ("2019-10-14", "体育の日", "Health and Sports Day"),
    ("2026-02-11", "建国記念の日", "National Foundation Day"),
    ("2026-09-22", "国民の休日", "Citizens' Holiday"),
    ("2026-11-23", "勤労感謝の日", "Labour Thanksgiving Day"),
])
def test_cabinet_office_english_names(day: str, name_ja: str, name_en: str) -> None:
    assert holiday(date.fromisoformat(day)) == Holiday(date.fromisoformat(day), name_ja, name_en)


def test_a_name_we_do_not_know_gets_the_librarys_english(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import backend.services.japanese_holidays as module

    monkeypatch.setattr(module, "_NAMES_EN", {})
    module._year.cache_clear()
    try:
        assert holiday_name(date(2026, 1, 1), "en") == "New Year's Day"
        assert holiday_name(date(2026, 2, 11), "en") == "Foundation Day"  # the library's
    finally:
        module._year.cache_clear()


def test_every_year_in_range_is_sorted_and_complete() -> None:
    for year in range(2000, 2100):
        days = holidays_in_year(year)
        assert [h.day for h in days] == sorted({h.day for h in days})
        assert all(h.day.year == year and h.name_ja and h.name_en.isascii() for h in days)
        assert 15 <= len(days) <= 22, year


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
