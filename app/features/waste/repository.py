"""Where the waste tile's data comes from and where the resident's choices go.

Content (items, districts, kinds, centre closures, holidays) is the city's public content,
synced into the device's public store (docs/waste-data.md), so the tile works offline.

The resident's choices (their district, the kinds they want reminders for) are kept where
they belong: signed in, as synced preferences (`waste.district`, `waste.reminders_off`), so
the phone and the tablet agree; otherwise in this device's own settings.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from app.account.device_data import DeviceData, stores_stamp
from app.account.synced_preferences import read_preference, write_preference
from app.device.public_content import PUBLIC_STREAM, PublicContent
from app.shell.settings import SettingsStore

log = logging.getLogger(__name__)

ITEMS, AREAS, KINDS, CENTERS, HOLIDAYS = (
    "waste_items", "waste_areas", "waste_kinds", "waste_centers", "holidays")
DISTRICT_KEY = "waste.district"
REMINDERS_OFF_KEY = "waste.reminders_off"


@dataclass(frozen=True)
class WasteContent:
    items: list[dict[str, Any]] = field(default_factory=list)
    areas: list[dict[str, Any]] = field(default_factory=list)
    kinds: list[dict[str, Any]] = field(default_factory=list)
    centers: list[dict[str, Any]] = field(default_factory=list)
    holidays: dict[date, str] = field(default_factory=dict)
    synced_at: datetime | None = None  # None: this device has not received it yet

    def area(self, area_id: str | None) -> dict[str, Any] | None:
        return next((a for a in self.areas if a.get("id") == area_id), None)


@dataclass(frozen=True)
class WasteChoice:
    district: str | None = None  # an area id
    reminders_off: frozenset[str] = frozenset()  # kinds the resident switched off


def dict_rows(rows: Iterable[Any]) -> list[dict[str, Any]]:
    out = []
    for row in rows:
        if isinstance(row.data, Mapping):
            out.append(dict(row.data))
        else:
            log.warning("skipping a malformed stored %s row %s", row.collection, row.key)
    return out


def holidays_from(rows: Iterable[dict[str, Any]], language: str = "ja") -> dict[date, str]:
    found: dict[date, str] = {}
    for row in rows:
        try:
            day = date.fromisoformat(str(row["date"]))
        except (KeyError, ValueError):
            continue
        found[day] = str(row.get(f"name_{language}") or row.get("name_ja") or "")
    return found


def district_for_address(address: str | None, areas: Iterable[Mapping[str, Any]]) -> str | None:
    """The district whose name or one of whose towns (町字) appears in the address, the
    longest match first (「林田町」 before 「林田」); None if none does."""
    if not address:
        return None
    best: tuple[int, str] | None = None
    for area in areas:
        names = [str(area.get("name") or ""), *[str(t) for t in area.get("towns") or []]]
        for name in names:
            if name and name in address and (best is None or len(name) > best[0]):
                best = (len(name), str(area.get("id")))
    return best[1] if best else None


class WasteRepository:
    def __init__(self, public: PublicContent, device: DeviceData,
                 local_settings: SettingsStore) -> None:
        self._public = public
        self._device = device
        self._local = local_settings

    def stamp(self) -> object:
        return stores_stamp(self._public, self._device)

    async def content(self, language: str) -> WasteContent:
        store = self._public.store
        if store is None:
            return WasteContent()

        def read() -> WasteContent:
            return WasteContent(
                items=dict_rows(store.list(ITEMS)),
                areas=sorted(dict_rows(store.list(AREAS)), key=lambda a: str(a.get("name"))),
                kinds=sorted(dict_rows(store.list(KINDS)),
                             key=lambda k: (k.get("order", 0), str(k.get("label")))),
                centers=dict_rows(store.list(CENTERS)),
                holidays=holidays_from(dict_rows(store.list(HOLIDAYS)), language),
                synced_at=store.cursor(PUBLIC_STREAM).last_synced_at,
            )

        # A locked or damaged store raises its own `OfflineStoreError`; the state says so.
        return await asyncio.to_thread(read)

    async def choice(self) -> WasteChoice:
        store = self._device.store
        if store is not None:
            district = await read_preference(store, DISTRICT_KEY)
            off = await read_preference(store, REMINDERS_OFF_KEY, [])
            return WasteChoice(
                district if isinstance(district, str) else None,
                frozenset(x for x in (off if isinstance(off, list) else [])
                          if isinstance(x, str)),
            )
        raw = await self._local.load()
        try:
            data = json.loads(raw) if raw else {}
        except ValueError:
            data = {}
        if not isinstance(data, dict):
            data = {}
        district = data.get("district")
        off = data.get("reminders_off")
        return WasteChoice(district if isinstance(district, str) else None,
                           frozenset(x for x in off if isinstance(x, str))
                           if isinstance(off, list) else frozenset())

    async def save_choice(self, choice: WasteChoice, before: WasteChoice) -> None:
        store = self._device.store
        if store is None:
            await self._local.save(json.dumps({"district": choice.district,
                                               "reminders_off": sorted(choice.reminders_off)}))
            return
        writes: list[tuple[str, Any]] = []
        if choice.district != before.district:
            writes.append((DISTRICT_KEY, choice.district))
        if choice.reminders_off != before.reminders_off:
            writes.append((REMINDERS_OFF_KEY, sorted(choice.reminders_off)))
        for key, value in writes:
            await write_preference(store, key, value)
        if writes:
            await self._device.changed_locally()


def describe_change(entry: Any) -> tuple[str, dict[str, str]] | None:
    """How "Data on this device" names the waste tile's own changes."""
    if entry.collection == "preferences" and entry.key == DISTRICT_KEY:
        return "Your district for waste collection was changed", {}
    if entry.collection == "preferences" and entry.key == REMINDERS_OFF_KEY:
        return "Your waste collection reminders were changed", {}
    if entry.collection == "bulky_waste":
        return {"book": ("A bulky-waste collection booked", {}),
                "cancel": ("A bulky-waste booking cancelled", {}),
                "change": ("A bulky-waste booking changed", {})}.get(
                    entry.name, ("A bulky-waste booking changed", {}))
    return None

