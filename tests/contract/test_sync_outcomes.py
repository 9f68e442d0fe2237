"""What the server decided reaches the device exactly as decided, and a device's numbering
survives a re-created, restored or damaged store (issue 9, findings 1 to 3), against the
real backend in-process."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from app.features.waste.bulky import BulkyBooking
from app.features.waste.bulky_repository import LocalBulkyBookings
from app.i18n.formatting import city_today
from backend_client import BackendClient
from offline_store import MemoryDataKeyStore, UserStore, open_public_store, open_user_store
from offline_store.database import connect_sqlite
from offline_store.sync_engine import SyncEngine
from tests.backend.bulky_helpers import AREA_A, AREAS, ITEMS, add_slot, seed_waste
from tests.contract.test_bulky_booking_offline import Device, Public
from tests.contract.test_sync_engine import LoseAnswers
from tests.contract.test_sync_streams_engine import CODE, signed_in
from tests.identity_helpers import BASE_URL, make_identity_app

pytestmark = pytest.mark.anyio


def rows(app, sql: str, **params):  # type: ignore[no-untyped-def]
    with app.state.engine.connect() as conn:
        return list(conn.execute(text(sql), params))


def server_prefs(app, person_id: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {r.key: r.value for r in rows(
        app, "SELECT key, value FROM preference WHERE person_id = :p", p=person_id)}


def set_pref(store: UserStore, key: str, value: str) -> None:
    store.apply_local("preferences", key, {"key": key, "value": value}, "set",
                      {"key": key, "value": value})


async def test_a_refusal_whose_answer_was_lost_is_recorded_as_a_refusal(
        database_url: str, tmp_path: Path) -> None:
    """Finding 1: the city refuses a booking's move to a day it does not have; the answer is
    lost after the refusal was stored; the replay ("duplicate" of a rejection) must roll the
    device back to the city's day and show the refusal with its reason."""
    app = make_identity_app(database_url)
    seed_waste(app.state.engine)
    day = city_today() + timedelta(days=30)
    add_slot(app.state.engine, AREA_A, day, capacity=3)
    common_id, token = await signed_in(app, "dev-taro", "taro-phone")
    items = {i: {"id": i, "name": n, "category": c, "fee": f}
             for i, (n, c, f) in ITEMS.items()}
    area = {"id": AREA_A, "name": AREAS[AREA_A]}
    folder = tmp_path / "phone"
    store = open_user_store(folder, common_id, MemoryDataKeyStore(), device_id="taro-phone")
    public = open_public_store(folder, CODE)
    booking = BulkyBooking(LocalBulkyBookings(Public(public), Device(store)),  # type: ignore[arg-type]
                           lambda: datetime.now(UTC))
    direct = BackendClient(BASE_URL, transport=httpx.ASGITransport(app=app), retries=0)
    lossy = BackendClient(BASE_URL, transport=LoseAnswers(httpx.ASGITransport(app=app), 1),
                          retries=0)
    booking.add(items["microwave"])
    booking.day = day
    assert await booking.book(area)
    assert (await SyncEngine(store, direct, token, public_store=public).sync_once()).ok
    await booking.load(items, {AREA_A: area})
    [booked] = booking.bookings
    assert booked.status == "booked" and booked.day == day

    no_such_day = day + timedelta(days=14)  # the city has no collection then
    await booking.move(booked, no_such_day)
    first = await SyncEngine(store, lossy, token, public_store=public).sync_once()
    assert first.offline  # the refusal was stored, its answer lost
    second = await SyncEngine(store, lossy, token, public_store=public).sync_once()
    assert second.ok and second.rejected == 1 and second.applied == 0

    [entry] = store.outbox(states=("rejected",))
    assert entry.name == "change" and entry.error_code == "no_slot"
    row = store.read("bulky_waste", booked.booking_id)
    assert row is not None and not row.pending
    assert row.data["day"] == day.isoformat()  # the city's day, not the refused one
    await booking.load(items, {AREA_A: area})
    [shown] = booking.bookings
    assert shown.day == day and shown.status == "booked" and shown.rejection is None
    assert shown.refused_change is not None
    assert shown.refused_change[:2] == ("change", "no_slot")

    # A second device of the same resident agrees with the first.
    tablet = open_user_store(tmp_path / "tablet", common_id, MemoryDataKeyStore(),
                             device_id="taro-tablet")
    assert (await SyncEngine(tablet, direct, token).sync_once()).ok
    assert tablet.read("bulky_waste", booked.booking_id).data == row.data
    for s in (store, public, tablet):
        s.close()
    await direct.aclose()
    await lossy.aclose()
    app.state.engine.dispose()


