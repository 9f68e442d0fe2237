"""The city's public content on this device (notices, later timetables and the waste
calendar): one public store per municipality, kept for everyone who uses the device.

Nobody signed in (a visitor, a kiosk between residents): it is synced anonymously from the
"public" stream. A resident signed in: `DeviceData`'s engine fills it along with their own
data, and this one's scheduler pauses so the two never pull at once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from app.observable import Observable
from backend_client import BackendClient
from offline_store import OfflineStoreError, PublicStore, open_public_store
from offline_store.sync_engine import PublicSyncEngine, SyncReport, SyncScheduler

log = logging.getLogger(__name__)

PUBLIC_STREAM = "public"
TSUYAMA = "332038"


class PublicContent(Observable):
    def __init__(self, data_dir: Path, client: BackendClient, *,
                 municipality_code: str = TSUYAMA,
                 run_task: Callable[..., object] | None = None) -> None:
        super().__init__()
        self._dir = data_dir / "device"
        self._files = data_dir / "public-files"
        self._client = client
        self.municipality_code = municipality_code
        self._run_task = run_task
        self.store: PublicStore | None = None
        self._scheduler: SyncScheduler | None = None
        self.last_synced_at: datetime | None = None
        self.last_report: SyncReport | None = None
        self.version = 0  # bumped whenever the stored content may have changed
        self._held = False  # a resident's sync fills the store: no anonymous sync
        self._closed = False
        self._opening = asyncio.Lock()

    def folder(self, name: str) -> Path:
        """A folder for one tile's public files on this device (a transit timetable),
        created on first use; like the store, kept for everyone who uses the device."""
        folder = self._files / name
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    @property
    def syncing_anonymously(self) -> bool:
        return self._scheduler is not None

    async def open(self) -> PublicStore | None:
        """Opens the store once (None if its file cannot be opened: tiles then go online)."""
        async with self._opening:
            if self.store is None and not self._closed:
                try:
                    self.store = await asyncio.to_thread(open_public_store, self._dir,
                                                         self.municipality_code)
                except OfflineStoreError:  # a broken or unusable file must not stop the app
                    log.exception("the public content store could not be opened")
                    return None
                await self.refreshed()
        return self.store

    async def start(self) -> None:
        """Opens the store and syncs it anonymously, unless a resident's sync has it."""
        await self.open()
        if not self._held:
            self.resume()

    def resume(self) -> None:
        """Anonymous sync (again): nobody is signed in."""
        self._held = False
        if self.store is None or self._scheduler is not None:
            return
        engine = PublicSyncEngine(self.store, self._client, self.municipality_code)
        self._scheduler = SyncScheduler(engine, on_report=self._reported)
        if self._run_task is not None:
            self._run_task(self._scheduler.run)

    def pause(self) -> None:
        """A resident's sync takes over (it pulls the public stream with their token)."""
        self._held = True
        scheduler, self._scheduler = self._scheduler, None
        if scheduler is not None:
            scheduler.stop()

    def sync_now(self) -> None:
        if self._scheduler is not None:
            self._scheduler.wake()

    def _reported(self, report: SyncReport) -> None:
        self.last_report = report
        if self._run_task is None or self._closed:
            return  # the tab has gone: nobody to tell
        try:
            self._run_task(self.refreshed, report)
        except (AttributeError, RuntimeError):  # the session closed while the sync ran
            log.debug("sync report after the session closed", exc_info=True)

    async def refreshed(self, report: SyncReport | None = None) -> None:
        """Re-reads the data age after a sync (this one's or the resident's). Screens are
        told only when rows changed or the shown age (to the minute) did: a sync that found
        nothing new does not re-render them."""
        store = self.store
        if store is None:
            return
        cursor = await asyncio.to_thread(store.cursor, PUBLIC_STREAM)
        rows_changed = report is None or bool(report.pulled or report.removed)
        age_changed = _minute(cursor.last_synced_at) != _minute(self.last_synced_at)
        self.last_synced_at = cursor.last_synced_at
        if rows_changed:
            self.version += 1
        if rows_changed or age_changed:
            self._changed()

    async def stop(self) -> None:
        self._closed = True
        self.pause()
        store, self.store = self.store, None
        if store is not None:
            await asyncio.to_thread(store.close)


def _minute(moment: datetime | None) -> datetime | None:
    return None if moment is None else moment.replace(second=0, microsecond=0)
