"""Slots: the bookable times of a resource, made from its pattern (docs/reservations.md §1).

`ensure_slots` creates the missing `ReservationSlot` rows from today to today +
`opens_days_before` (Asia/Tokyo days): the pattern's ISO weekdays, skipping Japanese
holidays (backend/services/japanese_holidays.py) and the New Year days (29 December to 3
January, when the city hall is closed); each start is the pattern's time in Asia/Tokyo,
stored in UTC, with `day` the Tokyo date. Existing slots are never touched: a raised
pattern capacity applies to new slots only (staff change existing ones). It runs when
resources are imported, at start-up and hourly (`SLOTS_JOB` in tile.py), so the window
keeps moving; the same run tells devices to drop the slots of past days
(`retract_past_slots`), so a phone's store does not grow by a month of slots a month.

The other helpers here only read (`read_slot`, `slots_of_day`, `slots_between`,
`free_places`); a place is taken by the bookings part's own conditional UPDATE of `booked`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import ColumnElement, Engine, insert
from sqlmodel import Session, col, select

from backend.db import write_engine
from backend.models import as_utc
from backend.services.clock import CITY_TIME_ZONE, city_today, utc_now
from backend.services.japanese_holidays import is_holiday
from backend.settings import Settings
from backend.tiles.reservations.models import ReservationCounter, ReservationSlot
from backend.tiles.reservations.resource import Resource
from backend.tiles.reservations.resources.publish import publish_slots, unpublish_slots
from backend.tiles.reservations.resources.store import active_resources, lock_resources

# The counter (ReservationCounter) holding the last Tokyo day whose slots devices were told to
# drop, as a date ordinal.
RETRACTED_THROUGH = "slots-retracted"

# The city hall's New Year holidays (年末年始): (month, day) from 29 December to 3 January.
NEW_YEAR_DAYS = ((12, 29), (12, 30), (12, 31), (1, 1), (1, 2), (1, 3))


def is_closed_day(day: date) -> bool:
    """A Japanese holiday or a New Year day: no slots are made on it."""
    return (day.month, day.day) in NEW_YEAR_DAYS or is_holiday(day)


def slot_days(resource: Resource, today: date) -> Iterator[date]:
    """The days from `today` to `today + opens_days_before` that get slots."""
    for offset in range(resource.window.opens_days_before + 1):
        day = today + timedelta(days=offset)
        if day.isoweekday() in resource.slots.weekdays and not is_closed_day(day):
            yield day


def slot_times(resource: Resource, day: date) -> list[tuple[datetime, datetime]]:
    """(start, end) in UTC of the pattern's slots on the Tokyo date `day`."""
    length = timedelta(minutes=resource.slots.minutes)
    starts = [datetime.combine(day, at, tzinfo=CITY_TIME_ZONE).astimezone(UTC)
              for at in resource.slots.times]
    return [(start, start + length) for start in starts]


def _where(municipality_code: str, resource_id: str) -> list[ColumnElement[bool]]:
    return [col(ReservationSlot.municipality_code) == municipality_code,
            col(ReservationSlot.resource_id) == resource_id]


def slots_between(session: Session, municipality_code: str, resource_id: str, first: date,
                  last: date) -> Sequence[ReservationSlot]:
    """The resource's slots of the Tokyo days `first` to `last`, by start."""
    return session.exec(select(ReservationSlot).where(
        *_where(municipality_code, resource_id), col(ReservationSlot.day) >= first,
        col(ReservationSlot.day) <= last).order_by(col(ReservationSlot.start))).all()


def slots_of_day(session: Session, municipality_code: str, resource_id: str, day: date
                 ) -> Sequence[ReservationSlot]:
    return slots_between(session, municipality_code, resource_id, day, day)


def read_slot(session: Session, municipality_code: str, resource_id: str, start: datetime
              ) -> ReservationSlot | None:
    """The slot starting at `start` (any time zone), or None."""
    return session.get(ReservationSlot, (municipality_code, resource_id, as_utc(start)))


