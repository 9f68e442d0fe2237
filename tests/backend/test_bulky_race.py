"""Residents racing for the last places of a slot, on real connections (threads), on SQLite
and PostgreSQL: exactly as many bookings as places are applied, the rest are `slot_full`,
and `booked` never exceeds the capacity. Booking numbers stay unique under the race."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlmodel import Session

from backend.models import Person
from backend.sync.push import process_push
from backend.tiles.waste.bulky import deadline
from backend.tiles.waste.bulky.models import BulkyBooking
from tests.backend.bulky_helpers import (
    AREA_A,
    AREA_B,
    TODAY,
    add_slot,
    book_args,
    bulky_mutation,
    error_code,
    log_rows,
    seed_waste,
    slot_state,
)
from tests.backend.people import make_person

DAY = date(2026, 12, 3)


def _race(app: FastAPI, people: list[Person], area_id: str, day: date) -> list[dict[str, Any]]:
    """Every person pushes a booking of (area, day) at the same moment."""
    start = threading.Barrier(len(people))

    def run(indexed: tuple[int, Person]) -> dict[str, Any]:
        index, person = indexed
        mutation = bulky_mutation("book", book_args(f"race-{index}", area_id, day))
        start.wait()
        return process_push(app.state.engine, person, f"device-{index}", [mutation]).results[0]

    with ThreadPoolExecutor(max_workers=len(people)) as pool:
        return list(pool.map(run, enumerate(people)))


@pytest.fixture
def app(database_url: str, make_app: Callable[..., FastAPI],
        monkeypatch: pytest.MonkeyPatch) -> FastAPI:
    app = make_app(database_url, load_demo_data=False)
    seed_waste(app.state.engine)
    monkeypatch.setattr(deadline, "today", lambda: TODAY)
    return app


def test_two_residents_one_place_left_exactly_one_gets_it(app: FastAPI) -> None:
    for round_ in range(5):  # several rounds: each a fresh slot with one place left
        day = date(2026, 12, 1 + round_)
        add_slot(app.state.engine, AREA_A, day, capacity=2, booked=1)
        results = _race(app, [make_person(app), make_person(app)], AREA_A, day)
        outcomes = sorted((r["status"], error_code(r)) for r in results)
        assert outcomes == [("applied", None), ("rejected", "slot_full")], results
        assert slot_state(app.state.engine, AREA_A, day) == (2, 2)


def test_many_residents_few_places(app: FastAPI) -> None:
    add_slot(app.state.engine, AREA_B, DAY, capacity=3)
    people = [make_person(app) for _ in range(10)]
    results = _race(app, people, AREA_B, DAY)
    counts = Counter(error_code(r) or r["status"] for r in results)
    assert counts == {"applied": 3, "slot_full": 7}
    assert slot_state(app.state.engine, AREA_B, DAY) == (3, 3)
    remaining = [data["remaining"] for _, _, data in log_rows(app.state.engine, "bulky_slots")]
    assert sorted(remaining, reverse=True) == [2, 1, 0]


def test_booking_numbers_stay_unique_when_everyone_gets_a_place(app: FastAPI) -> None:
    add_slot(app.state.engine, AREA_A, DAY, capacity=8)
    people = [make_person(app) for _ in range(8)]
    results = _race(app, people, AREA_A, DAY)
    assert {r["status"] for r in results} == {"applied"}
    numbers = sorted(r["result"]["number"] for r in results)
    assert numbers == [f"S2612-{n:04d}" for n in range(1, 9)]
    with Session(app.state.engine) as session:
        stored = session.scalars(select(BulkyBooking.number)).all()
    assert sorted(stored) == numbers
    assert slot_state(app.state.engine, AREA_A, DAY) == (8, 8)


def test_moves_and_cancels_racing_bookings_keep_the_count(app: FastAPI) -> None:
    """Residents booked on one day move to a nearly full day while others book it and
    cancel: `booked` ends equal to the bookings really on each day, never over capacity."""
    other_day = date(2026, 12, 10)
    add_slot(app.state.engine, AREA_A, DAY, capacity=10)
    add_slot(app.state.engine, AREA_A, other_day, capacity=3)
    movers = [make_person(app) for _ in range(4)]
    for index, person in enumerate(movers):
        process_push(app.state.engine, person, "setup",
                     [bulky_mutation("book", book_args(f"m-{index}", AREA_A, DAY))])
    bookers = [make_person(app) for _ in range(4)]
    start = threading.Barrier(len(movers) + len(bookers))

    def move(index: int) -> dict[str, Any]:
        mutation = bulky_mutation("change", {"id": f"m-{index}", "day": other_day.isoformat()})
        start.wait()
        return process_push(app.state.engine, movers[index], "phone", [mutation]).results[0]

    def book_and_cancel(index: int) -> dict[str, Any]:
        first = bulky_mutation("book", book_args(f"k-{index}", AREA_A, other_day))
        start.wait()
        result = process_push(app.state.engine, bookers[index], "phone", [first]).results[0]
        if result["status"] == "applied":
            cancel = bulky_mutation("cancel", {"id": f"k-{index}"})
            process_push(app.state.engine, bookers[index], "phone", [cancel])
        return result

    with ThreadPoolExecutor(max_workers=8) as pool:
        futures = [pool.submit(move, i) for i in range(4)]
        futures += [pool.submit(book_and_cancel, i) for i in range(4)]
        results = [future.result() for future in futures]
    assert {r["status"] for r in results} <= {"applied", "rejected"}
    assert {error_code(r) for r in results} <= {None, "slot_full"}
    with Session(app.state.engine) as session:
        booked = Counter(b.day for b in session.scalars(
            select(BulkyBooking).where(BulkyBooking.status == "booked")))
    for day in (DAY, other_day):
        capacity, count = slot_state(app.state.engine, AREA_A, day)
        assert count == booked[day] <= capacity