async def test_writes_after_a_discarded_store_on_the_same_device_are_all_applied(
        database_url: str, tmp_path: Path) -> None:
    """Finding 2: logout with "discard", log in again on the same device: every new write
    is applied (today seqs restarted at 1 and each got `seq_conflict`)."""
    app = make_identity_app(database_url)
    common_id, token = await signed_in(app, "dev-taro", "phone-1")
    client = BackendClient(BASE_URL, transport=httpx.ASGITransport(app=app), retries=0)
    folder = tmp_path / "phone"
    first = open_user_store(folder, common_id, MemoryDataKeyStore(), device_id="phone-1")
    for i in range(5):
        set_pref(first, f"old-{i}", "x")
    assert (await SyncEngine(first, client, token).sync_once()).applied == 5
    set_pref(first, "unsent", "discarded")
    first.wipe()  # logout, "discard"

    second = open_user_store(folder, common_id, MemoryDataKeyStore(), device_id="phone-1")
    for i in range(7):
        set_pref(second, f"new-{i}", str(i))
    report = await SyncEngine(second, client, token).sync_once()
    assert report.ok and report.applied == 7 and report.rejected == 0
    assert [e.state for e in second.outbox()] == ["applied"] * 7
    prefs = server_prefs(app, common_id)
    assert {f"new-{i}" for i in range(7)} <= set(prefs) and "unsent" not in prefs
    assert second.read("preferences", "new-6").data["value"] == "6"
    second.close()
    await client.aclose()
    app.state.engine.dispose()


async def test_a_store_restored_from_a_backup_continues_above_the_servers_numbering(
        database_url: str, tmp_path: Path) -> None:
    """A phone backup restores an old copy of the store: its seqs were used since by other
    mutations. The server answers `seq_conflict` and processes nothing after it; the device
    renumbers above the server's last seq, in order, and every write is applied once."""
    app = make_identity_app(database_url)
    common_id, token = await signed_in(app, "dev-taro", "phone-1")
    client = BackendClient(BASE_URL, transport=httpx.ASGITransport(app=app), retries=0)
    folder, backup = tmp_path / "phone", tmp_path / "backup"
    keys = MemoryDataKeyStore()
    store = open_user_store(folder, common_id, keys, device_id="phone-1")
    set_pref(store, "a", "1")
    assert (await SyncEngine(store, client, token).sync_once()).applied == 1
    store.close()
    shutil.copytree(folder, backup)  # the backup: seq 1 sent and applied
    store = open_user_store(folder, common_id, keys, device_id="phone-1")
    set_pref(store, "b", "2")
    set_pref(store, "c", "3")
    assert (await SyncEngine(store, client, token).sync_once()).applied == 2  # seqs 2, 3
    store.close()

    shutil.rmtree(folder)
    shutil.copytree(backup, folder)  # restored: the device forgot seqs 2 and 3
    store = open_user_store(folder, common_id, keys, device_id="phone-1")
    set_pref(store, "d", "before")  # seq 2 again, another mutation
    set_pref(store, "d", "after")  # seq 3 again: must still win over "before"
    set_pref(store, "e", "5")  # seq 4: new to the server, but must wait for its turn
    report = await SyncEngine(store, client, token).sync_once()
    assert report.ok and report.applied == 3 and report.rejected == 0
    assert server_prefs(app, common_id)["d"] == '"after"'
    receipts = rows(app, "SELECT seq, status, result FROM sync_receipt WHERE client_id = :c "
                         "ORDER BY seq", c=store.client_id)
    assert len(receipts) == 6 and {r.status for r in receipts} == {"applied"}
    assert [r.seq for r in receipts][:3] == [1, 2, 3]  # the restored ones came above these
    assert [(json.loads(r.result)["key"], json.loads(r.result)["value"])  # written order
            for r in receipts][3:] == [("d", "before"), ("d", "after"), ("e", "5")]
    store.close()
    await client.aclose()
    app.state.engine.dispose()


