"""`pull_stream_pages`: the next page is fetched while this one is stored, for any stream;
the engine skips stream names it does not know and removes unlisted ones."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from backend_client.sync_transport import Change, PullPage
from offline_store.database import open_public_store
from offline_store.sync_engine import SyncEngine, pull_stream_pages

pytestmark = pytest.mark.anyio


def page(first: int, size: int, has_more: bool, streams: tuple[str, ...] = (),
         prefix: str = "n") -> PullPage:
    changes = tuple(Change(p, "notices", f"{prefix}{p}", "upsert", {"p": p}, "x")
                    for p in range(first, first + size))
    return PullPage(changes, first + size - 1, has_more, streams)


async def test_the_next_page_is_fetched_while_this_one_is_stored(data_dir) -> None:
    store = open_public_store(data_dir, "332038")
    events: list[str] = []
    pages = {0: page(1, 3, True), 3: page(4, 3, True), 6: page(7, 2, False)}

    async def fetch(cursor: int) -> PullPage:
        events.append(f"fetch {cursor}")
        await asyncio.sleep(0)
        return pages[cursor]

    original = store.apply_changes

    def slow_apply(stream: str, changes: Any, next_cursor: int) -> int:
        events.append(f"apply {next_cursor} start")
        time.sleep(0.05)
        try:
            return original(stream, changes, next_cursor)
        finally:
            events.append(f"apply {next_cursor} end")

    store.apply_changes = slow_apply  # type: ignore[method-assign]
    try:
        last = await pull_stream_pages(store, "audience:parents", fetch)
    finally:
        store.close()
    assert last.next_cursor == 8 and not last.has_more
    # Page 2 was asked for before page 1 had been stored, and so on.
    assert events.index("fetch 3") < events.index("apply 3 end")
    assert events.index("fetch 6") < events.index("apply 6 end")


class FakeClient:
    """Answers the personal pull with a stream list and every stream with one page."""

    def __init__(self, streams: tuple[str, ...]) -> None:
        self.streams = streams
        self.asked: list[str] = []

    async def pull(self, token: str, cursor: int, limit: int = 500) -> PullPage:
        return PullPage((), cursor, False, self.streams)

    async def pull_stream(self, stream: str, cursor: int, limit: int = 500,
                          token: str | None = None,
                          municipality: str | None = None) -> PullPage:
        self.asked.append(stream)
        if cursor:
            return PullPage((), cursor, False)
        return page(len(self.asked), 1, False, prefix=stream)


async def test_unknown_streams_are_skipped_and_unlisted_ones_removed(store) -> None:
    async def token() -> str:
        return "t"

    client = FakeClient(("public", "audience:parents", "timetable:bus", "audience:age75plus"))
    engine = SyncEngine(store, client, token)  # type: ignore[arg-type]
    report = await engine.sync_once()
    assert report.ok and report.pulled == 2 and report.removed == 0
    assert client.asked == ["audience:parents", "audience:age75plus"]  # no public store
    client.streams = ("public", "audience:parents")
    report = await engine.sync_once()
    assert report.ok and report.removed == 1
    assert [s.stream for s in store.streams()] == ["audience:parents", "main"]
