"""Reading and writing a device store: local rows, the outbox, sync cursors.

Calls are synchronous (SQLite); the app runs them with `asyncio.to_thread`. Every method that
writes does so in one `BEGIN IMMEDIATE` transaction.
A failure of SQLite underneath comes out as the store's own error
(`offline_store.errors`: `StoreUnavailable`, `StoreCorrupted`, `StoreDatabaseError`).

Row life cycle:
- `apply_changes` (a pull page) writes the server's value into rows without pending edits;
  a row with pending edits keeps the resident's optimistic value and files the server's
  value as `confirmed_data` (`server_newer` set).
- `apply_local` writes the optimistic value and the outbox entry together; the value the row
  had before (if confirmed by the server) is kept in `confirmed_data`.
- `mark_results`: when the last pending mutation of a row is resolved, the row keeps its
  optimistic value if every mutation was applied and the server did not change the row in
  the meantime; otherwise it takes the server's last value (a rejection rolls back; a newer
  server value wins, and any later change arrives with the next pull, so the row corrects
  itself).
"""

from __future__ import annotations

import builtins
import json
import logging
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Self

from sqlalchemy import Connection, Engine, text
from sqlmodel import Session, col, select

from offline_store.clock import Clock, iso_utc, parse_iso, utc_now
from offline_store.crypto import OUTBOX_ARGS, RECORD, SENSITIVE_COLLECTIONS, ValueCipher
from offline_store.data_key_store import DataKeyStore
from offline_store.errors import DataKeyMissing, StoreCorrupted, wraps_database_errors
from offline_store.files import delete_sqlite_files
from offline_store.models import LocalRecord, Outbox, SyncCursor
from offline_store.recovery import RECOVERY_KINDS, SalvagedChange, StoreRecovery

log = logging.getLogger(__name__)

UNRESOLVED = ("pending", "sending")
MAIN_STREAM = "main"  # the resident's own rows (personal pull) and every local write
PUSH_STATUSES = ("applied", "rejected", "duplicate")
SEQ_CONFLICT = "seq_conflict"  # the server saw this seq from this client id before
_CHANGE_OPS = ("upsert", "delete")


# One encoder for every stored value: `json.dumps` with options builds a new one per call,
# which was a fifth of encoding a pulled row.
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def _dump(value: Any) -> bytes:
    return _ENCODER.encode(value).encode("utf-8")


@dataclass(frozen=True)
class LocalRow:
    """What a tile reads: the value, whether it is still waiting for the server, and its age."""

    collection: str
    key: str
    data: Any
    pending: bool
    updated_at: datetime  # last change of this row on the device (server or local)
    synced_at: datetime | None  # last time the server's value was written to it
    server_position: int | None


@dataclass(frozen=True)
class OutboxEntry:
    seq: int
    mutation_id: str
    collection: str
    key: str
    name: str
    args: Any
    created_at: datetime
    state: str
    error_code: str | None = None
    error_message: str | None = None
    attempts: int = 0

    def to_push(self) -> dict[str, Any]:
        """One mutation of a `POST /sync/push` body (the row key stays on the device)."""
        return {"seq": self.seq, "mutation_id": self.mutation_id, "collection": self.collection,
                "name": self.name, "args": self.args,
                "created_at": iso_utc(self.created_at)}


@dataclass(frozen=True)
class CursorState:
    stream: str
    cursor: int
    last_synced_at: datetime | None


