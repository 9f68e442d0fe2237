"""Working days as the city counts them for booking deadlines, on the device: weekends,
national holidays (the synced `holidays` collection) and the year-end closure 12/29–1/3 are
not working days. The server counts the same way (backend/services/working_days.py) and
decides; the device only hides days that can no longer be booked."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, timedelta

YEAR_END = ((12, 29), (12, 30), (12, 31), (1, 1), (1, 2), (1, 3))


def is_working_day(day: date, holidays: Collection[date]) -> bool:
    return (day.weekday() < 5 and day not in holidays
            and (day.month, day.day) not in YEAR_END)


def working_days_before(day: date, count: int, holidays: Collection[date]) -> date:
    """The day `count` working days before `day` (`day` itself when `count` is 0)."""
    current, found = day, 0
    while found < count:
        current -= timedelta(days=1)
        if is_working_day(current, holidays):
            found += 1
    return current
