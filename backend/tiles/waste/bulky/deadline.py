"""The booking deadline: a booking can be made, changed or cancelled until N working days
before its collection day (N: `Settings.bulky_deadline_working_days`, default 2).

Working days are Monday to Friday, except national holidays and the city offices' year-end
break (12/29 to 1/3; backend/services/working_days.py). With N = 2 a Thursday collection
closes at the end of Tuesday; with a holiday on that Monday, a Tuesday collection closes at
the end of the Thursday before.
"""

from __future__ import annotations

from datetime import date

from backend.services.clock import city_today
from backend.services.japanese_holidays import FIRST_YEAR, LAST_YEAR
from backend.services.working_days import is_working_day as is_working_day
from backend.services.working_days import nth_working_day_before

DEFAULT_WORKING_DAYS = 2
# Collection days the booking calendar knows: the years whose holidays are known. Days
# outside are refused as invalid (and the date arithmetic stays far from year 1 and 9999).
FIRST_DAY = date(FIRST_YEAR, 1, 1)
LAST_DAY = date(LAST_YEAR, 12, 31)
_working_days = DEFAULT_WORKING_DAYS


def configure(working_days: int) -> None:
    """Set N (from the settings, at app start)."""
    global _working_days
    if working_days < 0:
        raise ValueError("the bulky-waste deadline must be 0 or more working days")
    _working_days = working_days


def working_days_before() -> int:
    return _working_days


def today() -> date:
    """Today in the city (tests replace this function)."""
    return city_today()


def changeable_until(collection_day: date, working_days: int | None = None) -> date:
    """The last day a booking for `collection_day` can be made, changed or cancelled."""
    count = _working_days if working_days is None else working_days
    return nth_working_day_before(collection_day, count)


def is_open(collection_day: date, on: date | None = None) -> bool:
    """Whether `collection_day` can still be booked, changed or cancelled (today by default)."""
    return (on or today()) <= changeable_until(collection_day)