class LocalStore:
    """One SQLite file: rows and sync cursors. Base of `UserStore` and `PublicStore`."""

    def __init__(
        self,
        engine: Engine,
        path: Path,
        *,
        cipher: ValueCipher | None = None,
        sensitive_collections: Iterable[str] = (),
        clock: Clock = utc_now,
    ) -> None:
        self._engine = engine
        self.path = path
        self._cipher = cipher
        self.sensitive_collections = frozenset(sensitive_collections)
        self._clock = clock
        self._closed = False
        if self.sensitive_collections and cipher is None:
            raise DataKeyMissing("sensitive collections need a data key")

    # --- lifecycle ------------------------------------------------------------------------
    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._engine.dispose()

    @wraps_database_errors
    def wipe(self) -> None:
        """Closes the store and deletes its files (database, WAL, shared memory)."""
        self.close()
        delete_sqlite_files(self.path)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def closed(self) -> bool:
        return self._closed

    # --- reading --------------------------------------------------------------------------
    @wraps_database_errors
    def read(self, collection: str, key: str) -> LocalRow | None:
        with Session(self._engine) as session:
            record = session.get(LocalRecord, (collection, key))
            if record is None or record.deleted:
                return None
            return self._row(record)

    @wraps_database_errors
    def list(self, collection: str, limit: int | None = None) -> builtins.list[LocalRow]:
        """Rows of a collection by key, without the ones deleted locally."""
        query = (
            select(LocalRecord)
            .where(LocalRecord.collection == collection, col(LocalRecord.deleted).is_(False))
            .order_by(col(LocalRecord.key))
        )
        if limit is not None:
            query = query.limit(limit)
        with Session(self._engine) as session:
            return [self._row(record) for record in session.exec(query)]

    @wraps_database_errors
    def count(self, collection: str | None = None) -> int:
        sql = "SELECT count(*) FROM local_record WHERE deleted = 0"
        params: dict[str, Any] = {}
        if collection is not None:
            sql += " AND collection = :collection"
            params["collection"] = collection
        with self._engine.connect() as conn:
            return int(conn.execute(text(sql), params).scalar_one())

    @wraps_database_errors
    def streams(self) -> builtins.list[CursorState]:
        """Every stream this store has a cursor for, by name."""
        with Session(self._engine) as session:
            rows = session.exec(select(SyncCursor).order_by(col(SyncCursor.stream))).all()
            return [CursorState(r.stream, r.cursor, parse_iso(r.last_synced_at)) for r in rows]

    @wraps_database_errors
    def cursor(self, stream: str) -> CursorState:
        with Session(self._engine) as session:
            row = session.get(SyncCursor, stream)
            if row is None:
                return CursorState(stream, 0, None)
            return CursorState(stream, row.cursor, parse_iso(row.last_synced_at))

    # --- pull -----------------------------------------------------------------------------
    @wraps_database_errors
    def apply_changes(
        self, stream: str, changes: Iterable[Mapping[str, Any]], next_cursor: int
    ) -> int:
        """Applies one pull page and moves the stream's cursor, in one transaction.

        Changes at or before the stream's cursor (a replayed page) and changes older than a
        row's `server_position` are skipped, so applying a page twice changes nothing.
        Upserted rows are tagged with `stream` (see `remove_stream`).
        Returns how many changes were applied.
        """
        if not isinstance(next_cursor, int) or isinstance(next_cursor, bool):
            raise ValueError("next_cursor must be an int")
        now = iso_utc(self._clock())
        with self._write() as conn:
            current = conn.execute(
                text("SELECT cursor FROM sync_cursor WHERE stream = :stream"), {"stream": stream}
            ).scalar()
            current = current or 0
            batch: builtins.list[dict[str, Any]] = []
            batch_op: str | None = None
            applied = 0
            for change in sorted(
                (self._checked_change(c) for c in changes), key=lambda c: c["position"]
            ):
                if change["position"] <= current:
                    continue
                if change["op"] != batch_op and batch:
                    self._flush(conn, batch_op, batch, now, stream)
                    batch = []
                batch_op = change["op"]
                batch.append(change)
                applied += 1
            if batch:
                self._flush(conn, batch_op, batch, now, stream)
            conn.execute(text("""
                INSERT INTO sync_cursor (stream, cursor, last_synced_at)
                VALUES (:stream, :cursor, :now)
                ON CONFLICT (stream) DO UPDATE SET
                    cursor = max(sync_cursor.cursor, excluded.cursor),
                    last_synced_at = excluded.last_synced_at
            """), {"stream": stream, "cursor": next_cursor, "now": now})
        return applied

    @wraps_database_errors
    def remove_stream(self, stream: str) -> int:
        """Forgets a read-only stream (access revoked, or no longer offered): deletes its rows
        and its cursor in one transaction; returns how many rows were deleted.

        A row of the stream with pending local edits (read-only streams should have none) is
        kept with its optimistic value, but the stream's server value is dropped from it and
        it moves to "main": when its mutations are answered it settles like a row the server
        deleted, so nothing of the revoked stream comes back.
        """
        if stream == MAIN_STREAM:
            raise ValueError("the main stream is never removed; wipe the store instead")
        with self._write() as conn:
            deleted = conn.execute(
                text("DELETE FROM local_record WHERE stream = :stream AND pending = 0"),
                {"stream": stream},
            ).rowcount
            conn.execute(text("""
                UPDATE local_record SET confirmed_data = NULL, confirmed_exists = 0,
                    server_newer = 1, stream = :main
                WHERE stream = :stream AND pending = 1
            """), {"stream": stream, "main": MAIN_STREAM})
            conn.execute(text("DELETE FROM sync_cursor WHERE stream = :stream"),
                         {"stream": stream})
        return int(deleted)

    @wraps_database_errors
    def remove_collection_rows(self, collection: str) -> int:
        """Deletes every local row of a collection (access revoked); the outbox is kept, the
        server answers its entries. Returns how many rows were deleted."""
        with self._write() as conn:
            result = conn.execute(
                text("DELETE FROM local_record WHERE collection = :collection"),
                {"collection": collection},
            )
            return int(result.rowcount)

    # --- internals ------------------------------------------------------------------------
    @contextmanager
    def _write(self) -> Iterator[Connection]:
        with self._engine.connect() as conn:
            conn.execution_options(begin_immediate=True)
            with conn.begin():
                yield conn

    def _is_sensitive(self, collection: str) -> bool:
        return collection in self.sensitive_collections

    def _seal(self, value: Any, collection: str, key: str, purpose: str = RECORD) -> bytes:
        plain = _dump(value)
        if not self._is_sensitive(collection):
            return plain
        assert self._cipher is not None  # checked in __init__
        return self._cipher.encrypt(plain, purpose, collection, key)

    def _open(self, stored: bytes | None, encrypted: bool, collection: str, key: str,
              purpose: str = RECORD) -> Any:
        if stored is None:
            return None
        if not isinstance(stored, bytes):
            raise StoreCorrupted(f"a stored value in {collection} is not a blob")
        if encrypted:
            if self._cipher is None:
                raise DataKeyMissing(f"{collection} is encrypted and this store has no data key")
            stored = self._cipher.decrypt(stored, purpose, collection, key)
        try:
            return json.loads(stored)
        except ValueError as exc:
            raise StoreCorrupted(f"a stored value in {collection} is not valid JSON") from exc

    def _row(self, record: LocalRecord) -> LocalRow:
        return LocalRow(
            collection=record.collection,
            key=record.key,
            data=self._open(record.data, record.encrypted, record.collection, record.key),
            pending=bool(record.pending),
            updated_at=datetime.fromisoformat(record.updated_at),
            synced_at=parse_iso(record.synced_at),
            server_position=record.server_position,
        )

    def _checked_change(self, change: Mapping[str, Any]) -> dict[str, Any]:
        get: Callable[[str], Any] = change.get  # the fields are checked below
        position, collection, key, op = get("position"), get("collection"), get("key"), get("op")
        if (type(position) is not int or type(collection) is not str or not collection
                or type(key) is not str or not key or op not in _CHANGE_OPS):
            self._check_fields(change, position, collection, key, op)  # raises what is wrong
        self._check_collection(collection)
        if op != "upsert":
            return {"position": position, "collection": collection, "key": key, "op": op}
        # `_seal`, inlined: this runs for every pulled row.
        data = _dump(get("data"))
        sensitive = collection in self.sensitive_collections
        if sensitive:
            assert self._cipher is not None  # checked in __init__
            data = self._cipher.encrypt(data, RECORD, collection, key)
        return {"position": position, "collection": collection, "key": key, "op": op,
                "data": data, "encrypted": sensitive}

    @staticmethod
    def _check_fields(change: Mapping[str, Any], position: Any, collection: Any, key: Any,
                      op: Any) -> None:
        """The field checks of `_checked_change`, one by one, for a precise error (the fast
        test there only lets exact types through; a subclass of int or str passes here)."""
        if not isinstance(position, int) or isinstance(position, bool):
            raise ValueError(f"change without an integer position: {change!r}")
        if not isinstance(collection, str) or not collection:
            raise ValueError(f"change {position} without a collection")
        if not isinstance(key, str) or not key:
            raise ValueError(f"change {position} without a key")
        if op not in _CHANGE_OPS:
            raise ValueError(f"change {position} has unknown op {op!r}")

    def _check_collection(self, collection: str) -> None:
        """Hook for stores that refuse some collections."""

    def _flush(self, conn: Connection, op: str | None, batch: builtins.list[dict[str, Any]],
               now: str, stream: str = MAIN_STREAM) -> None:
        # Straight to sqlite3's executemany (named parameters): SQLAlchemy's per-row parameter
        # processing was a quarter of a first sync's local cost.
        for change in batch:  # fresh dicts from `_checked_change`: completed, not copied
            change["now"] = now
            change["stream"] = stream
        params = batch
        if op == "upsert":
            conn.exec_driver_sql(_UPSERT_FROM_SERVER, params)
        else:
            conn.exec_driver_sql(_DELETE_CONFIRMED_FROM_SERVER, params)
            conn.exec_driver_sql(_TOMBSTONE_UNDER_PENDING, params)


