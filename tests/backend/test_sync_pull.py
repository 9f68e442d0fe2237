"""`GET /sync/pull`: paging, own rows only, last writer wins by server order, tombstones.

The read-only streams ("public", "audience:<name>") are tested in test_sync_streams.py."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta

import pytest
from fastapi import FastAPI
from sqlmodel import Session, select

from backend.models import HealthRecord, Preference, SyncChange
from backend.services.audiences import AUDIENCE_PARENTS
from backend.sync.change_log import MAX_PAGE
from backend.tiles.notices.models import Notice
from tests.backend.asgi_client import asgi_client
from tests.backend.people import bearer, make_person
from tests.backend.sync_helpers import mutation, pull_all, push, set_pref

MakeApp = Callable[..., FastAPI]
DAY = timedelta(days=1)


@pytest.mark.anyio
async def test_pages_follow_the_server_cursor(database_url: str, make_app: MakeApp) -> None:
    app = make_app(database_url, load_demo_data=False)
    person = make_person(app)
    async with asgi_client(app) as client:
        await push(client, app, person, "phone", [set_pref(i, f"k{i}", i) for i in range(1, 8)])
        pages = []
        cursor = 0
        while True:
            page = (await client.get("/sync/pull", params={"cursor": cursor, "limit": 3},
                                     headers=bearer(app, person))).json()
            pages.append(page)
            cursor = page["next_cursor"]
            if not page["has_more"]:
                break
        empty = (await client.get("/sync/pull", params={"cursor": cursor},
                                  headers=bearer(app, person))).json()
        bad = await client.get("/sync/pull", params={"limit": MAX_PAGE + 1},
                               headers=bearer(app, person))
    assert [len(p["changes"]) for p in pages] == [3, 3, 1]
    assert [p["has_more"] for p in pages] == [True, True, False]
    positions = [c["position"] for p in pages for c in p["changes"]]
    assert positions == sorted(positions) and len(set(positions)) == 7
    assert [c["key"] for p in pages for c in p["changes"]] == [f"k{i}" for i in range(1, 8)]
    assert empty == {"changes": [], "next_cursor": cursor, "has_more": False,
                     "streams": ["public"]}
    assert bad.status_code == 422


@pytest.mark.anyio
async def test_notices_are_stream_rows_not_personal_ones(database_url: str,
                                                         make_app: MakeApp) -> None:
    app = make_app(database_url)  # loads the demo notices
    a, b = make_person(app), make_person(app)
    with Session(app.state.engine) as session:
        notices = session.exec(select(Notice)).all()
    public = {str(n.id) for n in notices if n.audience is None}
    assert public and any(n.audience == AUDIENCE_PARENTS for n in notices)
    async with asgi_client(app) as client:
        seen_a, _ = await pull_all(client, app, a)
        seen_b, _ = await pull_all(client, app, b, limit=2)
        stream = (await client.get("/sync/streams/public/pull",
                                   headers=bearer(app, a))).json()["changes"]
    # The public stream also holds other public content (the procedure definitions).
    stream = [c for c in stream if c["collection"] == "notices"]
    assert seen_a == [] and seen_b == []
    assert {c["key"] for c in stream} == public
    assert all(c["collection"] == "notices" and c["op"] == "upsert" for c in stream)
    assert {"title_ja", "title_en", "body_ja", "category"} <= set(stream[0]["data"])


@pytest.mark.anyio
async def test_last_writer_wins_by_server_order_not_device_clocks(
    database_url: str, make_app: MakeApp
) -> None:
    app = make_app(database_url, load_demo_data=False)
    person = make_person(app)
    async with asgi_client(app) as client:
        # The phone's clock runs a day ahead, the tablet's a day behind.
        await push(client, app, person, "phone", [set_pref(1, "theme", "dark", clock_offset=DAY)])
        await push(client, app, person, "tablet",
                   [set_pref(1, "theme", "light", clock_offset=-DAY)])
        changes, _ = await pull_all(client, app, person)
        await push(client, app, person, "phone",
                   [set_pref(2, "theme", "contrast", clock_offset=-30 * DAY)])
        later, _ = await pull_all(client, app, person, cursor=changes[-1]["position"])
    assert [c["data"]["value"] for c in changes] == ["dark", "light"]
    assert [c["data"]["value"] for c in later] == ["contrast"]
    with Session(app.state.engine) as session:
        row = session.get(Preference, (person.id, "theme"))
    assert row is not None and json.loads(row.value) == "contrast"


@pytest.mark.parametrize("delete_first", [True, False])
@pytest.mark.anyio
async def test_delete_and_edit_race_server_order_decides(
    database_url: str, make_app: MakeApp, delete_first: bool
) -> None:
    app = make_app(database_url, load_demo_data=False)
    person = make_person(app)
    delete = mutation(1, "preferences", "delete", {"key": "font"})
    edit = set_pref(1, "font", "large")
    async with asgi_client(app) as client:
        await push(client, app, person, "phone", [set_pref(1, "font", "small")])
        first, second = (delete, edit) if delete_first else (edit, delete)
        await push(client, app, person, "tablet", [first])
        await push(client, app, person, "watch", [second])
        changes, _ = await pull_all(client, app, person)
    ops = [c["op"] for c in changes]
    assert ops == (["upsert", "delete", "upsert"] if delete_first
                   else ["upsert", "upsert", "delete"])
    assert changes[1]["data"] is None if delete_first else changes[2]["data"] is None
    with Session(app.state.engine) as session:
        row = session.get(Preference, (person.id, "font"))
    assert (row is not None) == delete_first  # whichever the server applied last won


@pytest.mark.anyio
async def test_a_pull_never_shows_someone_elses_rows(database_url: str,
                                                     make_app: MakeApp) -> None:
    app = make_app(database_url, load_demo_data=False)
    a, b = make_person(app), make_person(app)
    async with asgi_client(app) as client:
        await push(client, app, b, "b-phone", [set_pref(1, "secret", "B-ONLY")])
        await push(client, app, a, "a-phone", [set_pref(1, "mine", "A")])
        seen_a, _ = await pull_all(client, app, a)
        seen_b, _ = await pull_all(client, app, b)
    assert [c["data"]["value"] for c in seen_a] == ["A"]
    assert [c["data"]["value"] for c in seen_b] == ["B-ONLY"]


@pytest.mark.anyio
async def test_account_deletion_removes_synced_rows(database_url: str,
                                                    make_app: MakeApp) -> None:
    app = make_app(database_url, load_demo_data=False)
    gone, stays = make_person(app), make_person(app)
    async with asgi_client(app) as client:
        await push(client, app, gone, "phone", [set_pref(1, "a", 1),
                                               mutation(2, "health_records", "add",
                                                        {"id": "r", "kind": "k", "data": {}})])
        await push(client, app, stays, "phone", [set_pref(1, "a", 2)])
        deleted = await client.request("DELETE", "/me", headers=bearer(app, gone),
                                       json={"confirm": "DELETE"})
        seen, _ = await pull_all(client, app, stays)
    assert deleted.status_code == 204
    with Session(app.state.engine) as session:
        assert [p.person_id for p in session.exec(select(Preference)).all()] == [stays.id]
        assert session.exec(select(SyncChange)).all()[0].person_id == stays.id
        assert session.exec(select(HealthRecord)).all() == []
    assert [c["data"]["value"] for c in seen] == [2]
