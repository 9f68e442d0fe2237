"""Working days of the city offices: Monday to Friday, except national holidays
(backend/services/japanese_holidays.py) and the year-end break (12/29 to 1/3).

Deadlines "N working days before" count in them: the bulky-waste booking deadline
(backend/tiles/waste/bulky/deadline.py) and the reservations' booking window
(backend/tiles/reservations/rules.py).
"""

from __future__ import annotations

from datetime import date, timedelta

from backend.services.japanese_holidays import is_holiday


def is_year_end_break(day: date) -> bool:
    return (day.month, day.day) >= (12, 29) or (day.month, day.day) <= (1, 3)


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and not is_holiday(day) and not is_year_end_break(day)


def nth_working_day_before(day: date, count: int) -> date:
    """The day `count` working days before `day` (`day` itself for 0): with 2, a Thursday
    gives the Tuesday before; a Monday the Thursday before; across a holiday or the year-end
    break, further back."""
    if count < 0:
        raise ValueError("count must be 0 or more working days")
    while count > 0:
        day -= timedelta(days=1)
        if is_working_day(day):
            count -= 1
    return day