_NEWER = "(local_record.server_position IS NULL OR local_record.server_position < {})"

_UPSERT_FROM_SERVER = f"""
    INSERT INTO local_record
        (collection, key, data, encrypted, server_position, pending, updated_at, synced_at,
         stream)
    VALUES (:collection, :key, :data, :encrypted, :position, 0, :now, :now, :stream)
    ON CONFLICT (collection, key) DO UPDATE SET
        data = CASE WHEN local_record.pending THEN local_record.data ELSE excluded.data END,
        confirmed_data = CASE WHEN local_record.pending THEN excluded.data ELSE NULL END,
        confirmed_exists = local_record.pending,
        server_newer = local_record.pending,
        encrypted = excluded.encrypted,
        server_position = excluded.server_position,
        updated_at = CASE WHEN local_record.pending THEN local_record.updated_at
                          ELSE excluded.updated_at END,
        synced_at = excluded.synced_at,
        stream = excluded.stream
    WHERE {_NEWER.format("excluded.server_position")}
"""

_DELETE_CONFIRMED_FROM_SERVER = f"""
    DELETE FROM local_record
    WHERE collection = :collection AND key = :key AND pending = 0
      AND {_NEWER.format(":position")}
"""

_TOMBSTONE_UNDER_PENDING = f"""
    UPDATE local_record SET
        confirmed_data = NULL, confirmed_exists = 0, server_newer = 1,
        server_position = :position, synced_at = :now
    WHERE collection = :collection AND key = :key AND pending = 1
      AND {_NEWER.format(":position")}
"""


