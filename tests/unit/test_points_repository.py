"""The points tile's device side: the `wallet` rows the sync pulls read back as a balance with
its history and age; an offline claim is one optimistic row plus its outbox entry; the
outcome the city decides shows on the claim; family members and change names."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from app.features.points.repository import LocalWallet, describe_change
from app.features.points.wallet_rows import (
    claims_from,
    family_from,
    filtered,
    months_in,
    snapshot_from,
)
from offline_store import LocalRow, MemoryDataKeyStore, OutboxEntry, UserStore, open_user_store
from offline_store.sync_engine import MAIN_STREAM

pytestmark = pytest.mark.anyio

NOW = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)


class Device:
    """What LocalWallet needs of DeviceData: the store, its version and the write hook."""

    def __init__(self, store: UserStore | None) -> None:
        self.store = store
        self.version = 0
        self.writes = 0

    async def changed_locally(self) -> None:
        self.writes += 1
        self.version += 1


def transfer(tid: str, kind: str, amount: int, at: str, **extra: Any) -> dict[str, Any]:
    return {"id": tid, "kind": kind, "purpose": extra.pop("purpose", "event"),
            "amount": amount, "counterparty": extra.pop("counterparty", None),
            "reference": None, "created_at": at, "refund_of": None, **extra}


def change(position: int, key: str, data: Any) -> dict[str, Any]:
    return {"position": position, "collection": "wallet", "key": key, "op": "upsert",
            "data": data}


@pytest.fixture
def store(tmp_path: Path) -> UserStore:
    opened = open_user_store(tmp_path, "resident-1", MemoryDataKeyStore(), ephemeral=True,
                             device_id="dev")
    yield opened
    opened.close()


async def test_the_pulled_wallet_rows_read_back_as_balance_history_and_age(
        store: UserStore) -> None:
    store.apply_changes(MAIN_STREAM, [
        change(1, "transfer:t1", transfer("t1", "earn", 300, "2026-10-02T01:00:00+00:00")),
        change(2, "transfer:t2", transfer("t2", "pay", -120, "2026-11-20T05:00:00+00:00",
                                          purpose="shop_payment",
                                          counterparty={"id": "s1", "name": "津山商店"})),
        change(3, "balance", {"balance": 180, "updated_at": "2026-11-20T05:00:00+00:00",
                              "expiring": [{"amount": 180, "expires_on": "2027-10-02"}]}),
        change(4, "transfer:broken", {"id": "broken", "amount": "lots"}),
    ], 4)
    snapshot = await LocalWallet(Device(store)).snapshot()
    assert snapshot is not None
    assert snapshot.balance == 180
    assert [(e.amount, e.expires_on.isoformat()) for e in snapshot.expiring] == [
        (180, "2027-10-02")]
    assert [t.id for t in snapshot.transfers] == ["t2", "t1"]  # newest first, broken skipped
    assert snapshot.transfers[0].counterparty == "津山商店"
    assert snapshot.synced_at is not None and snapshot.local


async def test_a_device_without_a_store_has_no_snapshot() -> None:
    wallet = LocalWallet(Device(None))  # type: ignore[arg-type]
    assert await wallet.snapshot() is None
    assert await wallet.claims(NOW) == []
    assert await wallet.queue_claim("c1", "CODE", NOW) is False


async def test_an_offline_claim_is_a_row_and_its_outbox_entry_until_the_city_decides(
        store: UserStore) -> None:
    device = Device(store)
    wallet = LocalWallet(device)
    before = wallet.stamp()
    assert await wallet.queue_claim("c1", "EVENT-CODE-1", NOW)
    assert device.writes == 1 and wallet.stamp() != before
    [entry] = store.outbox()
    assert (entry.collection, entry.key, entry.name, entry.args) == (
        "points_claims", "c1", "claim", {"code": "EVENT-CODE-1"})
    assert store.read("points_claims", "c1").pending  # type: ignore[union-attr]
    [claim] = await wallet.claims(entry.created_at)
    assert claim.state == "waiting"
    assert describe_change(entry) == ("Points for a scanned code", {})

    store.mark_results([{"mutation_id": entry.mutation_id, "status": "rejected",
                         "error": {"code": "already_claimed", "message": "claimed"}}])
    [claim] = await wallet.claims(entry.created_at)
    assert (claim.state, claim.error_code) == ("refused", "already_claimed")


def entry(seq: int, state: str, created: datetime, collection: str = "points_claims"
          ) -> OutboxEntry:
    return OutboxEntry(seq, f"m{seq}", collection, f"c{seq}", "claim", {"code": "x"},
                       created, state)


def test_claims_show_the_outcome_for_thirty_days() -> None:
    items = claims_from([entry(1, "applied", NOW - timedelta(days=31)),
                         entry(2, "applied", NOW - timedelta(days=2)),
                         entry(3, "sending", NOW),
                         entry(4, "pending", NOW, collection="bulky_waste")], NOW)
    assert [(c.claim_id, c.state) for c in items] == [("c3", "waiting"), ("c2", "granted")]


def test_history_filters_by_kind_and_by_the_city_month() -> None:
    rows = [LocalRow("wallet", f"transfer:{t['id']}", t, False, NOW, NOW, 1) for t in (
        transfer("a", "earn", 10, "2026-10-31T15:30:00+00:00"),  # 11/1 00:30 in Tsuyama
        transfer("b", "pay", -5, "2026-10-31T14:00:00+00:00"),  # 10/31 23:00 in Tsuyama
        transfer("c", "expire", -1, "2026-09-01T00:00:00+00:00"))]
    lines = snapshot_from(rows, NOW).transfers
    assert months_in(lines) == ["2026-11", "2026-10", "2026-09"]
    assert [t.id for t in filtered(lines, None, "2026-11")] == ["a"]
    assert [t.id for t in filtered(lines, "pay", None)] == ["b"]
    assert filtered(lines, "earn", "2026-10") == []


def test_family_is_minor_children_with_an_account_then_delegators() -> None:
    household = {"members": [
        {"id": "m1", "name": "親", "age": 40, "is_you": True, "person_id": "p-me"},
        {"id": "m2", "name": "子", "age": 9, "is_you": False, "person_id": "p-child"},
        {"id": "m3", "name": "長男", "age": 19, "is_you": False, "person_id": "p-adult"},
        {"id": "m4", "name": "赤ちゃん", "age": 0, "is_you": False}]}
    delegations = [
        {"grantor_common_id": "p-gran", "direction": "for_me", "status": "active"},
        {"grantor_common_id": "p-old", "direction": "for_me", "status": "revoked"},
        {"grantor_common_id": "p-me", "direction": "granted_by_me", "status": "active"}]
    people = family_from(household, delegations)
    assert [(f.person_id, f.name, f.delegated) for f in people] == [
        ("p-child", "子", False), ("p-gran", "", True)]
    assert family_from(None, []) == []


def test_a_synced_device_without_wallet_rows_has_no_points_yet() -> None:
    """The resident's data came and held no wallet rows: 0 points as of that sync; a device
    that never synced does not know (None: "appears once online")."""
    assert snapshot_from([], NOW).balance == 0
    assert snapshot_from([], NOW).synced_at == NOW
    assert snapshot_from([], None).balance is None
