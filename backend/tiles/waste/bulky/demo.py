"""Demo slots: collection days for the demo waste areas, so a resident can book in the demo.

An area whose schedules include a 粗大ごみ kind gets slots on those days; otherwise (the demo
dataset has none) each area gets the 2nd and 4th of one weekday, Monday to Friday in turn by
area name, skipping holidays and the year-end break. Capacity 5, the next 8 weeks; only
missing slots are added (a restart a week later adds a week), each with its public row.
"""

from __future__ import annotations

import json
import logging
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Engine, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col

from backend.db import SQLITE_BEGIN_OPTION
from backend.sync.change_log import append_changes
from backend.tiles.waste.bulky import deadline
from backend.tiles.waste.bulky.slots import SLOT, SlotState
from backend.tiles.waste.models import WasteAreaRow

logger = logging.getLogger(__name__)

DEMO_CAPACITY = 5
DEMO_WEEKS = 8
DEMO_NTH = (2, 4)
_PG_DEMO_SLOTS_LOCK_ID = 332038_0006


def _nth_in_month(day: date) -> int:
    return (day.day - 1) // 7 + 1


def _matches(schedule: dict[str, Any], day: date) -> bool:
    """Whether `day` is a collection day of a published schedule (waste_areas row)."""
    if day.isoformat() in schedule.get("dates", []):
        return True
    months = schedule.get("months") or []
    if months and day.month not in months:
        return False
    weekday = day.weekday()
    return weekday in schedule.get("weekly", []) or [weekday, _nth_in_month(day)] in [
        list(pair) for pair in schedule.get("nth", [])]


def collection_days(area: dict[str, Any], index: int, start: date, end: date) -> list[date]:
    """The bulky collection days of an area from `start` to `end` (see the docstring)."""
    bulky = [s for s in area.get("schedules", []) if "粗大" in str(s.get("kind", ""))]
    days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
    if bulky:
        return [day for day in days if any(_matches(s, day) for s in bulky)]
    weekday = index % 5
    return [day for day in days if day.weekday() == weekday
            and _nth_in_month(day) in DEMO_NTH and deadline.is_working_day(day)]


def create_demo_slots(engine: Engine, code: str, today: date | None = None) -> int:
    """Add the missing demo slots of the demo areas; return how many were added."""
    start = today or deadline.today()
    end = start + timedelta(weeks=DEMO_WEEKS)
    with engine.connect() as connection:
        connection.execution_options(**{SQLITE_BEGIN_OPTION: "IMMEDIATE"})
        with connection.begin():
            if connection.dialect.name == "postgresql":
                connection.execute(text("SELECT pg_advisory_xact_lock(:lock_id)"),
                                   {"lock_id": _PG_DEMO_SLOTS_LOCK_ID})
            rows = connection.execute(
                select(col(WasteAreaRow.name), col(WasteAreaRow.data))
                .where(col(WasteAreaRow.municipality_code) == code)
                .order_by(WasteAreaRow.name)).all()
            areas = [json.loads(data) for _, data in rows]
            areas = [area for area in areas if area.get("is_demo")]
            insert = pg_insert if connection.dialect.name == "postgresql" else sqlite_insert
            added: list[SlotState] = []
            for index, area in enumerate(areas):
                for day in collection_days(area, index, start, end):
                    row = connection.execute(
                        insert(SLOT).values(municipality_code=code, area_id=area["id"],
                                            day=day, capacity=DEMO_CAPACITY, booked=0)
                        .on_conflict_do_nothing(
                            index_elements=["municipality_code", "area_id", "day"])
                        .returning(SLOT.c.capacity, SLOT.c.booked)).first()
                    if row is not None:
                        added.append(SlotState(area["id"], day, row.capacity, row.booked))
            append_changes(connection, code, None, [slot.change() for slot in added])
    if added:
        logger.info("Bulky waste demo: %d collection slots added", len(added))
    return len(added)
