"""The bulky-waste deadline in working days (weekends, national holidays, 12/29-1/3)."""

from __future__ import annotations

from datetime import date

import pytest

from backend.tiles.waste.bulky.deadline import changeable_until, is_open, is_working_day


@pytest.mark.parametrize(("collection", "working_days", "until"), [
    (date(2026, 12, 3), 2, date(2026, 12, 1)),  # Thu -> Tue
    (date(2026, 11, 30), 2, date(2026, 11, 26)),  # Mon -> Thu (weekend skipped)
    (date(2026, 11, 25), 2, date(2026, 11, 20)),  # Wed -> Fri (Mon 11-23 勤労感謝の日)
    (date(2027, 1, 5), 2, date(2026, 12, 28)),  # the year-end break 12/29-1/3
    (date(2027, 1, 5), 1, date(2027, 1, 4)),
    (date(2026, 5, 7), 2, date(2026, 4, 30)),  # Golden Week: 5/4, 5/5, 5/6 (振替休日)
    (date(2026, 12, 3), 0, date(2026, 12, 3)),
])
def test_changeable_until(collection: date, working_days: int, until: date) -> None:
    assert changeable_until(collection, working_days) == until


def test_working_days() -> None:
    assert is_working_day(date(2026, 11, 24))
    assert not is_working_day(date(2026, 11, 23))  # holiday
    assert not is_working_day(date(2026, 11, 28))  # Saturday
    assert not is_working_day(date(2026, 12, 29)) and not is_working_day(date(2027, 1, 3))
    assert is_working_day(date(2026, 12, 28)) and is_working_day(date(2027, 1, 4))


def test_is_open_until_the_end_of_the_last_day() -> None:
    assert is_open(date(2026, 12, 3), on=date(2026, 12, 1))
    assert not is_open(date(2026, 12, 3), on=date(2026, 12, 2))
    assert not is_open(date(2026, 11, 1), on=date(2026, 11, 16))  # a past day
