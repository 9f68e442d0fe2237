"""Japanese national holidays (国民の祝日, 振替休日 and 国民の休日) for 2000–2099, with names in
Japanese and English.

The backend uses it for the bulky-waste deadline (working days) and publishes the days as
the public `holidays` collection (backend/sync/holidays.py), which devices show in their
calendars: one source of truth, updated on the server if the law changes.

The dates and the Japanese names come from the `holidays` library (`holidays.Japan`, which
follows 「国民の祝日に関する法律」 and the special laws of 2019–2021; a law change means a
new pin, not new code here; docs/adr/0025-libraries-over-hand-written-code.md). What stays
ours: the range we answer for (2000–2099, also the bulky-waste calendar's domain), the
`Holiday` value and the English names, which follow the Cabinet Office's English list
(the library's English names differ, e.g. "Foundation Day"); a name we do not know yet
falls back to the library's English one.

Outside 2000–2099 `holiday` returns None and `holidays_in_year` raises ValueError.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
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

# The Cabinet Office's English names, by the Japanese name.
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
    "即位礼正殿の儀が行われる日": "Day of the Enthronement Ceremony",
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


@lru_cache(maxsize=128)
def _year(year: int) -> tuple[Holiday, ...]:
    from holidays.countries.japan import Japan  # about 0.1 s: only when first asked

    names_ja = Japan(years=year, language="ja")
    names_en = Japan(years=year, language="en_US")
    return tuple(
        Holiday(day, name_ja, _NAMES_EN.get(name_ja) or names_en[day])
        for day, name_ja in sorted(names_ja.items())
    )


def holidays_in_year(year: int) -> list[Holiday]:
    """Every holiday of `year` (2000–2099), in date order."""
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(f"holidays are known for {FIRST_YEAR}–{LAST_YEAR}, not {year}")
    return list(_year(year))


def holiday(day: date) -> Holiday | None:
    """The holiday on `day`, or None (also outside 2000–2099)."""
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        return None
    return next((h for h in _year(day.year) if h.day == day), None)


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
        found.extend(h for h in _year(year) if start <= h.day <= end)
    return found
