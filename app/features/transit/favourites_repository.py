"""Favourite stops: the resident's synced preference `transit.favourites` when signed in (so
the phone and the tablet agree), else this device's settings (a kiosk keeps them in memory
only, for the person at it)."""

from __future__ import annotations

import json
import logging
from typing import Any

from app.account.device_data import DeviceData
from app.account.synced_preferences import read_preference, write_preference
from app.shell.settings import SettingsStore

log = logging.getLogger(__name__)

KEY = "transit.favourites"


def _clean(value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        return []
    kept: list[dict[str, Any]] = []
    for v in value:
        if not isinstance(v, dict) or not isinstance(v.get("feed"), str):
            continue
        if v.get("kind") == "trip" and isinstance(v.get("from"), str) \
                and isinstance(v.get("to"), str):
            kept.append({"kind": "trip", "feed": v["feed"], "from": v["from"], "to": v["to"]})
        elif isinstance(v.get("name"), str):
            kept.append({"feed": v["feed"], "name": v["name"]})
    return kept[:40]


class Favourites:
    def __init__(self, device: DeviceData | None, signed_in: Any,
                 local: SettingsStore) -> None:
        self._device = device
        self._signed_in = signed_in  # () -> bool
        self._local = local

    async def load(self) -> list[dict[str, Any]]:
        store = self._device.store if self._device is not None else None
        if self._signed_in() and store is not None:
            return _clean(await read_preference(store, KEY, []))
        raw = await self._local.load()
        try:
            return _clean(json.loads(raw)) if raw else []
        except ValueError:
            log.warning("the saved favourite stops are unreadable; starting empty")
            return []

    async def save(self, favourites: list[dict[str, Any]]) -> None:
        store = self._device.store if self._device is not None else None
        if self._signed_in() and store is not None and self._device is not None:
            await write_preference(store, KEY, _clean(favourites))
            await self._device.changed_locally()
            return
        await self._local.save(json.dumps(_clean(favourites), ensure_ascii=False))


def describe_change(entry: Any) -> tuple[str, dict[str, str]] | None:
    """How "Data on this device" names a change of the favourites waiting to be sent."""
    if entry.collection == "preferences" and str(entry.key) == KEY:
        return "Favourite stops and saved trips", {}
    return None
