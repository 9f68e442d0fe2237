"""What `/sync/push` does with a mutation that fails (docs/sync.md, "POST /sync/push"; ADR
0018): applied, rejected for good with a reason (never holding up the mutations after it,
stored so a replay says the same), or the whole push 503 for a transient cause only.
On SQLite and PostgreSQL."""

from __future__ import annotations

import logging
import math
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import func, insert, make_url, select, text
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from backend.models import HealthRecord, Person, Preference, SyncChange, SyncReceipt
from backend.sync.collections import Collection, Policy, register, unregister
from backend.sync.push import process_push
from backend.sync.types import ChangeRow, Mutation, MutationOutcome, RetryLater
from backend.tiles.waste.bulky.models import BulkySlot
from tests.backend.asgi_client import asgi_client
from tests.backend.people import make_person
from tests.backend.sync_helpers import mutation, pull_all, push, set_pref

MakeApp = Callable[..., FastAPI]
TEST_COLLECTION = "semantics_test"


def _count(app: FastAPI, model: type, **where: Any) -> int:
    with Session(app.state.engine) as session:
        statement = select(func.count()).select_from(model)
        for name, value in where.items():
            statement = statement.where(getattr(model, name) == value)
        return session.scalar(statement) or 0


def _codes(body: dict[str, Any]) -> list[tuple[str, str | None]]:
    return [(r["status"], r["error"] and r["error"]["code"]) for r in body["results"]]


def _replayed(body: dict[str, Any]) -> list[tuple[str, str | None, str | None]]:
    return [(r["status"], r.get("original_status"), r["error"] and r["error"]["code"])
            for r in body["results"]]


def _write_preference(session: Session, person: Person, key: str) -> None:
    """A write the failing handlers make first: it must be rolled back with them."""
    session.add(Preference(person_id=person.id, key=key,
                           municipality_code=person.municipality_code, value='"x"',
                           updated_at=datetime.now(UTC)))
    session.flush()


def _raises_value_error(session: Session, person: Person, m: Mutation) -> MutationOutcome:
    _write_preference(session, person, "written-before-the-bug")
    raise ValueError("a bug in the handler: secret detail 12345")


def _check_violation(session: Session, person: Person, m: Mutation) -> MutationOutcome:
    # A bulky slot booked above its capacity: CHECK ck_bulky_slot_booked on both databases.
    session.execute(insert(BulkySlot).values(
        municipality_code=person.municipality_code, area_id="area-x", day=date(2026, 12, 3),
        capacity=1, booked=5))
    return MutationOutcome.applied({"ok": True})


def _too_long(session: Session, person: Person, m: Mutation) -> MutationOutcome:
    # preference.key is VARCHAR(128): PostgreSQL refuses 200 characters (22001).
    _write_preference(session, person, "k" * 200)
    return MutationOutcome.applied({"ok": True})


def _nan_result(session: Session, person: Person, m: Mutation) -> MutationOutcome:
    _write_preference(session, person, "nan-result")
    return MutationOutcome.applied({"value": math.nan},
                                   [ChangeRow("preferences", "nan-result", "upsert", {"v": 1})])


def _datetime_result(session: Session, person: Person, m: Mutation) -> MutationOutcome:
    _write_preference(session, person, "datetime-result")
    return MutationOutcome.applied({"when": datetime.now(UTC)})


def _surrogate_result(session: Session, person: Person, m: Mutation) -> MutationOutcome:
    return MutationOutcome.applied({"text": "\ud800"})


def _infinite_change(session: Session, person: Person, m: Mutation) -> MutationOutcome:
    return MutationOutcome.applied({"ok": True},
                                   [ChangeRow("preferences", "inf", "upsert", {"v": math.inf})])


def _not_an_outcome(session: Session, person: Person, m: Mutation) -> Any:
    return {"status": "applied"}


def _retry_later(session: Session, person: Person, m: Mutation) -> MutationOutcome:
    raise RetryLater("the service behind this collection is down")


