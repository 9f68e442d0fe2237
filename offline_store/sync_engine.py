"""The device side of sync: push the outbox, then pull the change log's streams.

Streams (docs/sync.md): the resident's own rows ("main", `GET /sync/pull`), which also lists
the read-only streams they may pull now: "public" (the city's content, into the device's
`PublicStore`) and "audience:<name>" (targeted content, into the resident's store). A
stream that is no longer listed, or that answers 403 `access_revoked`, is removed from the
store with its rows. Visitors sync "public" anonymously with `PublicSyncEngine`.

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
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any, Protocol

from backend_client import AccessRevoked, BackendClient, BackendError, BackendUnavailable
from backend_client.sync_transport import Mutation, PullPage
from offline_store.errors import OfflineStoreError
from offline_store.repository import MAIN_STREAM, LocalStore, PublicStore, UserStore

log = logging.getLogger(__name__)

__all__ = ["AUDIENCE_PREFIX", "MAIN_STREAM", "PUBLIC_STREAM", "PublicSyncEngine", "SyncEngine",
           "SyncReport", "SyncRunner", "SyncScheduler"]

PUBLIC_STREAM = "public"  # the city's content for everyone: into the PublicStore
AUDIENCE_PREFIX = "audience:"  # targeted content ("audience:parents"): into the UserStore

Fetch = Callable[[int], Coroutine[Any, Any, PullPage]]
_MAX_RENUMBERING = 3  # seq conflicts answered in one sync before giving up until the next


@dataclass(frozen=True)
class SyncReport:
    pushed: int = 0
    applied: int = 0
    rejected: int = 0
    pulled: int = 0  # changes applied from every stream
    offline: bool = False
    error: str = ""
    removed: int = 0  # local rows deleted because their stream was revoked

    @property
    def ok(self) -> bool:
        return not self.error


class SyncRunner(Protocol):
    """What `SyncScheduler` runs: `SyncEngine` or `PublicSyncEngine`."""

    async def sync_once(self) -> SyncReport: ...


@dataclass
class _Progress:
    pushed: int = 0
    applied: int = 0
    rejected: int = 0
    pulled: int = 0
    removed: int = 0

    def report(self, offline: bool = False, error: str = "") -> SyncReport:
        return SyncReport(self.pushed, self.applied, self.rejected, self.pulled,
                          offline=offline, error=error, removed=self.removed)


async def _run(progress: _Progress, work: Callable[[], Awaitable[None]]) -> SyncReport:
    try:
        await work()
    except BackendUnavailable as exc:
        return progress.report(offline=True, error=str(exc))
    except BackendError as exc:
        log.warning("sync failed: %s", exc)
        return progress.report(error=str(exc))
    except OfflineStoreError as exc:  # locked, full or damaged: the scheduler tries again
        log.warning("sync stopped by the offline store: %s", exc)
        return progress.report(error=str(exc))
    return progress.report()


async def pull_stream_pages(store: LocalStore, stream: str, fetch: Fetch,
                            progress: _Progress | None = None) -> PullPage:
    """Pages of one stream into `store` from its cursor on; returns the last page.

    The next page is fetched while this one is stored (its cursor is known before the page
    is applied), so network and disk overlap. `progress.pulled` counts as pages land.
    """
    cursor = (await asyncio.to_thread(store.cursor, stream)).cursor
    page = await fetch(cursor)
    while True:
        prefetch = (asyncio.create_task(fetch(page.next_cursor))
                    if page.has_more else None)
        try:
            await asyncio.to_thread(store.apply_changes, stream,
                                    page.change_objects, page.next_cursor)
        except BaseException:
            if prefetch is not None:
                prefetch.cancel()
            raise
        if progress is not None:
            progress.pulled += len(page.changes)
        if prefetch is None:
            return page
        page = await prefetch


class SyncEngine:
    """A resident's sync: their outbox, their own rows, their read-only streams."""

    def __init__(
        self,
        store: UserStore,
        client: BackendClient,
        access_token: Callable[[], Awaitable[str]],
        *,
        public_store: PublicStore | None = None,
        push_batch: int = 100,
        pull_page: int = 5000,
    ) -> None:
        self._store = store
        self._public_store = public_store
        self._client = client
        self._access_token = access_token
        self._push_batch = push_batch
        self._pull_page = pull_page
        self._lock = asyncio.Lock()  # one sync at a time per store

    async def sync_once(self) -> SyncReport:
        async with self._lock:
            progress = _Progress()

            async def work() -> None:
                await self._push_all(progress)
                last = await pull_stream_pages(self._store, MAIN_STREAM, self._fetch_main,
                                               progress)
                await self._pull_streams(last.streams, progress)

            return await _run(progress, work)

    async def _push_all(self, progress: _Progress) -> None:
        renumbered = 0
        while True:
            batch = await asyncio.to_thread(self._store.next_batch, self._push_batch)
            if not batch:
                if progress.pushed:
                    await asyncio.to_thread(self._store.prune_settled)
                return
            token = await self._access_token()
            response = await self._client.push(
                token, self._store.client_id,
                [Mutation(**entry.to_push()) for entry in batch],
            )
            sent = {e.mutation_id for e in batch}
            results = [r for r in response.results if r.mutation_id in sent]
            await asyncio.to_thread(self._store.mark_results, [r.to_json() for r in results])
            outcomes = [r.outcome for r in results]
            progress.pushed += outcomes.count("applied") + outcomes.count("rejected")
            progress.applied += outcomes.count("applied")
            progress.rejected += outcomes.count("rejected")
            if "retry" in outcomes:
                # The server has seen these numbers from this client id (a store restored
                # from a backup): continue above its last seq, in the same order.
                renumbered += 1
                if renumbered > _MAX_RENUMBERING:
                    raise BackendError("the server kept refusing this device's numbering")
                await asyncio.to_thread(self._store.renumber_unresolved, response.last_seq)
                continue
            if len(results) < len(batch):
                # An answer must come for every mutation sent; without one the rest stays
                # unresolved and is sent again in the next sync, never lost.
                raise BackendError("the server did not answer every pushed mutation")

    async def _pull_streams(self, listed: tuple[str, ...], progress: _Progress) -> None:
        """The read-only streams the personal pull listed; then forget the store's streams
        that are no longer listed (access revoked while the device was away)."""
        for stream in listed:
            store: LocalStore | None
            if stream == PUBLIC_STREAM:
                store = self._public_store
            elif stream.startswith(AUDIENCE_PREFIX):
                store = self._store
            else:
                log.info("skipping the unknown sync stream %r", stream)
                continue
            if store is None:
                continue
            try:
                await pull_stream_pages(store, stream, self._fetcher(stream), progress)
            except AccessRevoked:
                log.info("access to %s was revoked: removing its rows", stream)
                progress.removed += await asyncio.to_thread(store.remove_stream, stream)
        for state in await asyncio.to_thread(self._store.streams):
            if state.stream != MAIN_STREAM and state.stream not in listed:
                log.info("%s is no longer offered: removing its rows", state.stream)
                progress.removed += await asyncio.to_thread(self._store.remove_stream,
                                                            state.stream)

    async def _fetch_main(self, cursor: int) -> PullPage:
        return await self._client.pull(await self._access_token(), cursor, self._pull_page)

    def _fetcher(self, stream: str) -> Fetch:
        async def fetch(cursor: int) -> PullPage:
            return await self._client.pull_stream(stream, cursor, self._pull_page,
                                                  token=await self._access_token())

        return fetch


class PublicSyncEngine:
    """A visitor's (or a kiosk's between residents) sync: the city's "public" stream into
    the device's `PublicStore`, anonymously."""

    def __init__(self, public_store: PublicStore, client: BackendClient,
                 municipality_code: str, *, pull_page: int = 5000) -> None:
        self._store = public_store
        self._client = client
        self.municipality_code = municipality_code
        self._pull_page = pull_page
        self._lock = asyncio.Lock()

    async def sync_once(self) -> SyncReport:
        async with self._lock:
            progress = _Progress()

            async def work() -> None:
                await pull_stream_pages(self._store, PUBLIC_STREAM, self._fetch, progress)

            return await _run(progress, work)

    async def _fetch(self, cursor: int) -> PullPage:
        return await self._client.pull_stream(PUBLIC_STREAM, cursor, self._pull_page,
                                              municipality=self.municipality_code)


class SyncScheduler:
    """Runs `sync_once` at start, on demand (`wake`), after reconnecting and periodically;
    backs off exponentially (with jitter) while the backend is unreachable."""

    def __init__(self, engine: SyncRunner, *, interval_s: float = 60.0,
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
