"""The change log never skips a committed row, and concurrent pushes apply each mutation once.

On PostgreSQL a plain sequence hands out positions that may commit out of order; the first
test shows that hazard with a naive table, then shows the counter row of `change_log`
making a later writer wait for the earlier one (on SQLite the database's writer lock does
the same).
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import Connection, Engine, func, select, text
from sqlmodel import Session

from backend.models import HealthRecord, SyncChange, SyncReceipt
from backend.schema import upgrade_to_head
from backend.sync.change_log import append_changes, read_changes
from backend.sync.push import process_push
from backend.sync.types import ChangeRow, Mutation
from tests.backend.people import make_person
from tests.backend.sync_helpers import add_record, set_pref

CODE = "332038"
BLOCKED_FOR = 0.5  # seconds a writer must still be waiting


def _public(key: str) -> list[ChangeRow]:
    return [ChangeRow("notices", key, "upsert", {"title": key}, public=True)]


def _pull(engine: Engine, cursor: int) -> tuple[list[str], int]:
    """A page of the "public" stream (the rows these tests write)."""
    with engine.connect() as connection:
        page = read_changes(connection, CODE, None, cursor, 100)
    return [c["key"] for c in page.changes], page.next_cursor


@pytest.mark.parametrize(
    "database_url", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)
def test_a_plain_sequence_can_skip_a_row_on_postgresql(
    database_url: str, make_test_engine: Callable[[str], Engine]
) -> None:
    """The hazard itself: 11 commits before 10, a reader moves past 10 and never sees it."""
    engine = make_test_engine(database_url)
    with engine.begin() as setup:
        setup.execute(text("CREATE TABLE naive_log (position BIGSERIAL PRIMARY KEY, k TEXT)"))
    earlier, later = engine.connect(), engine.connect()
    insert = text("INSERT INTO naive_log (k) VALUES (:k)")
    read = text("SELECT position, k FROM naive_log WHERE position > :c ORDER BY position")
    try:
        earlier.begin()
        earlier.execute(insert, {"k": "earlier"})
        with later.begin():
            later.execute(insert, {"k": "later"})
        with engine.connect() as reader:
            seen = reader.execute(read, {"c": 0}).all()
        cursor = seen[-1].position
        earlier.commit()
        with engine.connect() as reader:
            seen += reader.execute(read, {"c": cursor}).all()
    finally:
        earlier.close()
        later.close()
    assert [row.k for row in seen] == ["later"]  # "earlier" was skipped for good


def test_a_later_writer_cannot_commit_before_an_earlier_one(
    database_url: str, make_test_engine: Callable[[str], Engine]
) -> None:
    engine = make_test_engine(database_url)
    upgrade_to_head(engine)
    earlier = engine.connect()
    later_done = threading.Event()
    later_position: list[int] = []

    def later_writer() -> None:
        with engine.connect() as connection, connection.begin():
            later_position.extend(append_changes(connection, CODE, None, _public("later")))
        later_done.set()  # after the commit

    try:
        earlier.begin()
        earlier_position = append_changes(earlier, CODE, None, _public("earlier"))
        thread = threading.Thread(target=later_writer)
        thread.start()
        # The later transaction tries to write and commit first: it has to wait.
        assert not later_done.wait(BLOCKED_FOR)
        first_pull, cursor = _pull(engine, 0)
        earlier.commit()
        thread.join(timeout=10)
    finally:
        earlier.close()
    assert later_done.is_set()
    second_pull, cursor = _pull(engine, cursor)
    third_pull, _ = _pull(engine, cursor)
    assert first_pull == []
    assert second_pull == ["earlier", "later"]
    assert third_pull == []
    assert earlier_position[0] < later_position[0]


def test_rolled_back_positions_leave_a_gap_not_a_skip(
    database_url: str, make_test_engine: Callable[[str], Engine]
) -> None:
    engine = make_test_engine(database_url)
    upgrade_to_head(engine)
    with engine.begin() as connection:
        append_changes(connection, CODE, None, _public("one"))
    connection: Connection
    with engine.connect() as connection:
        connection.begin()
        append_changes(connection, CODE, None, _public("lost"))
        connection.rollback()
    with engine.begin() as connection:
        append_changes(connection, CODE, None, _public("two"))
    keys, _ = _pull(engine, 0)
    assert keys == ["one", "two"]


def _client_mutations(client: str) -> list[dict[str, Any]]:
    return [add_record(seq, f"{client}-{seq}") if seq % 2 else set_pref(seq, f"k{seq}", client)
            for seq in range(1, 11)]


def test_concurrent_pushes_apply_each_mutation_once(
    database_url: str, make_app: Callable[..., FastAPI]
) -> None:
    app = make_app(database_url, load_demo_data=False)
    people = [make_person(app), make_person(app)]
    clients = {f"device-{i}": _client_mutations(f"device-{i}") for i in range(4)}
    pushes: list[tuple[Any, str, list[dict[str, Any]]]] = []
    for i, (client_id, mutations) in enumerate(clients.items()):
        for k in range(5):  # overlapping, resent windows of the same outbox
            pushes.append((people[i % 2], client_id, mutations[: 2 + 2 * k]))
    random.Random(332038).shuffle(pushes)
    start = threading.Barrier(len(pushes))

    def run(item: tuple[Any, str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
        person, client_id, batch = item
        start.wait()
        return process_push(app.state.engine, person, client_id,
                            [Mutation(**m) for m in batch]).results

    with ThreadPoolExecutor(max_workers=len(pushes)) as pool:
        results = [r for batch in pool.map(run, pushes) for r in batch]
    applied = Counter(r["mutation_id"] for r in results if r["status"] == "applied")
    every_id = {m["mutation_id"] for batch in clients.values() for m in batch}
    assert len(pushes) == 20
    assert set(applied) == every_id and set(applied.values()) == {1}
    assert {r["status"] for r in results} <= {"applied", "duplicate"}
    with Session(app.state.engine) as session:
        positions = session.scalars(select(SyncChange.position)).all()
        assert session.scalar(select(func.count()).select_from(SyncReceipt)) == 40
        assert session.scalar(select(func.count()).select_from(HealthRecord)) == 20
    assert len(positions) == 40 == len(set(positions))


def test_two_devices_racing_set_and_delete_on_one_key_never_fail(
    database_url: str, make_app: Callable[..., FastAPI]
) -> None:
    """Regression: a delete committed between a handler's read and its write made the ORM
    raise StaleDataError (a 500). Same person, two devices, the same preference key."""
    from tests.backend.sync_helpers import mutation

    app = make_app(database_url, load_demo_data=False)
    person = make_person(app)
    rounds = 60
    devices = ["phone", "tablet", "kiosk"]
    start = threading.Barrier(len(devices))

    def device(client_id: str) -> list[dict[str, Any]]:
        start.wait()
        results = []
        for seq in range(1, rounds + 1):
            m = (set_pref(seq, "theme", f"{client_id}-{seq}") if seq % 2
                 else mutation(seq, "preferences", "delete", {"key": "theme"}))
            results += process_push(app.state.engine, person, client_id,
                                    [Mutation(**m)]).results
        return results

    with ThreadPoolExecutor(max_workers=len(devices)) as pool:
        results = [r for batch in pool.map(device, devices) for r in batch]
    assert len(results) == len(devices) * rounds
    assert {r["status"] for r in results} == {"applied"}