@pytest.fixture
def test_collection() -> Iterator[dict[str, Any]]:
    """A collection of misbehaving handlers; tests add their own to the dict."""
    handlers: dict[str, Any] = {
        "value_error": _raises_value_error, "check_violation": _check_violation,
        "too_long": _too_long, "nan_result": _nan_result,
        "datetime_result": _datetime_result, "surrogate_result": _surrogate_result,
        "infinite_change": _infinite_change, "not_an_outcome": _not_an_outcome,
        "retry_later": _retry_later,
    }
    register(Collection(TEST_COLLECTION, Policy.SERVER_DECIDED, handlers))
    yield handlers
    unregister(TEST_COLLECTION)


def _bad(seq: int, name: str) -> dict[str, Any]:
    return mutation(seq, TEST_COLLECTION, name, {})


@pytest.mark.anyio
async def test_a_handler_that_raises_is_rejected_internal_error_and_the_rest_applies(
    database_url: str, make_app: MakeApp, test_collection: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = make_app(database_url, load_demo_data=False)
    person = make_person(app)
    batch = [set_pref(1, "a", 1), _bad(2, "value_error"), set_pref(3, "b", 2)]
    async with asgi_client(app) as client:
        with caplog.at_level(logging.ERROR, logger="backend.sync.push"):
            first = await push(client, app, person, "phone", batch)
        replay = await push(client, app, person, "phone", batch)
        changes, _ = await pull_all(client, app, person)
    assert first.status_code == 200, first.text
    body = first.json()
    assert _codes(body) == [("applied", None), ("rejected", "internal_error"),
                            ("applied", None)]
    assert body["last_seq"] == 3
    message = body["results"][1]["error"]["message"]
    assert "12345" not in message and "ValueError" not in message  # generic for the device
    logged = [r for r in caplog.records if r.exc_info and "internal_error" in r.getMessage()]
    assert logged and "secret detail 12345" in str(logged[0].exc_info[1])  # traceback kept
    assert _replayed(replay.json()) == [("duplicate", "applied", None),
                                        ("duplicate", "rejected", "internal_error"),
                                        ("duplicate", "applied", None)]
    assert replay.json()["results"][1]["error"] == body["results"][1]["error"]
    assert [c["key"] for c in changes] == ["a", "b"]
    assert _count(app, Preference, key="written-before-the-bug") == 0  # rolled back
    assert _count(app, SyncReceipt, status="rejected") == 1


@pytest.mark.anyio
async def test_a_check_violation_is_rejected_not_503_and_the_rest_applies(
    database_url: str, make_app: MakeApp, test_collection: dict[str, Any]
) -> None:
    app = make_app(database_url, load_demo_data=False)
    person = make_person(app)
    batch = [set_pref(1, "a", 1), _bad(2, "check_violation"), set_pref(3, "b", 2)]
    async with asgi_client(app) as client:
        first = await push(client, app, person, "phone", batch)
        replay = await push(client, app, person, "phone", batch)
    assert first.status_code == 200, first.text
    assert _codes(first.json()) == [("applied", None), ("rejected", "invalid_args"),
                                    ("applied", None)]
    assert "database error" in first.json()["results"][1]["error"]["message"]
    assert [r[1:] for r in _replayed(replay.json())] == [
        ("applied", None), ("rejected", "invalid_args"), ("applied", None)]
    assert _count(app, BulkySlot) == 0


@pytest.mark.anyio
@pytest.mark.parametrize(
    "database_url", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)
async def test_a_value_too_long_for_its_column_is_rejected_on_postgresql(
    database_url: str, make_app: MakeApp, test_collection: dict[str, Any]
) -> None:
    """22001 string_data_right_truncation: was a 503 "try again" for ever."""
    app = make_app(database_url, load_demo_data=False)
    person = make_person(app)
    batch = [_bad(1, "too_long"), set_pref(2, "b", 2)]
    async with asgi_client(app) as client:
        first = await push(client, app, person, "phone", batch)
        replay = await push(client, app, person, "phone", batch)
    assert first.status_code == 200, first.text
    assert _codes(first.json()) == [("rejected", "invalid_args"), ("applied", None)]
    assert "22001" in first.json()["results"][0]["error"]["message"]
    assert [r[1:] for r in _replayed(replay.json())] == [("rejected", "invalid_args"),
                                                         ("applied", None)]


def test_a_nul_in_a_key_is_rejected_not_503_on_both_databases(
    database_url: str, make_app: MakeApp
) -> None:
    """On PostgreSQL a NUL cannot be stored in text (a driver-side DataError); SQLite stores
    it. Either way the push goes on: no 503, the next mutation applied."""
    app = make_app(database_url, load_demo_data=False)
    person = make_person(app)
    batch = [Mutation(1, str(uuid.uuid4()), "preferences", "set",
                      {"key": "bad\x00key", "value": 1}, ""),
             Mutation(2, str(uuid.uuid4()), "preferences", "set", {"key": "ok", "value": 2}, "")]
    first = process_push(app.state.engine, person, "phone", batch)
    again = process_push(app.state.engine, person, "phone", batch)
    statuses = [r["status"] for r in first.results]
    if database_url.startswith("postgresql"):
        assert [r["error"] and r["error"]["code"] for r in first.results] == ["invalid_args",
                                                                               None]
        assert statuses == ["rejected", "applied"]
    else:
        assert statuses == ["applied", "applied"]
    assert [r["status"] for r in again.results] == ["duplicate", "duplicate"]
    assert first.last_seq == 2


@pytest.mark.anyio
@pytest.mark.parametrize("name", ["nan_result", "datetime_result", "surrogate_result",
                                  "infinite_change", "not_an_outcome"])
async def test_a_result_that_cannot_be_stored_is_rejected_before_commit(
    database_url: str, make_app: MakeApp, test_collection: dict[str, Any], name: str
) -> None:
    """Was: committed, then every answer (and replay) a 500, or a 500 with nothing stored.
    Now: nothing of it committed, rejected internal_error, the replay says the same."""
    app = make_app(database_url, load_demo_data=False)
    person = make_person(app)
    batch = [set_pref(1, "a", 1), _bad(2, name), set_pref(3, "b", 2)]
    async with asgi_client(app) as client:
        first = await push(client, app, person, "phone", batch)
        replay = await push(client, app, person, "phone", batch)
        changes, _ = await pull_all(client, app, person)
    assert first.status_code == 200, first.text
    assert _codes(first.json()) == [("applied", None), ("rejected", "internal_error"),
                                    ("applied", None)]
    assert replay.status_code == 200
    assert [r[1:] for r in _replayed(replay.json())] == [
        ("applied", None), ("rejected", "internal_error"), ("applied", None)]
    assert [c["key"] for c in changes] == ["a", "b"]
    assert _count(app, Preference) == 2  # the handler's own write was rolled back
    assert _count(app, SyncChange) == 2


def test_args_with_nan_or_a_lone_surrogate_are_invalid_args(
    database_url: str, make_app: MakeApp
) -> None:
    """Python's JSON reader accepts NaN; such a value must not be stored and answered."""
    app = make_app(database_url, load_demo_data=False)
    person = make_person(app)
    batch = [Mutation(1, str(uuid.uuid4()), "preferences", "set",
                      {"key": "n", "value": math.nan}, ""),
             Mutation(2, str(uuid.uuid4()), "preferences", "set",
                      {"key": "s", "value": "\udc80"}, ""),
             Mutation(3, str(uuid.uuid4()), "health_records", "add",
                      {"id": "r", "kind": "bp", "data": {"sys": math.inf}}, ""),
             Mutation(4, str(uuid.uuid4()), "preferences", "set", {"key": "ok", "value": 1},
                      "")]
    result = process_push(app.state.engine, person, "phone", batch)
    assert [(r["status"], r["error"] and r["error"]["code"]) for r in result.results] == [
        ("rejected", "invalid_args")] * 3 + [("applied", None)]
    assert _count(app, Preference) == 1 and _count(app, HealthRecord) == 0


@pytest.mark.anyio
async def test_retry_later_from_a_handler_is_503_after_committing_what_came_before(
    database_url: str, make_app: MakeApp, test_collection: dict[str, Any]
) -> None:
    app = make_app(database_url, load_demo_data=False)
    person = make_person(app)
    batch = [set_pref(1, "a", 1), _bad(2, "retry_later"), set_pref(3, "b", 2)]
    async with asgi_client(app) as client:
        failed = await push(client, app, person, "phone", batch)
        changes, _ = await pull_all(client, app, person)
    assert failed.status_code == 503 and failed.headers["Retry-After"]
    assert [c["key"] for c in changes] == ["a"]
    assert _count(app, SyncReceipt) == 1  # nothing stored for the transient one


@pytest.mark.anyio
async def test_a_locked_database_is_503_and_the_retry_applies_the_rest(
    database_url: str, make_app: MakeApp, test_collection: dict[str, Any]
) -> None:
    """Real lock failures. SQLite: another connection cannot get the write lock the push
    holds ("database is locked", SQLITE_BUSY). PostgreSQL: a row locked by another
    transaction with lock_timeout (55P03 lock_not_available)."""
    app = make_app(database_url, load_demo_data=False)
    person = make_person(app)
    # The row locked: nobody's data refers to it (a lock on the caller's own row would hold
    # up the foreign-key checks of the writes before).
    target = make_person(app)
    holder = app.state.engine.connect()
    locked = [True]

    def lock_fails(session: Session, person_: Person, m: Mutation) -> MutationOutcome:
        if not locked[0]:
            return MutationOutcome.applied({"ok": True})
        if database_url.startswith("sqlite"):
            other = sqlite3.connect(make_url(database_url).database, timeout=0)
            try:
                other.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                raise OperationalError("BEGIN IMMEDIATE", {}, exc) from exc
            finally:
                other.close()
            raise AssertionError("the push's transaction should hold the write lock")
        session.execute(text("SET LOCAL lock_timeout = '100ms'"))
        session.execute(text("SELECT id FROM person WHERE id = :id FOR UPDATE"),
                        {"id": target.id})
        raise AssertionError("the row should be locked")

    test_collection["lock_fails"] = lock_fails
    batch = [set_pref(1, "a", 1), _bad(2, "lock_fails"), set_pref(3, "b", 2)]
    try:
        if database_url.startswith("postgresql"):
            holder.begin()
            holder.execute(text("SELECT id FROM person WHERE id = :id FOR UPDATE"),
                           {"id": target.id})
        async with asgi_client(app) as client:
            failed = await push(client, app, person, "phone", batch)
            changes, _ = await pull_all(client, app, person)
            holder.rollback()
            locked[0] = False
            retried = await push(client, app, person, "phone", batch)
    finally:
        holder.close()
    assert failed.status_code == 503, failed.text
    assert failed.headers["Retry-After"]
    assert [c["key"] for c in changes] == ["a"]
    assert _codes(retried.json()) == [("duplicate", None), ("applied", None), ("applied", None)]
    assert retried.json()["last_seq"] == 3


@pytest.mark.parametrize(
    "database_url", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)
def test_a_rejection_that_cannot_even_be_stored_is_answered_and_the_push_goes_on(
    database_url: str, make_app: MakeApp
) -> None:
    """A mutation id PostgreSQL cannot store (NUL): not even its rejection has a receipt;
    it is answered rejected all the same (a replay fails the same way) and the rest applies."""
    app = make_app(database_url, load_demo_data=False)
    person = make_person(app)
    batch = [Mutation(1, "id-with-\x00", "preferences", "set", {"key": "a", "value": 1}, ""),
             Mutation(2, str(uuid.uuid4()), "preferences", "set", {"key": "b", "value": 2}, "")]
    result = process_push(app.state.engine, person, "phone", batch)
    assert [(r["status"], r["error"] and r["error"]["code"]) for r in result.results] == [
        ("rejected", "invalid_args"), ("applied", None)]
    assert result.last_seq == 2
