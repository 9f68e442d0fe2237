"""Per-person quotas of the synced collections (docs/sync.md, "Quotas"): a write over a
quota is rejected `quota_exceeded` naming the quota, deletes always pass, other people are
not affected. On SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import text

from backend.models import Person
from backend.settings import Settings
from backend.sync.push import process_push
from backend.sync.quotas import DEFAULT_LIMITS, QuotaLimit, quota_limits
from backend.sync.types import Mutation
from backend.tiles.waste.bulky import deadline
from tests.backend.asgi_client import asgi_client
from tests.backend.bulky_helpers import AREA_A, TODAY, add_slot, book_args, seed_waste
from tests.backend.people import make_person
from tests.backend.sync_helpers import add_record, mutation, push, set_pref

MakeApp = Callable[..., FastAPI]


def _codes(body: dict[str, Any]) -> list[tuple[str, str | None]]:
    return [(r["status"], r["error"] and r["error"]["code"]) for r in body["results"]]


def _message(body: dict[str, Any], index: int) -> str:
    return str(body["results"][index]["error"]["message"])


@pytest.mark.anyio
async def test_preference_rows_quota(database_url: str, make_app: MakeApp) -> None:
    app = make_app(database_url, load_demo_data=False, quota_preferences_rows=3)
    person, other = make_person(app), make_person(app)
    async with asgi_client(app) as client:
        first = (await push(client, app, person, "phone", [
            set_pref(1, "a", 1), set_pref(2, "b", 2), set_pref(3, "c", 3),
            set_pref(4, "d", 4),  # a fourth row: over
            set_pref(5, "a", "changed"),  # an existing row: no growth, applied
            mutation(6, "preferences", "delete", {"key": "b"}),  # deletes always pass
            set_pref(7, "d", 4),  # room again, in the same push
            set_pref(8, "e", 5),  # over again
        ])).json()
        late = set_pref(9, "f", 6)
        second = (await push(client, app, person, "phone", [late])).json()
        replay = (await push(client, app, person, "phone", [late])).json()
        others = (await push(client, app, other, "phone",
                             [set_pref(1, "a", 1), set_pref(2, "b", 2), set_pref(3, "c", 3)]
                             )).json()
    assert _codes(first) == [("applied", None)] * 3 + [("rejected", "quota_exceeded")] + [
        ("applied", None)] * 3 + [("rejected", "quota_exceeded")]
    assert "preferences.rows" in _message(first, 3) and "at most 3" in _message(first, 3)
    assert first["last_seq"] == 8
    assert _codes(second) == [("rejected", "quota_exceeded")]  # counted afresh: still full
    assert replay["results"][0]["original_status"] == "rejected"
    assert replay["results"][0]["error"]["code"] == "quota_exceeded"
    assert _codes(others) == [("applied", None)] * 3  # per person


@pytest.mark.anyio
async def test_preference_bytes_quota(database_url: str, make_app: MakeApp) -> None:
    # Bytes of the stored key and value (JSON): "k1" + '"xxx…"' (42) = 44.
    app = make_app(database_url, load_demo_data=False, quota_preferences_bytes=100)
    person = make_person(app)
    async with asgi_client(app) as client:
        body = (await push(client, app, person, "phone", [
            set_pref(1, "k1", "x" * 40),  # 44 bytes
            set_pref(2, "k2", "y" * 60),  # 44 + 64 = 108: over
            set_pref(3, "k1", "x" * 10),  # shrinks to 14: applied
            set_pref(4, "k2", "y" * 60),  # 14 + 64 = 78: fits now
            set_pref(5, "k3", "日本語" * 4),  # 2 + 38 bytes (UTF-8, not characters): 118
        ])).json()
    assert _codes(body) == [("applied", None), ("rejected", "quota_exceeded"),
                            ("applied", None), ("applied", None),
                            ("rejected", "quota_exceeded")]
    assert "preferences.bytes" in _message(body, 1) and "100 bytes" in _message(body, 1)
    assert "118 bytes" in _message(body, 4)


@pytest.mark.anyio
async def test_health_record_quotas_count_live_rows_and_all_bytes(
    database_url: str, make_app: MakeApp
) -> None:
    app = make_app(database_url, load_demo_data=False, quota_health_records_rows=2,
                   quota_health_records_bytes=4000)
    person, other = make_person(app), make_person(app)
    async with asgi_client(app) as client:
        body = (await push(client, app, person, "phone", [
            add_record(1, "r-1"), add_record(2, "r-2"),
            add_record(3, "r-3"),  # a third live record: over
            mutation(4, "health_records", "delete", {"id": "r-1"}),  # a tombstone now
            add_record(5, "r-3"),  # two live records again
            mutation(6, "health_records", "add",
                     {"id": "big", "kind": "note", "data": {"text": "z" * 5000}}),
        ])).json()
        others = (await push(client, app, other, "phone",
                             [add_record(1, "r-1"), add_record(2, "r-2")])).json()
    assert _codes(body) == [("applied", None)] * 2 + [("rejected", "quota_exceeded")] + [
        ("applied", None)] * 2 + [("rejected", "quota_exceeded")]
    assert "health_records.rows" in _message(body, 2)
    # The big one fails on rows first (it would be a third live record).
    assert "health_records.rows" in _message(body, 5)
    assert _codes(others) == [("applied", None)] * 2


def test_health_record_bytes_quota(database_url: str, make_app: MakeApp) -> None:
    app = make_app(database_url, load_demo_data=False, quota_health_records_bytes=3000)
    person = make_person(app)

    def add(seq: int, record_id: str, size: int) -> Mutation:
        return Mutation(seq, str(uuid.uuid4()), "health_records", "add",
                        {"id": record_id, "kind": "note", "data": {"t": "z" * size}}, "")

    result = process_push(app.state.engine, person, "phone", [
        add(1, "a", 1000), add(2, "b", 1000), add(3, "c", 1000),
        Mutation(4, str(uuid.uuid4()), "health_records", "delete", {"id": "a"}, ""),
        add(5, "d", 500),
    ], quota_limits(app.state.settings))
    codes = [(r["status"], r["error"] and r["error"]["code"]) for r in result.results]
    assert codes == [("applied", None), ("applied", None), ("rejected", "quota_exceeded"),
                     ("applied", None), ("applied", None)]
    assert "health_records.bytes" in result.results[2]["error"]["message"]


def test_bulky_booking_rows_quota_counts_cancelled_bookings(
    database_url: str, make_app: MakeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(database_url, load_demo_data=False, quota_bulky_waste_rows=2)
    engine = app.state.engine
    seed_waste(engine)
    day = date(2026, 12, 3)
    add_slot(engine, AREA_A, day, capacity=10)
    monkeypatch.setattr(deadline, "today", lambda: TODAY)
    person, other = make_person(app), make_person(app)
    limits = quota_limits(app.state.settings)

    def bulky(seq: int, name: str, args: dict[str, Any]) -> Mutation:
        return Mutation(seq, str(uuid.uuid4()), "bulky_waste", name, args, "")

    result = process_push(engine, person, "phone", [
        bulky(1, "book", book_args("b-1", AREA_A, day)),
        bulky(2, "book", book_args("b-2", AREA_A, day)),
        bulky(3, "book", book_args("b-3", AREA_A, day)),  # a third booking: over
        bulky(4, "cancel", {"id": "b-1"}),  # always passes
        bulky(5, "book", book_args("b-4", AREA_A, day)),  # cancelled ones still count
        bulky(6, "change", {"id": "b-2", "items": [{"item_id": "sofa", "quantity": 2}]}),
    ], limits)
    codes = [(r["status"], r["error"] and r["error"]["code"]) for r in result.results]
    assert codes == [("applied", None), ("applied", None), ("rejected", "quota_exceeded"),
                     ("applied", None), ("rejected", "quota_exceeded"), ("applied", None)]
    assert "bulky_waste.rows" in result.results[2]["error"]["message"]
    theirs = process_push(engine, other, "phone",
                          [bulky(1, "book", book_args("b-1", AREA_A, day))], limits)
    assert theirs.results[0]["status"] == "applied"


def test_the_default_quotas_apply_without_settings(
    database_url: str, make_app: MakeApp
) -> None:
    """`process_push` without limits uses the defaults: 5,000 preferences."""
    assert DEFAULT_LIMITS["preferences"] == QuotaLimit(rows=5000, bytes=4 * 1024 * 1024)
    assert DEFAULT_LIMITS["health_records"] == QuotaLimit(rows=20_000, bytes=20 * 1024 * 1024)
    assert DEFAULT_LIMITS["bulky_waste"].rows == 200
    app = make_app(database_url, load_demo_data=False)
    person: Person = make_person(app)
    now = datetime.now(UTC)
    with app.state.engine.begin() as conn:  # 4,999 settings already stored
        conn.execute(text("INSERT INTO preference (person_id, key, municipality_code, value, "
                          "updated_at) VALUES (:p, :k, :m, '1', :t)"),
                     [{"p": person.id, "k": f"old{i}", "m": person.municipality_code, "t": now}
                      for i in range(4999)])
    mutations = [Mutation(i + 1, str(uuid.uuid4()), "preferences", "set",
                          {"key": f"k{i}", "value": i}, "") for i in range(2)]
    result = process_push(app.state.engine, person, "phone", mutations)
    assert [r["status"] for r in result.results[-2:]] == ["applied", "rejected"]
    assert result.results[-1]["error"]["code"] == "quota_exceeded"


def test_quota_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch,
                                             tmp_path: Path) -> None:
    monkeypatch.setenv("TSUYAMA_QUOTA_PREFERENCES_ROWS", "7")
    monkeypatch.setenv("TSUYAMA_QUOTA_HEALTH_RECORDS_BYTES", "123456")
    settings = Settings.from_env(data_dir=tmp_path)
    limits = quota_limits(settings)
    assert limits["preferences"] == QuotaLimit(rows=7, bytes=4 * 1024 * 1024)
    assert limits["health_records"] == QuotaLimit(rows=20_000, bytes=123456)
    monkeypatch.setenv("TSUYAMA_QUOTA_BULKY_WASTE_ROWS", "many")
    with pytest.raises(ValueError, match="TSUYAMA_QUOTA_BULKY_WASTE_ROWS"):
        Settings.from_env(data_dir=tmp_path)
    monkeypatch.setenv("TSUYAMA_QUOTA_BULKY_WASTE_ROWS", "0")
    with pytest.raises(ValueError, match="TSUYAMA_QUOTA_BULKY_WASTE_ROWS"):
        Settings.from_env(data_dir=tmp_path)
