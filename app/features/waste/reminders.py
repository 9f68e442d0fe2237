"""Collection reminders: one the evening before each collection of each kind the resident
turned on ("明日は燃やすごみの日です").

Nothing here delivers anything. The UI asks `due_reminders` for the reminders of the coming
days, delivers those whose time has come (`ready`: plyer's notification on a device, the
in-app inbox on the web) and keeps the `reminder_id` of each one delivered, so a reminder is
delivered once however often the app asks. The id is made of the collection day and the kind,
not of the reminder's time, so changing the hour does not deliver a reminder again.

Times are Japan Standard Time (UTC+9, no daylight saving): a fixed offset rather than
zoneinfo, which needs a time-zone database that phones' Python builds may not carry.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from app.features.waste.calendar import collection_days

__all__ = [
    "JST",
    "Reminder",
    "due_reminders",
    "ready",
    "reminder_id",
]

JST = timezone(timedelta(hours=9), "JST")
COLLECTION_TIME = time(8, 30)  # waste must be out by then (「収集日の朝8時30分までに」)


@dataclass(frozen=True, slots=True)
class Reminder:
    at: datetime  # aware, JST: the evening before `collection_day`
    kind: str
    collection_day: date


def reminder_id(reminder: Reminder) -> str:
    """A stable id for de-duplication: `waste:YYYY-MM-DD:<kind>`."""
    return f"waste:{reminder.collection_day.isoformat()}:{reminder.kind}"


def due_reminders(
    area: Mapping[str, Any],
    now: datetime,
    enabled_kinds: Collection[str],
    hour: int = 19,
    horizon_days: int = 14,
    centers: Iterable[Mapping[str, Any]] | None = None,
    *,
    week_shift: bool = False,
    kinds: Iterable[Mapping[str, Any]] | None = None,
    collection_time: time = COLLECTION_TIME,
) -> list[Reminder]:
    """The reminders of the collections from today to `horizon_days` ahead (JST), for the
    enabled kinds, sorted by time, then by kind order (`kinds`, else the area's schedules).

    Each is at `hour`:00 the day before its collection. A reminder whose time has passed is
    still returned until its collection's `collection_time` (a phone that was off at 19:00
    still reminds at 6:00), and not after: the UI delivers every returned reminder with
    `at <= now` that it has not delivered yet (see `ready`) and may show the others as coming.
    `now` must be aware (any zone; it is read in JST)."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be an aware datetime")
    if not 0 <= hour <= 23:
        raise ValueError(f"hour must be 0–23, not {hour}")
    if not enabled_kinds or horizon_days < 0:
        return []
    local_now = now.astimezone(JST)
    today = local_now.date()
    days = collection_days(area, today, today + timedelta(days=horizon_days), centers,
                           week_shift, kinds=kinds)
    reminders: list[Reminder] = []
    for day, kinds_of_day in days.items():
        if local_now >= datetime.combine(day, collection_time, JST):
            continue  # collected already (or being collected)
        at = datetime.combine(day - timedelta(days=1), time(hour), JST)
        reminders.extend(
            Reminder(at, kind, day) for kind in kinds_of_day if kind in enabled_kinds
        )
    return reminders  # already in time order, kinds in kind order within a day


def ready(reminders: Iterable[Reminder], now: datetime,
          delivered_ids: Collection[str]) -> list[Reminder]:
    """The reminders to deliver now: their time has come and their id is not delivered yet."""
    return [r for r in reminders if r.at <= now and reminder_id(r) not in delivered_ids]
