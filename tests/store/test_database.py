"""Store files: one per user (named by a hash), one per municipality; pragmas; close, wipe."""

from __future__ import annotations

import hashlib
import sqlite3

import pytest

from offline_store.data_key_store import MemoryDataKeyStore
from offline_store.database import open_public_store, open_user_store
from offline_store.files import user_store_path
from offline_store.migrations import HEAD
from tests.store.conftest import COMMON_ID


def test_user_file_is_named_by_a_hash_not_the_common_id(store, data_dir):
    expected = hashlib.sha256(COMMON_ID.encode()).hexdigest()[:32] + ".sqlite3"
    assert store.path == data_dir / "users" / expected
    assert store.path.exists()
    for path in data_dir.rglob("*"):
        assert COMMON_ID not in str(path)


def test_connections_use_wal_foreign_keys_busy_timeout_and_normal_sync(store):
    with store._engine.connect() as conn:
        pragma = {name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()
                  for name in ("journal_mode", "foreign_keys", "busy_timeout", "synchronous",
                               "user_version")}
    assert pragma == {"journal_mode": "wal", "foreign_keys": 1, "busy_timeout": 5000,
                      "synchronous": 1, "user_version": HEAD}


def test_each_user_has_a_file_and_public_content_has_its_own(data_dir, key_store):
    first = open_user_store(data_dir, "common-a", key_store)
    second = open_user_store(data_dir, "common-b", key_store)
    public = open_public_store(data_dir, "332038")
    try:
        first.apply_changes("user", [{"position": 1, "collection": "bookings", "key": "b1",
                                      "op": "upsert", "data": {"who": "a"}}], 1)
        public.apply_changes("public", [{"position": 7, "collection": "notices", "key": "n1",
                                         "op": "upsert", "data": {"title": "断水"}}], 7)
        assert second.read("bookings", "b1") is None
        assert first.read("notices", "n1") is None
        assert public.read("notices", "n1").data == {"title": "断水"}
        assert public.path == data_dir / "public" / "332038.sqlite3"
        assert first.path != second.path
    finally:
        for opened in (first, second, public):
            opened.close()


def test_public_store_refuses_personal_collections_and_bad_codes(data_dir):
    with pytest.raises(ValueError):
        open_public_store(data_dir, "../x")
    public = open_public_store(data_dir, "332038")
    with pytest.raises(ValueError):
        public.apply_changes("public", [{"position": 1, "collection": "health_records",
                                         "key": "h", "op": "upsert", "data": {}}], 1)
    public.wipe()
    assert list((data_dir / "public").iterdir()) == []


def test_reopening_keeps_rows_client_id_and_cursor(data_dir, key_store):
    store = open_user_store(data_dir, COMMON_ID, key_store, device_id="dev_1")
    client_id = store.client_id
    assert client_id.startswith("dev_1.") and len(client_id) <= 128
    store.apply_local("wallet", "w", {"points": 3}, "wallet.add", {"points": 3})
    store.apply_changes("user", [], 42)
    store.close()
    for device in (None, "dev_2"):  # the store keeps its own sync identity
        store = open_user_store(data_dir, COMMON_ID, key_store, device_id=device)
        try:
            assert store.client_id == client_id
            assert store.read("wallet", "w").data == {"points": 3}
            assert store.cursor("user").cursor == 42
            assert store.pending_count() == 1
            assert store.recoveries() == []
        finally:
            store.close()


def test_a_store_created_again_on_the_same_device_numbers_under_a_new_client_id(
        data_dir, key_store):
    first = open_user_store(data_dir, COMMON_ID, key_store, device_id="dev_1")
    first.wipe()  # logout with "discard"
    second = open_user_store(data_dir, COMMON_ID, key_store, device_id="dev_1")
    try:
        assert second.client_id != first.client_id
        assert second.client_id.startswith("dev_1.")
        assert second.recoveries() == []  # a wipe is no damage
    finally:
        second.close()


def test_wipe_deletes_files_and_the_data_key(store, key_store, data_dir):
    store.apply_local("health_records", "h1", {"bp": "120/80"}, "health.add", {})
    assert key_store.load(store.store_id) is not None
    store.wipe()
    assert list((data_dir / "users").iterdir()) == []
    assert key_store.load(store.store_id) is None
    assert store.closed


def test_kiosk_store_keeps_its_key_in_memory_and_wipe_leaves_no_file(data_dir, file_keyring):
    kiosk = open_user_store(data_dir, COMMON_ID, None, ephemeral=True)
    assert kiosk.ephemeral
    kiosk.apply_local("identity", "me", {"name": "津山 花子"}, "identity.update", {})
    kiosk.apply_changes("user", [{"position": 1, "collection": "notices_read", "key": "n",
                                  "op": "upsert", "data": {}}], 1)
    kiosk.wipe()
    assert list((data_dir / "users").iterdir()) == []
    assert not file_keyring.exists() or "data-key" not in file_keyring.read_text()


def test_kiosk_open_deletes_what_a_crashed_session_left(data_dir):
    crashed = open_user_store(data_dir, COMMON_ID, None, ephemeral=True)
    crashed.apply_changes("user", [{"position": 1, "collection": "bookings", "key": "b",
                                    "op": "upsert", "data": {"slot": 1}}], 1)
    crashed.close()  # the process dies: the memory key is gone, the file is not
    assert user_store_path(data_dir, COMMON_ID).exists()
    fresh = open_user_store(data_dir, COMMON_ID, None, ephemeral=True)
    try:
        assert fresh.list("bookings") == []
        assert fresh.cursor("user").cursor == 0
    finally:
        fresh.wipe()


def test_user_store_needs_a_key_store_unless_ephemeral(data_dir):
    with pytest.raises(ValueError):
        open_user_store(data_dir, COMMON_ID, None)
    with pytest.raises(ValueError):
        open_user_store(data_dir, "", MemoryDataKeyStore())


def test_files_are_plain_sqlite(store):
    store.close()
    db = sqlite3.connect(store.path)
    try:
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    finally:
        db.close()
    assert {"local_record", "outbox", "sync_cursor", "client_identity"} <= tables
