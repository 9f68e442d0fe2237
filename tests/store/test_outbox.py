"""Optimistic local changes, the outbox, and the server's push results."""

from __future__ import annotations

import pytest

from offline_store.repository import UserStore


def _pull(store: UserStore, position: int, key: str, data, op: str = "upsert",
          collection: str = "bookings") -> None:
    change = {"position": position, "collection": collection, "key": key, "op": op,
              "data": data, "changed_at": "2026-04-01T09:00:00+09:00"}
    store.apply_changes("user", [change], position)


def _result(entry, status: str, error=None) -> dict:
    return {"mutation_id": entry.mutation_id, "seq": entry.seq, "status": status,
            "result": None, "error": error}


def test_apply_local_writes_row_and_outbox_entry(store, clock):
    entry = store.apply_local("bookings", "b1", {"slot": "10:00"}, "booking.create",
                              {"slot_id": 7})
    row = store.read("bookings", "b1")
    assert row.data == {"slot": "10:00"} and row.pending and row.updated_at == clock.now
    assert row.synced_at is None
    assert entry.seq == 1 and entry.state == "pending" and entry.args == {"slot_id": 7}
    assert store.outbox() == [entry]
    assert store.pending_count() == 1
    assert entry.to_push() == {"seq": 1, "mutation_id": entry.mutation_id,
                               "collection": "bookings", "name": "booking.create",
                               "args": {"slot_id": 7}, "created_at": clock.now.isoformat()}


def test_a_failure_between_row_and_outbox_leaves_neither(store, monkeypatch):
    _pull(store, 1, "b1", {"slot": "09:00"})

    def crash(self, conn, entry):
        raise RuntimeError("power cut between the two writes")

    monkeypatch.setattr(UserStore, "_insert_outbox", crash)
    with pytest.raises(RuntimeError):
        store.apply_local("bookings", "b1", {"slot": "10:00"}, "booking.move", {})
    with pytest.raises(RuntimeError):
        store.apply_local("bookings", "b2", {"slot": "11:00"}, "booking.create", {})
    monkeypatch.undo()
    row = store.read("bookings", "b1")
    assert row.data == {"slot": "09:00"} and not row.pending
    assert store.read("bookings", "b2") is None
    assert store.outbox() == [] and store.pending_count() == 0


def test_seq_grows_and_next_batch_is_in_order_and_marks_sending(store):
    entries = [store.apply_local("bookings", f"b{i}", {"i": i}, "booking.create", {"i": i})
               for i in range(5)]
    assert [e.seq for e in entries] == [1, 2, 3, 4, 5]
    batch = store.next_batch(3)
    assert [e.seq for e in batch] == [1, 2, 3]
    assert {e.state for e in batch} == {"sending"} and {e.attempts for e in batch} == {1}
    again = store.next_batch(10)  # the answer was lost: the same entries are sent again
    assert [e.seq for e in again] == [1, 2, 3, 4, 5]
    assert [e.attempts for e in again] == [2, 2, 2, 1, 1]
    assert store.pending_count() == 5


def test_applied_and_duplicate_confirm_the_optimistic_value(store):
    first = store.apply_local("bookings", "b1", {"slot": "10:00"}, "booking.create", {})
    second = store.apply_local("bookings", "b2", {"slot": "11:00"}, "booking.create", {})
    store.next_batch(10)
    changed = store.mark_results([_result(first, "applied"), _result(second, "duplicate")])
    assert [e.state for e in changed] == ["applied", "applied"]
    assert store.pending_count() == 0
    assert store.next_batch(10) == []
    assert store.read("bookings", "b1").data == {"slot": "10:00"}
    assert not store.read("bookings", "b1").pending
    # Replayed results change nothing.
    assert store.mark_results([_result(first, "applied"), _result(second, "rejected")]) == []
    assert store.read("bookings", "b2").data == {"slot": "11:00"}


def test_rejected_rolls_back_to_the_server_value_and_keeps_the_reason(store):
    _pull(store, 1, "b1", {"slot": "09:00"})
    move = store.apply_local("bookings", "b1", {"slot": "10:00"}, "booking.move", {})
    create = store.apply_local("bookings", "b9", {"slot": "12:00"}, "booking.create", {})
    changed = store.mark_results([
        _result(move, "rejected", {"code": "slot_full", "message": "その枠は満員です"}),
        _result(create, "rejected", "gone"),
    ])
    assert [(e.state, e.error_code, e.error_message) for e in changed] == [
        ("rejected", "slot_full", "その枠は満員です"), ("rejected", None, "gone")]
    row = store.read("bookings", "b1")
    assert row.data == {"slot": "09:00"} and not row.pending
    assert store.read("bookings", "b9") is None  # never existed on the server
    assert store.pending_count() == 0


