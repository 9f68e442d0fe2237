"""The phone's data key store: Flet's async secure storage behind the synchronous
`DataKeyStore` the offline store is opened with (in a worker thread)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from app.device.secure_storage import SecureStorageDataKeyStore
from offline_store import DataKeyMissing, DataKeyStoreUnavailable, open_user_store


class FakeSecureStorage:
    """An in-memory stand-in for flet_secure_storage.SecureStorage (async, like the real one)."""

    def __init__(self) -> None:
        self.values: dict[str, str] = {}
        self.fail = False

    async def get(self, key: str) -> Any:
        await asyncio.sleep(0)
        if self.fail:
            raise OSError("platform channel closed")
        return self.values.get(key)

    async def set(self, key: str, value: str) -> None:
        await asyncio.sleep(0)
        self.values[key] = value

    async def remove(self, key: str) -> None:
        await asyncio.sleep(0)
        self.values.pop(key, None)


@pytest.mark.anyio
async def test_the_key_persists_in_secure_storage_across_opens(tmp_path: Path) -> None:
    storage = FakeSecureStorage()
    keys = SecureStorageDataKeyStore(storage=storage)

    store = await asyncio.to_thread(open_user_store, tmp_path, "person-1", keys,
                                    device_id="phone-1")
    await asyncio.to_thread(store.apply_local, "health_records", "r1", {"sys": 120}, "add",
                            {"id": "r1", "kind": "bp", "data": {"sys": 120}})
    await asyncio.to_thread(store.close)
    [name] = storage.values
    assert name.startswith("tsuyama-portal.data-key:")

    again = await asyncio.to_thread(open_user_store, tmp_path, "person-1",
                                    SecureStorageDataKeyStore(storage=storage),
                                    device_id="phone-1")
    row = await asyncio.to_thread(again.read, "health_records", "r1")
    await asyncio.to_thread(again.close)
    assert row is not None and row.data == {"sys": 120}


@pytest.mark.anyio
async def test_a_damaged_or_missing_storage_is_a_clear_error(tmp_path: Path) -> None:
    storage = FakeSecureStorage()
    keys = SecureStorageDataKeyStore(storage=storage)
    storage.values["tsuyama-portal.data-key:x"] = "not base64!"
    with pytest.raises(DataKeyMissing, match="secure storage"):
        await asyncio.to_thread(keys.load, "x")
    storage.fail = True
    with pytest.raises(DataKeyStoreUnavailable, match="secure storage failed"):
        await asyncio.to_thread(keys.load, "x")


@pytest.mark.anyio
async def test_calling_it_on_the_event_loop_is_refused_not_deadlocked() -> None:
    keys = SecureStorageDataKeyStore(storage=FakeSecureStorage())
    with pytest.raises(RuntimeError, match="off the event loop"):
        keys.load("x")
