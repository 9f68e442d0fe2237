"""At start-up: the holidays as public rows (only what changed), and demo slots for the demo
waste areas so a resident can book in the demo."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlmodel import Session

from backend.services.clock import city_today
from backend.settings import Settings
from backend.sync.holidays import publish_holidays
from backend.sync.push import process_push
from backend.sync.types import Mutation
from backend.tiles.waste.bulky import deadline
from backend.tiles.waste.bulky.demo import DEMO_CAPACITY, create_demo_slots
from backend.tiles.waste.bulky.models import BulkySlot
from backend.tiles.waste.models import WasteAreaRow, WasteItemRow
from tests.backend.bulky_helpers import CODE, book_args, log_rows
from tests.backend.people import make_person


def test_holidays_are_published_once_for_three_years(
        database_url: str, make_app: Callable[..., FastAPI]) -> None:
    app = make_app(database_url, load_demo_data=False, publish_holidays=True)
    engine = app.state.engine
    rows = {key: data for _, key, data in log_rows(engine, "holidays")}
    years = {key[:4] for key in rows}
    first = city_today().year
    assert years == {str(first), str(first + 1), str(first + 2)}
    assert rows["2027-11-23"] == {"date": "2027-11-23", "name_ja": "勤労感謝の日",
                                  "name_en": "Labour Thanksgiving Day"}
    assert publish_holidays(engine, CODE) == 0  # nothing changed: nothing written
    assert publish_holidays(engine, CODE, today=date(first + 1, 6, 1)) > 0  # a new year
    assert publish_holidays(engine, CODE, today=date(first + 1, 6, 1)) == 0
    person = make_person(app)
    pushed = process_push(engine, person, "phone", [Mutation(
        1, "m-1", "holidays", "set", {"key": "2027-01-01"}, "2026-11-26T00:00:00+00:00")])
    assert pushed.results[0]["error"]["code"] == "read_only"


def test_holidays_are_off_unless_asked_for(database_url: str,
                                           make_app: Callable[..., FastAPI]) -> None:
    app = make_app(database_url, load_demo_data=False)
    assert log_rows(app.state.engine, "holidays") == []


def test_demo_slots_for_the_demo_areas(database_url: str, make_app: Callable[..., FastAPI],
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(deadline, "today", lambda: date(2026, 11, 16))
    app = make_app(database_url, load_demo_waste=True)
    engine = app.state.engine
    with Session(engine) as session:
        slots = session.scalars(select(BulkySlot)).all()
        areas = session.scalars(select(WasteAreaRow.id)).all()
    assert set(Counter(slot.area_id for slot in slots)) == set(areas)
    assert {slot.capacity for slot in slots} == {DEMO_CAPACITY}
    assert all(date(2026, 11, 16) <= slot.day <= date(2027, 1, 11) for slot in slots)
    assert all(deadline.is_working_day(slot.day) for slot in slots)
    assert all((slot.day.day - 1) // 7 + 1 in (2, 4) for slot in slots)
    assert len(log_rows(engine, "bulky_slots")) == len(slots)
    assert create_demo_slots(engine, CODE) == 0  # a restart adds nothing
    assert create_demo_slots(engine, CODE, today=date(2026, 11, 30)) > 0  # ...later, more
    # A resident can book one with a demo item (粗大ごみ with a fee).
    with Session(engine) as session:
        item = session.scalars(select(WasteItemRow.id).where(
            WasteItemRow.category == "粗大ごみ", WasteItemRow.fee > 0)).first()  # type: ignore[operator]
    slot = max(slots, key=lambda s: s.day)
    result = process_push(engine, make_person(app), "phone", [Mutation(
        1, "m-1", "bulky_waste", "book",
        book_args("demo-1", slot.area_id, slot.day, [(str(item), 1)]),
        "2026-11-26T00:00:00+00:00")]).results[0]
    assert result["status"] == "applied", result


def test_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("DATABASE_URL", "TSUYAMA_ENV", "TSUYAMA_BULKY_DEADLINE_DAYS",
                 "TSUYAMA_PUBLISH_HOLIDAYS", "TSUYAMA_DEMO_WASTE", "TSUYAMA_WASTE_DATA_DIR"):
        monkeypatch.delenv(name, raising=False)
    defaults = Settings.from_env(data_dir=tmp_path)
    assert defaults.bulky_deadline_working_days == 2 and defaults.publish_holidays is True
    monkeypatch.setenv("TSUYAMA_BULKY_DEADLINE_DAYS", "3")
    monkeypatch.setenv("TSUYAMA_PUBLISH_HOLIDAYS", "0")
    changed = Settings.from_env(data_dir=tmp_path)
    assert changed.bulky_deadline_working_days == 3 and changed.publish_holidays is False
    for bad in ("two", "-1", "31"):
        monkeypatch.setenv("TSUYAMA_BULKY_DEADLINE_DAYS", bad)
        with pytest.raises(ValueError, match="TSUYAMA_BULKY_DEADLINE_DAYS"):
            Settings.from_env(data_dir=tmp_path)
