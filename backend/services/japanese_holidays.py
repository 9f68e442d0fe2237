"""Japanese national holidays (国民の祝日 and the days off the holiday law adds), computed by
rule for 2000–2099, with names in Japanese and English.

The backend uses it for the bulky-waste deadline (working days) and publishes the days as
the public `holidays` collection (backend/sync/holidays.py), which devices show in their
calendars: one source of truth, updated on the server if the law changes.

The rules are those of 「国民の祝日に関する法律」 as amended up to 2018 and the special laws for
2019–2021:

- fixed days: 元日 1/1, 建国記念の日 2/11, 昭和の日 4/29 (みどりの日 until 2006), 憲法記念日 5/3,
  みどりの日 5/4 (from 2007), こどもの日 5/5, 山の日 8/11 (from 2016), 文化の日 11/3,
  勤労感謝の日 11/23; 天皇誕生日 12/23 until 2018, none in 2019, 2/23 from 2020;
- Happy Monday days: 成人の日 (2nd Monday of January), 海の日 (7/20 until 2002, then the 3rd
  Monday of July), 敬老の日 (9/15 until 2002, then the 3rd Monday of September), 体育の日 /
  スポーツの日 from 2020 (2nd Monday of October);
- 春分の日 and 秋分の日 by the usual formula (valid 1980–2099; the official dates are announced
  each February for the following year and have always agreed with it in this range);
- 2019: 天皇の即位の日 5/1 and 即位礼正殿の儀の行われる日 10/22; 2020 and 2021 moved 海の日,
  スポーツの日 and 山の日 around the Olympics (2020: 7/23, 7/24, 8/10; 2021: 7/22, 7/23, 8/8);
- 振替休日: a holiday on a Sunday makes the next day that is not a holiday a day off (until 2006
  only the Monday, when it was not a holiday itself);
- 国民の休日: a day between two 国民の祝日 that is not one itself (until 2006, not on a Sunday).

Later changes of the law are not known here; outside 2000–2099 `holiday` returns None and
`holidays_in_year` raises ValueError.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

__all__ = [
    "FIRST_YEAR",
    "LAST_YEAR",
    "Holiday",
    "holiday",
    "holiday_name",
    "holidays_between",
    "holidays_in_year",
    "is_holiday",
]

FIRST_YEAR = 2000
LAST_YEAR = 2099

_MON, _SUN = 0, 6

_NAMES_EN = {
    "元日": "New Year's Day",
    "成人の日": "Coming of Age Day",
    "建国記念の日": "National Foundation Day",
    "天皇誕生日": "The Emperor's Birthday",
    "春分の日": "Vernal Equinox Day",
    "昭和の日": "Showa Day",
    "憲法記念日": "Constitution Memorial Day",
    "みどりの日": "Greenery Day",
    "こどもの日": "Children's Day",
    "海の日": "Marine Day",
    "山の日": "Mountain Day",
    "敬老の日": "Respect for the Aged Day",
    "秋分の日": "Autumnal Equinox Day",
    "体育の日": "Health and Sports Day",
    "スポーツの日": "Sports Day",
    "文化の日": "Culture Day",
    "勤労感謝の日": "Labour Thanksgiving Day",
    "天皇の即位の日": "Day of the Emperor's Enthronement",
    "即位礼正殿の儀の行われる日": "Day of the Enthronement Ceremony",
    "振替休日": "Substitute Holiday",
    "国民の休日": "Citizens' Holiday",
}


@dataclass(frozen=True, slots=True)
class Holiday:
    day: date
    name_ja: str
    name_en: str

    def name(self, language: str = "ja") -> str:
        return self.name_ja if language == "ja" else self.name_en


def _nth_monday(year: int, month: int, n: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(_MON - first.weekday()) % 7 + 7 * (n - 1))


def vernal_equinox_day(year: int) -> int:
    """Day of March of 春分の日 (formula valid 1980–2099)."""
    return int(20.8431 + 0.242194 * (year - 1980)) - (year - 1980) // 4


def autumnal_equinox_day(year: int) -> int:
    """Day of September of 秋分の日 (formula valid 1980–2099)."""
    return int(23.2488 + 0.242194 * (year - 1980)) - (year - 1980) // 4


def _national_holidays(year: int) -> dict[date, str]:
    """The 国民の祝日 of `year` (no 振替休日 or 国民の休日 yet)."""
    days: dict[date, str] = {
        date(year, 1, 1): "元日",
        _nth_monday(year, 1, 2): "成人の日",
        date(year, 2, 11): "建国記念の日",
        date(year, 3, vernal_equinox_day(year)): "春分の日",
        date(year, 5, 3): "憲法記念日",
        date(year, 5, 5): "こどもの日",
        date(year, 9, autumnal_equinox_day(year)): "秋分の日",
        date(year, 11, 3): "文化の日",
        date(year, 11, 23): "勤労感謝の日",
    }
    if year <= 2018:
        days[date(year, 12, 23)] = "天皇誕生日"
    elif year >= 2020:
        days[date(year, 2, 23)] = "天皇誕生日"
    if year <= 2006:
        days[date(year, 4, 29)] = "みどりの日"
    else:
        days[date(year, 4, 29)] = "昭和の日"
        days[date(year, 5, 4)] = "みどりの日"
    # 海の日, 山の日, 敬老の日, 体育の日/スポーツの日 (with the Olympic years' moves)
    if year == 2020:
        days[date(2020, 7, 23)] = "海の日"
        days[date(2020, 7, 24)] = "スポーツの日"
        days[date(2020, 8, 10)] = "山の日"
    elif year == 2021:
        days[date(2021, 7, 22)] = "海の日"
        days[date(2021, 7, 23)] = "スポーツの日"
        days[date(2021, 8, 8)] = "山の日"
    else:
        days[date(year, 7, 20) if year <= 2002 else _nth_monday(year, 7, 3)] = "海の日"
        if year >= 2016:
            days[date(year, 8, 11)] = "山の日"
        days[_nth_monday(year, 10, 2)] = "体育の日" if year <= 2019 else "スポーツの日"
    days[date(year, 9, 15) if year <= 2002 else _nth_monday(year, 9, 3)] = "敬老の日"
    if year == 2019:
        days[date(2019, 5, 1)] = "天皇の即位の日"
        days[date(2019, 10, 22)] = "即位礼正殿の儀の行われる日"
    return days


@lru_cache(maxsize=128)
def _year_table(year: int) -> dict[date, str]:
    national = _national_holidays(year)
    days = dict(national)
    # 振替休日
    for day in sorted(national):
        if day.weekday() != _SUN:
            continue
        substitute = day + timedelta(days=1)
        if year <= 2006:
            if substitute not in national:
                days[substitute] = "振替休日"
            continue
        while substitute in national:
            substitute += timedelta(days=1)
        if substitute.year == year:
            days.setdefault(substitute, "振替休日")
    # 国民の休日: sandwiched between two 国民の祝日
    for day in sorted(national):
        between = day + timedelta(days=1)
        if (between + timedelta(days=1)) in national and between not in national:
            if year <= 2006 and between.weekday() == _SUN:
                continue
            if between not in days:
                days[between] = "国民の休日"
    return dict(sorted(days.items()))


def holidays_in_year(year: int) -> list[Holiday]:
    """Every holiday of `year` (2000–2099), in date order."""
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(f"holidays are computed for {FIRST_YEAR}–{LAST_YEAR}, not {year}")
    return [Holiday(day, name, _NAMES_EN[name]) for day, name in _year_table(year).items()]


def holiday(day: date) -> Holiday | None:
    """The holiday on `day`, or None (also outside 2000–2099)."""
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        return None
    name = _year_table(day.year).get(day)
    return None if name is None else Holiday(day, name, _NAMES_EN[name])


def holiday_name(day: date, language: str = "ja") -> str | None:
    """The name of the holiday on `day` in Japanese (`language="ja"`) or English, or None."""
    found = holiday(day)
    return None if found is None else found.name(language)


def is_holiday(day: date) -> bool:
    return holiday(day) is not None


def holidays_between(start: date, end: date) -> list[Holiday]:
    """Holidays from `start` to `end`, both included (years outside 2000–2099 are skipped)."""
    found: list[Holiday] = []
    for year in range(max(start.year, FIRST_YEAR), min(end.year, LAST_YEAR) + 1):
        found.extend(h for h in holidays_in_year(year) if start <= h.day <= end)
    return found
