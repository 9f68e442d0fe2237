"""Pull pages: idempotent, one transaction with the cursor, pending rows keep local values."""

from __future__ import annotations

import pytest

from offline_store.repository import UserStore


def change(position: int, key: str, data=None, op: str = "upsert",
           collection: str = "bookings") -> dict:
    return {"position": position, "collection": collection, "key": key, "op": op,
            "data": data, "changed_at": "2026-04-01T00:00:00Z"}


def test_a_page_upserts_deletes_and_moves_the_cursor(store, clock):
    assert store.apply_changes("user", [change(1, "a", {"v": 1}), change(2, "b", {"v": 2}),
                                        change(3, "a", {"v": 3})], 3) == 3
    assert [(r.key, r.data, r.server_position) for r in store.list("bookings")] == [
        ("a", {"v": 3}, 3), ("b", {"v": 2}, 2)]
    cursor = store.cursor("user")
    assert (cursor.cursor, cursor.last_synced_at) == (3, clock.now)
    synced = clock.now
    clock.advance(60)
    store.apply_changes("user", [change(4, "b", op="delete")], 4)
    assert [r.key for r in store.list("bookings")] == ["a"]
    assert store.read("bookings", "a").synced_at == synced  # the age of a's data
    assert store.cursor("user").last_synced_at == clock.now


def test_applying_a_page_twice_changes_nothing(store):
    page = [change(1, "a", {"v": 1}), change(2, "a", op="delete"), change(3, "b", {"v": 3})]
    store.apply_changes("user", page, 3)
    before = store.list("bookings")
    assert store.apply_changes("user", page, 3) == 0
    assert store.list("bookings") == before
    assert store.read("bookings", "a") is None  # the tombstone is not undone by the replay


def test_older_changes_do_not_overwrite_newer_rows(store):
    store.apply_changes("a", [change(10, "k", {"v": "new"})], 10)
    store.apply_changes("b", [change(5, "k", {"v": "old"})], 5)  # another stream, older
    assert store.read("bookings", "k").data == {"v": "new"}


def test_the_cursor_never_moves_back_and_streams_are_separate(store):
    store.apply_changes("user", [], 50)
    store.apply_changes("user", [], 40)
    store.apply_changes("public", [], 7)
    assert store.cursor("user").cursor == 50
    assert store.cursor("public").cursor == 7
    assert store.cursor("never").cursor == 0 and store.cursor("never").last_synced_at is None


def test_a_bad_change_rolls_back_the_whole_page_and_the_cursor(store):
    with pytest.raises(ValueError):
        store.apply_changes("user", [change(1, "a", {"v": 1}), change(2, "b", op="merge")], 2)
    assert store.list("bookings") == [] and store.cursor("user").cursor == 0


def test_a_failure_inside_the_page_leaves_nothing(store, monkeypatch):
    calls = []

    original = UserStore._flush

    def flaky(self, conn, op, batch, now, *rest):
        calls.append(op)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        original(self, conn, op, batch, now, *rest)

    monkeypatch.setattr(UserStore, "_flush", flaky)
    with pytest.raises(RuntimeError):
        store.apply_changes("user", [change(1, "a", {"v": 1}), change(2, "a", op="delete")], 2)
    monkeypatch.undo()
    assert store.list("bookings") == [] and store.cursor("user").cursor == 0


def test_a_pending_row_keeps_its_optimistic_value_until_confirmed(store):
    store.apply_changes("user", [change(1, "b1", {"slot": "09:00"})], 1)
    move = store.apply_local("bookings", "b1", {"slot": "10:00"}, "booking.move", {})
    store.apply_changes("user", [change(2, "b1", {"slot": "09:30"})], 2)  # someone else
    row = store.read("bookings", "b1")
    assert row.data == {"slot": "10:00"} and row.pending and row.server_position == 2
    store.mark_results([{"mutation_id": move.mutation_id, "seq": move.seq,
                         "status": "applied", "result": None, "error": None}])
    # The server changed the row meanwhile: its value stands until the next pull.
    row = store.read("bookings", "b1")
    assert row.data == {"slot": "09:30"} and not row.pending
    store.apply_changes("user", [change(3, "b1", {"slot": "10:00"})], 3)
    assert store.read("bookings", "b1").data == {"slot": "10:00"}


def test_response_lost_after_commit_then_pull_then_duplicate(store):
    create = store.apply_local("bookings", "b1", {"slot": "10:00"}, "booking.create", {})
    store.next_batch(10)  # sent; the server commits; the answer is lost
    store.apply_changes("user", [change(8, "b1", {"slot": "10:00", "id": 8})], 8)
    assert store.read("bookings", "b1").data == {"slot": "10:00"}  # still optimistic
    store.mark_results([{"mutation_id": create.mutation_id, "seq": create.seq,
                         "status": "duplicate", "result": None, "error": None}])
    row = store.read("bookings", "b1")
    assert row.data == {"slot": "10:00", "id": 8} and not row.pending


def test_delete_on_the_server_versus_a_pending_local_edit(store):
    store.apply_changes("user", [change(1, "b1", {"slot": "09:00"})], 1)
    edit = store.apply_local("bookings", "b1", {"slot": "10:00"}, "booking.move", {})
    store.apply_changes("user", [change(2, "b1", op="delete")], 2)
    assert store.read("bookings", "b1").data == {"slot": "10:00"}  # pending edit still shown
    store.mark_results([{"mutation_id": edit.mutation_id, "seq": edit.seq,
                         "status": "rejected", "error": {"code": "not_found"}}])
    assert store.read("bookings", "b1") is None


def test_remove_collection_rows_for_revoked_access(store):
    store.apply_changes("user", [change(1, "h1", {"v": 1}, collection="school"),
                                 change(2, "h2", {"v": 2}, collection="school"),
                                 change(3, "b1", {"v": 3})], 3)
    entry = store.apply_local("school", "h3", {"v": 4}, "school.note", {})
    assert store.remove_collection_rows("school") == 3
    assert store.list("school") == [] and store.count("bookings") == 1
    assert store.outbox() == [entry]  # the server answers it (rejected): nothing to restore
    store.mark_results([{"mutation_id": entry.mutation_id, "seq": entry.seq,
                         "status": "rejected", "error": {"code": "forbidden"}}])
    assert store.list("school") == []


def test_first_load_of_100k_rows_in_pages_of_1000(store):
    rows, page = 100_000, 1000
    for start in range(0, rows, page):
        changes = [change(p, f"r{p:06d}", {"n": p}, collection="timetable")
                   for p in range(start + 1, start + page + 1)]
        store.apply_changes("public", changes, start + page)
    assert store.count("timetable") == rows
    assert store.cursor("public").cursor == rows
    assert store.read("timetable", "r100000").data == {"n": 100_000}
    assert len(store.list("timetable", limit=50)) == 50
