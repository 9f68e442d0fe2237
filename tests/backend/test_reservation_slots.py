"""Slot generation (docs/reservations.md §1): the pattern's weekdays from today to today +
opens_days_before, Japanese holidays and the New Year days skipped, Tokyo times stored in
UTC with the Tokyo date as `day`, idempotent, the window moving with the days, a raised
pattern capacity leaving existing slots alone; the public `reservation_slots` rows. SQLite
and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Engine, func, select
from sqlmodel import Session, col

from backend.models import SyncChange
from backend.schema import upgrade_to_head
from backend.tiles.reservations.models import ReservationSlot
from backend.tiles.reservations.resources.publish import (
    SLOTS_COLLECTION,
    publish_slot,
    slot_key,
)
from backend.tiles.reservations.slots import (
    ensure_all_slots,
    ensure_slots,
    free_places,
    is_closed_day,
    read_slot,
    retract_past_slots,
    slots_between,
    slots_of_day,
)
from tests.backend.reservation_helpers import CODE, demo_resource, import_resource, public_rows

GOLDEN_WEEK_MONDAY = date(2027, 4, 26)  # 4/29 and 5/3-5/5 are holidays
NOW = datetime(2027, 4, 25, 15, 30, tzinfo=UTC)  # 00:30 on 4/26 in Tokyo


def engine_for(database_url: str, make_test_engine: Callable[[str], Engine]) -> Engine:
    engine = make_test_engine(database_url)
    upgrade_to_head(engine)
    return engine


def small(**slots: object) -> dict[str, object]:
    """A resource with two 30-minute slots a weekday, capacity 2, a 10-day window."""
    pattern = {"weekdays": [1, 2, 3, 4, 5], "times": ["09:00", "09:30"], "minutes": 30,
               "capacity": 2, "buffer_minutes": 0, **slots}
    return demo_resource(id="test-counter", slots=pattern,
                         window={"opens_days_before": 10, "closes_working_days_before": 1})


def all_slots(engine: Engine) -> list[ReservationSlot]:
    with Session(engine) as session:
        return list(slots_between(session, CODE, "test-counter", date.min, date.max))


def test_the_closed_days_are_holidays_and_the_new_year() -> None:
    assert is_closed_day(date(2027, 4, 29))  # 昭和の日
    assert is_closed_day(date(2027, 12, 29)) and is_closed_day(date(2028, 1, 3))
    assert not is_closed_day(date(2027, 12, 28)) and not is_closed_day(date(2028, 1, 4))


def test_slots_skip_weekends_and_holidays_and_are_tokyo_times_in_utc(
        database_url: str, make_test_engine: Callable[[str], Engine]) -> None:
    engine = engine_for(database_url, make_test_engine)
    import_resource(engine, small(), today=GOLDEN_WEEK_MONDAY, now=NOW)

    slots = all_slots(engine)
    days = sorted({slot.day for slot in slots})
    assert days == [date(2027, 4, 26), date(2027, 4, 27), date(2027, 4, 28),
                    date(2027, 4, 30), date(2027, 5, 6)]
    first = slots[0]
    assert first.start == datetime(2027, 4, 26, 0, 0, tzinfo=UTC)  # 09:00 in Tokyo
    assert first.end == datetime(2027, 4, 26, 0, 30, tzinfo=UTC)
    assert (first.capacity, first.booked, first.waiting, first.closed_at) == (2, 0, 0, None)
    assert len(slots) == 10


def test_the_day_is_the_tokyo_date_when_utc_is_still_the_day_before(
        database_url: str, make_test_engine: Callable[[str], Engine]) -> None:
    engine = engine_for(database_url, make_test_engine)
    import_resource(engine, small(times=["08:30"]), today=GOLDEN_WEEK_MONDAY, now=NOW)

    first = all_slots(engine)[0]
    assert first.start == datetime(2027, 4, 25, 23, 30, tzinfo=UTC)
    assert first.day == date(2027, 4, 26)


def test_the_new_year_days_get_no_slots(
        database_url: str, make_test_engine: Callable[[str], Engine]) -> None:
    engine = engine_for(database_url, make_test_engine)
    import_resource(engine, small(times=["10:00"]), today=date(2027, 12, 27), now=NOW)

    assert [slot.day for slot in all_slots(engine)] == [
        date(2027, 12, 27), date(2027, 12, 28), date(2028, 1, 4), date(2028, 1, 5),
        date(2028, 1, 6)]


def test_slot_creation_is_idempotent_and_the_window_moves(
        database_url: str, make_test_engine: Callable[[str], Engine]) -> None:
    engine = engine_for(database_url, make_test_engine)
    resource = import_resource(engine, small(), today=GOLDEN_WEEK_MONDAY, now=NOW)
    with Session(engine) as session:
        assert ensure_slots(session, CODE, resource, GOLDEN_WEEK_MONDAY, NOW) == 0
        # A day later the window reaches Friday 7 May: its two slots are new.
        assert ensure_slots(session, CODE, resource, GOLDEN_WEEK_MONDAY + timedelta(days=1),
                            NOW) == 2
        session.commit()
    assert ensure_all_slots(engine, CODE, GOLDEN_WEEK_MONDAY + timedelta(days=1)) == 0
    assert max(slot.day for slot in all_slots(engine)) == date(2027, 5, 7)
    assert len(all_slots(engine)) == 12


def test_a_raised_pattern_capacity_leaves_existing_slots_alone(
        database_url: str, make_test_engine: Callable[[str], Engine]) -> None:
    engine = engine_for(database_url, make_test_engine)
    import_resource(engine, small(), today=GOLDEN_WEEK_MONDAY, now=NOW)
    with Session(engine) as session:
        slot = all_slots(engine)[0]
        stored = read_slot(session, CODE, "test-counter", slot.start)
        assert stored is not None
        stored.booked = 1
        session.add(stored)
        session.commit()

    raised = small(capacity=5)
    raised["version"] = 2
    import_resource(engine, raised, today=GOLDEN_WEEK_MONDAY + timedelta(days=1), now=NOW)

    by_day = {(slot.day, slot.start): slot for slot in all_slots(engine)}
    assert {slot.capacity for (day, _), slot in by_day.items() if day <= date(2027, 5, 6)} \
        == {2}
    assert {slot.capacity for (day, _), slot in by_day.items() if day == date(2027, 5, 7)} \
        == {5}
    assert by_day[(slot.day, slot.start)].booked == 1


def test_the_read_helpers(database_url: str,
                          make_test_engine: Callable[[str], Engine]) -> None:
    engine = engine_for(database_url, make_test_engine)
    import_resource(engine, small(), today=GOLDEN_WEEK_MONDAY, now=NOW)
    with Session(engine) as session:
        day = slots_of_day(session, CODE, "test-counter", date(2027, 4, 27))
        assert [slot.start.astimezone(UTC).hour for slot in day] == [0, 0]
        assert [slot.start.minute for slot in day] == [0, 30]
        tokyo_start = datetime.fromisoformat("2027-04-27T09:30:00+09:00")
        slot = read_slot(session, CODE, "test-counter", tokyo_start)
        assert slot is not None and free_places(slot) == 2
        slot.booked = 2
        assert free_places(slot) == 0
        slot.booked = 1
        slot.closed_at = NOW
        assert free_places(slot) == 0
        assert read_slot(session, CODE, "test-counter", tokyo_start + timedelta(minutes=1)) \
            is None


def test_new_slots_are_published_and_publish_slot_shows_a_change(
        database_url: str, make_test_engine: Callable[[str], Engine]) -> None:
    engine = engine_for(database_url, make_test_engine)
    import_resource(engine, small(), today=GOLDEN_WEEK_MONDAY, now=NOW)
    rows = public_rows(engine, SLOTS_COLLECTION)
    assert len(rows) == 10
    key = "test-counter/2027-04-26T00:00:00+00:00"
    assert rows[key] == {"resource_id": "test-counter", "start": "2027-04-26T00:00:00+00:00",
                         "end": "2027-04-26T00:30:00+00:00", "day": "2027-04-26",
                         "capacity": 2, "booked": 0, "waiting": 0, "closed": False,
                         "updated_at": NOW.isoformat()}

    with Session(engine) as session:
        slot = read_slot(session, CODE, "test-counter", datetime(2027, 4, 26, tzinfo=UTC))
        assert slot is not None
        slot.booked, slot.waiting, slot.closed_at = 2, 1, NOW
        session.add(slot)
        session.flush()
        assert publish_slot(session, CODE, slot, today=GOLDEN_WEEK_MONDAY) is not None
        # A slot of a day before today is not published.
        assert publish_slot(session, CODE, slot, today=date(2027, 4, 27)) is None
        session.commit()
    changed = public_rows(engine, SLOTS_COLLECTION)[key]
    assert changed is not None
    assert (changed["booked"], changed["waiting"], changed["closed"]) == (2, 1, True)
    assert slot_key("x", datetime.fromisoformat("2027-04-26T09:00:00+09:00")) \
        == "x/2027-04-26T00:00:00+00:00"


def test_publish_slot_works_on_a_connection_too(
        database_url: str, make_test_engine: Callable[[str], Engine]) -> None:
    engine = engine_for(database_url, make_test_engine)
    import_resource(engine, small(), today=GOLDEN_WEEK_MONDAY, now=NOW)
    slot = all_slots(engine)[0]
    with engine.begin() as connection:
        assert publish_slot(connection, CODE, slot, today=GOLDEN_WEEK_MONDAY) is not None
    with Session(engine) as session:
        assert session.execute(select(func.count()).select_from(ReservationSlot)).scalar() \
            == 10
    assert len(public_rows(engine, SLOTS_COLLECTION)) == 10  # the same key again


def test_the_slots_of_past_days_are_retracted_from_devices_once(
        database_url: str, make_test_engine: Callable[[str], Engine]) -> None:
    engine = engine_for(database_url, make_test_engine)
    import_resource(engine, small(), today=GOLDEN_WEEK_MONDAY, now=NOW)
    assert len([row for row in public_rows(engine, SLOTS_COLLECTION).values()
                if row is not None]) == 10

    # Two days on (Wednesday 28 April): the slots of Monday and Tuesday go from devices.
    wednesday = GOLDEN_WEEK_MONDAY + timedelta(days=2)
    with Session(engine) as session:
        assert retract_past_slots(session, CODE, wednesday) == 4
        session.commit()
    rows = public_rows(engine, SLOTS_COLLECTION)
    gone = sorted(key for key, row in rows.items() if row is None)
    assert gone == ["test-counter/2027-04-26T00:00:00+00:00",
                    "test-counter/2027-04-26T00:30:00+00:00",
                    "test-counter/2027-04-27T00:00:00+00:00",
                    "test-counter/2027-04-27T00:30:00+00:00"]
    assert len(all_slots(engine)) >= 10  # the rows themselves stay, with their bookings

    # Again the same day: nothing new; the hourly run a day later retracts Wednesday only.
    with Session(engine) as session:
        assert retract_past_slots(session, CODE, wednesday) == 0
        session.commit()
    assert tombstones(engine) == 4
    ensure_all_slots(engine, CODE, wednesday + timedelta(days=1))
    rows = public_rows(engine, SLOTS_COLLECTION)
    assert sorted(key for key, row in rows.items() if row is None)[4:] == [
        "test-counter/2027-04-28T00:00:00+00:00", "test-counter/2027-04-28T00:30:00+00:00"]
    assert tombstones(engine) == 6


def tombstones(engine: Engine) -> int:
    with Session(engine) as session:
        return int(session.execute(select(func.count()).select_from(SyncChange).where(
            col(SyncChange.collection) == SLOTS_COLLECTION,
            col(SyncChange.op) == "delete")).scalar() or 0)
