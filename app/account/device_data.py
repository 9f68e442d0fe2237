"""The signed-in resident's data on this device: their offline store and its sync.

Opened at login, synced at start, on reconnect, periodically and on demand, closed at
logout; on a kiosk (or a machine with no keyring for the data key) the store is ephemeral
and wiped at logout and on idle.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path

from app.device.public_content import PublicContent
from app.observable import Observable
from backend_client import BackendClient
from offline_store import (
    DataKeyStore,
    DataKeyStoreUnavailable,
    KeyringDataKeyStore,
    MemoryDataKeyStore,
    OfflineStoreError,
    StoreRecovery,
    UserStore,
    open_user_store,
)
from offline_store.sync_engine import MAIN_STREAM, SyncEngine, SyncReport, SyncScheduler

log = logging.getLogger(__name__)


def stores_stamp(public: PublicContent, device: DeviceData) -> object:
    """Changes whenever what a tile reads from this device's stores may have changed: a sync
    of either store, a local write, or another resident's store opened."""
    store = device.store
    return (public.version, device.version, id(store) if store else None)


class DeviceData(Observable):
    def __init__(self, data_dir: Path, client: BackendClient, *, kiosk: bool,
                 run_task: Callable[..., object] | None = None,
                 key_store: Callable[[], DataKeyStore] = KeyringDataKeyStore,
                 public: PublicContent | None = None) -> None:
        """`key_store` makes the store for the data key: the OS keyring on desktops, the
        secure storage on phones (called on the event loop); unused on kiosks. `public` is the
        device's public content, which this resident's sync fills while they are signed in."""
        super().__init__()
        self.public = public
        self._dir = data_dir / "device"
        self._client = client
        self._kiosk = kiosk
        self._key_store = key_store
        self._run_task = run_task
        self.store: UserStore | None = None
        self._scheduler: SyncScheduler | None = None
        self.last_report: SyncReport | None = None
        self.pending = 0
        self.last_synced_at: datetime | None = None
        self.version = 0  # bumped whenever the stored rows may have changed
        # The store was damaged or lost and rebuilt (shown until the resident dismisses it).
        self.recoveries: list[StoreRecovery] = []
        self.open_error = ""  # the store could not be opened at all (disk full, say)

    @property
    def open(self) -> bool:
        return self.store is not None

    async def start(self, common_id: str, device_id: str,
                    access_token: Callable[[], Awaitable[str]]) -> None:
        """Opens the resident's store and starts syncing it."""
        await self.stop()
        key_store = None if self._kiosk else self._key_store()
        try:
            self.store = await asyncio.to_thread(self._open, common_id, device_id, key_store)
        except OfflineStoreError as exc:  # locked, unwritable, too new, no key store
            # The resident stays signed in and the tiles read the server; they are told.
            log.error("cannot open this resident's store: %s", exc)
            self.open_error = str(exc) or type(exc).__name__
            self._changed()
            return
        self.recoveries = await asyncio.to_thread(self.store.recoveries)
        public_store = None
        if self.public is not None:
            public_store = await self.public.open()
            self.public.pause()
        engine = SyncEngine(self.store, self._client, access_token, public_store=public_store)
        self._scheduler = SyncScheduler(engine, on_report=self._reported)
        await self._refresh_counts()
        if self._run_task is not None:
            self._run_task(self._scheduler.run)

    def _open(self, common_id: str, device_id: str, key_store: DataKeyStore | None
              ) -> UserStore:
        if key_store is not None:
            try:
                return open_user_store(self._dir, common_id, key_store, device_id=device_id)
            except DataKeyStoreUnavailable as exc:
                log.warning("%s; this session's local data is kept only until logout", exc)
        return open_user_store(self._dir, common_id, MemoryDataKeyStore(), ephemeral=True,
                               device_id=device_id)

    async def dismiss_recovery(self, recovery_id: int) -> None:
        """The resident has read what happened to their store."""
        store = self.store
        if store is not None:
            await asyncio.to_thread(store.dismiss_recovery, recovery_id)
            self.recoveries = await asyncio.to_thread(store.recoveries)
        self.version += 1
        self._changed()

    def _reported(self, report: SyncReport) -> None:
        self.last_report = report
        if self._run_task is None or self.store is None:
            return  # stopped (logout, or the tab has gone)
        try:
            self._run_task(self._refresh_counts)
            if self.public is not None:
                self._run_task(self.public.refreshed, report)
        except (AttributeError, RuntimeError):  # the session closed while the sync ran
            log.debug("sync report after the session closed", exc_info=True)

    async def _refresh_counts(self) -> None:
        store = self.store
        if store is None:
            return
        self.pending = await asyncio.to_thread(store.pending_count)
        self.last_synced_at = (await asyncio.to_thread(store.cursor, MAIN_STREAM)).last_synced_at
        self.version += 1
        self._changed()

    async def changed_locally(self) -> None:
        """A tile wrote to the store: count it as pending and send it soon."""
        await self._refresh_counts()
        self.sync_now()

    def sync_now(self) -> None:
        if self._scheduler is not None:
            self._scheduler.wake()

    async def sync_and_wait(self) -> SyncReport | None:
        """One sync now, awaited: used before a logout that should send pending changes."""
        if self.store is None or self._scheduler is None:
            return None
        report = await self._scheduler.engine.sync_once()
        self._reported(report)
        await self._refresh_counts()
        return report

    async def stop(self, wipe: bool = False) -> None:
        """Stops syncing and closes the store; an ephemeral store is always wiped, a kept
        one when `wipe` (a logout that gives up unsent changes)."""
        scheduler, store = self._scheduler, self.store
        self._scheduler, self.store = None, None
        if scheduler is not None:
            scheduler.stop()
        if store is not None:
            await asyncio.to_thread(store.wipe if wipe or store.ephemeral else store.close)
        self.pending, self.last_report, self.last_synced_at = 0, None, None
        self.recoveries, self.open_error = [], ""
        self.version += 1
        if self.public is not None:
            self.public.resume()
        self._changed()
