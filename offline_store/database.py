"""Opening the device's stores: one SQLite file per user and one for public content.

    data_dir/users/<sha256(common_id)[:32]>.sqlite3   a resident's rows, outbox, cursors
    data_dir/public/<municipality code>.sqlite3       public content (notices, timetables…)

Every connection uses WAL, foreign keys, a busy timeout, synchronous=NORMAL and
secure_delete (deleted content is overwritten, not left in free pages). The schema is brought
to head by `migrations.migrate` when the file is opened.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.pool import QueuePool

from offline_store.clock import Clock, iso_utc, utc_now
from offline_store.crypto import KEY_CHECK, SENSITIVE_COLLECTIONS, ValueCipher, new_data_key
from offline_store.data_key_store import DataKeyStore, MemoryDataKeyStore
from offline_store.errors import ClientMismatch, DataKeyMissing, StoreCorrupted
from offline_store.files import (
    delete_sqlite_files,
    public_store_path,
    user_store_id,
    user_store_path,
)
from offline_store.migrations import migrate
from offline_store.repository import PublicStore, UserStore

BUSY_TIMEOUT_MS = 5000
PRAGMAS = (
    "PRAGMA journal_mode = WAL",
    "PRAGMA foreign_keys = ON",
    f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}",
    "PRAGMA synchronous = NORMAL",
    "PRAGMA secure_delete = ON",
)
_KEY_CHECK_PLAINTEXT = b"tsuyama-portal data key"


def connect_sqlite(path: Path) -> sqlite3.Connection:
    """A DB-API connection in autocommit mode (transactions are begun explicitly)."""
    db = sqlite3.connect(path, isolation_level=None, check_same_thread=False,
                         timeout=BUSY_TIMEOUT_MS / 1000)
    # A value whose type was changed behind our back (TEXT that is not UTF-8) must reach the
    # reader, which reports it as `StoreCorrupted`, instead of failing inside the driver.
    db.text_factory = _lenient_text
    for pragma in PRAGMAS:
        db.execute(pragma)
    return db


def _lenient_text(raw: bytes) -> str:
    return raw.decode("utf-8", errors="surrogateescape")


def make_store_engine(path: Path) -> Engine:
    """An engine whose transactions are real SQLite transactions (`BEGIN`, or `BEGIN
    IMMEDIATE` on connections with the `begin_immediate` execution option)."""
    engine = create_engine("sqlite://", creator=lambda: connect_sqlite(path),
                           poolclass=QueuePool, pool_size=2, max_overflow=4)

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        immediate = conn.get_execution_options().get("begin_immediate")
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def _prepare_file(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    db = connect_sqlite(path)
    try:
        migrate(db)
    finally:
        db.close()


def open_user_store(
    data_dir: Path,
    common_id: str,
    key_store: DataKeyStore | None,
    *,
    ephemeral: bool = False,
    client_id: str | None = None,
    sensitive_collections: Iterable[str] = SENSITIVE_COLLECTIONS,
    clock: Clock = utc_now,
) -> UserStore:
    """Opens (creating if needed) a resident's store, migrated to head.

    `ephemeral=True` (kiosk): the data key lives in a `MemoryDataKeyStore` and any file left
    from an earlier session (its key is gone) is deleted first; `key_store` is ignored.
    `client_id` (the device id) is recorded on first open; a different one later raises
    `ClientMismatch` (the outbox is numbered for one client). Without one, a new UUID is used.

    Raises `DataKeyMissing` when the store has a data key check but the key store has no key
    or another key (the caller wipes the store and syncs again).
    """
    path = user_store_path(data_dir, common_id)
    store_id = user_store_id(common_id)
    if ephemeral:
        key_store = MemoryDataKeyStore()
        delete_sqlite_files(path)
    elif key_store is None:
        raise ValueError("a key store is required unless ephemeral=True")
    _prepare_file(path)
    engine = make_store_engine(path)
    try:
        cipher, stored_client_id = _identity(engine, store_id, key_store, client_id, clock)
    except BaseException:
        engine.dispose()
        raise
    return UserStore(engine, path, store_id=store_id, client_id=stored_client_id,
                     key_store=key_store, cipher=cipher,
                     sensitive_collections=sensitive_collections, clock=clock)


def open_public_store(data_dir: Path, municipality_code: str, *,
                      clock: Clock = utc_now) -> PublicStore:
    """Opens (creating if needed) the public content store of one municipality."""
    path = public_store_path(data_dir, municipality_code)
    _prepare_file(path)
    return PublicStore(make_store_engine(path), path, clock=clock)


def _identity(engine: Engine, store_id: str, key_store: DataKeyStore, client_id: str | None,
              clock: Clock) -> tuple[ValueCipher, str]:
    import uuid

    with engine.connect() as conn:
        conn.execution_options(begin_immediate=True)
        with conn.begin():
            row = conn.exec_driver_sql(
                "SELECT client_id, data_key_check FROM client_identity WHERE id = 1"
            ).first()
            if row is None:
                key = new_data_key()
                cipher = ValueCipher(key)
                stored_client_id = client_id or str(uuid.uuid4())
                check = cipher.encrypt(_KEY_CHECK_PLAINTEXT, KEY_CHECK, "", store_id)
                key_store.save(store_id, key)
                conn.exec_driver_sql(
                    "INSERT INTO client_identity (id, client_id, created_at, data_key_check) "
                    "VALUES (1, ?, ?, ?)", (stored_client_id, iso_utc(clock()), check))
                return cipher, stored_client_id
            if row[1] is None:  # identity recorded before any key (an interrupted first open)
                key = key_store.load(store_id)
                if key is None:
                    key = new_data_key()
                    key_store.save(store_id, key)
                cipher = ValueCipher(key)
                check = cipher.encrypt(_KEY_CHECK_PLAINTEXT, KEY_CHECK, "", store_id)
                conn.exec_driver_sql(
                    "UPDATE client_identity SET data_key_check = ? WHERE id = 1", (check,))
                row = (row[0], check)
    stored_client_id, check = row
    if client_id is not None and client_id != stored_client_id:
        raise ClientMismatch("this store's outbox belongs to another client id")
    key = key_store.load(store_id)
    if key is None:
        raise DataKeyMissing("the data key of this store is not in the key store")
    cipher = ValueCipher(key)
    try:
        cipher.decrypt(check, KEY_CHECK, "", store_id)
    except StoreCorrupted as exc:
        raise DataKeyMissing("the data key in the key store does not open this store") from exc
    return cipher, stored_client_id
