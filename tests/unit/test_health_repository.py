"""The health tile's reads and writes (app/features/health/repository.py `LocalHealth`) over a
real encrypted offline store: a record kept on the device has no outbox entry; with sync on
it goes out as the backend's `add` (its `push_args` shape); deleting a synced record sends a
`delete`; turning sync on sends what was kept; deleting everything keeps the settings; a
row the server sends back (backend/tiles/health/records.py `record_json`) reads as written."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import pytest

from app.account.device_data import DeviceData
from app.features.health.ports import StoredRecord
from app.features.health.repository import (
    DEVICE,
    RECORDS,
    LocalHealth,
    decode_bytes,
    encode_bytes,
    from_row,
    push_args,
)
from offline_store.data_key_store import MemoryDataKeyStore
from offline_store.database import open_user_store
from offline_store.repository import UserStore

COMMON_ID = "common-0001-resident"


class FakeDevice:
    """What `LocalHealth` uses of `DeviceData`: the open store, its version, the sync nudge."""

    def __init__(self, store: UserStore | None) -> None:
        self.store = store
        self.version = 3
        self.nudges = 0

    async def changed_locally(self) -> None:
        self.nudges += 1


@pytest.fixture
def store(tmp_path: Path) -> Iterator[UserStore]:
    opened = open_user_store(tmp_path / "data", COMMON_ID, MemoryDataKeyStore(),
                             device_id="dev_test")
    yield opened
    opened.close()


@pytest.fixture
def device(store: UserStore) -> FakeDevice:
    return FakeDevice(store)


def local(device: FakeDevice) -> LocalHealth:
    return LocalHealth(cast(DeviceData, device))


def record(letter: str, kind: str = "body") -> dict[str, Any]:
    return {"id": letter * 32, "kind": kind, "subject": COMMON_ID,
            "recorded_at": "2026-12-05T00:00:00+09:00",
            "created_at": "2026-12-05T03:31:02+00:00",
            "data": {"weight_kg": "62.5", "steps": None, "height_cm": None}}


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def test_availability_and_stamp_follow_the_device() -> None:
    closed = FakeDevice(None)
    health = local(closed)
    assert not health.available()
    assert health.stamp() == 3
    closed.version = 4
    assert health.stamp() == 4
    with pytest.raises(RuntimeError):
        run(health.records())


def test_a_record_kept_on_the_device_has_no_outbox_entry(store: UserStore,
                                                         device: FakeDevice) -> None:
    health = local(device)
    assert health.available()
    body = record("a")
    run(health.add_record(body, sync=False))
    row = store.read(RECORDS, body["id"])
    assert row is not None
    assert row.data == body
    assert row.pending is False and row.server_position is None
    assert store.outbox() == []
    assert device.nudges == 0
    assert run(health.records()) == [StoredRecord(body, False)]


def test_push_args_keep_subject_and_creation_time_inside_data() -> None:
    body = record("a")
    assert push_args(body) == {
        "id": "a" * 32, "kind": "body", "recorded_at": "2026-12-05T00:00:00+09:00",
        "data": {"subject": COMMON_ID, "created_at": "2026-12-05T03:31:02+00:00",
                 "data": {"weight_kg": "62.5", "steps": None, "height_cm": None}}}


def test_with_sync_on_a_record_goes_out_as_add(store: UserStore, device: FakeDevice) -> None:
    health = local(device)
    body = record("b")
    run(health.add_record(body, sync=True))
    [entry] = store.outbox()
    assert (entry.collection, entry.key, entry.name, entry.state) == (
        RECORDS, body["id"], "add", "pending")
    assert entry.args == push_args(body)
    assert device.nudges == 1
    # Sent, not yet confirmed by the server.
    assert run(health.records()) == [StoredRecord(body, True, pending=True)]


def test_deleting_a_synced_record_sends_delete(store: UserStore, device: FakeDevice) -> None:
    health = local(device)
    body = record("c")
    run(health.add_record(body, sync=True))
    run(health.delete_record(body["id"]))
    assert [(e.name, e.args) for e in store.outbox()] == [
        ("add", push_args(body)), ("delete", {"id": body["id"]})]
    assert store.read(RECORDS, body["id"]) is None
    assert run(health.records()) == []
    assert device.nudges == 2


def test_deleting_a_device_only_record_sends_nothing(store: UserStore,
                                                    device: FakeDevice) -> None:
    health = local(device)
    run(health.add_record(record("d"), sync=False))
    run(health.delete_record("d" * 32))
    run(health.delete_record("f" * 32))  # not there: nothing happens
    assert store.read(RECORDS, "d" * 32) is None
    assert store.list(RECORDS) == []
    assert store.outbox() == []
    assert device.nudges == 0


def test_send_unsent_sends_only_what_was_kept(store: UserStore, device: FakeDevice) -> None:
    health = local(device)
    kept = [record("1"), record("2")]
    synced = record("3")
    for body in kept:
        run(health.add_record(body, sync=False))
    run(health.add_record(synced, sync=True))
    assert run(health.send_unsent()) == 2
    adds = [(e.key, e.args) for e in store.outbox() if e.name == "add"]
    assert adds == [(synced["id"], push_args(synced)), (kept[0]["id"], push_args(kept[0])),
                    (kept[1]["id"], push_args(kept[1]))]
    assert device.nudges == 2
    assert all(s.synced for s in run(health.records()))
    assert run(health.send_unsent()) == 0
    assert len(store.outbox()) == 3
    assert device.nudges == 2


def test_delete_all_keeps_only_the_settings(store: UserStore, device: FakeDevice) -> None:
    health = local(device)
    run(health.add_record(record("a"), sync=False))
    run(health.add_record(record("b"), sync=True))
    run(health.set_device_value("settings", {"sync": True, "consent": {COMMON_ID: {}}}))
    run(health.set_device_value("dish_memory", encode_bytes(b"memory")))
    run(health.set_device_value("photo:" + "b" * 32, encode_bytes(b"\xff\xd8\xff")))
    assert run(health.delete_all()) == 2
    assert store.list(RECORDS) == []
    assert [row.key for row in store.list(DEVICE)] == ["settings"]
    assert run(health.device_value("settings")) == {"sync": True, "consent": {COMMON_ID: {}}}
    assert run(health.device_value("dish_memory")) is None
    assert [(e.name, e.key) for e in store.outbox()] == [("add", "b" * 32),
                                                        ("delete", "b" * 32)]


def test_device_values_never_sync(store: UserStore, device: FakeDevice) -> None:
    health = local(device)
    assert run(health.device_value("settings")) is None
    run(health.set_device_value("settings", {"sync": False}))
    assert run(health.device_value("settings")) == {"sync": False}
    run(health.set_device_value("settings", None))
    assert run(health.device_value("settings")) is None
    assert store.outbox() == []


def server_row(body: dict[str, Any]) -> dict[str, Any]:
    """What backend/tiles/health/records.py `record_json` returns for a pushed record: the
    pushed `data` as the body, and the server's own creation time."""
    args = push_args(body)
    return {"id": args["id"], "kind": args["kind"], "data": args["data"],
            "recorded_at": args["recorded_at"],
            "created_at": datetime(2026, 12, 5, 3, 40, tzinfo=UTC).isoformat()}


