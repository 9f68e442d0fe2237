"""What `apply_changes` checks of every change, and how it stores values (first-sync path)."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

import pytest

from offline_store.repository import UserStore


def change(position: Any = 1, **fields: Any) -> dict[str, Any]:
    base = {"position": position, "collection": "health_records", "key": "r1", "op": "upsert",
            "data": {"kg": 60.5, "note": "朝食前"}}
    return {**base, **fields}


@pytest.mark.parametrize(("bad", "message"), [
    (change(True), "integer position"),
    (change("1"), "integer position"),
    (change(collection=""), "without a collection"),
    (change(collection=3), "without a collection"),
    (change(key=""), "without a key"),
    (change(key=None), "without a key"),
    (change(op="merge"), "unknown op"),
    (change(op=["upsert"]), "unknown op"),
])
def test_a_bad_change_is_refused_and_nothing_is_written(store: UserStore, bad: dict[str, Any],
                                                       message: str) -> None:
    with pytest.raises(ValueError, match=message):
        store.apply_changes("main", [change(1, key="ok"), bad], 2)
    assert store.count() == 0 and store.cursor("main").cursor == 0


def test_subclasses_of_int_and_str_are_still_accepted(store: UserStore) -> None:
    class Key(str):
        pass

    class Position(int):
        pass

    assert store.apply_changes("main", [change(Position(4), key=Key("r9"))], 4) == 1
    assert store.read("health_records", "r9").server_position == 4


def test_values_are_stored_as_compact_json_and_sensitive_ones_encrypted(
        store: UserStore) -> None:
    store.apply_changes("main", [change(1), change(2, collection="bookings", key="b")], 2)
    db = sqlite3.connect(store.path)
    try:
        rows = dict(db.execute("SELECT collection, data FROM local_record").fetchall())
    finally:
        db.close()
    assert rows["bookings"] == json.dumps(change()["data"], ensure_ascii=False,
                                          separators=(",", ":")).encode()
    # Not the plain JSON (a two-byte pattern such as b"kg" turns up in random ciphertext
    # about once in a thousand runs: check whole fields instead).
    sealed = rows["health_records"]
    assert b'"kg":60.5' not in sealed and "朝食前".encode() not in sealed
    assert sealed[:1] == b"\x01"
    assert store.read("health_records", "r1").data == {"kg": 60.5, "note": "朝食前"}


def test_the_pages_own_dicts_are_left_as_they_were(store: UserStore) -> None:
    page = [change(1), change(2, key="r2", op="delete", data=None)]
    before = [dict(c) for c in page]
    store.apply_changes("main", page, 2)
    assert page == before
