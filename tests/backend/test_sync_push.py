"""`POST /sync/push`: each mutation once, rejections stored and past, seq conflicts, 503."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from backend.models import HealthRecord, Person, SyncChange, SyncReceipt
from backend.sync.collections import Collection, Policy, register, unregister
from backend.sync.types import Mutation, MutationOutcome
from tests.backend.asgi_client import asgi_client
from tests.backend.people import make_person
from tests.backend.sync_helpers import add_record, mutation, pull_all, push, set_pref

MakeApp = Callable[..., FastAPI]


def _count(app: FastAPI, model: type) -> int:
    with Session(app.state.engine) as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


@pytest.mark.anyio
async def test_replaying_a_push_applies_nothing_twice(database_url: str,
                                                      make_app: MakeApp) -> None:
    app = make_app(database_url, load_demo_data=False)
    person = make_person(app)
    batch = [set_pref(1, "theme", "dark"), add_record(2, "r-1"), add_record(3, "r-2")]
    async with asgi_client(app) as client:
        first = (await push(client, app, person, "phone", batch)).json()
        # The response was lost: the device sends the same request again.
        again = (await push(client, app, person, "phone", batch)).json()
        # ... and once more, with a new mutation behind the old ones.
        more = (await push(client, app, person, "phone", [*batch, add_record(4, "r-3")])).json()
    assert [r["status"] for r in first["results"]] == ["applied"] * 3
    assert first["last_seq"] == 3
    assert [r["status"] for r in again["results"]] == ["duplicate"] * 3
    assert [r["original_status"] for r in again["results"]] == ["applied"] * 3
    assert [r["result"] for r in again["results"]] == [r["result"] for r in first["results"]]
    assert [r["status"] for r in more["results"]] == ["duplicate"] * 3 + ["applied"]
    assert more["last_seq"] == 4
    assert _count(app, HealthRecord) == 3
    assert _count(app, SyncChange) == 4
    assert _count(app, SyncReceipt) == 4


@pytest.mark.anyio
async def test_rejections_are_stored_and_advance_last_seq(database_url: str,
                                                          make_app: MakeApp) -> None:
    app = make_app(database_url, load_demo_data=False)
    person = make_person(app)
    batch = [
        mutation(1, "no_such_collection", "do", {}),
        mutation(2, "preferences", "explode", {}),
        mutation(3, "preferences", "set", ["not", "an", "object"]),
        mutation(4, "preferences", "set", {"key": "big", "value": "x" * 70_000}),
        mutation(5, "notices", "add", {"title": "mine"}),
        mutation(6, "preferences", "set", {"value": 1}),  # no key
        set_pref(7, "theme", "dark"),
    ]
    async with asgi_client(app) as client:
        body = (await push(client, app, person, "phone", batch)).json()
        replay = (await push(client, app, person, "phone", batch)).json()
    codes = [(r["status"], r["error"] and r["error"]["code"]) for r in body["results"]]
    assert codes == [
        ("rejected", "unknown_mutation"),
        ("rejected", "unknown_mutation"),
        ("rejected", "invalid_args"),
        ("rejected", "invalid_args"),
        ("rejected", "read_only"),
        ("rejected", "invalid_args"),
        ("applied", None),
    ]
    assert body["last_seq"] == 7
    assert [(r["status"], r["original_status"], r["error"] and r["error"]["code"])
            for r in replay["results"]] == [("duplicate", status, code) for status, code in codes]
    assert _count(app, SyncChange) == 1  # rejections leave no change behind


@pytest.mark.anyio
async def test_a_used_seq_with_another_mutation_id_is_a_seq_conflict(
    database_url: str, make_app: MakeApp
) -> None:
    app = make_app(database_url, load_demo_data=False)
    person = make_person(app)
    async with asgi_client(app) as client:
        await push(client, app, person, "phone", [set_pref(1, "lang", "ja")])
        clash = set_pref(1, "lang", "en")
        conflict = (await push(client, app, person, "phone", [clash])).json()
        renumbered = (await push(client, app, person, "phone", [{**clash, "seq": 2}])).json()
        other_device = (await push(client, app, person, "tablet", [set_pref(1, "x", 1)])).json()
    assert conflict["results"][0]["status"] == "rejected"
    assert conflict["results"][0]["error"]["code"] == "seq_conflict"
    assert conflict["last_seq"] == 1
    assert renumbered["results"][0]["status"] == "applied" and renumbered["last_seq"] == 2
    assert other_device["results"][0]["status"] == "applied"  # seqs are per device


@pytest.mark.anyio
async def test_gapped_push_is_processed_in_seq_order(database_url: str,
                                                     make_app: MakeApp) -> None:
    app = make_app(database_url, load_demo_data=False)
    person = make_person(app)
    async with asgi_client(app) as client:
        body = (await push(client, app, person, "phone",
                           [set_pref(9, "k", "second"), set_pref(5, "k", "first")])).json()
        changes, _ = await pull_all(client, app, person)
    assert [r["seq"] for r in body["results"]] == [5, 9]
    assert body["last_seq"] == 9
    assert [c["data"]["value"] for c in changes] == ["first", "second"]


@pytest.mark.anyio
async def test_health_records_are_append_only(database_url: str, make_app: MakeApp) -> None:
    app = make_app(database_url, load_demo_data=False)
    person = make_person(app)
    async with asgi_client(app) as client:
        body = (await push(client, app, person, "phone", [
            add_record(1, "r-1"),
            add_record(2, "r-1"),  # same client-made id, another mutation: refused
            mutation(3, "health_records", "delete", {"id": "r-1"}),
            mutation(4, "health_records", "delete", {"id": "r-1"}),
            add_record(5, "r-1"),  # the tombstone keeps the id taken
            mutation(6, "health_records", "delete", {"id": "nope"}),
            mutation(7, "health_records", "add", {"id": "r-2", "kind": "x", "data": [1]}),
        ])).json()
        changes, _ = await pull_all(client, app, person)
    assert [(r["status"], r["error"] and r["error"]["code"]) for r in body["results"]] == [
        ("applied", None), ("rejected", "already_exists"), ("applied", None),
        ("applied", None), ("rejected", "already_exists"), ("rejected", "not_found"),
        ("rejected", "invalid_args"),
    ]
    assert [(c["op"], c["key"], c["data"] is None) for c in changes] == [
        ("upsert", "r-1", False), ("delete", "r-1", True)]


@pytest.mark.anyio
async def test_body_errors_are_422_for_the_whole_request(database_url: str,
                                                         make_app: MakeApp) -> None:
    app = make_app(database_url, load_demo_data=False)
    person = make_person(app)
    good = set_pref(1, "a", 1)
    async with asgi_client(app) as client:
        statuses = [
            (await push(client, app, person, "x" * 129, [good])).status_code,
            (await push(client, app, person, "phone", [{**good, "seq": 0}])).status_code,
            (await push(client, app, person, "phone",
                        [{k: v for k, v in good.items() if k != "mutation_id"}])).status_code,
            (await push(client, app, person, "phone",
                        [set_pref(i + 1, "a", i) for i in range(501)])).status_code,
        ]
        anonymous = await client.post("/sync/push", json={"client_id": "p", "mutations": []})
        anonymous_pull = await client.get("/sync/pull")
    assert statuses == [422] * 4
    assert anonymous.status_code == 401 and anonymous_pull.status_code == 401
    assert _count(app, SyncReceipt) == 0


@pytest.fixture
def flaky_collection() -> Iterator[list[bool]]:
    """A collection whose `go` fails with a database error while the flag is set."""
    failing = [True]

    def go(session: Session, person: Person, mutation: Mutation) -> MutationOutcome:
        if failing[0]:
            raise OperationalError("UPDATE something", {}, Exception("connection lost"))
        return MutationOutcome.applied({"ok": True})

    register(Collection("flaky", Policy.SERVER_DECIDED, {"go": go}))
    yield failing
    unregister("flaky")


@pytest.mark.anyio
async def test_transient_failure_is_503_after_committing_what_came_before(
    database_url: str, make_app: MakeApp, flaky_collection: list[bool]
) -> None:
    app = make_app(database_url, load_demo_data=False)
    person = make_person(app)
    batch = [set_pref(1, "a", 1), mutation(2, "flaky", "go", {}), set_pref(3, "b", 2)]
    async with asgi_client(app) as client:
        failed = await push(client, app, person, "phone", batch)
        committed, _ = await pull_all(client, app, person)
        flaky_collection[0] = False
        retried = (await push(client, app, person, "phone", batch)).json()
    assert failed.status_code == 503 and failed.headers["Retry-After"]
    assert [c["key"] for c in committed] == ["a"]
    assert [r["status"] for r in retried["results"]] == ["duplicate", "applied", "applied"]
    assert retried["last_seq"] == 3
