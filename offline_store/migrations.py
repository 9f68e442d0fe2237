"""Schema versions of a device store: an ordered list of steps, `PRAGMA user_version` = head.

Rules for adding a step (append only, never edit a released one):
- each step runs in one transaction together with its `user_version` bump, so a crash leaves
  the file at the previous version;
- a step must never drop, delete or rewrite outbox rows: they are the resident's unsent
  changes. Adding columns (with defaults) and indexes is fine. The runner enforces it: it
  compares every outbox row (the columns that existed before the step) before and after,
  and rolls the step back with `MigrationError` if anything changed.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable

from offline_store.errors import MigrationError, StoreTooNew

Migration = Callable[[sqlite3.Connection], None]


def _v1_tables(db: sqlite3.Connection) -> None:
    db.execute("""
        CREATE TABLE local_record (
            collection TEXT NOT NULL,
            key TEXT NOT NULL,
            data BLOB,
            encrypted INTEGER NOT NULL DEFAULT 0,
            deleted INTEGER NOT NULL DEFAULT 0,
            confirmed_data BLOB,
            confirmed_exists INTEGER NOT NULL DEFAULT 0,
            server_position INTEGER,
            pending INTEGER NOT NULL DEFAULT 0,
            server_newer INTEGER NOT NULL DEFAULT 0,
            rollback_on_resolve INTEGER NOT NULL DEFAULT 0,
            updated_at TEXT NOT NULL,
            synced_at TEXT,
            PRIMARY KEY (collection, key)
        )""")
    db.execute("""
        CREATE TABLE outbox (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            mutation_id TEXT NOT NULL UNIQUE,
            collection TEXT NOT NULL,
            record_key TEXT NOT NULL,
            name TEXT NOT NULL,
            args BLOB NOT NULL,
            encrypted INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL,
            state TEXT NOT NULL DEFAULT 'pending'
                CHECK (state IN ('pending', 'sending', 'applied', 'rejected')),
            error_code TEXT,
            error_message TEXT,
            attempts INTEGER NOT NULL DEFAULT 0
        )""")
    db.execute("""
        CREATE TABLE sync_cursor (
            stream TEXT PRIMARY KEY,
            cursor INTEGER NOT NULL DEFAULT 0,
            last_synced_at TEXT
        )""")
    db.execute("""
        CREATE TABLE client_identity (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            client_id TEXT NOT NULL,
            created_at TEXT NOT NULL,
            data_key_check BLOB
        )""")


def _v2_sync_loop_indexes(db: sqlite3.Connection) -> None:
    """Indexes for the sync loop: the next batch / pending count, and rows per collection
    with pending edits (revocation, rollback)."""
    db.execute("CREATE INDEX outbox_state_seq ON outbox (state, seq)")
    db.execute("CREATE INDEX outbox_record ON outbox (collection, record_key, state)")
    db.execute("CREATE INDEX local_record_pending ON local_record (pending) WHERE pending = 1")


def _v3_record_stream(db: sqlite3.Connection) -> None:
    """Which sync stream wrote a row ("main": the resident's own rows and local writes;
    "audience:<name>": targeted content), so a revoked stream's rows can be removed.

    The city's notices came with the resident's rows before streams; they now live in the
    public store (and the "audience:" streams), and the personal stream will never update
    or delete these copies: they go (server content, pulled again; outbox untouched)."""
    db.execute("ALTER TABLE local_record ADD COLUMN stream TEXT NOT NULL DEFAULT 'main'")
    db.execute("DELETE FROM local_record WHERE collection = 'notices' AND pending = 0")


def _v4_store_notices(db: sqlite3.Connection) -> None:
    """What the store has to tell the resident about itself (a damaged or lost store that
    was rebuilt, and what was recovered), kept until they dismiss it."""
    db.execute("""
        CREATE TABLE store_notice (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            kind TEXT NOT NULL,
            created_at TEXT NOT NULL,
            recovered INTEGER NOT NULL DEFAULT 0,
            lost INTEGER,
            detail TEXT NOT NULL DEFAULT '',
            dismissed INTEGER NOT NULL DEFAULT 0
        )""")


MIGRATIONS: tuple[Migration, ...] = (_v1_tables, _v2_sync_loop_indexes, _v3_record_stream,
                                     _v4_store_notices)
HEAD = len(MIGRATIONS)


def schema_version(db: sqlite3.Connection) -> int:
    return int(db.execute("PRAGMA user_version").fetchone()[0])


def _outbox_digest(db: sqlite3.Connection) -> tuple[list[str], str] | None:
    exists = db.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'outbox'"
    ).fetchone()
    if not exists:
        return None
    columns = [row[1] for row in db.execute("PRAGMA table_info(outbox)")]
    return columns, _digest_columns(db, columns)


def _digest_columns(db: sqlite3.Connection, columns: list[str]) -> str:
    quoted = ", ".join(f'"{c}"' for c in columns)
    digest = hashlib.sha256()
    for row in db.execute(f"SELECT {quoted} FROM outbox ORDER BY seq"):
        digest.update(repr(row).encode())
    return digest.hexdigest()


def migrate(
    db: sqlite3.Connection,
    migrations: tuple[Migration, ...] = MIGRATIONS,
    target: int | None = None,
) -> int:
    """Brings the file to `target` (head by default); returns the version it is at.

    `db` must be in autocommit mode (`isolation_level=None`): each step opens its own
    `BEGIN IMMEDIATE` transaction.
    """
    target = len(migrations) if target is None else target
    current = schema_version(db)
    if current > len(migrations):
        raise StoreTooNew(
            f"the offline store has schema version {current}; this app knows {len(migrations)}"
        )
    while current < target:
        step = migrations[current]
        db.execute("BEGIN IMMEDIATE")
        try:
            before = _outbox_digest(db)
            step(db)
            if before is not None:
                columns, digest = before
                try:
                    after = _digest_columns(db, columns)
                except sqlite3.Error as exc:
                    raise MigrationError(
                        f"migration {current + 1} ({step.__name__}) removed outbox columns"
                    ) from exc
                if after != digest:
                    raise MigrationError(
                        f"migration {current + 1} ({step.__name__}) changed outbox rows"
                    )
            db.execute(f"PRAGMA user_version = {current + 1}")
        except BaseException as exc:
            db.execute("ROLLBACK")
            if isinstance(exc, MigrationError | StoreTooNew):
                raise
            if isinstance(exc, sqlite3.Error):
                raise MigrationError(
                    f"migration {current + 1} ({step.__name__}) failed: {exc}"
                ) from exc
            raise
        db.execute("COMMIT")
        current += 1
    return current
