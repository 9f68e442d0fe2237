"""Bulky-waste booking from the device against the real backend in-process: made offline,
confirmed or refused on sync (the server decides capacity), cancelled, with the public
remaining-places row following."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from app.features.waste.bulky import BulkyBooking
from app.features.waste.bulky_repository import LocalBulkyBookings
from app.i18n.formatting import city_today
from backend_client import BackendClient
from offline_store import MemoryDataKeyStore, open_public_store, open_user_store
from offline_store.sync_engine import SyncEngine
from tests.backend.bulky_helpers import AREA_A, AREAS, ITEMS, add_slot, seed_waste
from tests.contract.test_sync_streams_engine import CODE, signed_in
from tests.identity_helpers import BASE_URL, make_identity_app

pytestmark = pytest.mark.anyio


class Device:
    """What BulkyBooking needs of DeviceData: the store and a write hook."""

    def __init__(self, store) -> None:  # type: ignore[no-untyped-def]
        self.store = store
        self.version = 0

    async def changed_locally(self) -> None:
        self.version += 1


class Public:
    def __init__(self, store) -> None:  # type: ignore[no-untyped-def]
        self.store = store
        self.version = 0


async def test_two_offline_bookings_for_the_last_place_one_wins_one_is_told_why(
    database_url: str, tmp_path: Path
) -> None:
    app = make_identity_app(database_url)
    seed_waste(app.state.engine)
    day = city_today() + timedelta(days=30)
    add_slot(app.state.engine, AREA_A, day, capacity=1)
    client = BackendClient(BASE_URL, transport=httpx.ASGITransport(app=app), retries=0)
    items = {i: {"id": i, "name": n, "category": c, "fee": f}
             for i, (n, c, f) in ITEMS.items()}
    area = {"id": AREA_A, "name": AREAS[AREA_A]}
    now = lambda: datetime.now(UTC)  # noqa: E731

    residents = []
    for persona, device in (("dev-taro", "taro-phone"), ("dev-hanako", "hanako-phone")):
        common_id, token = await signed_in(app, persona, device)
        folder = tmp_path / persona
        store = open_user_store(folder, common_id, MemoryDataKeyStore(), device_id=device)
        public = open_public_store(folder, CODE)
        booking = BulkyBooking(LocalBulkyBookings(Public(public), Device(store)),  # type: ignore[arg-type]
                               now)
        booking.add(items["microwave"])
        booking.day = day
        assert await booking.book(area)  # offline: nothing sent yet
        await booking.load(items, {AREA_A: area})
        assert [(b.status, b.waiting) for b in booking.bookings] == [("pending", True)]
        residents.append((booking, store, public,
                          SyncEngine(store, client, token, public_store=public)))

    (taro, taro_store, taro_public, taro_sync), (hanako, hanako_store, hanako_public,
                                                    hanako_sync) = (
        residents)
    assert (await taro_sync.sync_once()).ok
    assert (await hanako_sync.sync_once()).ok
    await taro.load(items, {AREA_A: area})
    await hanako.load(items, {AREA_A: area})

    [won] = taro.bookings
    assert won.status == "booked" and won.number and won.total_fee == 500
    assert not won.waiting and won.rejection is None
    [lost] = hanako.bookings
    assert lost.rejection is not None and lost.rejection[0] == "slot_full"
    assert hanako_store.list("bulky_waste") == []  # the optimistic row is gone
    slot = taro_public.read("bulky_slots", f"{AREA_A}:{day.isoformat()}")
    assert slot is not None and slot.data["remaining"] == 0

    await taro.cancel(won)
    assert (await taro_sync.sync_once()).ok
    await taro.load(items, {AREA_A: area})
    assert [b.status for b in taro.bookings] == ["cancelled"]
    slot = taro_public.read("bulky_slots", f"{AREA_A}:{day.isoformat()}")
    assert slot is not None and slot.data["remaining"] == 1  # the place is free again

    await client.aclose()
    for store in (taro_store, taro_public, hanako_store, hanako_public):
        store.close()
    app.state.engine.dispose()
