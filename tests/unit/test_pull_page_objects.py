"""A parsed pull page keeps the changes as the JSON objects they arrived as (what the store
takes) and shows them as `Change` values only when read; every change is still checked."""

from __future__ import annotations

from typing import Any

import pytest

from backend_client.errors import BackendProtocolError
from backend_client.sync_transport import Change, ChangeList, PullPage


def change(position: Any, **fields: Any) -> dict[str, Any]:
    base = {"position": position, "collection": "health_records", "key": f"k{position}",
            "op": "upsert", "data": {"kg": 60}, "changed_at": "2026-11-24T00:00:00+00:00"}
    return {**base, **fields}


def page(*changes: dict[str, Any], cursor: int = 0, next_cursor: int = 10) -> PullPage:
    return PullPage.from_json({"changes": list(changes), "next_cursor": next_cursor,
                               "has_more": False}, cursor)


def test_the_store_gets_the_received_objects_and_changes_are_built_on_reading() -> None:
    first, second = change(1), change(2, op="delete", data=None)
    parsed = page(first, second)
    assert parsed.change_objects[0] is first and parsed.change_objects[1] is second
    assert isinstance(parsed.changes, ChangeList) and len(parsed.changes) == 2
    assert parsed.changes[1] == Change(2, "health_records", "k2", "delete", None,
                                       "2026-11-24T00:00:00+00:00")
    assert [c.key for c in parsed.changes] == ["k1", "k2"]
    assert parsed.changes[:1] == (Change.from_json(first),)
    assert parsed.changes == tuple(Change.from_json(c) for c in (first, second))
    assert page().changes == ()
    assert parsed == page(change(1), change(2, op="delete", data=None))


def test_a_page_built_by_hand_gives_the_store_dicts() -> None:
    built = PullPage((Change(3, "notices", "n", "upsert", {"t": 1}, "x"),), 3, False)
    assert built.change_objects == [{"position": 3, "collection": "notices", "key": "n",
                                     "op": "upsert", "data": {"t": 1}, "changed_at": "x"}]


@pytest.mark.parametrize("bad", [
    "not an object",
    change(True),  # a bool is no position
    change("1"),
    change(1, op="merge"),
    change(1, op=["upsert"]),
    change(1, collection=""),
    change(1, collection=None),
    change(1, key=""),
    change(1, key=7),
    change(11),  # beyond next_cursor
    change(0),  # not after the cursor
])
def test_every_change_is_checked(bad: Any) -> None:
    with pytest.raises(BackendProtocolError):
        page(change(1), bad)
