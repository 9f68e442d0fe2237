"""Which days each service runs: calendar.txt and calendar_dates.txt as a day-by-service
table (docs/transit-planner.md, "Time")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from backend.tiles.transit.gtfs.feed import Feed

ADDED = 1
REMOVED = 2


@dataclass(frozen=True)
class ServiceDays:
    """`runs[service, day - first_day]` is True when the service runs that day. The table
    covers every day any calendar row or exception names; outside it nothing runs."""

    service_ids: list[str]
    first_day: date
    runs: np.ndarray  # bool [services, days]

    def index(self) -> dict[str, int]:
        return {s: i for i, s in enumerate(self.service_ids)}


def service_days(feed: Feed) -> ServiceDays:
    ids = sorted({c.service_id for c in feed.calendars}
                 | {d.service_id for d in feed.calendar_dates}
                 | {t.service_id for t in feed.trips})
    days = [c.start_date for c in feed.calendars] + [c.end_date for c in feed.calendars]
    days += [d.date for d in feed.calendar_dates]
    if not days:
        return ServiceDays(ids, date(2000, 1, 1), np.zeros((len(ids), 0), dtype=bool))
    first, last = min(days), max(days)
    count = (last - first).days + 1
    runs = np.zeros((len(ids), count), dtype=bool)
    index = {s: i for i, s in enumerate(ids)}
    weekday_of_first = first.weekday()
    weekdays = (np.arange(count) + weekday_of_first) % 7
    for calendar in feed.calendars:
        row = index[calendar.service_id]
        start = (calendar.start_date - first).days
        end = (calendar.end_date - first).days + 1
        if end <= start:
            continue
        flags = np.array(calendar.weekdays, dtype=bool)
        runs[row, start:end] |= flags[weekdays[start:end]]
    for exception in feed.calendar_dates:
        runs[index[exception.service_id], (exception.date - first).days] = (
            exception.exception_type == ADDED)
    return ServiceDays(ids, first, runs)


def day_number(first_day: date, day: date) -> int:
    return (day - first_day).days


def day_at(first_day: date, number: int) -> date:
    return first_day + timedelta(days=number)