class PublicStore(LocalStore):
    """Public content of one municipality (notices, timetables…): no outbox, no encryption."""

    def _check_collection(self, collection: str) -> None:
        if collection in SENSITIVE_COLLECTIONS:
            raise ValueError(f"{collection} is personal data and never goes to the public store")


class UserStore(LocalStore):
    """One resident's store: their rows, the outbox of their changes, sync cursors."""

    def __init__(
        self,
        engine: Engine,
        path: Path,
        *,
        store_id: str,
        client_id: str,
        key_store: DataKeyStore,
        cipher: ValueCipher,
        sensitive_collections: Iterable[str] = SENSITIVE_COLLECTIONS,
        clock: Clock = utc_now,
    ) -> None:
        super().__init__(engine, path, cipher=cipher,
                         sensitive_collections=sensitive_collections, clock=clock)
        self.store_id = store_id
        self.client_id = client_id
        self._key_store = key_store

    @property
    def ephemeral(self) -> bool:
        return not self._key_store.persistent

    @wraps_database_errors
    def wipe(self) -> None:
        """Closes the store, deletes its files and forgets its data key (logout, kiosk idle)."""
        super().wipe()
        self._key_store.delete(self.store_id)

    # --- local changes --------------------------------------------------------------------
    @wraps_database_errors
    def apply_local(self, collection: str, key: str, data: Any, mutation_name: str,
                    args: Any) -> OutboxEntry:
        """The optimistic change (`data`; None deletes the row) and its outbox entry, in one
        transaction: either both are stored or neither."""
        if not collection or not key or not mutation_name:
            raise ValueError("collection, key and mutation_name are required")
        now = self._clock()
        record = {
            "collection": collection,
            "key": key,
            "data": None if data is None else self._seal(data, collection, key),
            "encrypted": self._is_sensitive(collection),
            "deleted": data is None,
            "now": iso_utc(now),
        }
        mutation_id = str(uuid.uuid4())
        entry = {
            "mutation_id": mutation_id,
            "collection": collection,
            "record_key": key,
            "name": mutation_name,
            "args": self._seal(args, collection, mutation_id, OUTBOX_ARGS),
            "encrypted": self._is_sensitive(collection),
            "created_at": iso_utc(now),
        }
        with self._write() as conn:
            conn.execute(_OPTIMISTIC_UPSERT, record)
            seq = self._insert_outbox(conn, entry)
        return OutboxEntry(seq=seq, mutation_id=mutation_id, collection=collection, key=key,
                           name=mutation_name, args=args, created_at=now, state="pending")

    @wraps_database_errors
    def keep_on_device(self, collection: str, key: str, data: Any) -> None:
        """A row that stays on this device: written (sealed when the collection is sensitive)
        with no outbox entry, so nothing is sent. The health tile keeps its records this way
        until the resident turns on their sync (docs/health.md). `data` None deletes the row
        at once (it was never sent, so there is nothing to tell the server)."""
        if not collection or not key:
            raise ValueError("collection and key are required")
        with self._write() as conn:
            if data is None:
                conn.execute(text("DELETE FROM local_record WHERE collection = :collection "
                                  "AND key = :key AND pending = 0"),
                             {"collection": collection, "key": key})
                return
            conn.execute(_DEVICE_ONLY_UPSERT, {
                "collection": collection,
                "key": key,
                "data": self._seal(data, collection, key),
                "encrypted": self._is_sensitive(collection),
                "now": iso_utc(self._clock()),
            })

    def _insert_outbox(self, conn: Connection, entry: dict[str, Any]) -> int:
        result = conn.execute(text("""
            INSERT INTO outbox (mutation_id, collection, record_key, name, args, encrypted,
                                created_at, state)
            VALUES (:mutation_id, :collection, :record_key, :name, :args, :encrypted,
                    :created_at, 'pending')
        """), entry)
        return int(result.lastrowid)

    # --- push -----------------------------------------------------------------------------
    @wraps_database_errors
    def pending_count(self) -> int:
        """Mutations not yet applied or rejected by the server."""
        with self._engine.connect() as conn:
            return int(conn.execute(
                text("SELECT count(*) FROM outbox WHERE state IN ('pending', 'sending')")
            ).scalar_one())

    @wraps_database_errors
    def next_batch(self, limit: int = 100) -> builtins.list[OutboxEntry]:
        """The oldest unresolved mutations in `seq` order, marked `sending` (attempts + 1).

        Entries already `sending` (sent, answer lost) come again: the server answers a
        replayed mutation id with its stored result.
        """
        if limit < 1:
            raise ValueError("limit must be >= 1")
        with self._write() as conn:
            seqs = [row[0] for row in conn.execute(text(
                "SELECT seq FROM outbox WHERE state IN ('pending', 'sending') "
                "ORDER BY seq LIMIT :limit"), {"limit": limit})]
            if not seqs:
                return []
            conn.execute(text(
                "UPDATE outbox SET state = 'sending', attempts = attempts + 1 WHERE seq = :seq"
            ), [{"seq": seq} for seq in seqs])
        wanted = set(seqs)
        return [e for e in self.outbox(states=("sending",)) if e.seq in wanted]

    @wraps_database_errors
    def outbox(self, states: Iterable[str] | None = None,
               limit: int | None = None) -> builtins.list[OutboxEntry]:
        query = select(Outbox).order_by(col(Outbox.seq))
        if states is not None:
            query = query.where(col(Outbox.state).in_(builtins.list(states)))
        if limit is not None:
            query = query.limit(limit)
        with Session(self._engine) as session:
            return [self._entry(row) for row in session.exec(query)]

    @wraps_database_errors
    def prune_settled(self, keep_applied: int = 50,
                      keep_rejected_for: timedelta = timedelta(days=30)) -> int:
        """Forgets settled entries the resident no longer needs to see: all but the newest
        `keep_applied` applied ones, and rejected ones older than `keep_rejected_for`.
        Pending and sending entries are never touched; `seq` is never reused (AUTOINCREMENT).
        Returns how many entries were deleted."""
        if keep_applied < 0:
            raise ValueError("keep_applied must be >= 0")
        cutoff = iso_utc(self._clock() - keep_rejected_for)
        with self._write() as conn:
            applied = conn.execute(text("""
                DELETE FROM outbox WHERE state = 'applied' AND seq NOT IN (
                    SELECT seq FROM outbox WHERE state = 'applied'
                    ORDER BY seq DESC LIMIT :keep)
            """), {"keep": keep_applied}).rowcount
            rejected = conn.execute(text(
                "DELETE FROM outbox WHERE state = 'rejected' AND created_at < :cutoff"),
                {"cutoff": cutoff}).rowcount
        return int(applied) + int(rejected)

    @wraps_database_errors
    def renumber_unresolved(self, server_last_seq: int) -> int:
        """Gives every unresolved entry a new seq above both the server's `last_seq` for this
        client id and every seq the outbox has used, keeping their order; later entries
        continue from there. For a store whose numbering the server has seen before (a store
        restored from a backup, or copied): answered `seq_conflict`. Returns how many."""
        if server_last_seq < 0:
            raise ValueError("server_last_seq must be >= 0")
        with self._write() as conn:
            rows = [r[0] for r in conn.execute(text(
                "SELECT seq FROM outbox WHERE state IN ('pending', 'sending') ORDER BY seq"))]
            if not rows:
                return 0
            top = conn.execute(text("SELECT max(seq) FROM outbox")).scalar_one() or 0
            sequence = conn.execute(text(
                "SELECT seq FROM sqlite_sequence WHERE name = 'outbox'")).scalar() or 0
            base = max(int(server_last_seq), int(top), int(sequence))
            # Every new seq is above every seq in use, so no step of the update collides.
            for offset, seq in enumerate(rows, start=1):
                conn.execute(text("UPDATE outbox SET seq = :new WHERE seq = :old"),
                             {"new": base + offset, "old": seq})
            conn.execute(text("UPDATE sqlite_sequence SET seq = :top WHERE name = 'outbox'"),
                         {"top": base + len(rows)})
        log.info("renumbered %d unsent changes from seq %d", len(rows), base + 1)
        return len(rows)

    @wraps_database_errors
    def restore_unsent(self, changes: Iterable[SalvagedChange]) -> int:
        """Queues changes salvaged from a damaged store again, in their order and under their
        mutation ids (the server answers those it already applied as duplicates), each with
        the resident's optimistic value of its row where that could be read."""
        count = 0
        with self._write() as conn:
            for change in changes:
                if change.optimistic is not None:
                    _, data = change.optimistic
                    conn.execute(_OPTIMISTIC_UPSERT, {
                        "collection": change.collection, "key": change.record_key,
                        "data": None if data is None else self._seal(
                            data, change.collection, change.record_key),
                        "encrypted": self._is_sensitive(change.collection),
                        "deleted": data is None, "now": iso_utc(self._clock())})
                # No readable value: no local row; the server's comes with the next pull.
                self._insert_outbox(conn, {
                    "mutation_id": change.mutation_id, "collection": change.collection,
                    "record_key": change.record_key, "name": change.name,
                    "args": self._seal(change.args, change.collection, change.mutation_id,
                                       OUTBOX_ARGS),
                    "encrypted": self._is_sensitive(change.collection),
                    "created_at": change.created_at})
                count += 1
        return count

    @wraps_database_errors
    def record_recovery(self, kind: str, recovered: int, lost: int | None,
                        detail: str = "") -> StoreRecovery:
        """Notes that this store replaced a damaged or lost one (shown until dismissed)."""
        if kind not in RECOVERY_KINDS:
            raise ValueError(f"unknown recovery kind {kind!r}")
        now = self._clock()
        with self._write() as conn:
            notice_id = conn.execute(text("""
                INSERT INTO store_notice (kind, created_at, recovered, lost, detail)
                VALUES (:kind, :at, :recovered, :lost, :detail)
            """), {"kind": kind, "at": iso_utc(now), "recovered": recovered, "lost": lost,
                   "detail": detail[:500]}).lastrowid
        return StoreRecovery(int(notice_id), kind, now, recovered, lost,  # type: ignore[arg-type]
                             detail[:500])

    @wraps_database_errors
    def recoveries(self) -> builtins.list[StoreRecovery]:
        """Recoveries the resident has not dismissed yet, newest first."""
        with self._engine.connect() as conn:
            rows = conn.execute(text(
                "SELECT id, kind, created_at, recovered, lost, detail FROM store_notice "
                "WHERE dismissed = 0 ORDER BY id DESC")).all()
        return [StoreRecovery(int(r[0]), r[1], datetime.fromisoformat(r[2]), int(r[3]),
                              None if r[4] is None else int(r[4]), r[5]) for r in rows]

    @wraps_database_errors
    def dismiss_recovery(self, notice_id: int) -> None:
        with self._write() as conn:
            conn.execute(text("UPDATE store_notice SET dismissed = 1 WHERE id = :id"),
                         {"id": notice_id})

    @wraps_database_errors
    def mark_results(self, results: Iterable[Mapping[str, Any]]) -> builtins.list[OutboxEntry]:
        """Consumes the results of `POST /sync/push`, in one transaction.

        The server's decision is what counts (docs/sync.md, "Outcomes"): `applied`, or a
        `duplicate` whose `original_status` is `applied`, marks the entry applied;
        `rejected`, or a `duplicate` of a rejection, marks it rejected with the error's code
        and message (a replayed refusal is still a refusal). `seq_conflict` is no outcome:
        the entry stays unresolved and is renumbered (`renumber_unresolved`) and sent again.
        When the last pending mutation of a row is resolved the row is settled (see the
        module doc). Unknown mutation ids and entries already resolved are ignored. Returns
        the entries whose state changed.
        """
        now = iso_utc(self._clock())
        changed: builtins.list[int] = []
        with self._write() as conn:
            for result in results:
                mutation_id = result.get("mutation_id")
                status = result.get("status")
                if status not in PUSH_STATUSES:
                    raise ValueError(f"unknown push status {status!r}")
                row = conn.execute(text(
                    "SELECT seq, collection, record_key, state FROM outbox "
                    "WHERE mutation_id = :mutation_id"), {"mutation_id": mutation_id}).first()
                if row is None:
                    log.warning("push result for an unknown mutation %s", mutation_id)
                    continue
                seq, collection, key, state = row
                if result.get("seq") is not None and result.get("seq") != seq:
                    log.warning("push result for %s names seq %s, the outbox has %s",
                                mutation_id, result.get("seq"), seq)
                if state not in UNRESOLVED:
                    continue
                outcome = push_outcome(result)
                if outcome == "retry":
                    continue
                if outcome == "rejected":
                    code, message = _error_of(result.get("error"))
                    conn.execute(text(
                        "UPDATE outbox SET state = 'rejected', error_code = :code, "
                        "error_message = :message WHERE seq = :seq"),
                        {"code": code, "message": message, "seq": seq})
                    conn.execute(text(
                        "UPDATE local_record SET rollback_on_resolve = 1 "
                        "WHERE collection = :collection AND key = :key AND pending = 1"),
                        {"collection": collection, "key": key})
                else:
                    conn.execute(text("UPDATE outbox SET state = 'applied', error_code = NULL, "
                                      "error_message = NULL WHERE seq = :seq"), {"seq": seq})
                changed.append(seq)
                self._settle_if_resolved(conn, collection, key, now)
        if not changed:
            return []
        wanted = set(changed)
        return [e for e in self.outbox() if e.seq in wanted]

    def _settle_if_resolved(self, conn: Connection, collection: str, key: str,
                            now: str) -> None:
        unresolved = conn.execute(text(
            "SELECT count(*) FROM outbox WHERE collection = :collection AND record_key = :key "
            "AND state IN ('pending', 'sending')"),
            {"collection": collection, "key": key}).scalar_one()
        if unresolved:
            return
        params = {"collection": collection, "key": key, "now": now}
        # The server's value: after a rejection, or when the server changed the row meanwhile.
        conn.execute(text("""
            DELETE FROM local_record
            WHERE collection = :collection AND key = :key AND pending = 1
              AND ((rollback_on_resolve = 1 OR server_newer = 1) AND confirmed_exists = 0
                   OR rollback_on_resolve = 0 AND server_newer = 0 AND deleted = 1)
        """), params)
        conn.execute(text("""
            UPDATE local_record SET
                data = CASE WHEN rollback_on_resolve = 1 OR server_newer = 1
                            THEN confirmed_data ELSE data END,
                updated_at = CASE WHEN rollback_on_resolve = 1 OR server_newer = 1
                                  THEN :now ELSE updated_at END,
                deleted = 0, pending = 0, confirmed_data = NULL, confirmed_exists = 0,
                server_newer = 0, rollback_on_resolve = 0
            WHERE collection = :collection AND key = :key AND pending = 1
        """), params)

    def _entry(self, row: Outbox) -> OutboxEntry:
        assert row.seq is not None
        args = (self._open(row.args, row.encrypted, row.collection, row.mutation_id,
                           OUTBOX_ARGS))
        return OutboxEntry(
            seq=row.seq, mutation_id=row.mutation_id, collection=row.collection,
            key=row.record_key, name=row.name, args=args,
            created_at=datetime.fromisoformat(row.created_at), state=row.state,
            error_code=row.error_code, error_message=row.error_message, attempts=row.attempts,
        )


