"""Collection days of an area, from its synced `waste_areas` row (5374's calendar semantics).

An area row carries `schedules`, one per kind of waste:
`{"kind": "燃やすごみ", "weekly": [0, 3], "nth": [[2, 2]], "months": [4, 6], "dates": [...]}`
with weekdays Monday=0 … Sunday=6 (5374's `月 木`, `水2`, `火2 金4:4 6 8`, `20140301 ...`):

- `weekly`: every such weekday;
- `nth`: [weekday, n], the n-th such weekday of the month (1–5; a month without a fifth has
  no collection for n=5);
- `months`: the months in which `weekly` and `nth` apply; empty means every month;
- `dates`: irregular days ("YYYY-MM-DD"), taken as the city listed them: neither `months` nor
  a center closure removes them (as in 5374, where listed dates are used as given).

Closures: an area names its `center`; the `waste_centers` row of that name lists `closures`
(`{"from": "YYYY-MM-DD", "to": "YYYY-MM-DD"}`, both days included). By default a weekly or
n-th weekday collection that falls in a closure does not happen (5374's `WeekShift = false`).
With `week_shift=True` (Kanazawa, 5374's `WeekShift = true`) it moves a week later, and so do
the later ones of the same weekday in that month: January's 火1 and 火3 after a closure to
1/3 become the 2nd and 4th Tuesdays. A date moved out of its month is dropped, as 5374 does,
and one that is still in a closure a week later is dropped too.

National holidays (synced from the backend, which computes them:
backend/services/japanese_holidays.py): collection goes ahead on a national holiday (the
Tsuyama-like rule this tile assumes: only the centers' closures, such as the year-end break,
stop it). `month_view` names the holiday so the calendar can show it, but it never removes a
collection.

Put-out time: an area row may carry `put_out_by` ("HH:MM", the city's 「朝8時30分までに」,
dataset.json's `put_out_by`): after it, today's collection is over for the resident
(`put_out_time` reads it; the tile then shows the next one).

Kinds on a day are listed in the order of the `waste_kinds` rows given as `kinds` (their
`order`, by `label`), else in the order of the area's schedules. Malformed parts of a row
(a weekday of 9, an unreadable date) are ignored rather than failing the tile.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, time, timedelta
from typing import Any

__all__ = [
    "DayCell",
    "center_closures",
    "collection_days",
    "kind_order",
    "month_view",
    "next_collections",
    "put_out_time",
]

log = logging.getLogger(__name__)

Closure = tuple[date, date]
NEXT_HORIZON_DAYS = 400  # far enough for a kind collected once a year


@dataclass(frozen=True, slots=True)
class DayCell:
    """One day of `month_view`: the kinds collected, the holiday's name, and whether the
    area's center is closed (no weekly collection then)."""

    date: date
    kinds: tuple[str, ...]
    holiday_name: str | None
    closed: bool


@dataclass(frozen=True, slots=True)
class _Entry:
    kind: str
    position: int
    codes: tuple[tuple[int, int | None], ...]  # (weekday, n or None for weekly)
    months: frozenset[int]
    dates: tuple[date, ...]


def _parse_date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def put_out_time(area: Mapping[str, Any]) -> time | None:
    """The area's `put_out_by` ("HH:MM") as a time; None when absent or unreadable."""
    raw = area.get("put_out_by")
    if not isinstance(raw, str):
        return None
    try:
        hours, minutes = (int(part) for part in raw.strip().split(":"))
        return time(hours, minutes)
    except ValueError:
        return None


def _ints(values: Any) -> list[int]:
    found = []
    for value in values or ():
        try:
            found.append(int(value))
        except (TypeError, ValueError):
            continue
    return found


def _entries(area: Mapping[str, Any]) -> list[_Entry]:
    entries = []
    for position, schedule in enumerate(area.get("schedules") or ()):
        kind = str(schedule.get("kind") or "").strip()
        if not kind:
            continue
        codes: list[tuple[int, int | None]] = [
            (w, None) for w in _ints(schedule.get("weekly")) if 0 <= w <= 6
        ]
        for pair in schedule.get("nth") or ():
            values = _ints(pair)
            if len(values) == 2 and 0 <= values[0] <= 6 and 1 <= values[1] <= 5:
                codes.append((values[0], values[1]))
        months = frozenset(m for m in _ints(schedule.get("months")) if 1 <= m <= 12)
        dates = tuple(d for d in map(_parse_date, schedule.get("dates") or ()) if d)
        entries.append(_Entry(kind, position, tuple(dict.fromkeys(codes)), months, dates))
    return entries


def center_closures(area: Mapping[str, Any],
                    centers: Iterable[Mapping[str, Any]] | None) -> list[Closure]:
    """The closures (first day, last day) of the center the area names."""
    name = area.get("center")
    if not name or not centers:
        return []
    closures: list[Closure] = []
    for center in centers:
        if center.get("name") != name:
            continue
        for closure in center.get("closures") or ():
            first, last = _parse_date(closure.get("from")), _parse_date(closure.get("to"))
            if first is None or last is None:
                log.warning("waste center %s: unreadable closure %r", name, closure)
                continue
            closures.append((first, last) if first <= last else (last, first))
    return closures