def test_from_row_reads_the_servers_shape_back() -> None:
    body = record("e", kind="meal")
    assert from_row(server_row(body)) == body
    assert from_row(body) == body
    assert from_row(None) is None
    assert from_row("row") is None
    assert from_row({"id": "x", "data": {"weight_kg": "60"}}) is None
    assert from_row({"id": "x", "data": None}) is None


def test_a_row_pulled_from_the_server_reads_as_written_and_synced(
        store: UserStore, device: FakeDevice) -> None:
    body = record("e")
    store.apply_changes("user", [{"position": 1, "collection": RECORDS, "key": body["id"],
                                  "op": "upsert", "data": server_row(body)},
                                 {"position": 2, "collection": RECORDS, "key": "junk",
                                  "op": "upsert", "data": {"id": "junk"}}], 2)
    health = local(device)
    assert run(health.records()) == [StoredRecord(body, True)]  # the junk row is skipped
    assert run(health.send_unsent()) == 0
    run(health.delete_record(body["id"]))
    assert [(e.name, e.args) for e in store.outbox()] == [("delete", {"id": body["id"]})]


def test_bytes_travel_as_base64_text() -> None:
    assert encode_bytes(b"\x00\xffphoto") == "AP9waG90bw=="
    assert decode_bytes("AP9waG90bw==") == b"\x00\xffphoto"
    assert decode_bytes("not base64!") is None
    assert decode_bytes(None) is None
    assert decode_bytes(b"AP9w") is None
