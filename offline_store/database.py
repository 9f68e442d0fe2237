"""Opening the device's stores: one SQLite file per user and one for public content.

    data_dir/users/<sha256(common_id)[:32]>.sqlite3   a resident's rows, outbox, cursors
    data_dir/public/<municipality code>.sqlite3       public content (notices, timetables…)

Every connection uses WAL, foreign keys, a busy timeout, synchronous=NORMAL and
secure_delete (deleted content is overwritten, not left in free pages). The schema is brought
to head by `migrations.migrate` when the file is opened.
"""

from __future__ import annotations

import logging
import sqlite3
import uuid
from collections.abc import Iterable
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.pool import QueuePool

from offline_store.clock import Clock, iso_utc, utc_now
from offline_store.crypto import KEY_CHECK, SENSITIVE_COLLECTIONS, ValueCipher, new_data_key
from offline_store.data_key_store import DataKeyStore, MemoryDataKeyStore
from offline_store.errors import (
    DataKeyMissing,
    MigrationError,
    StoreCorrupted,
    wraps_database_errors,
)
from offline_store.files import (
    delete_sqlite_files,
    public_store_path,
    user_store_id,
    user_store_path,
)
from offline_store.migrations import migrate
from offline_store.recovery import (
    RecoveryKind,
    Salvage,
    looks_like_sqlite,
    quick_check,
    salvage_unsent,
)
from offline_store.repository import PublicStore, UserStore

log = logging.getLogger(__name__)

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


def _prepare_file(path: Path, *, check: bool = False) -> None:
    """Creates the folder and file if needed and migrates it; with `check`, SQLite's quick
    check must pass first (`StoreCorrupted` otherwise; a file that is no database at all
    raises `sqlite3.DatabaseError`)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    db = connect_sqlite(path)
    try:
        if check:
            complaint = quick_check(db)
            if complaint is not None:
                raise StoreCorrupted(f"SQLite's check of the store failed: {complaint}")
        migrate(db)
    finally:
        db.close()


@wraps_database_errors
def open_user_store(
    data_dir: Path,
    common_id: str,
    key_store: DataKeyStore | None,
    *,
    ephemeral: bool = False,
    device_id: str | None = None,
    sensitive_collections: Iterable[str] = SENSITIVE_COLLECTIONS,
    clock: Clock = utc_now,
) -> UserStore:
    """Opens (creating if needed) a resident's store, migrated to head.

    `ephemeral=True` (kiosk): the data key lives in a `MemoryDataKeyStore` and any file left
    from an earlier session (its key is gone) is deleted first; `key_store` is ignored.

    A new store gets its own sync client id (`<device id>.<random>`): the server numbers
    each store's outbox separately, so a store re-created on the same device (logout with
    discard, reinstall, a lost or damaged file) never reuses numbers the server has seen.

    A store that cannot be opened as it is (damaged file, lost or wrong data key, a file gone
    while its key is still here) is never replaced silently: its unsent changes are salvaged
    and queued again in a new store, which records what happened (`UserStore.recoveries`);
    see `offline_store.recovery`. Raises `StoreTooNew` for a file of a newer app version,
    `StoreUnavailable` for one that is locked or cannot be written (`offline_store.errors`).
    """
    path = user_store_path(data_dir, common_id)
    store_id = user_store_id(common_id)
    if ephemeral:
        key_store = MemoryDataKeyStore()
        delete_sqlite_files(path)
    elif key_store is None:
        raise ValueError("a key store is required unless ephemeral=True")
    problem, detail = _problem_of(path, store_id, key_store, device_id,
                                  sensitive_collections, clock)
    if isinstance(problem, UserStore):
        return problem
    salvage = Salvage([], None if problem == "file_lost" else 0)
    if problem in ("damaged", "key_lost"):
        salvage = salvage_unsent(path, _loadable_key(key_store, store_id))
    if problem is not None:
        log.warning("the offline store of %s was %s (%s): rebuilding it with %d unsent "
                    "changes recovered", store_id[:8], problem, detail, len(salvage.changes))
        delete_sqlite_files(path)
    store = _create(path, store_id, key_store, device_id, sensitive_collections, clock)
    if problem is not None:
        store.restore_unsent(salvage.changes)
        store.record_recovery(problem, len(salvage.changes), salvage.lost, detail)
    return store


def _problem_of(path: Path, store_id: str, key_store: DataKeyStore, device_id: str | None,
                sensitive_collections: Iterable[str], clock: Clock
                ) -> tuple[UserStore | RecoveryKind | None, str]:
    """The store opened as it is, or what is wrong with it (None: there is none yet)."""
    size = path.stat().st_size if path.exists() else None
    if not size:
        if _loadable_key(key_store, store_id) is not None:
            if size == 0:
                return "damaged", "the store file is empty"
            return "file_lost", "the store file is gone but its data key is still here"
        return None, ""
    if not looks_like_sqlite(path):
        return "damaged", "the store file is not an SQLite database"
    engine: Engine | None = None
    try:
        _prepare_file(path, check=True)
        engine = make_store_engine(path)
        cipher, client_id = _identity(engine, store_id, key_store, device_id, clock)
    except DataKeyMissing as exc:
        if engine is not None:
            engine.dispose()
        return "key_lost", str(exc)
    except (sqlite3.DatabaseError, StoreCorrupted, MigrationError) as exc:
        if engine is not None:
            engine.dispose()
        if not is_damage(exc):
            raise  # e.g. locked by another process: nothing is wrong with the file
        return "damaged", str(exc)
    except BaseException:
        if engine is not None:
            engine.dispose()
        raise
    return UserStore(engine, path, store_id=store_id, client_id=client_id,
                     key_store=key_store, cipher=cipher,
                     sensitive_collections=sensitive_collections, clock=clock), ""


_SQLITE_CORRUPT, _SQLITE_NOTADB = 11, 26


def is_damage(exc: BaseException) -> bool:
    """Whether an error opening a store says the file itself is damaged (corrupt, not a
    database, failing the quick check), as opposed to busy, locked or out of space."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, StoreCorrupted):
            return True
        if isinstance(seen, sqlite3.DatabaseError):
            code = getattr(seen, "sqlite_errorcode", None)
            if code is not None:
                return code & 0xFF in (_SQLITE_CORRUPT, _SQLITE_NOTADB)
            text_ = str(seen).lower()
            return "malformed" in text_ or "not a database" in text_
        seen = seen.__cause__
    return False


