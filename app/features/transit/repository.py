"""The transit tile's data on this device: each feed's compiled timetable, downloaded from
the city's backend with its progress, kept as a file beside its description (when it was
fetched, its ETag) and loaded for planning, offline too. Timetables are public: one copy per
device, shared by every session (a loaded one is kept in memory once per process)."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from app.features.transit.planner.timetable import Timetable, TimetableError
from backend_client.transit import Progress, Realtime, TransitClient, TransitFeed

log = logging.getLogger(__name__)

_loaded: dict[tuple[str, str], Timetable] = {}
_loaded_lock = threading.Lock()


@dataclass(frozen=True)
class SavedTimetable:
    feed: TransitFeed
    etag: str
    downloaded_at: datetime  # when this version arrived on the device
    checked_at: datetime  # when the city last said it is still current
    timetable: Timetable


class TransitRepository:
    def __init__(self, folder: Callable[[], Path | None], client: TransitClient) -> None:
        self._folder = folder
        self._client = client

    async def saved(self) -> list[SavedTimetable]:
        """Every timetable on this device (a damaged one is skipped and logged)."""
        folder = self._folder()
        if folder is None:
            return []
        return await asyncio.to_thread(_read_all, folder)

    async def published(self) -> list[TransitFeed]:
        return await self._client.feeds()

    async def download(self, feed: TransitFeed, saved: SavedTimetable | None,
                       progress: Progress) -> SavedTimetable:
        """The feed's current timetable: the saved one if the city says it is unchanged
        (ETag), else the new one, written to the device first."""
        folder = self._folder()
        body = await self._client.timetable(feed.id, etag=saved.etag if saved else None,
                                            progress=progress)
        now = datetime.now(UTC)
        if body is None and saved is not None:
            updated = SavedTimetable(feed, saved.etag, saved.downloaded_at, now,
                                     saved.timetable)
            if folder is not None:
                await asyncio.to_thread(_write_description, folder, updated)
            return updated
        if body is None:
            raise TimetableError("the city answered 'not modified' for a timetable this "
                                 "device does not have")
        data, etag = body
        timetable = await asyncio.to_thread(Timetable.from_bytes, data)
        result = SavedTimetable(feed, etag, now, now, timetable)
        if folder is not None:
            await asyncio.to_thread(_write, folder, result, data)
        return result

    async def forget(self, feed_ids: set[str]) -> None:
        """Removes timetables of feeds the city no longer publishes."""
        folder = self._folder()
        if folder is None:
            return
        for feed_id in feed_ids:
            for suffix in (".npz", ".json"):
                (folder / f"{_safe(feed_id)}{suffix}").unlink(missing_ok=True)

    async def realtime(self, feed_id: str) -> Realtime:
        return await self._client.realtime(feed_id)


def _safe(feed_id: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in feed_id)[:64]


def _write(folder: Path, saved: SavedTimetable, data: bytes) -> None:
    target = folder / f"{_safe(saved.feed.id)}.npz"
    temporary = target.with_suffix(".npz.part")
    temporary.write_bytes(data)
    os.replace(temporary, target)
    _write_description(folder, saved)


def _write_description(folder: Path, saved: SavedTimetable) -> None:
    target = folder / f"{_safe(saved.feed.id)}.json"
    temporary = target.with_suffix(".json.part")
    temporary.write_text(json.dumps({
        "feed": saved.feed.to_json(), "etag": saved.etag,
        "downloaded_at": saved.downloaded_at.isoformat(),
        "checked_at": saved.checked_at.isoformat()}, ensure_ascii=False), encoding="utf-8")
    os.replace(temporary, target)
    with _loaded_lock:
        _loaded[(str(folder / f"{_safe(saved.feed.id)}.npz"), saved.etag)] = saved.timetable


def _read_all(folder: Path) -> list[SavedTimetable]:
    found = []
    for description in sorted(folder.glob("*.json")):
        try:
            raw = json.loads(description.read_text(encoding="utf-8"))
            feed = TransitFeed.from_json(raw["feed"])
            etag = str(raw["etag"])
            path = description.with_suffix(".npz")
            with _loaded_lock:
                timetable = _loaded.get((str(path), etag))
            if timetable is None:
                timetable = Timetable.load(path)
                with _loaded_lock:
                    _loaded[(str(path), etag)] = timetable
            found.append(SavedTimetable(feed, etag, datetime.fromisoformat(raw["downloaded_at"]),
                                        datetime.fromisoformat(raw["checked_at"]), timetable))
        except (OSError, ValueError, KeyError, TypeError, TimetableError) as exc:
            log.warning("the saved timetable %s cannot be used: %s", description.name, exc)
    return found
