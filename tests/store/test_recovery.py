"""A damaged, emptied or lost store is detected at open and never replaced silently: the unsent
changes that can be read are queued again, the rest re-syncs, and the store says what
happened (issue 9, finding 3)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from offline_store import (
    MemoryDataKeyStore,
    StoreUnavailable,
    UserStore,
    open_public_store,
    open_user_store,
)
from offline_store.database import connect_sqlite
from offline_store.files import user_store_path
from tests.store.conftest import COMMON_ID


def _store_with_unsent(data_dir: Path, key_store: MemoryDataKeyStore) -> UserStore:
    store = open_user_store(data_dir, COMMON_ID, key_store, device_id="dev_1")
    # Settled history first, so the file has many pages; then three unsent changes.
    store.apply_changes("main", [
        {"position": i, "collection": "preferences", "key": f"k{i}", "op": "upsert",
         "data": {"key": f"k{i}", "value": "x" * 300}} for i in range(1, 400)], 399)
    store.apply_local("preferences", "theme", {"key": "theme", "value": "dark"}, "set",
                      {"key": "theme", "value": "dark"})
    store.apply_local("health_records", "meal-1", {"kind": "meal", "data": {"kcal": 640}},
                      "add", {"id": "meal-1", "kind": "meal", "data": {"kcal": 640}})
    store.apply_local("preferences", "lang", None, "delete", {"key": "lang"})
    return store


def test_a_zero_byte_store_is_not_taken_for_a_new_one(data_dir, key_store):
    store = _store_with_unsent(data_dir, key_store)
    old_key = key_store.load(store.store_id)
    store.close()
    for suffix in ("-wal", "-shm"):
        Path(str(store.path) + suffix).unlink(missing_ok=True)
    store.path.write_bytes(b"")
    rebuilt = open_user_store(data_dir, COMMON_ID, key_store, device_id="dev_1")
    try:
        [recovery] = rebuilt.recoveries()
        assert recovery.kind == "damaged"
        assert recovery.recovered == 0
        assert recovery.lost is None  # nothing left to count: the resident is told so
        assert rebuilt.client_id != store.client_id
        assert key_store.load(store.store_id) != old_key  # a new key for the new store
    finally:
        rebuilt.close()


def test_a_truncated_store_gives_back_its_unsent_changes(data_dir, key_store):
    store = _store_with_unsent(data_dir, key_store)
    unsent = [(e.mutation_id, e.name, e.args) for e in store.outbox(states=("pending",))]
    store.close()  # checkpoints the WAL into the file
    raw = store.path.read_bytes()
    # Cut the file inside the settled rows' pages: the outbox (written last) survives.
    store.path.write_bytes(raw[: len(raw) // 2])
    rebuilt = open_user_store(data_dir, COMMON_ID, key_store, device_id="dev_1")
    try:
        [recovery] = rebuilt.recoveries()
        assert recovery.kind == "damaged"
        assert "malformed" in recovery.detail or "check" in recovery.detail
        # Queued again in order under the same mutation ids; the rest re-syncs.
        assert [(e.mutation_id, e.name, e.args) for e in rebuilt.outbox()] == unsent
        assert (recovery.recovered, recovery.lost) == (3, 0)
        assert rebuilt.cursor("main").cursor == 0
    finally:
        rebuilt.close()


def test_a_store_whose_outbox_pages_are_intact_recovers_every_unsent_change(
        data_dir, key_store):
    store = _store_with_unsent(data_dir, key_store)
    unsent = [(e.mutation_id, e.name, e.args) for e in store.outbox(states=("pending",))]
    store.close()
    db = connect_sqlite(store.path)
    db.execute("DELETE FROM client_identity")  # damage that SQLite's check cannot see
    db.close()
    rebuilt = open_user_store(data_dir, COMMON_ID, key_store, device_id="dev_1")
    try:
        [recovery] = rebuilt.recoveries()
        assert (recovery.kind, recovery.recovered, recovery.lost) == ("damaged", 3, 0)
        assert [(e.mutation_id, e.name, e.args) for e in rebuilt.outbox()] == unsent
        # The resident still sees their own edits while they wait to be sent.
        assert rebuilt.read("preferences", "theme").data == {"key": "theme", "value": "dark"}
        assert rebuilt.read("preferences", "theme").pending
        assert rebuilt.read("health_records", "meal-1").data["data"] == {"kcal": 640}
        assert rebuilt.read("preferences", "lang") is None
        rebuilt.dismiss_recovery(recovery.id)
        assert rebuilt.recoveries() == []
    finally:
        rebuilt.close()


def test_garbage_in_place_of_the_store_is_damage(data_dir, key_store):
    store = _store_with_unsent(data_dir, key_store)
    store.close()
    store.path.write_bytes(b"this is not a database" * 100)
    rebuilt = open_user_store(data_dir, COMMON_ID, key_store)
    try:
        [recovery] = rebuilt.recoveries()
        assert recovery.kind == "damaged" and recovery.recovered == 0
    finally:
        rebuilt.close()


def test_a_store_file_gone_while_its_key_is_here_is_reported_lost(data_dir, key_store):
    store = _store_with_unsent(data_dir, key_store)
    store.close()
    for suffix in ("", "-wal", "-shm"):
        Path(str(store.path) + suffix).unlink(missing_ok=True)
    rebuilt = open_user_store(data_dir, COMMON_ID, key_store)
    try:
        [recovery] = rebuilt.recoveries()
        assert (recovery.kind, recovery.recovered, recovery.lost) == ("file_lost", 0, None)
    finally:
        rebuilt.close()


def test_a_first_open_and_an_ordinary_reopen_report_nothing(data_dir, key_store):
    store = open_user_store(data_dir, COMMON_ID, key_store)
    assert store.recoveries() == []
    store.close()
    again = open_user_store(data_dir, COMMON_ID, key_store)
    assert again.recoveries() == []
    again.close()


def test_a_locked_store_is_not_mistaken_for_a_damaged_one(data_dir, key_store, monkeypatch):
    store = _store_with_unsent(data_dir, key_store)
    store.close()
    monkeypatch.setattr("offline_store.database.BUSY_TIMEOUT_MS", 50)
    holder = sqlite3.connect(store.path, isolation_level=None)
    holder.execute("PRAGMA journal_mode = DELETE")
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(StoreUnavailable) as raised:
            open_user_store(data_dir, COMMON_ID, key_store)
        assert isinstance(raised.value.__cause__, sqlite3.OperationalError)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    reopened = open_user_store(data_dir, COMMON_ID, key_store)
    try:
        assert reopened.pending_count() == 3 and reopened.recoveries() == []
    finally:
        reopened.close()


def test_a_kiosk_store_is_still_wiped_not_recovered(data_dir):
    kiosk = open_user_store(data_dir, COMMON_ID, None, ephemeral=True)
    kiosk.apply_local("preferences", "theme", {"value": "dark"}, "set", {"key": "theme"})
    kiosk.close()
    user_store_path(data_dir, COMMON_ID).write_bytes(b"")
    again = open_user_store(data_dir, COMMON_ID, None, ephemeral=True)
    try:
        assert again.recoveries() == [] and again.pending_count() == 0
    finally:
        again.close()


def test_a_damaged_public_store_starts_again(data_dir):
    public = open_public_store(data_dir, "332038")
    public.apply_changes("public", [{"position": 1, "collection": "notices", "key": "n1",
                                     "op": "upsert", "data": {"title": "x"}}], 1)
    public.close()
    public.path.write_bytes(b"\x00" * 4096)
    again = open_public_store(data_dir, "332038")
    try:
        assert again.count() == 0 and again.cursor("public").cursor == 0
    finally:
        again.close()
