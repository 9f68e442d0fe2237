"""Live data (GTFS-Realtime) of the feeds that have it: polled every `realtime_seconds`
(`TSUYAMA_TRANSIT_REALTIME_SECONDS`), one snapshot per feed in `TransitRealtime`.

A poll asks each of the feed's realtime addresses (each address once) for at most
`MAX_REALTIME_BYTES` within `TIMEOUT` seconds. When every address answers with a
GTFS-Realtime message the snapshot is replaced (status "live"); when one does not, the last
snapshot stays with status "unreachable" and the reason (`error`), so the app keeps showing
the last known delays with their age. The job wakes every `WAKE` and polls a feed once its
snapshot is `realtime_seconds` old, so several processes share the work rather than double
it.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from backend.db import write_engine
from backend.jobs import PeriodicJob
from backend.models import as_utc
from backend.services.clock import utc_now
from backend.settings import Settings
from backend.tiles.transit.feeds_config import FeedConfig, FeedsConfigError
from backend.tiles.transit.models import TransitRealtime
from backend.tiles.transit.realtime_feed import (
    NotRealtime,
    empty_snapshot,
    parse_message,
    snapshot,
)
from backend.tiles.transit.settings import configured_feeds, transit_settings

logger = logging.getLogger(__name__)

LIVE = "live"
UNREACHABLE = "unreachable"
SCHEDULED = "scheduled"
MAX_REALTIME_BYTES = 10 * 1024 * 1024
TIMEOUT = 10.0
WAKE = timedelta(seconds=10)
USER_AGENT = "TsuyamaPortal-transit/1 (+https://www.city.tsuyama.lg.jp/)"


class RealtimeUnreachable(Exception):
    """An address gave no GTFS-Realtime message; the message says why."""


def fetch_body(client: httpx.Client, url: str, max_bytes: int) -> bytes:
    try:
        with client.stream("GET", url) as response:
            if response.status_code != 200:
                raise RealtimeUnreachable(f"{url} answered {response.status_code}")
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                raise RealtimeUnreachable(f"{url} sent more than {max_bytes} bytes")
            chunks: list[bytes] = []
            received = 0
            for chunk in response.iter_bytes():
                received += len(chunk)
                if received > max_bytes:
                    raise RealtimeUnreachable(f"{url} sent more than {max_bytes} bytes")
                chunks.append(chunk)
            return b"".join(chunks)
    except httpx.TimeoutException:
        raise RealtimeUnreachable(f"{url} did not answer in time") from None
    except httpx.HTTPError as exc:
        raise RealtimeUnreachable(f"{url} cannot be reached: "
                                  f"{exc or type(exc).__name__}") from None


def fetch_snapshot(feed: FeedConfig, *, timeout: float = TIMEOUT,
                   max_bytes: int = MAX_REALTIME_BYTES) -> dict[str, Any]:
    """The snapshot of every realtime address of `feed`; `RealtimeUnreachable`."""
    urls = feed.realtime.urls() if feed.realtime else ()
    with httpx.Client(timeout=timeout, follow_redirects=True, max_redirects=3,
                      headers={"User-Agent": USER_AGENT}) as client:
        messages = []
        for url in urls:
            try:
                messages.append(parse_message(fetch_body(client, url, max_bytes)))
            except NotRealtime as exc:
                raise RealtimeUnreachable(f"{url}: {exc}") from None
    return snapshot(messages)


def poll_feed(engine: Engine, municipality_code: str, feed: FeedConfig, *,
              now: datetime | None = None, timeout: float = TIMEOUT,
              max_bytes: int = MAX_REALTIME_BYTES) -> str:
    """Poll `feed` once and store the outcome: LIVE or UNREACHABLE."""
    at = now or utc_now()
    try:
        payload: dict[str, Any] | None = fetch_snapshot(feed, timeout=timeout,
                                                        max_bytes=max_bytes)
        error = ""
    except RealtimeUnreachable as exc:
        payload, error = None, str(exc)
        logger.warning("transit realtime %s: %s", feed.id, error)
    status = LIVE if payload is not None else UNREACHABLE
    try:
        with Session(write_engine(engine)) as session:
            row = session.get(TransitRealtime, (municipality_code, feed.id))
            if row is None:
                row = TransitRealtime(municipality_code=municipality_code, feed_id=feed.id,
                                      checked_at=at, status=status,
                                      payload=json.dumps(empty_snapshot()))
            row.checked_at = at
            row.status = status
            row.error = error[:1000]
            if payload is not None:
                row.fetched_at = at
                row.payload = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
            session.add(row)
            session.commit()
    except IntegrityError:  # another process stored its first snapshot at this moment
        logger.info("transit realtime %s: stored by another process", feed.id)
    return status


def realtime_feeds(settings: Settings) -> list[FeedConfig]:
    """The configured feeds that have realtime addresses."""
    try:
        config = configured_feeds(settings)
    except FeedsConfigError as exc:
        logger.error("transit realtime not polled: %s", exc)
        return []
    return [feed for feed in config.feeds if feed.realtime] if config else []


def poll_due(engine: Engine, settings: Settings, now: datetime | None = None) -> dict[str, str]:
    """The job: poll each feed whose snapshot is `realtime_seconds` old (feed id -> status)."""
    at = now or utc_now()
    every = timedelta(seconds=transit_settings(settings).realtime_seconds)
    code = settings.municipality_code
    polled = {}
    for feed in realtime_feeds(settings):
        with Session(engine) as session:
            row = session.get(TransitRealtime, (code, feed.id))
            checked = as_utc(row.checked_at) if row is not None else None
        # A second's slack: the job wakes on its own beat, not exactly on the feed's.
        if checked is None or at - checked >= every - timedelta(seconds=1):
            polled[feed.id] = poll_feed(engine, code, feed, now=at)
    return polled


REALTIME_JOB = PeriodicJob("poll-realtime", every=WAKE, run=poll_due,
                           first_after=timedelta(seconds=15))


@dataclass(frozen=True)
class RealtimeAnswer:
    feed_id: str
    status: str
    fetched_at: datetime | None
    message: str
    payload: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {"feed_id": self.feed_id, "status": self.status,
                "fetched_at": self.fetched_at.isoformat() if self.fetched_at else None,
                "message": self.message, **empty_snapshot(), **self.payload}


def realtime_answer(engine: Engine, municipality_code: str, feed: FeedConfig | None,
                    feed_id: str) -> RealtimeAnswer:
    """What `GET /transit/realtime` says about a known feed (`feed`: its configuration, None
    for a feed that is not in the feeds file, such as the demo)."""
    if feed is None or feed.realtime is None:
        return RealtimeAnswer(feed_id, SCHEDULED, None, "this feed has no live data: the "
                              "times are the timetable's", {})
    with Session(engine) as session:
        row = session.get(TransitRealtime, (municipality_code, feed_id))
    if row is None:
        return RealtimeAnswer(feed_id, SCHEDULED, None, "no live data has arrived yet: the "
                              "times are the timetable's", {})
    fetched = as_utc(row.fetched_at) if row.fetched_at else None
    message = ("live data" if row.status == LIVE
               else "the live data cannot be fetched now: this is the last data received"
               if fetched else "the live data cannot be fetched now")
    return RealtimeAnswer(feed_id, row.status, fetched, message, json.loads(row.payload))
