"""Migrations: ordered steps, one transaction each, outbox rows never touched."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import inspect

from offline_store.database import connect_sqlite, make_store_engine, open_user_store
from offline_store.errors import MigrationError, StoreTooNew
from offline_store.files import user_store_path
from offline_store.migrations import HEAD, MIGRATIONS, migrate, schema_version
from offline_store.models import store_registry
from tests.store.conftest import COMMON_ID


def _outbox_rows(db: sqlite3.Connection) -> list[tuple]:
    return db.execute(
        "SELECT seq, mutation_id, collection, record_key, name, args, encrypted, created_at, "
        "state, error_code, error_message, attempts FROM outbox ORDER BY seq"
    ).fetchall()


def _v1_with_pending_outbox(path: Path) -> list[tuple]:
    path.parent.mkdir(parents=True, exist_ok=True)
    db = connect_sqlite(path)
    try:
        assert migrate(db, target=1) == 1
        db.execute("INSERT INTO client_identity (id, client_id, created_at) "
                   "VALUES (1, 'dev_1', '2026-04-01T00:00:00+00:00')")
        for seq, state in ((1, "pending"), (2, "sending"), (3, "pending")):
            db.execute(
                "INSERT INTO outbox (mutation_id, collection, record_key, name, args, encrypted,"
                " created_at, state, attempts) VALUES (?, 'bookings', ?, 'booking.create', ?,"
                " 0, '2026-04-01T00:00:00+00:00', ?, ?)",
                (f"m-{seq}", f"b{seq}", f'{{"slot": {seq}}}'.encode(), state, seq - 1))
        return _outbox_rows(db)
    finally:
        db.close()


def test_v1_with_pending_outbox_runs_to_head_with_rows_identical(data_dir, key_store):
    path = user_store_path(data_dir, COMMON_ID)
    before = _v1_with_pending_outbox(path)
    assert HEAD > 1
    db = connect_sqlite(path)
    try:
        assert migrate(db) == HEAD
        assert _outbox_rows(db) == before
    finally:
        db.close()


def test_v2_with_rows_and_outbox_gets_record_streams(data_dir, key_store):
    """v3 tags every existing row "main" (what the one pull stream wrote), drops the city's
    notices that stream brought (they now come by the public and audience streams) and
    leaves the outbox untouched; the store then reads and removes streams as usual."""
    path = user_store_path(data_dir, COMMON_ID)
    before = _v1_with_pending_outbox(path)
    db = connect_sqlite(path)
    try:
        assert migrate(db, target=2) == 2
        db.execute("INSERT INTO local_record (collection, key, data, server_position, pending,"
                   " updated_at) VALUES ('notices', 'n1', X'7B7D', 4, 0, '2026-04-01'),"
                   " ('bookings', 'b1', X'7B7D', NULL, 1, '2026-04-01'),"
                   " ('preferences', 'theme', X'7B7D', 3, 0, '2026-04-01')")
        db.execute("INSERT INTO sync_cursor (stream, cursor) VALUES ('main', 4)")
        assert migrate(db) == HEAD >= 3
        assert _outbox_rows(db) == before
        assert db.execute("SELECT key, stream FROM local_record ORDER BY key").fetchall() == [
            ("b1", "main"), ("theme", "main")]
    finally:
        db.close()
    store = open_user_store(data_dir, COMMON_ID, key_store)
    try:
        assert store.pending_count() == 3
        assert [s.stream for s in store.streams()] == ["main"]
        store.apply_changes("audience:parents", [{"position": 5, "collection": "notices",
                                                  "key": "n2", "op": "upsert", "data": {}}], 5)
        assert store.remove_stream("audience:parents") == 1
        assert store.read("preferences", "theme") is not None
        assert store.cursor("main").cursor == 4
    finally:
        store.close()


def test_opening_a_v1_store_migrates_it_and_keeps_its_outbox(data_dir, key_store):
    # A v1 file with no identity row yet: opening it records one and migrates to head.
    path = user_store_path(data_dir, COMMON_ID)
    path.parent.mkdir(parents=True, exist_ok=True)
    db = connect_sqlite(path)
    migrate(db, target=1)
    db.execute("INSERT INTO outbox (mutation_id, collection, record_key, name, args, created_at)"
               " VALUES ('m-1', 'bookings', 'b1', 'booking.create', X'7B7D', '2026-04-01')")
    db.close()
    store = open_user_store(data_dir, COMMON_ID, key_store)
    try:
        assert [(e.mutation_id, e.args) for e in store.outbox()] == [("m-1", {})]
        assert store.pending_count() == 1
    finally:
        store.close()


def test_a_step_that_changes_outbox_rows_is_rolled_back(tmp_path):
    path = tmp_path / "s.sqlite3"
    before = _v1_with_pending_outbox(path)

    def bad_step(db: sqlite3.Connection) -> None:
        db.execute("CREATE TABLE scratch (x)")
        db.execute("DELETE FROM outbox WHERE state = 'sending'")

    db = connect_sqlite(path)
    try:
        with pytest.raises(MigrationError, match="changed outbox rows"):
            migrate(db, (MIGRATIONS[0], bad_step))
        assert schema_version(db) == 1
        assert _outbox_rows(db) == before
        assert db.execute("SELECT 1 FROM sqlite_master WHERE name = 'scratch'").fetchone() is None
    finally:
        db.close()


def test_a_failing_step_leaves_the_previous_version(tmp_path):
    path = tmp_path / "s.sqlite3"
    _v1_with_pending_outbox(path)

    def broken(db: sqlite3.Connection) -> None:
        db.execute("CREATE TABLE half_done (x)")
        db.execute("THIS IS NOT SQL")

    db = connect_sqlite(path)
    try:
        with pytest.raises(MigrationError, match="broken"):
            migrate(db, (MIGRATIONS[0], broken))
        assert schema_version(db) == 1
        assert db.execute("SELECT 1 FROM sqlite_master WHERE name = 'half_done'").fetchone() is None
    finally:
        db.close()


def test_a_file_from_a_newer_app_is_refused(tmp_path):
    db = connect_sqlite(tmp_path / "s.sqlite3")
    try:
        migrate(db)
        db.execute(f"PRAGMA user_version = {HEAD + 1}")
        with pytest.raises(StoreTooNew):
            migrate(db)
    finally:
        db.close()


def test_models_mirror_the_migrated_schema(tmp_path):
    path = tmp_path / "s.sqlite3"
    db = connect_sqlite(path)
    migrate(db)
    db.close()
    engine = make_store_engine(path)
    try:
        inspector = inspect(engine)
        for table in store_registry.metadata.sorted_tables:
            columns = {c["name"] for c in inspector.get_columns(table.name)}
            assert columns == {c.name for c in table.columns}, table.name
            primary = inspector.get_pk_constraint(table.name)["constrained_columns"]
            assert primary == [c.name for c in table.primary_key.columns], table.name
    finally:
        engine.dispose()


def test_opening_a_v1_store_with_an_identity_but_no_key_check_adds_one(data_dir, key_store):
    path = user_store_path(data_dir, COMMON_ID)
    before = _v1_with_pending_outbox(path)
    store = open_user_store(data_dir, COMMON_ID, key_store)
    try:
        assert store.client_id == "dev_1"
        assert store.pending_count() == 3
    finally:
        store.close()
    db = connect_sqlite(path)
    try:
        assert _outbox_rows(db) == before
        assert db.execute("SELECT data_key_check FROM client_identity").fetchone()[0]
    finally:
        db.close()
    open_user_store(data_dir, COMMON_ID, key_store).close()  # the check now opens
