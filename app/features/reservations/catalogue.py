"""What can be booked, in plain Python: resources from the public `reservation_resources`
rows, their slots from `reservation_slots` (free places = capacity - booked, none when
closed), and the days of the next two weeks that have slots (docs/reservations.md §1)."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from app.features.procedures.api import localized
from app.working_days import working_days_before
from backend_client.dto import parse_moment

HOLIDAYS = "holidays"  # the national holidays the backend publishes
RESOURCES = "reservation_resources"
SLOTS = "reservation_slots"
CITY_TIME_ZONE = ZoneInfo("Asia/Tokyo")
DAYS_SHOWN = 14

# Kind → English message id of its category heading, in the order they are shown.
KIND_LABELS: dict[str, str] = {
    "counter": "Counter appointments",
    "facility": "Facilities",
    "course": "Courses",
}
FEE_METHOD_LABELS: dict[str, str] = {
    "points": "Points",
    "counter": "Pay at the counter",
}


def _int(raw: object) -> int | None:
    return raw if isinstance(raw, int) and not isinstance(raw, bool) else None


def _texts(raw: object) -> dict[str, str]:
    if not isinstance(raw, Mapping):
        return {}
    return {str(k): v for k, v in raw.items() if isinstance(v, str)}


@dataclass(frozen=True)
class ResourceEntry:
    """One bookable thing as the device shows it (the public row's fields)."""

    id: str
    kind: str  # counter | facility | course
    title: dict[str, str]
    summary: dict[str, str] = field(default_factory=dict)
    place: dict[str, str] = field(default_factory=dict)
    categories: tuple[str, ...] = ()
    residency: str = "card"
    min_age: int | None = None
    max_age: int | None = None
    opens_days_before: int | None = None
    closes_working_days_before: int | None = None
    per_person_open: int | None = None
    per_household_open: int | None = None
    per_person_per_month: int | None = None
    fee_yen: int = 0
    fee_methods: tuple[str, ...] = ()
    waiting_list: bool = False
    has_questions: bool = False
    # The questions asked when booking ({"schema", "layout"} of the procedures format).
    questions: Mapping[str, Any] | None = field(default=None, compare=False)
    queue_counter: str | None = None  # the counter's waiting numbers (整理券), if it has one
    version: int = 1
    demo: bool = False

    def title_in(self, language: str) -> str:
        return localized(self.title, language)

    def summary_in(self, language: str) -> str:
        return localized(self.summary, language)

    def place_in(self, language: str) -> str:
        return localized(self.place, language)


def resource_from(key: str, row: Mapping[str, Any]) -> ResourceEntry | None:
    """A public row as a `ResourceEntry`; None for one this app cannot show."""
    title = _texts(row.get("title"))
    kind = row.get("kind")
    if not title or not isinstance(kind, str):
        return None
    who = row.get("who") if isinstance(row.get("who"), Mapping) else {}
    window = row.get("window") if isinstance(row.get("window"), Mapping) else {}
    limits = row.get("limits") if isinstance(row.get("limits"), Mapping) else {}
    fee = row.get("fee") if isinstance(row.get("fee"), Mapping) else {}
    questions = row.get("questions")
    assert isinstance(who, Mapping) and isinstance(window, Mapping)
    assert isinstance(limits, Mapping) and isinstance(fee, Mapping)
    return ResourceEntry(
        id=key, kind=kind, title=title, summary=_texts(row.get("summary")),
        place=_texts(row.get("place")),
        categories=tuple(c for c in row.get("categories") or () if isinstance(c, str)),
        residency=str(who.get("residency") or "card"), min_age=_int(who.get("min_age")),
        max_age=_int(who.get("max_age")),
        opens_days_before=_int(window.get("opens_days_before")),
        closes_working_days_before=_int(window.get("closes_working_days_before")),
        per_person_open=_int(limits.get("per_person_open")),
        per_household_open=_int(limits.get("per_household_open")),
        per_person_per_month=_int(limits.get("per_person_per_month")),
        fee_yen=_int(fee.get("amount_yen")) or 0,
        fee_methods=tuple(m for m in fee.get("methods") or () if isinstance(m, str)),
        waiting_list=row.get("waiting_list") is True,
        has_questions=isinstance(questions, Mapping),
        questions=questions if isinstance(questions, Mapping) else None,
        queue_counter=_queue_counter(row.get("queue")),
        version=_int(row.get("version")) or 1, demo=row.get("demo") is True)


def resources_from(rows: Iterable[tuple[str, Any]]) -> list[ResourceEntry]:
    out = [entry for key, data in rows if isinstance(data, Mapping)
           if (entry := resource_from(key, data)) is not None]
    order = list(KIND_LABELS)
    return sorted(out, key=lambda e: (order.index(e.kind) if e.kind in order else len(order),
                                      e.title_in("ja")))


def by_kind(entries: Iterable[ResourceEntry]) -> dict[str, list[ResourceEntry]]:
    """The resources under their category (counter, facility, course), in that order."""
    groups: dict[str, list[ResourceEntry]] = {}
    for entry in entries:
        groups.setdefault(entry.kind, []).append(entry)
    return groups


@dataclass(frozen=True)
class Slot:
    resource_id: str
    start: datetime  # UTC
    end: datetime
    day: date  # the Tokyo date
    capacity: int
    booked: int
    waiting: int = 0
    closed: bool = False
    updated_at: datetime | None = None

    @property
    def free(self) -> int:
        return 0 if self.closed else max(0, self.capacity - self.booked)

    @property
    def full(self) -> bool:
        return self.free == 0

    def local_start(self) -> datetime:
        return self.start.astimezone(CITY_TIME_ZONE)


def slot_from(row: Mapping[str, Any]) -> Slot | None:
    start, end = parse_moment(row.get("start")), parse_moment(row.get("end"))
    capacity, booked = _int(row.get("capacity")), _int(row.get("booked"))
    if (start is None or end is None or capacity is None or booked is None
            or not isinstance(row.get("resource_id"), str)):
        return None
    try:
        day = date.fromisoformat(str(row.get("day")))
    except ValueError:
        day = start.astimezone(CITY_TIME_ZONE).date()
    return Slot(resource_id=str(row["resource_id"]), start=start, end=end, day=day,
                capacity=capacity, booked=booked, waiting=_int(row.get("waiting")) or 0,
                closed=row.get("closed") is True, updated_at=parse_moment(row.get("updated_at")))


def slots_from(rows: Iterable[Any]) -> list[Slot]:
    out = [slot for row in rows if isinstance(row, Mapping)
           if (slot := slot_from(row)) is not None]
    return sorted(out, key=lambda s: (s.resource_id, s.start))


@dataclass(frozen=True)
class Day:
    day: date
    slots: tuple[Slot, ...]

    @property
    def free(self) -> int:
        return sum(s.free for s in self.slots)

    @property
    def full(self) -> bool:
        return self.free == 0


def days_of(slots: Iterable[Slot], resource_id: str, now: datetime, *,
            closes_working_days_before: int = 0, holidays: Collection[date] = (),
            days: int = DAYS_SHOWN) -> list[Day]:
    """The resource's days from today (Tokyo) for `days` days that can still be booked and
    have slots still to start, each with its slots in order (a full day is kept: it may
    have a waiting list)."""
    today = now.astimezone(CITY_TIME_ZONE).date()
    last = today + timedelta(days=days - 1)
    grouped: dict[date, list[Slot]] = {}
    for slot in slots:
        if (slot.resource_id == resource_id and today <= slot.day <= last
                and slot.start > now
                and still_bookable(slot.day, today, closes_working_days_before, holidays)):
            grouped.setdefault(slot.day, []).append(slot)
    return [Day(day, tuple(sorted(found, key=lambda s: s.start)))
            for day, found in sorted(grouped.items())]


def still_bookable(day: date, today: date, closes_working_days_before: int,
                   holidays: Collection[date]) -> bool:
    """Whether `day` can still be booked today: the server closes it at 00:00 (Tokyo) of the
    day `closes_working_days_before` working days before it (backend rules.booking_window),
    or when each slot starts if that is 0."""
    if closes_working_days_before <= 0:
        return True
    return today < working_days_before(day, closes_working_days_before, holidays)


def holiday_dates(rows: Iterable[Mapping[str, Any]]) -> frozenset[date]:
    """The days of the synced `holidays` rows (data `{date, name_ja, name_en}`)."""
    found: set[date] = set()
    for row in rows:
        try:
            found.add(date.fromisoformat(str(row["date"])))
        except (KeyError, ValueError):
            continue
    return frozenset(found)


def oldest_count(slots: Iterable[Slot]) -> datetime | None:
    """When the oldest free-place count shown was last changed on the server."""
    moments = [s.updated_at for s in slots if s.updated_at is not None]
    return min(moments) if moments else None


def _queue_counter(queue: Any) -> str | None:
    if isinstance(queue, Mapping) and isinstance(queue.get("counter"), str):
        return str(queue["counter"])
    return None
