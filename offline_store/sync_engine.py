"""The device side of sync: push the outbox, then pull the change log into the store.

One `sync_once` is safe to interrupt anywhere: an outbox entry is only settled by the
server's answer (a lost answer means the same mutation ids are sent again and the server
returns the stored results), and each pulled page is applied together with its cursor in
one local transaction. `SyncScheduler` runs it at start, on reconnect, periodically (with
exponential backoff while the backend cannot be reached) and on demand.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from backend_client import BackendClient, BackendError, BackendUnavailable
from backend_client.sync_transport import Mutation, PullPage
from offline_store.repository import UserStore

log = logging.getLogger(__name__)

MAIN_STREAM = "main"  # the caller's own rows and their city's public content, in one log


@dataclass(frozen=True)
class SyncReport:
    pushed: int = 0
    applied: int = 0
    rejected: int = 0
    pulled: int = 0
    offline: bool = False
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error


class SyncEngine:
    def __init__(
        self,
        store: UserStore,
        client: BackendClient,
        access_token: Callable[[], Awaitable[str]],
        *,
        push_batch: int = 100,
        pull_page: int = 500,
    ) -> None:
        self._store = store
        self._client = client
        self._access_token = access_token
        self._push_batch = push_batch
        self._pull_page = pull_page
        self._lock = asyncio.Lock()  # one sync at a time per store

    async def sync_once(self) -> SyncReport:
        async with self._lock:
            pushed = applied = rejected = pulled = 0
            try:
                pushed, applied, rejected = await self._push_all()
                pulled = await self._pull_all()
            except BackendUnavailable as exc:
                return SyncReport(pushed, applied, rejected, pulled, offline=True,
                                  error=str(exc))
            except BackendError as exc:
                log.warning("sync failed: %s", exc)
                return SyncReport(pushed, applied, rejected, pulled, error=str(exc))
            return SyncReport(pushed, applied, rejected, pulled)

    async def _push_all(self) -> tuple[int, int, int]:
        pushed = applied = rejected = 0
        while True:
            batch = await asyncio.to_thread(self._store.next_batch, self._push_batch)
            if not batch:
                return pushed, applied, rejected
            token = await self._access_token()
            response = await self._client.push(
                token, self._store.client_id,
                [Mutation(**entry.to_push()) for entry in batch],
            )
            answered = {r.mutation_id for r in response.results}
            await asyncio.to_thread(self._store.mark_results,
                                    [r.to_json() for r in response.results])
            pushed += len(batch)
            applied += sum(r.status in ("applied", "duplicate") for r in response.results)
            rejected += sum(r.status == "rejected" for r in response.results)
            if not answered.intersection(e.mutation_id for e in batch):
                # The server answered none of them: stop rather than loop on the same batch.
                raise BackendError("the server answered none of the pushed mutations")

    async def _pull_all(self) -> int:
        """Pages of the change log; the next page is fetched while this one is stored (the
        next cursor is known before the page is applied), so network and disk overlap."""
        pulled = 0
        cursor = (await asyncio.to_thread(self._store.cursor, MAIN_STREAM)).cursor
        page = await self._fetch(cursor)
        while True:
            prefetch = (asyncio.create_task(self._fetch(page.next_cursor))
                        if page.has_more else None)
            try:
                await asyncio.to_thread(self._store.apply_changes, MAIN_STREAM,
                                        [c.to_json() for c in page.changes], page.next_cursor)
            except BaseException:
                if prefetch is not None:
                    prefetch.cancel()
                raise
            pulled += len(page.changes)
            if prefetch is None:
                return pulled
            page = await prefetch

    async def _fetch(self, cursor: int) -> PullPage:
        return await self._client.pull(await self._access_token(), cursor, self._pull_page)


class SyncScheduler:
    """Runs `sync_once` at start, on demand (`wake`), after reconnecting and periodically;
    backs off exponentially (with jitter) while the backend is unreachable."""

    def __init__(self, engine: SyncEngine, *, interval_s: float = 60.0,
                 max_backoff_s: float = 300.0,
                 on_report: Callable[[SyncReport], None] = lambda _: None) -> None:
        self.engine = engine
        self._interval = interval_s
        self._max_backoff = max_backoff_s
        self._on_report = on_report
        self._wake = asyncio.Event()
        self._stopped = False
        self.failures = 0
        self.last_report: SyncReport | None = None

    def wake(self) -> None:
        """Sync now: the resident asked, a local write was queued, or the link came back."""
        self._wake.set()

    def stop(self) -> None:
        self._stopped = True
        self._wake.set()

    def delay(self) -> float:
        if self.failures == 0:
            return self._interval
        base = min(self._max_backoff, 2.0 ** min(self.failures, 10))
        return base * random.uniform(0.8, 1.2)

    async def run(self) -> None:
        while not self._stopped:
            self._wake.clear()
            report = await self.engine.sync_once()
            self.failures = 0 if report.ok else self.failures + 1
            self.last_report = report
            self._on_report(report)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.delay())
