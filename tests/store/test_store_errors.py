"""The store raises its own errors: a locked, unwritable or damaged file never lets a
`sqlite3` or SQLAlchemy exception reach the app (which imports neither)."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError as SAOperationalError

from backend_client.sync_transport import PullPage
from offline_store import (
    MemoryDataKeyStore,
    OfflineStoreError,
    StoreCorrupted,
    StoreDatabaseError,
    StoreError,
    StoreUnavailable,
    UserStore,
    open_public_store,
    open_user_store,
)
from offline_store.errors import database_errors, translate
from offline_store.sync_engine import PublicSyncEngine
from tests.store.conftest import COMMON_ID

_SHORT_BUSY = (
    "PRAGMA journal_mode = WAL",
    "PRAGMA foreign_keys = ON",
    "PRAGMA busy_timeout = 50",
    "PRAGMA synchronous = NORMAL",
    "PRAGMA secure_delete = ON",
)


@pytest.fixture
def quick_busy(monkeypatch: pytest.MonkeyPatch) -> None:
    """Connections give up on a lock after 50 ms instead of 5 s."""
    monkeypatch.setattr("offline_store.database.BUSY_TIMEOUT_MS", 50)
    monkeypatch.setattr("offline_store.database.PRAGMAS", _SHORT_BUSY)


def _hold_write_lock(path: Path) -> sqlite3.Connection:
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    return holder


def test_a_write_to_a_store_locked_by_another_process_raises_store_unavailable(
        quick_busy, data_dir, key_store):
    store = open_user_store(data_dir, COMMON_ID, key_store, device_id="dev")
    holder = _hold_write_lock(store.path)
    try:
        with pytest.raises(StoreUnavailable) as raised:
            store.apply_local("preferences", "lang", "ja", "set_preference", {"v": "ja"})
        assert isinstance(raised.value, StoreError)
        assert isinstance(raised.value.__cause__, SAOperationalError)
        assert isinstance(raised.value.__cause__.orig, sqlite3.OperationalError)
        with pytest.raises(StoreUnavailable):
            store.apply_changes("main", [{"position": 1, "collection": "c", "key": "k",
                                          "op": "upsert", "data": 1}], 1)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    store.apply_local("preferences", "lang", "ja", "set_preference", {"v": "ja"})
    assert store.pending_count() == 1
    store.close()


def _damage_every_page_but_the_first(store: UserStore) -> None:
    """Writes the WAL into the file, then overwrites every table page with garbage."""
    with store._engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    store._engine.dispose()  # no connection keeps pages of the sound file in its cache
    page_size = 4096
    with store.path.open("r+b") as file:
        size = file.seek(0, 2)
        assert size > page_size
        file.seek(page_size)
        file.write(b"\xa5" * (size - page_size))


def test_reading_a_store_damaged_while_open_raises_store_corrupted(data_dir, key_store):
    store = open_user_store(data_dir, COMMON_ID, key_store, device_id="dev")
    store.apply_changes("main", [{"position": n, "collection": "notes", "key": f"k{n}",
                                  "op": "upsert", "data": {"n": n}} for n in range(1, 50)], 49)
    _damage_every_page_but_the_first(store)
    try:
        with pytest.raises(StoreCorrupted) as raised:
            store.list("notes")
        assert "damaged" in str(raised.value)
        with pytest.raises(StoreCorrupted):
            store.pending_count()
    finally:
        store.close()


def test_opening_a_store_under_a_file_raises_store_unavailable(tmp_path):
    blocker = tmp_path / "data"
    blocker.write_text("a file where the data folder should be")
    with pytest.raises(StoreUnavailable) as raised:
        open_public_store(blocker, "332038")
    assert isinstance(raised.value.__cause__, OSError)
    with pytest.raises(StoreUnavailable):
        open_user_store(blocker, COMMON_ID, MemoryDataKeyStore())


@pytest.mark.parametrize(("error", "expected"), [
    (sqlite3.OperationalError("database is locked"), StoreUnavailable),
    (sqlite3.OperationalError("disk I/O error"), StoreUnavailable),
    (sqlite3.OperationalError("attempt to write a readonly database"), StoreUnavailable),
    (sqlite3.DatabaseError("database disk image is malformed"), StoreCorrupted),
    (sqlite3.DatabaseError("file is not a database"), StoreCorrupted),
    (sqlite3.IntegrityError("UNIQUE constraint failed: outbox.mutation_id"),
     StoreDatabaseError),
    (sqlite3.OperationalError("no such table: outbox"), StoreDatabaseError),
])
def test_sqlite_errors_are_translated_by_what_they_mean(error, expected):
    translated = translate(error)
    assert type(translated) is expected
    assert str(error) in str(translated)
    wrapped = translate(SAOperationalError("SELECT 1", {}, error))
    assert type(wrapped) is expected


def test_the_store_s_own_errors_and_other_exceptions_pass_through_unchanged():
    with pytest.raises(StoreCorrupted, match="tampered"), database_errors():
        raise StoreCorrupted("tampered")
    with pytest.raises(ValueError, match="limit"), database_errors():
        raise ValueError("limit must be >= 1")


class _LockedStore:
    """A public store whose file another process holds: every read is refused."""

    def cursor(self, stream: str) -> object:
        raise StoreUnavailable("the offline store cannot be used now: database is locked")


class _NoNetworkNeeded:
    async def pull_stream(self, *args: object, **kwargs: object) -> PullPage:
        raise AssertionError("the store fails before anything is fetched")


def test_a_store_error_during_sync_is_reported_not_raised():
    engine = PublicSyncEngine(_LockedStore(), _NoNetworkNeeded(), "332038")  # type: ignore[arg-type]  # test doubles
    report = asyncio.run(engine.sync_once())
    assert not report.ok and not report.offline
    assert "locked" in report.error


def test_every_store_error_is_an_offline_store_error():
    assert StoreError is OfflineStoreError
    for kind in (StoreUnavailable, StoreCorrupted, StoreDatabaseError):
        assert issubclass(kind, StoreError)
