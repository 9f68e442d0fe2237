"""The current instant, and "today" as the city counts it (Asia/Tokyo)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

CITY_TIME_ZONE = ZoneInfo("Asia/Tokyo")


def utc_now() -> datetime:
    return datetime.now(UTC)


def city_today(now: datetime | None = None) -> date:
    """The date in the city's time zone: ages and birthdays turn over at midnight JST."""
    return (now or utc_now()).astimezone(CITY_TIME_ZONE).date()


def age_on(birthdate: date | None, day: date) -> int | None:
    """Completed years on `day` (a 29 February birthday turns over on 1 March)."""
    if birthdate is None:
        return None
    return day.year - birthdate.year - ((day.month, day.day) < (birthdate.month, birthdate.day))