def push_outcome(result: Mapping[str, Any]) -> str:
    """What the server decided for one pushed mutation: "applied", "rejected", or "retry"
    (a `seq_conflict`: not processed, to be renumbered and sent again). A `duplicate` is
    the replay of a decision and counts as that decision."""
    status = result.get("status")
    if status == "duplicate":
        original = result.get("original_status")
        if original == "rejected":
            return "rejected"
        if original not in (None, "applied"):
            raise ValueError(f"unknown original status {original!r}")
        return "applied"
    if status == "rejected":
        code, _ = _error_of(result.get("error"))
        return "retry" if code == SEQ_CONFLICT else "rejected"
    if status == "applied":
        return "applied"
    raise ValueError(f"unknown push status {status!r}")


def _error_of(error: Any) -> tuple[str | None, str | None]:
    if isinstance(error, Mapping):
        code, message = error.get("code"), error.get("message")
        return (None if code is None else str(code), None if message is None else str(message))
    if error is None:
        return None, None
    return None, str(error)


# A device-only row (`keep_on_device`): never pending, never confirmed by a server. A row
# with pending changes is left alone (it belongs to the sync).
_DEVICE_ONLY_UPSERT = text("""
    INSERT INTO local_record
        (collection, key, data, encrypted, deleted, confirmed_data, confirmed_exists,
         pending, updated_at)
    VALUES (:collection, :key, :data, :encrypted, 0, NULL, 0, 0, :now)
    ON CONFLICT (collection, key) DO UPDATE SET
        data = excluded.data,
        encrypted = excluded.encrypted,
        updated_at = excluded.updated_at
    WHERE local_record.pending = 0
""")

_OPTIMISTIC_UPSERT = text("""
    INSERT INTO local_record
        (collection, key, data, encrypted, deleted, confirmed_data, confirmed_exists,
         pending, updated_at)
    VALUES (:collection, :key, :data, :encrypted, :deleted, NULL, 0, 1, :now)
    ON CONFLICT (collection, key) DO UPDATE SET
        confirmed_data = CASE WHEN local_record.pending THEN local_record.confirmed_data
                              ELSE local_record.data END,
        confirmed_exists = CASE WHEN local_record.pending THEN local_record.confirmed_exists
                                ELSE 1 END,
        data = excluded.data,
        encrypted = excluded.encrypted,
        deleted = excluded.deleted,
        pending = 1,
        updated_at = excluded.updated_at
""")
