"""The refresh job: feeds with a `url` are downloaded again every `refresh_hours`
(`TSUYAMA_TRANSIT_REFRESH_HOURS`), the first time soon after the backend starts.

The job wakes every `WAKE` and fetches the feeds that are due: not yet fetched by this
process, or whose last attempt (by any process) is `refresh_hours` old; a feed whose address
gave nothing is tried again after `RETRY_UNREACHABLE`. Importing the same feed again is
UNCHANGED, so several processes fetching at once do no harm.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta

from sqlalchemy import Engine

from backend.jobs import PeriodicJob
from backend.models import as_utc
from backend.services.clock import utc_now
from backend.settings import Settings
from backend.tiles.transit import versions
from backend.tiles.transit.feeds_config import FeedConfig, FeedsConfigError
from backend.tiles.transit.fetch import fetch_and_import
from backend.tiles.transit.importer import ImportResult
from backend.tiles.transit.models import UNREACHABLE
from backend.tiles.transit.settings import configured_feeds, transit_settings

logger = logging.getLogger(__name__)

WAKE = timedelta(minutes=10)
RETRY_UNREACHABLE = timedelta(hours=1)


class FeedRefresher:
    """The job's `run`: remembers which feeds this process has fetched."""

    def __init__(self) -> None:
        self._fetched: set[tuple[str, str]] = set()
        self._lock = threading.Lock()

    def due(self, engine: Engine, settings: Settings, now: datetime) -> list[FeedConfig]:
        try:
            config = configured_feeds(settings)
        except FeedsConfigError as exc:
            logger.error("transit feeds not refreshed: %s", exc)
            return []
        if config is None:
            return []
        code = settings.municipality_code
        every = timedelta(hours=transit_settings(settings).refresh_hours)
        last = versions.last_attempts(engine, code)
        found = []
        for feed in config.feeds:
            if not feed.url:
                continue
            attempt = last.get(feed.id)
            with self._lock:
                fresh_process = (code, feed.id) not in self._fetched
            if attempt is None or fresh_process:
                found.append(feed)
                continue
            age = now - as_utc(attempt.at)
            wait = min(every, RETRY_UNREACHABLE) if attempt.outcome == UNREACHABLE else every
            if age >= wait:
                found.append(feed)
        return found

    def __call__(self, engine: Engine, settings: Settings) -> list[ImportResult]:
        results = []
        code = settings.municipality_code
        for feed in self.due(engine, settings, utc_now()):
            result = fetch_and_import(engine, code, feed)
            with self._lock:
                self._fetched.add((code, feed.id))
            level = logging.INFO if result.usable else logging.ERROR
            logger.log(level, "transit feed %s refreshed: %s %s", feed.id, result.outcome,
                       "; ".join(result.report[:3]))
            results.append(result)
        return results


REFRESH_JOB = PeriodicJob("refresh-feeds", every=WAKE, run=FeedRefresher(),
                          first_after=timedelta(seconds=20))