def free_places(slot: ReservationSlot) -> int:
    """Places left: none on a closed slot."""
    if slot.closed_at is not None:
        return 0
    return max(0, slot.capacity - slot.booked)


def ensure_slots(session: Session, municipality_code: str, resource: Resource, today: date,
                 now: datetime | None = None) -> int:
    """Create (and publish) the missing slots of the window starting `today`; how many."""
    last = today + timedelta(days=resource.window.opens_days_before)
    existing = {as_utc(slot.start) for slot in
                slots_between(session, municipality_code, resource.id, today, last)}
    moment = now or utc_now()
    # Plain values, one executemany through Core: building SQLModel objects and the ORM's
    # unit of work cost ~10x as much for the hundreds of slots of a window (and every
    # backend start imports the resources).
    created = [
        NewSlot(municipality_code=municipality_code, resource_id=resource.id, start=start,
                end=end, day=day, capacity=resource.slots.capacity, updated_at=moment)
        for day in slot_days(resource, today)
        for start, end in slot_times(resource, day) if start not in existing]
    if created:
        session.execute(insert(ReservationSlot), [asdict(slot) for slot in created])
        publish_slots(session, municipality_code, created, today)
    return len(created)


@dataclass(frozen=True, slots=True)
class NewSlot:
    """A slot about to be inserted: its columns (what `publish_slots` reads)."""

    municipality_code: str
    resource_id: str
    start: datetime
    end: datetime
    day: date
    capacity: int
    updated_at: datetime
    booked: int = 0
    waiting: int = 0
    closed_at: datetime | None = None


def drop_free_slots(session: Session, municipality_code: str, resource_id: str, today: date
                    ) -> int:
    """Delete a withdrawn resource's slots from today on that nobody holds or waits for
    (their public rows become tombstones); the others stay. How many were deleted."""
    free = [slot for slot in slots_between(session, municipality_code, resource_id, today,
                                           date.max)
            if slot.booked == 0 and slot.waiting == 0]
    for slot in free:
        session.delete(slot)
    if free:
        session.flush()
        unpublish_slots(session, municipality_code, free)
    return len(free)


def retract_past_slots(session: Session, municipality_code: str, today: date) -> int:
    """Tombstones on the public stream for the slots of the days before `today` not yet
    retracted, so devices drop them (the rows stay here, with their bookings). The last day
    retracted is kept as the `RETRACTED_THROUGH` counter (its ordinal); the caller holds the
    resources' lock (`lock_resources`), so two processes never retract the same day twice.
    How many slots were retracted."""
    last = today - timedelta(days=1)
    mark = session.get(ReservationCounter, (municipality_code, RETRACTED_THROUGH))
    through = date.fromordinal(mark.value) if mark is not None and mark.value > 0 else None
    if through is not None and through >= last:
        return 0
    where = [col(ReservationSlot.municipality_code) == municipality_code,
             col(ReservationSlot.day) <= last]
    if through is not None:
        where.append(col(ReservationSlot.day) > through)
    past = list(session.exec(select(ReservationSlot).where(*where)))
    if past:
        unpublish_slots(session, municipality_code, past)
    if mark is None:
        mark = ReservationCounter(municipality_code=municipality_code, name=RETRACTED_THROUGH,
                                  value=last.toordinal())
    mark.value = last.toordinal()
    session.add(mark)
    return len(past)


def ensure_all_slots(engine: Engine, municipality_code: str, today: date | None = None) -> int:
    """`ensure_slots` for every resource the city offers, and the past days' slots
    retracted from devices (`retract_past_slots`), in one locked transaction."""
    day = today or city_today()
    with Session(write_engine(engine)) as session:
        lock_resources(session, municipality_code)
        created = sum(ensure_slots(session, municipality_code, resource, day)
                      for resource in active_resources(session, municipality_code))
        retract_past_slots(session, municipality_code, day)
        session.commit()
    return created


def move_slot_window(engine: Engine, settings: Settings) -> int:
    """The periodic job: the window's new days get their slots."""
    return ensure_all_slots(engine, settings.municipality_code)
