"""A pull page is encoded once, by splicing each stored value's JSON text (no decode and
re-encode per row): the answer must still be exactly the JSON the change log holds."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from fastapi import FastAPI
from sqlalchemy import Engine

from backend.schema import upgrade_to_head
from backend.sync.change_log import (
    ChangePage,
    append_changes,
    change_json,
    page_json,
    read_changes,
)
from backend.sync.types import ChangeRow
from tests.backend.asgi_client import asgi_client
from tests.backend.people import bearer, make_person
from tests.backend.sync_helpers import push, set_pref

CODE = "332038"
ODD = ['quote " and \\ backslash', "line\nbreak\ttab", "津山 ✓", "\u2028\u2029", "\x00\x1f", ""]


@pytest.mark.parametrize("text", ODD)
def test_change_json_escapes_collection_key_and_op(text: str) -> None:
    encoded = change_json(7, text, text, text, json.dumps({"v": text}), "2026-11-24T00:00:00+00:00")
    assert json.loads(encoded) == {"position": 7, "collection": text, "key": text, "op": text,
                                   "data": {"v": text}, "changed_at": "2026-11-24T00:00:00+00:00"}


def test_page_json_splices_changes_and_encodes_extra_fields() -> None:
    page = ChangePage([change_json(1, "c", "k", "delete", None, "t"),
                       change_json(2, "c", "k", "upsert", '{"a": [1, 2.5, null]}', "t")], 2, True)
    body = json.loads(page_json(page, streams=["public", "audience:parents"]))
    assert body == {"changes": [
        {"position": 1, "collection": "c", "key": "k", "op": "delete", "data": None,
         "changed_at": "t"},
        {"position": 2, "collection": "c", "key": "k", "op": "upsert",
         "data": {"a": [1, 2.5, None]}, "changed_at": "t"}],
        "next_cursor": 2, "has_more": True, "streams": ["public", "audience:parents"]}
    assert json.loads(page_json(ChangePage([], 5, False))) == {
        "changes": [], "next_cursor": 5, "has_more": False}


def test_read_changes_gives_back_what_was_appended(database_url: str,
                                                   make_test_engine: Callable[[str], Engine],
                                                   ) -> None:
    engine = make_test_engine(database_url)
    upgrade_to_head(engine)
    values = [{"n": 1, "text": 'say "hi"\n', "list": [1.5, None, True]}, "plain", 0, None]
    moments = [datetime(2026, 11, 24, 9, 30, 1, 250000, tzinfo=UTC),
               datetime(2026, 11, 25, 0, 0, tzinfo=UTC)]
    with engine.begin() as connection:
        for moment in moments:
            append_changes(connection, CODE, None,
                           [ChangeRow("notices", f"k{i}", "upsert", v, public=True)
                            for i, v in enumerate(values)]
                           + [ChangeRow("notices", "gone", "delete", public=True)], now=moment)
    with engine.connect() as connection:
        page = read_changes(connection, CODE, None, 0, 100)
    assert [c["data"] for c in page.changes] == [*values, None] * 2
    assert [c["changed_at"] for c in page.changes] == (
        ["2026-11-24T09:30:01.250000+00:00"] * 5 + ["2026-11-25T00:00:00+00:00"] * 5)
    assert [c["position"] for c in page.changes] == list(range(1, 11))
    assert page.next_cursor == 10 and not page.has_more


@pytest.mark.anyio
async def test_the_pull_answers_json(database_url: str, make_app: Callable[..., FastAPI]) -> None:
    app = make_app(database_url, load_demo_data=False)
    person = make_person(app)
    async with asgi_client(app) as client:
        await push(client, app, person, "phone", [set_pref(1, "theme", "dark")])
        response = await client.get("/sync/pull", headers=bearer(app, person))
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert [(c["key"], c["data"]["value"]) for c in body["changes"]] == [("theme", "dark")]
    assert body["next_cursor"] == body["changes"][0]["position"] and body["has_more"] is False
    assert isinstance(body["streams"], list)
