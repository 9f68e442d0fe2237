"""Sync under a flaky network (issue 4): real devices, a real backend, a fault proxy between.

For each seed, four devices write through their own `FaultProxy` (its faults drawn from a
`random.Random` seeded by seed and device): dev-taro on a phone and on a tablet whose clock is
a day ahead (both write the same preference keys), dev-hanako and dev-hana. Each makes
`MUTATIONS` local changes (health records added and deleted, preferences set and deleted,
deletes racing edits of the same keys), syncing now and then, sometimes while its proxy
fails everything. Then the faults stop and every device syncs until its outbox is empty.

What is proven, read from the backend's database itself:
- every queued mutation has exactly one receipt, all applied (nothing lost, nothing twice);
- each device's health records on the server are exactly what replaying its own log in
  order gives, each added once in the change log;
- preferences follow the server order: the last receipt per key (and the last change-log
  row per key) decides, whatever the devices' clocks said;
- every device's store holds exactly the server's view of its person's rows.

`TSUYAMA_RELIABILITY_SEEDS=N` runs N seeds per database (default 4, so 8 seeded runs over
SQLite and PostgreSQL in CI; about 4 s each) for a soak.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from backend_client import BackendClient
from offline_store import MemoryDataKeyStore, UserStore, open_user_store
from offline_store.sync_engine import SyncEngine, SyncReport
from tests.reliability.conftest import Device, RunningBackend, signed_in
from tests.reliability.fault_proxy import FaultProxy

pytestmark = pytest.mark.anyio

SEEDS = int(os.environ.get("TSUYAMA_RELIABILITY_SEEDS", "4"))
MUTATIONS = 150
PREF_KEYS = ("theme", "lang", "font_size", "notify", "home_tile")  # shared by taro's devices
FINAL_ROUNDS = 10  # bounded: syncing with faults off must settle well before this
# (label, persona, clock offset): the tablet's clock is a day ahead.
DEVICES = (
    ("taro-phone", "dev-taro", timedelta(0)),
    ("taro-tablet", "dev-taro", timedelta(days=1)),
    ("hanako-phone", "dev-hanako", timedelta(0)),
    ("hana-phone", "dev-hana", timedelta(0)),
)


@dataclass
class Queued:
    """One mutation as the device queued it (the device's own log)."""

    mutation_id: str
    seq: int
    collection: str
    key: str
    name: str
    value: Any = None


@dataclass
class Client:
    label: str
    device: Device
    client_id: str
    store: UserStore
    proxy: FaultProxy
    rng: random.Random
    http: BackendClient | None = None  # per seed: through that seed's proxy
    engine: SyncEngine | None = None
    log: list[Queued] = field(default_factory=list)
    reports: list[SyncReport] = field(default_factory=list)

    async def sync(self) -> SyncReport:
        assert self.engine is not None
        return await self.engine.sync_once()


def skewed_clock(offset: timedelta):
    return lambda: datetime.now(UTC) + offset


async def workload(client: Client, seed: int) -> None:
    """`MUTATIONS` local changes with syncs in between; some syncs while offline."""
    rng = client.rng
    added: list[str] = []
    next_sync = rng.randint(3, 15)
    for i in range(MUTATIONS):
        roll = rng.random()
        store = client.store
        if roll < 0.35 or (roll < 0.5 and not added):
            record_id = f"s{seed}-{client.label}-h{i}"
            kind = rng.choice(("meal", "steps", "weight", "blood_pressure"))
            data = {"n": i, "v": rng.randint(0, 10_000)}
            entry = store.apply_local(
                "health_records", record_id, {"id": record_id, "kind": kind, "data": data},
                "add", {"id": record_id, "kind": kind, "data": data})
            added.append(record_id)
            value: Any = {"kind": kind, "data": data}
        elif roll < 0.5:
            # Often the newest record: its delete races the add still in the outbox.
            record_id = added[-1] if rng.random() < 0.5 else rng.choice(added)
            entry = store.apply_local("health_records", record_id, None, "delete",
                                      {"id": record_id})
            value = None
        elif roll < 0.85:
            key = rng.choice(PREF_KEYS)
            value = f"{client.label}-{i}"
            entry = store.apply_local("preferences", key, {"key": key, "value": value},
                                      "set", {"key": key, "value": value})
        else:
            key = rng.choice(PREF_KEYS)
            entry = store.apply_local("preferences", key, None, "delete", {"key": key})
            value = None
        client.log.append(Queued(entry.mutation_id, entry.seq, entry.collection, entry.key,
                                 entry.name, value))
        next_sync -= 1
        if next_sync <= 0:
            client.proxy.offline = rng.random() < 0.25
            client.reports.append(await client.sync())
            next_sync = rng.randint(3, 15)
    client.proxy.offline = False


async def settle(clients: list[Client]) -> None:
    """Faults off: sync every device until its outbox is empty, then once more for all so
    each one pulls the others' last writes."""
    for client in clients:
        client.proxy.enabled = False
        client.proxy.offline = False
    for _ in range(FINAL_ROUNDS):
        pending = [c for c in clients if c.store.pending_count()]
        if not pending:
            break
        reports = await asyncio.gather(*(c.sync() for c in pending))
        assert all(r.ok for r in reports), [r.error for r in reports]
    assert all(c.store.pending_count() == 0 for c in clients), "outboxes did not drain"
    reports = await asyncio.gather(*(c.sync() for c in clients))
    assert all(r.ok for r in reports), [r.error for r in reports]


def rows(backend: RunningBackend, sql: str, **params: Any) -> list[Any]:
    with backend.engine.connect() as conn:
        return list(conn.execute(text(sql), params))


def check_receipts(backend: RunningBackend, client: Client) -> None:
    """Every mutation of the device's log has exactly one receipt, applied; no others."""
    found = rows(backend, "SELECT mutation_id, seq, status, collection, name "
                          "FROM sync_receipt WHERE person_id = :p AND client_id = :c",
                 p=client.device.person_id, c=client.client_id)
    ids = Counter(r.mutation_id for r in found)
    assert not [m for m, n in ids.items() if n > 1], "a mutation has two receipts"
    assert set(ids) == {q.mutation_id for q in client.log}, "receipts differ from the log"
    assert len(found) == len(client.log)
    by_id = {q.mutation_id: q for q in client.log}
    for r in found:
        queued = by_id[r.mutation_id]
        assert (r.seq, r.collection, r.name) == (queued.seq, queued.collection, queued.name)
        assert r.status == "applied", (r, queued)
    # Nothing left unsent or rejected; settled entries beyond the newest 50 are pruned.
    outbox_states = Counter(e.state for e in client.store.outbox())
    assert outbox_states == {"applied": min(len(client.log), 50)}, outbox_states


def check_health_records(backend: RunningBackend, client: Client) -> None:
    """The server holds exactly what replaying the device's own log in order gives."""
    expected: dict[str, Any] = {}
    deleted: set[str] = set()
    for q in client.log:
        if q.collection != "health_records":
            continue
        if q.name == "add":
            expected[q.key] = q.value
        elif q.key in expected:
            del expected[q.key]
            deleted.add(q.key)
    mine = set(expected) | deleted  # record ids are made by and unique to each device
    server = [r for r in rows(backend, "SELECT id, kind, body, deleted_at FROM health_record "
                                       "WHERE person_id = :p", p=client.device.person_id)
              if r.id in mine]
    live = {r.id: {"kind": r.kind, "data": json.loads(r.body)}
            for r in server if r.deleted_at is None}
    assert live == expected
    assert {r.id for r in server if r.deleted_at is not None} == deleted
    changes = Counter((c.key, c.op) for c in rows(
        backend, "SELECT key, op FROM sync_change WHERE person_id = :p "
                 "AND collection = 'health_records'", p=client.device.person_id)
        if c.key in mine)
    assert all(n == 1 for n in changes.values()), [k for k, n in changes.items() if n != 1]
    assert {k for k, op in changes if op == "upsert"} == mine
    assert {k for k, op in changes if op == "delete"} == deleted


def check_last_writer_wins(backend: RunningBackend, person_id: str) -> dict[str, Any]:
    """Per preference key, the server's row is what the last receipt (in the server's
    order) and the last change-log row say; returns the server's preferences."""
    prefs = {r.key: json.loads(r.value) for r in rows(
        backend, "SELECT key, value FROM preference WHERE person_id = :p", p=person_id)}
    last_receipt: dict[str, Any] = {}
    for r in rows(backend, "SELECT name, result FROM sync_receipt WHERE person_id = :p "
                           "AND collection = 'preferences' AND status = 'applied' "
                           "ORDER BY id", p=person_id):
        result = json.loads(r.result)
        last_receipt[result["key"]] = result["value"] if r.name == "set" else None
    last_change: dict[str, Any] = {}
    for c in rows(backend, "SELECT key, op, data FROM sync_change WHERE person_id = :p "
                           "AND collection = 'preferences' ORDER BY position", p=person_id):
        last_change[c.key] = json.loads(c.data)["value"] if c.op == "upsert" else None
    assert {k: v for k, v in last_receipt.items() if v is not None} == prefs
    assert last_change == last_receipt
    return prefs


def check_store_matches_server(backend: RunningBackend, client: Client,
                               prefs: dict[str, Any]) -> None:
    person = client.device.person_id
    local_prefs = {r.key: r.data["value"] for r in client.store.list("preferences")}
    assert local_prefs == prefs, client.label
    server_records = {r.id: {"kind": r.kind, "data": json.loads(r.body)} for r in rows(
        backend, "SELECT id, kind, body FROM health_record "
                 "WHERE person_id = :p AND deleted_at IS NULL", p=person)}
    local_records = {r.key: {"kind": r.data["kind"], "data": r.data["data"]}
                     for r in client.store.list("health_records")}
    assert local_records == server_records, client.label
    assert not [r for c in ("preferences", "health_records")
                for r in client.store.list(c) if r.pending]


def open_client(backend: RunningBackend, device: Device, label: str, offset: timedelta,
                folder: Path) -> Client:
    """One device's store and sync engine, for all seeds (its outbox keeps numbering on)."""
    store = open_user_store(folder / label, device.person_id, MemoryDataKeyStore(),
                            device_id=device.device_id, clock=skewed_clock(offset))
    proxy = FaultProxy(backend.port, random.Random(0))
    return Client(label, device, store.client_id, store, proxy, random.Random(0))


async def run_seed(backend: RunningBackend, clients: list[Client], seed: int,
                   stats: Counter[str]) -> None:
    """One round of faults: each device gets a fresh proxy and rng seeded by seed and label."""
    try:
        for client in clients:
            client.rng = random.Random(f"{seed}:{client.label}")
            client.proxy = await FaultProxy(
                backend.port, random.Random(f"proxy:{seed}:{client.label}")).__aenter__()
            client.http = BackendClient(client.proxy.url, retries=1, backoff=0.01, timeout=10)
            client.engine = SyncEngine(client.store, client.http, client.device.token,
                                       push_batch=client.rng.choice((7, 20, 50)))
            client.reports = []
        await asyncio.gather(*(workload(c, seed) for c in clients))
        await settle(clients)
        for client in clients:
            check_receipts(backend, client)
            check_health_records(backend, client)
        prefs = {person: check_last_writer_wins(backend, person)
                 for person in {c.device.person_id for c in clients}}
        for client in clients:
            check_store_matches_server(backend, client, prefs[client.device.person_id])
            stats.update(client.proxy.stats)
            stats["offline_reports"] += sum(r.offline for r in client.reports)
    finally:
        for client in clients:
            if client.http is not None:
                await client.http.aclose()
            await client.proxy.__aexit__(None, None, None)


async def test_devices_converge_exactly_once_under_faults(backend: RunningBackend,
                                                          tmp_path: Path) -> None:
    clients = []
    for label, persona, offset in DEVICES:
        device = await signed_in(backend.url, persona, f"{label}-{tmp_path.name}")
        clients.append(open_client(backend, device, label, offset, tmp_path))
    stats: Counter[str] = Counter()
    try:
        for seed in range(SEEDS):
            await run_seed(backend, clients, seed, stats)
    finally:
        for client in clients:
            client.store.close()
    # The run proves something only if the dangerous faults really happened.
    for fault in ("drop", "truncate", "reset", "502", "503", "delay", "pass"):
        assert stats[fault] > 0, stats
    assert stats["offline_reports"] > 0, stats