def test_a_row_settles_only_when_its_last_mutation_is_answered(store):
    _pull(store, 1, "b1", {"n": 0})
    one = store.apply_local("bookings", "b1", {"n": 1}, "counter.set", {"n": 1})
    two = store.apply_local("bookings", "b1", {"n": 2}, "counter.set", {"n": 2})
    store.mark_results([_result(one, "rejected", {"code": "bad"})])
    row = store.read("bookings", "b1")
    assert row.pending and row.data == {"n": 2}  # still waiting for `two`
    store.mark_results([_result(two, "applied")])
    row = store.read("bookings", "b1")
    # One of its mutations was rejected: the row takes the server's value until the next pull.
    assert not row.pending and row.data == {"n": 0}
    _pull(store, 2, "b1", {"n": 2})
    assert store.read("bookings", "b1").data == {"n": 2}


def test_local_delete_hides_the_row_until_confirmed_and_rejection_restores_it(store):
    _pull(store, 1, "b1", {"slot": "09:00"})
    _pull(store, 2, "b2", {"slot": "10:00"})
    cancel_1 = store.apply_local("bookings", "b1", None, "booking.cancel", {})
    cancel_2 = store.apply_local("bookings", "b2", None, "booking.cancel", {})
    assert store.read("bookings", "b1") is None
    assert [r.key for r in store.list("bookings")] == []
    store.mark_results([_result(cancel_1, "applied"), _result(cancel_2, "rejected")])
    assert store.read("bookings", "b1") is None
    assert store.read("bookings", "b2").data == {"slot": "10:00"}


def test_unknown_results_are_ignored_and_bad_statuses_refused(store):
    entry = store.apply_local("bookings", "b1", {}, "booking.create", {})
    assert store.mark_results([{"mutation_id": "nope", "seq": 99, "status": "applied"}]) == []
    with pytest.raises(ValueError):
        store.mark_results([_result(entry, "maybe")])
    assert store.pending_count() == 1


def test_logout_with_a_pending_outbox_keeps_it_on_a_persistent_store(data_dir, key_store):
    from offline_store.database import open_user_store
    from tests.store.conftest import COMMON_ID

    store = open_user_store(data_dir, COMMON_ID, key_store)
    entry = store.apply_local("wallet", "w", {"points": 1}, "wallet.add", {"points": 1})
    store.close()
    store = open_user_store(data_dir, COMMON_ID, key_store)
    try:
        assert store.next_batch(10)[0].mutation_id == entry.mutation_id
    finally:
        store.close()


def test_settled_entries_are_pruned_but_never_unsent_ones(store, clock):
    entries = [store.apply_local("preferences", f"k{i}", i, "set", {"key": f"k{i}", "value": i})
               for i in range(8)]
    batch = store.next_batch(8)
    assert [e.seq for e in batch] == [e.seq for e in entries]
    store.mark_results([_result(e, "applied") for e in batch[:5]]
                       + [_result(batch[5], "rejected", {"code": "invalid_args"})])
    # batch[6] and batch[7] stay "sending" (answer lost)
    later = store.apply_local("preferences", "k9", 9, "set", {"key": "k9", "value": 9})

    assert store.prune_settled(keep_applied=2) == 3  # the three oldest applied ones
    states = [(e.seq, e.state) for e in store.outbox()]
    assert states == [(batch[3].seq, "applied"), (batch[4].seq, "applied"),
                      (batch[5].seq, "rejected"), (batch[6].seq, "sending"),
                      (batch[7].seq, "sending"), (later.seq, "pending")]

    clock.advance(31 * 24 * 3600)  # the rejection has been listed for 30 days
    assert store.prune_settled(keep_applied=2) == 1
    assert [e.state for e in store.outbox()] == ["applied", "applied", "sending", "sending",
                                                 "pending"]
    fresh = store.apply_local("preferences", "k10", 10, "set", {"key": "k10", "value": 10})
    assert fresh.seq > later.seq  # seqs are never reused after pruning