async def test_unsent_changes_recovered_from_a_damaged_store_are_applied_once(
        database_url: str, tmp_path: Path) -> None:
    """Finding 3 with a lost answer: the server applied three changes, the answer was lost,
    then the store was damaged. The rebuilt store sends them again under a new client id;
    the server recognises them (receipts per person and mutation id): applied once."""
    app = make_identity_app(database_url)
    common_id, token = await signed_in(app, "dev-taro", "phone-1")
    lossy = BackendClient(BASE_URL, transport=LoseAnswers(httpx.ASGITransport(app=app), 1),
                          retries=0)
    folder = tmp_path / "phone"
    keys = MemoryDataKeyStore()
    store = open_user_store(folder, common_id, keys, device_id="phone-1")
    store.apply_local("health_records", "meal-1", {"kind": "meal", "data": {"kcal": 1}},
                      "add", {"id": "meal-1", "kind": "meal", "data": {"kcal": 1}})
    set_pref(store, "theme", "dark")
    set_pref(store, "lang", "en")
    assert (await SyncEngine(store, lossy, token).sync_once()).offline
    old_client = store.client_id
    store.close()
    db = connect_sqlite(store.path)
    db.execute("DELETE FROM client_identity")
    db.close()

    rebuilt = open_user_store(folder, common_id, keys, device_id="phone-1")
    [recovery] = rebuilt.recoveries()
    assert (recovery.kind, recovery.recovered) == ("damaged", 3)
    assert rebuilt.client_id != old_client
    report = await SyncEngine(rebuilt, lossy, token).sync_once()
    assert report.ok and report.applied == 3 and report.rejected == 0
    assert rebuilt.pending_count() == 0
    assert len(rows(app, "SELECT id FROM sync_receipt WHERE person_id = :p",
                    p=common_id)) == 3
    assert len(rows(app, "SELECT position FROM sync_change WHERE person_id = :p "
                         "AND collection IN ('preferences', 'health_records')",
                    p=common_id)) == 3
    assert rebuilt.read("health_records", "meal-1").data["data"] == {"kcal": 1}
    rebuilt.close()
    await lossy.aclose()
    app.state.engine.dispose()


async def test_a_mutation_id_reused_with_another_payload_is_refused_and_shown(
        database_url: str, tmp_path: Path) -> None:
    app = make_identity_app(database_url)
    common_id, token = await signed_in(app, "dev-taro", "phone-1")
    client = BackendClient(BASE_URL, transport=httpx.ASGITransport(app=app), retries=0)
    store = open_user_store(tmp_path, common_id, MemoryDataKeyStore(), device_id="phone-1")
    set_pref(store, "theme", "dark")
    assert (await SyncEngine(store, client, token).sync_once()).applied == 1
    [applied] = store.outbox()
    # A device bug (or a forgery) sends the same mutation id with another value.
    other = open_user_store(tmp_path / "other", common_id, MemoryDataKeyStore(),
                            device_id="phone-2")
    other.restore_unsent([_salvaged(applied.mutation_id, {"key": "theme", "value": "pink"})])
    report = await SyncEngine(other, client, token).sync_once()
    assert report.ok and report.rejected == 1
    [refused] = other.outbox(states=("rejected",))
    assert refused.error_code == "mutation_id_reused"
    assert server_prefs(app, common_id)["theme"] == '"dark"'
    for s in (store, other):
        s.close()
    await client.aclose()
    app.state.engine.dispose()


def _salvaged(mutation_id: str, args: dict[str, str]):  # type: ignore[no-untyped-def]
    from offline_store.recovery import SalvagedChange

    return SalvagedChange(mutation_id=mutation_id, collection="preferences",
                          record_key=args["key"], name="set", args=args,
                          created_at=datetime.now(UTC).isoformat(),
                          optimistic=(True, args))


async def test_the_app_opens_a_damaged_store_with_its_changes_and_says_so(
        database_url: str, tmp_path: Path) -> None:
    """DeviceData (what the app runs at login) gets the rebuilt store and its notice; the
    resident dismisses it; a store that cannot be created at all is said so, not "log in"."""
    from app.account.device_data import DeviceData

    app = make_identity_app(database_url)
    common_id, token = await signed_in(app, "dev-taro", "phone-1")
    client = BackendClient(BASE_URL, transport=httpx.ASGITransport(app=app), retries=0)
    keys = KeptKeys()
    device = DeviceData(tmp_path, client, kiosk=False, key_store=lambda: keys)
    await device.start(common_id, "phone-1", token)
    assert device.store is not None and device.recoveries == []
    set_pref(device.store, "theme", "dark")
    path = device.store.path
    await device.stop()
    path.write_bytes(path.read_bytes()[:4096])  # only the first page survives

    await device.start(common_id, "phone-1", token)
    assert device.open and [r.kind for r in device.recoveries] == ["damaged"]
    report = await device.sync_and_wait()
    assert report is not None and report.ok
    await device.dismiss_recovery(device.recoveries[0].id)
    assert device.recoveries == []
    await device.stop()
    assert not device.open

    blocked = tmp_path / "blocked"
    blocked.mkdir()
    (blocked / "device").write_text("a file where the store folder should be")
    broken = DeviceData(blocked, client, kiosk=False, key_store=lambda: keys)
    await broken.start(common_id, "phone-1", token)
    assert not broken.open and broken.open_error
    await client.aclose()
    app.state.engine.dispose()


class KeptKeys(MemoryDataKeyStore):
    """A key store that outlives the store, like the OS keyring."""

    persistent = True
