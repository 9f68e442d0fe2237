"""200 residents racing for 10 places of one slot, each on its own thread, connection and
sync session, through the push engine (the path `POST /sync/push` takes), on SQLite and
PostgreSQL: exactly 10 bookings, the rest `slot_full`, `booked` never over the capacity,
unique booking numbers; then the refused join the waiting list at once and get positions
1..190 without gaps or duplicates, and 10 racing cancellations offer the freed places to
exactly the first 10 waiters."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi import FastAPI
from sqlmodel import Session, col, select

from backend.models import Person
from backend.tiles.reservations.models import OFFERED, WAITING, ReservationBooking
from tests.backend.test_reservation_bookings_helpers import (
    add_resource,
    book_args,
    fix_now,
    many_people,
    push,
    refused_code,
    slot_counts,
)

CROWD = 200
PLACES = 10


@pytest.fixture
def app(database_url: str, make_app: Any, monkeypatch: pytest.MonkeyPatch) -> FastAPI:
    app: FastAPI = make_app(database_url, load_demo_data=False)
    fix_now(monkeypatch)
    add_resource(app, capacity=PLACES)
    return app


def _all_at_once(people: list[Person],
                 act: Callable[[int, Person], dict[str, Any]]) -> list[dict[str, Any]]:
    """`act(index, person)` for everyone, released together by a barrier."""
    start = threading.Barrier(len(people))

    def run(indexed: tuple[int, Person]) -> dict[str, Any]:
        start.wait()
        return act(*indexed)

    with ThreadPoolExecutor(max_workers=len(people)) as pool:
        return list(pool.map(run, enumerate(people)))


def test_two_hundred_residents_ten_places(app: FastAPI) -> None:
    people = many_people(app, CROWD)
    results = _all_at_once(people, lambda index, person: push(
        app, person, "book", book_args(f"race-{index:04d}"), client_id=f"device-{index}"))
    outcomes = Counter(refused_code(result) or result["status"] for result in results)
    assert outcomes == {"applied": PLACES, "slot_full": CROWD - PLACES}
    assert slot_counts(app) == (PLACES, PLACES, 0)
    numbers = sorted(r["result"]["number"] for r in results if r["status"] == "applied")
    assert len(set(numbers)) == PLACES

    # The refused join the waiting list, all at once: one ordered list, no gaps.
    losers = [(i, p) for (i, p), r in zip(enumerate(people), results, strict=True)
              if r["status"] != "applied"]
    waits = _all_at_once([p for _, p in losers], lambda index, person: push(
        app, person, "wait", book_args(f"wait-{index:04d}"), client_id=f"device-w{index}"))
    assert {r["status"] for r in waits} == {"applied"}
    positions = sorted(r["result"]["position"] for r in waits)
    assert positions == list(range(1, CROWD - PLACES + 1))
    assert slot_counts(app) == (PLACES, PLACES, CROWD - PLACES)

    # The holders cancel at once: the freed places go to exactly the first 10 waiters.
    holders = [(p, r["result"]["id"]) for p, r in zip(people, results, strict=True)
               if r["status"] == "applied"]
    cancels = _all_at_once([p for p, _ in holders], lambda index, person: push(
        app, person, "cancel", {"id": holders[index][1]}, client_id=f"device-c{index}"))
    assert {r["status"] for r in cancels} == {"applied"}
    by_position = {r["result"]["position"]: r["result"]["id"] for r in waits}
    with Session(app.state.engine) as session:
        statuses = {b.id: b.status for b in session.scalars(
            select(ReservationBooking).where(col(ReservationBooking.id).like("wait-%")))}
    offered = {booking_id for booking_id, status in statuses.items() if status == OFFERED}
    assert offered == {by_position[n] for n in range(1, PLACES + 1)}
    assert Counter(statuses.values()) == {OFFERED: PLACES, WAITING: CROWD - 2 * PLACES}
    assert slot_counts(app) == (PLACES, PLACES, CROWD - 2 * PLACES)
