"""The sync wire format: good answers parse; broken ones are refused, never half-applied."""

import pytest

from backend_client import BackendProtocolError
from backend_client.sync_transport import Mutation, PullPage, PushResponse


def test_mutation_serializes_every_field():
    m = Mutation(3, "m-1", "preferences", "set", {"key": "k", "value": 1}, "2026-11-24T00:00:00Z")
    assert m.to_json() == {"seq": 3, "mutation_id": "m-1", "collection": "preferences",
                           "name": "set", "args": {"key": "k", "value": 1},
                           "created_at": "2026-11-24T00:00:00Z"}


def test_push_response_parses_statuses_and_errors():
    response = PushResponse.from_json({"last_seq": 2, "results": [
        {"mutation_id": "a", "seq": 1, "status": "applied", "result": {"ok": True},
         "error": None},
        {"mutation_id": "b", "seq": 2, "status": "rejected", "result": None,
         "error": {"code": "read_only", "message": "notices are read-only"}},
    ]})
    assert response.last_seq == 2
    assert response.results[1].error_code == "read_only"
    assert PushResponse.from_json({"last_seq": 0, "results": [
        r.to_json() for r in response.results]}).results == response.results


@pytest.mark.parametrize("bad", [
    None, [], {"results": []}, {"last_seq": 1},
    {"last_seq": 1, "results": [{"mutation_id": "a", "seq": 1, "status": "maybe"}]},
    {"last_seq": 1, "results": [{"seq": 1, "status": "applied"}]},
    {"last_seq": True, "results": []},
])
def test_broken_push_responses_are_refused(bad):
    with pytest.raises(BackendProtocolError):
        PushResponse.from_json(bad)


def change(position: int, op: str = "upsert") -> dict:
    return {"position": position, "collection": "notices", "key": str(position), "op": op,
            "data": None if op == "delete" else {"t": position}, "changed_at": "x"}


def test_pull_page_parses_and_keeps_order():
    page = PullPage.from_json({"changes": [change(11), change(12, "delete")],
                               "next_cursor": 12, "has_more": False}, cursor=10)
    assert [c.position for c in page.changes] == [11, 12]
    assert page.changes[1].op == "delete" and page.changes[1].data is None


def test_pull_page_streams_are_optional_names():
    plain = PullPage.from_json({"changes": [], "next_cursor": 10, "has_more": False}, 10)
    listed = PullPage.from_json({"changes": [], "next_cursor": 10, "has_more": False,
                                 "streams": ["public", "audience:parents"]}, 10)
    assert plain.streams == ()
    assert listed.streams == ("public", "audience:parents")


@pytest.mark.parametrize("bad", [
    {"changes": [], "next_cursor": 10, "has_more": False, "streams": "public"},
    {"changes": [], "next_cursor": 10, "has_more": False, "streams": ["public", 3]},
    {"changes": [], "next_cursor": 10, "has_more": False, "streams": [""]},
    {"changes": [], "next_cursor": 10, "has_more": False, "streams": {"public": 1}},
])
def test_broken_stream_lists_are_refused(bad):
    with pytest.raises(BackendProtocolError, match="streams"):
        PullPage.from_json(bad, cursor=10)


@pytest.mark.parametrize("bad", [
    {"changes": [change(11)], "next_cursor": 9, "has_more": False},  # cursor backwards
    {"changes": [change(10)], "next_cursor": 12, "has_more": False},  # not after the cursor
    {"changes": [change(13)], "next_cursor": 12, "has_more": False},  # beyond next_cursor
    {"changes": [dict(change(11), op="merge")], "next_cursor": 12, "has_more": False},
    {"changes": [change(11)], "next_cursor": 12},
    {"next_cursor": 12, "has_more": False},
])
def test_broken_pull_pages_are_refused(bad):
    with pytest.raises(BackendProtocolError):
        PullPage.from_json(bad, cursor=10)


def test_a_duplicate_carries_the_original_decision():
    from backend_client.sync_transport import PushResult

    base = {"mutation_id": "m1", "seq": 1, "result": None}
    refused = PushResult.from_json({**base, "status": "duplicate", "original_status": "rejected",
                                    "error": {"code": "no_slot", "message": "no day"}})
    assert refused.outcome == "rejected" and refused.error_code == "no_slot"
    assert refused.to_json()["original_status"] == "rejected"
    applied = PushResult.from_json({**base, "status": "duplicate",
                                    "original_status": "applied", "error": None})
    assert applied.outcome == "applied"
    # An answer without original_status: an error means it was a refusal.
    legacy = PushResult.from_json({**base, "status": "duplicate",
                                   "error": {"code": "slot_full", "message": "full"}})
    assert legacy.outcome == "rejected"
    conflict = PushResult.from_json({**base, "status": "rejected",
                                     "error": {"code": "seq_conflict", "message": "seen"}})
    assert conflict.outcome == "retry"
    with pytest.raises(BackendProtocolError):
        PushResult.from_json({**base, "status": "duplicate", "original_status": "maybe"})


def test_the_store_settles_a_replayed_refusal_as_a_refusal():
    from offline_store.repository import push_outcome

    assert push_outcome({"status": "duplicate", "original_status": "rejected"}) == "rejected"
    assert push_outcome({"status": "duplicate", "original_status": "applied"}) == "applied"
    assert push_outcome({"status": "duplicate"}) == "applied"
    assert push_outcome({"status": "rejected", "error": {"code": "seq_conflict"}}) == "retry"
    assert push_outcome({"status": "rejected", "error": {"code": "slot_full"}}) == "rejected"
    with pytest.raises(ValueError):
        push_outcome({"status": "maybe"})