def _loadable_key(key_store: DataKeyStore, store_id: str) -> bytes | None:
    try:
        return key_store.load(store_id)
    except DataKeyMissing:  # something that is not a key is stored under its name
        return None


def _create(path: Path, store_id: str, key_store: DataKeyStore, device_id: str | None,
            sensitive_collections: Iterable[str], clock: Clock) -> UserStore:
    _prepare_file(path)
    engine = make_store_engine(path)
    try:
        cipher, client_id = _identity(engine, store_id, key_store, device_id, clock)
    except BaseException:
        engine.dispose()
        raise
    return UserStore(engine, path, store_id=store_id, client_id=client_id,
                     key_store=key_store, cipher=cipher,
                     sensitive_collections=sensitive_collections, clock=clock)


def new_client_id(device_id: str | None) -> str:
    """A store's sync client id: the device id (for people reading the server's records)
    and a random part that is new for every store created (at most 128 characters)."""
    suffix = uuid.uuid4().hex[:20]
    return f"{device_id[:96]}.{suffix}" if device_id else f"store.{suffix}"


@wraps_database_errors
def open_public_store(data_dir: Path, municipality_code: str, *,
                      clock: Clock = utc_now) -> PublicStore:
    """Opens (creating if needed) the public content store of one municipality.

    A damaged file is deleted and created again: it holds only the city's public content,
    which the next sync brings back."""
    path = public_store_path(data_dir, municipality_code)
    try:
        if path.exists() and path.stat().st_size and not looks_like_sqlite(path):
            raise StoreCorrupted("the public store file is not an SQLite database")
        _prepare_file(path, check=path.exists())
    except (sqlite3.DatabaseError, StoreCorrupted, MigrationError) as exc:
        if not is_damage(exc):
            raise
        log.warning("the public store was damaged (%s): starting it again", exc)
        delete_sqlite_files(path)
        _prepare_file(path)
    return PublicStore(make_store_engine(path), path, clock=clock)


def _identity(engine: Engine, store_id: str, key_store: DataKeyStore, device_id: str | None,
              clock: Clock) -> tuple[ValueCipher, str]:
    with engine.connect() as conn:
        conn.execution_options(begin_immediate=True)
        with conn.begin():
            row = conn.exec_driver_sql(
                "SELECT client_id, data_key_check FROM client_identity WHERE id = 1"
            ).first()
            if row is None:
                if conn.exec_driver_sql(
                        "SELECT EXISTS (SELECT 1 FROM outbox) OR EXISTS "
                        "(SELECT 1 FROM local_record) OR EXISTS (SELECT 1 FROM sync_cursor)"
                ).scalar():
                    raise StoreCorrupted("the store has rows but lost its identity")
                key = new_data_key()
                cipher = ValueCipher(key)
                stored_client_id = new_client_id(device_id)
                check = cipher.encrypt(_KEY_CHECK_PLAINTEXT, KEY_CHECK, "", store_id)
                key_store.save(store_id, key)
                conn.exec_driver_sql(
                    "INSERT INTO client_identity (id, client_id, created_at, data_key_check) "
                    "VALUES (1, ?, ?, ?)", (stored_client_id, iso_utc(clock()), check))
                return cipher, stored_client_id
            stored_client_id, check = row[0], row[1]
            if check is None:  # identity recorded before any key (an interrupted first open)
                found = key_store.load(store_id)
                if found is None:
                    found = new_data_key()
                    key_store.save(store_id, found)
                cipher = ValueCipher(found)
                check = cipher.encrypt(_KEY_CHECK_PLAINTEXT, KEY_CHECK, "", store_id)
                conn.exec_driver_sql(
                    "UPDATE client_identity SET data_key_check = ? WHERE id = 1", (check,))
    stored_key = key_store.load(store_id)
    if stored_key is None:
        raise DataKeyMissing("the data key of this store is not in the key store")
    cipher = ValueCipher(stored_key)
    try:
        cipher.decrypt(check, KEY_CHECK, "", store_id)
    except StoreCorrupted as exc:
        raise DataKeyMissing("the data key in the key store does not open this store") from exc
    return cipher, stored_client_id