def _is_closed(day: date, closures: Sequence[Closure]) -> bool:
    return any(first <= day <= last for first, last in closures)


def kind_order(kinds: Iterable[Mapping[str, Any]] | None) -> dict[str, int]:
    """label → `order` of `waste_kinds` rows."""
    order: dict[str, int] = {}
    for row in kinds or ():
        label = row.get("label")
        if label:
            try:
                order[str(label)] = int(row.get("order", 0))
            except (TypeError, ValueError):
                order[str(label)] = 0
    return order


def _month_dates(entry: _Entry, year: int, month: int, closures: Sequence[Closure],
                 week_shift: bool) -> list[date]:
    """The weekly and n-th weekday dates of `entry` in one month (5374's calcMostRect)."""
    if entry.months and month not in entry.months:
        return []
    first = date(year, month, 1)
    found = []
    for weekday, n in entry.codes:
        first_of_weekday = first + timedelta(days=(weekday - first.weekday()) % 7)
        shifted = False
        for week in range(5):
            day = first_of_weekday + timedelta(weeks=week)
            if _is_closed(day, closures):
                if not week_shift:
                    continue
                shifted = True  # this one and the later ones of the month move a week
            if shifted:
                day += timedelta(weeks=1)
            if day.month != month:
                continue
            if n is not None and week != n - 1:
                continue
            if shifted and _is_closed(day, closures):
                continue
            found.append(day)
    return found


def _months(start: date, end: date) -> Iterable[tuple[int, int]]:
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        yield year, month
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def collection_days(
    area: Mapping[str, Any],
    start: date,
    end: date,
    centers: Iterable[Mapping[str, Any]] | None = None,
    week_shift: bool = False,
    *,
    kinds: Iterable[Mapping[str, Any]] | None = None,
) -> dict[date, list[str]]:
    """The days from `start` to `end` (both included) on which something is collected, in date
    order, each with its kinds (see the module docstring for the rules)."""
    if end < start:
        return {}
    entries = _entries(area)
    closures = center_closures(area, centers)
    found: dict[date, dict[str, int]] = {}

    def add(day: date, entry: _Entry) -> None:
        if start <= day <= end:
            found.setdefault(day, {}).setdefault(entry.kind, entry.position)

    for year, month in _months(start, end):
        for entry in entries:
            for day in _month_dates(entry, year, month, closures, week_shift):
                add(day, entry)
    for entry in entries:
        for day in entry.dates:
            add(day, entry)
    order = kind_order(kinds)
    fallback = len(order) + 1_000_000
    return {
        day: sorted(kinds_of_day, key=lambda k: (order.get(k, fallback), kinds_of_day[k]))
        for day, kinds_of_day in sorted(found.items())
    }


def next_collections(
    area: Mapping[str, Any],
    today: date,
    centers: Iterable[Mapping[str, Any]] | None = None,
    *,
    week_shift: bool = False,
    kinds: Iterable[Mapping[str, Any]] | None = None,
    horizon_days: int = NEXT_HORIZON_DAYS,
) -> list[tuple[str, date]]:
    """The next collection (today included) of each kind within `horizon_days`, sorted by date,
    then by kind order; kinds with none in that time are left out."""
    centers = list(centers or ())
    days = collection_days(area, today, today + timedelta(days=horizon_days), centers,
                           week_shift, kinds=kinds)
    first: dict[str, date] = {}
    for day, kinds_of_day in days.items():
        for kind in kinds_of_day:
            first.setdefault(kind, day)
    order = kind_order(kinds)
    positions = {entry.kind: entry.position for entry in reversed(_entries(area))}
    fallback = len(order) + 1_000_000
    return sorted(
        first.items(),
        key=lambda pair: (pair[1], order.get(pair[0], fallback), positions.get(pair[0], 0)),
    )


def month_view(
    area: Mapping[str, Any],
    year: int,
    month: int,
    centers: Iterable[Mapping[str, Any]] | None = None,
    *,
    week_shift: bool = False,
    kinds: Iterable[Mapping[str, Any]] | None = None,
    holidays: Mapping[date, str] | None = None,
) -> list[DayCell]:
    """The full weeks (Monday first) covering `year`-`month`: 28, 35 or 42 cells, including the
    neighbouring months' days of the first and last week (compare `cell.date.month`).

    Collection goes ahead on national holidays; `holiday_name` (from `holidays`, the synced
    `holidays` rows in the reader's language) is only shown. `closed` tells that the area's
    center is closed that day."""
    first = date(year, month, 1)
    following = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    last = following - timedelta(days=1)
    start = first - timedelta(days=first.weekday())
    end = last + timedelta(days=6 - last.weekday())
    centers = list(centers or ())
    closures = center_closures(area, centers)
    days = collection_days(area, start, end, centers, week_shift, kinds=kinds)
    cells = []
    day = start
    while day <= end:
        cells.append(DayCell(day, tuple(days.get(day, ())), (holidays or {}).get(day),
                             _is_closed(day, closures)))
        day += timedelta(days=1)
    return cells
