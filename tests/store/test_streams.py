"""Rows remember the stream that wrote them; a revoked stream's rows and cursor go together."""

from __future__ import annotations

import sqlite3

import pytest

from offline_store.database import open_public_store
from offline_store.repository import MAIN_STREAM, CursorState


def change(position: int, key: str, data=None, op: str = "upsert",
           collection: str = "notices") -> dict:
    return {"position": position, "collection": collection, "key": key, "op": op,
            "data": data, "changed_at": "2026-04-01T00:00:00Z"}


def tags(store) -> dict[tuple[str, str], str]:
    db = sqlite3.connect(store.path)
    try:
        return {(c, k): s for c, k, s in db.execute(
            "SELECT collection, key, stream FROM local_record")}
    finally:
        db.close()


def test_pulled_rows_are_tagged_with_their_stream_and_local_writes_are_main(store):
    store.apply_changes(MAIN_STREAM, [change(1, "theme", {"v": "dark"}, collection="prefs")], 1)
    store.apply_changes("audience:parents", [change(2, "n7", {"t": "school aid"})], 2)
    store.apply_local("prefs", "size", {"v": "large"}, "set", {"key": "size"})
    assert tags(store) == {("prefs", "theme"): "main", ("notices", "n7"): "audience:parents",
                           ("prefs", "size"): "main"}
    # A later server value moves a row to the stream that wrote it.
    store.apply_changes(MAIN_STREAM, [change(3, "n7", {"t": "moved"})], 3)
    assert tags(store)[("notices", "n7")] == "main"


def test_streams_lists_the_known_cursors(store, clock):
    assert store.streams() == []
    store.apply_changes(MAIN_STREAM, [], 4)
    store.apply_changes("audience:parents", [change(2, "n1", {})], 2)
    assert store.streams() == [CursorState("audience:parents", 2, clock.now),
                               CursorState("main", 4, clock.now)]


def test_remove_stream_deletes_its_rows_and_cursor_only(store):
    store.apply_changes(MAIN_STREAM, [change(1, "theme", {"v": 1}, collection="prefs"),
                                      change(4, "n9", {"t": "mine"})], 4)
    store.apply_changes("audience:parents", [change(2, "n1", {"t": 1}), change(3, "n2", {})], 3)
    store.apply_changes("audience:age75plus", [change(5, "n3", {"t": 3})], 5)
    assert store.remove_stream("audience:parents") == 2
    assert [r.key for r in store.list("notices")] == ["n3", "n9"]
    assert store.read("prefs", "theme") is not None
    assert [s.stream for s in store.streams()] == ["audience:age75plus", "main"]
    assert store.cursor("audience:parents").cursor == 0  # a later grant starts from scratch
    assert store.remove_stream("audience:parents") == 0  # idempotent
    with pytest.raises(ValueError):
        store.remove_stream(MAIN_STREAM)


def test_a_pending_row_of_a_removed_stream_is_kept_without_its_server_value(store):
    store.apply_changes("audience:parents", [change(1, "n1", {"t": "server"}),
                                             change(2, "n2", {"t": "other"})], 2)
    edit = store.apply_local("notices", "n1", {"t": "local"}, "edit", {})
    assert store.remove_stream("audience:parents") == 1
    row = store.read("notices", "n1")
    assert row is not None and row.pending and row.data == {"t": "local"}
    assert tags(store)[("notices", "n1")] == "main"
    # The server refuses the write (read-only): the revoked server value is not restored.
    store.mark_results([{"mutation_id": edit.mutation_id, "seq": edit.seq,
                         "status": "rejected", "error": {"code": "read_only"}}])
    assert store.read("notices", "n1") is None and store.count() == 0


def test_the_public_store_tags_and_removes_streams_too(data_dir):
    public = open_public_store(data_dir, "332038")
    try:
        public.apply_changes("public", [change(1, "n1", {"t": 1}), change(2, "n2", {"t": 2})], 2)
        assert set(tags(public).values()) == {"public"}
        assert [s.stream for s in public.streams()] == ["public"]
        assert public.remove_stream("public") == 2
        assert public.count() == 0 and public.streams() == []
    finally:
        public.close()
