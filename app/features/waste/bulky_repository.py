"""Bulky-waste bookings and remaining places in the device's stores (the `BulkyRepository`
of `ports.py`): public `bulky_slots` rows, the resident's `bulky_waste` rows and their
outbox entries, read and written in a worker thread."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from app.account.device_data import DeviceData, stores_stamp
from app.device.public_content import PublicContent
from app.features.waste.bulky import COLLECTION, SLOTS, Booking, bookings_from
from app.features.waste.repository import dict_rows


class LocalBulkyBookings:
    def __init__(self, public: PublicContent, device: DeviceData) -> None:
        self._public = public
        self._device = device

    @property
    def signed_in(self) -> bool:
        return self._device.store is not None

    def stamp(self) -> object:
        return stores_stamp(self._public, self._device)

    async def slot_rows(self) -> list[dict[str, Any]] | None:
        public = self._public.store
        if public is None:
            return None
        return dict_rows(await asyncio.to_thread(public.list, SLOTS))

    async def bookings(self, now: datetime, items: Mapping[str, Mapping[str, Any]],
                       areas: Mapping[str, Mapping[str, Any]]) -> list[Booking]:
        store = self._device.store
        if store is None:
            return []
        rows = await asyncio.to_thread(store.list, COLLECTION)
        outbox = await asyncio.to_thread(store.outbox, ("rejected",))
        return bookings_from(rows, outbox, now, items, areas)

    async def stored(self, booking_id: str) -> dict[str, Any]:
        store = self._device.store
        if store is None:
            return {}
        row = await asyncio.to_thread(store.read, COLLECTION, booking_id)
        return dict(row.data) if row is not None and isinstance(row.data, Mapping) else {}

    async def write(self, booking_id: str, data: dict[str, Any], name: str,
                    args: dict[str, Any]) -> bool:
        store = self._device.store
        if store is None:
            return False
        await asyncio.to_thread(store.apply_local, COLLECTION, booking_id, data, name, args)
        await self._device.changed_locally()
        return True
