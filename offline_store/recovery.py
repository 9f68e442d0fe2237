"""A resident's store that cannot be opened as it is: what is found, what is saved.

`open_user_store` never replaces a store silently. When the file is damaged (not a database,
truncated, failing SQLite's check, its identity row gone), when its data key is lost or no
longer opens it, or when the file is gone although its key is still on the device, it:

1. salvages the unsent changes it can still read (`salvage_unsent`), from a copy of the file
   and its WAL (the damaged file is never written to): each outbox entry that was pending or
   being sent, with its mutation id, and the resident's optimistic value of the row it
   changed. Encrypted entries need the data key; without it they are counted as lost;
2. deletes the old files and creates a new store (new data key, new sync client id);
3. queues the salvaged changes again in their old order under their old mutation ids: the
   server answers those it already applied as duplicates (receipts are per person and
   mutation id, docs/sync.md), so nothing is applied twice;
4. records a `StoreRecovery` in the new store (`store_notice`), which the app shows until
   the resident dismisses it. Everything else comes back with the next sync.

Kiosk stores are ephemeral and simply wiped (they never recover anything).
"""

from __future__ import annotations

import json
import logging
import shutil
import sqlite3
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from offline_store.crypto import OUTBOX_ARGS, RECORD, ValueCipher
from offline_store.errors import StoreCorrupted
from offline_store.files import sqlite_files

log = logging.getLogger(__name__)

RecoveryKind = Literal["damaged", "key_lost", "file_lost"]
RECOVERY_KINDS: tuple[str, ...] = ("damaged", "key_lost", "file_lost")
SQLITE_HEADER = b"SQLite format 3\x00"
_MAX_SKIPS = 2000  # unreadable outbox positions stepped over before giving up


@dataclass(frozen=True)
class SalvagedChange:
    """One unsent change read back from a damaged store."""

    mutation_id: str
    collection: str
    record_key: str
    name: str
    args: Any
    created_at: str
    # The resident's optimistic value of the row: (True, value), (True, None) for a local
    # delete, or None when it could not be read (the row then comes with the next sync).
    optimistic: tuple[bool, Any] | None


@dataclass(frozen=True)
class Salvage:
    changes: list[SalvagedChange]
    lost: int | None  # unsent changes found but unreadable; None when some may be unseen


@dataclass(frozen=True)
class StoreRecovery:
    """What happened to a store and what was saved; shown to the resident."""

    id: int
    kind: RecoveryKind
    at: datetime
    recovered: int
    lost: int | None  # None: unknown (the file was lost, or parts could not be read)
    detail: str = ""


def looks_like_sqlite(path: Path) -> bool:
    """False for a file that is empty or does not start with SQLite's header."""
    try:
        with path.open("rb") as file:
            return file.read(len(SQLITE_HEADER)) == SQLITE_HEADER
    except OSError:
        return False


def quick_check(db: sqlite3.Connection) -> str | None:
    """None when SQLite's quick check passes, else its first complaint."""
    rows = db.execute("PRAGMA quick_check(5)").fetchall()
    first = rows[0][0] if rows else "no answer"
    return None if first == "ok" else "; ".join(str(r[0]) for r in rows)


def salvage_unsent(path: Path, data_key: bytes | None) -> Salvage:
    """The unsent changes that can still be read from `path` (see the module doc)."""
    if not path.exists() or not looks_like_sqlite(path):
        return Salvage([], None)  # nothing readable: how much was unsent is unknown
    with tempfile.TemporaryDirectory(prefix="store-salvage-") as tmp:
        copy = Path(tmp) / path.name
        for source, target in zip(sqlite_files(path), sqlite_files(copy), strict=True):
            if source.exists():
                shutil.copyfile(source, target)
        try:
            db = sqlite3.connect(copy, isolation_level=None)
        except sqlite3.Error as exc:
            log.warning("damaged store: cannot open a copy: %s", exc)
            return Salvage([], None)
        db.text_factory = lambda raw: raw.decode("utf-8", errors="replace")
        try:
            # A truncated file is refused outright ("malformed") unless the schema is
            # writable; the copy is only read, page by page, as far as it goes.
            db.execute("PRAGMA writable_schema = ON")
            return _salvage(db, ValueCipher(data_key) if data_key else None)
        finally:
            db.close()


def _salvage(db: sqlite3.Connection, cipher: ValueCipher | None) -> Salvage:
    changes: list[SalvagedChange] = []
    lost = 0
    complete = True
    last_seq = 0
    skips = 0
    while True:
        try:
            row = db.execute(
                "SELECT seq, mutation_id, collection, record_key, name, args, encrypted, "
                "created_at, state FROM outbox WHERE seq > ? ORDER BY seq LIMIT 1",
                (last_seq,)).fetchone()
        except sqlite3.Error:
            complete = False
            skips += 1
            if skips > _MAX_SKIPS:
                break
            last_seq += 1
            continue
        if row is None:
            break
        seq, mutation_id, collection, record_key, name, args, encrypted, created_at, state = row
        last_seq = int(seq)
        if state not in ("pending", "sending"):
            continue
        try:
            decoded = _decode(args, bool(encrypted), cipher, OUTBOX_ARGS, collection,
                              mutation_id)
        except (StoreCorrupted, ValueError, TypeError):
            lost += 1
            continue
        changes.append(SalvagedChange(
            mutation_id=str(mutation_id), collection=str(collection),
            record_key=str(record_key), name=str(name), args=decoded,
            created_at=str(created_at),
            optimistic=_optimistic(db, cipher, str(collection), str(record_key))))
    return Salvage(changes, lost if complete else None)


def _optimistic(db: sqlite3.Connection, cipher: ValueCipher | None, collection: str,
                key: str) -> tuple[bool, Any] | None:
    try:
        row = db.execute(
            "SELECT data, encrypted, deleted FROM local_record "
            "WHERE collection = ? AND key = ? AND pending = 1", (collection, key)).fetchone()
    except sqlite3.Error:
        return None
    if row is None:
        return None
    data, encrypted, deleted = row
    if deleted:
        return (True, None)
    try:
        return (True, _decode(data, bool(encrypted), cipher, RECORD, collection, key))
    except (StoreCorrupted, ValueError, TypeError):
        return None


def _decode(stored: Any, encrypted: bool, cipher: ValueCipher | None, purpose: str,
            collection: str, key: str) -> Any:
    if not isinstance(stored, bytes):
        raise ValueError("not a stored value")
    if encrypted:
        if cipher is None:
            raise ValueError("encrypted and the data key is lost")
        stored = cipher.decrypt(stored, purpose, collection, key)
    return json.loads(stored)
