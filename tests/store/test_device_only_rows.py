"""`UserStore.keep_on_device`: rows that never enter the outbox (the health tile's records
before the resident turns their sync on), sealed like every row of a sensitive collection."""

from __future__ import annotations

from pathlib import Path

from offline_store.data_key_store import MemoryDataKeyStore
from offline_store.database import open_user_store
from offline_store.repository import UserStore
from tests.store.conftest import COMMON_ID

SECRET = "HbA1c 6.9% 要受診"


def _raw(store: UserStore) -> bytes:
    return b"".join(p.read_bytes() for p in store.path.parent.iterdir() if p.is_file())


def test_a_device_only_row_is_read_back_and_sends_nothing(store: UserStore) -> None:
    store.keep_on_device("health_records", "r1", {"note": SECRET})
    row = store.read("health_records", "r1")
    assert row is not None and row.data == {"note": SECRET}
    assert not row.pending and row.server_position is None
    assert store.pending_count() == 0 and store.outbox() == []
    store.keep_on_device("health_records", "r1", {"note": "changed"})
    assert store.read("health_records", "r1").data == {"note": "changed"}
    assert store.count("health_records") == 1


def test_device_only_rows_are_sealed_on_disk(store: UserStore) -> None:
    store.keep_on_device("health_device", "settings", {"note": SECRET})
    store.close()
    assert SECRET.encode() not in _raw(store)


def test_none_deletes_a_device_only_row_but_not_a_pending_one(store: UserStore) -> None:
    store.keep_on_device("health_records", "r1", {"a": 1})
    store.keep_on_device("health_records", "r1", None)
    assert store.read("health_records", "r1") is None
    store.apply_local("health_records", "r2", {"b": 2}, "add", {"id": "r2"})
    store.keep_on_device("health_records", "r2", None)  # the sync owns it now
    store.keep_on_device("health_records", "r2", {"b": 3})
    row = store.read("health_records", "r2")
    assert row is not None and row.pending and row.data == {"b": 2}


def test_device_only_rows_survive_reopening(data_dir: Path, key_store: MemoryDataKeyStore,
                                            store: UserStore) -> None:
    store.keep_on_device("health_records", "r1", {"kept": True})
    store.close()
    again = open_user_store(data_dir, COMMON_ID, key_store, device_id="dev_test")
    try:
        assert again.read("health_records", "r1").data == {"kept": True}
    finally:
        again.close()
