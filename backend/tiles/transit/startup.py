"""Timetables at backend start-up (docs/transit-feeds.md).

With the city's feeds file (`TSUYAMA_TRANSIT_FEEDS`) each feed with a `path` is imported now
and the demo timetable stops being offered; feeds with a `url` are left to the refresh job
(`refresh.py`), so start-up never waits on the network. Without it, the demo timetable
(`assets/transit/tsuyama_demo`) is imported when demo data is on (`TSUYAMA_DEMO_DATA`).
"""

from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy import Engine

from backend.settings import Settings
from backend.tiles.transit import versions
from backend.tiles.transit.feeds_config import FeedConfig, FeedsConfigError
from backend.tiles.transit.importer import ImportResult, import_feed
from backend.tiles.transit.settings import configured_feeds

logger = logging.getLogger(__name__)

DEMO_DIR = Path(__file__).resolve().parents[3] / "assets" / "transit" / "tsuyama_demo"
DEMO_FEED = FeedConfig(
    id="tsuyama-demo",
    name="津山市 デモ時刻表",
    licence="CC BY 4.0 (place coordinates); times made up",
    attribution="デモデータ(実在の時刻表ではありません)。"
                "位置: geolonia/japanese-addresses (CC BY 4.0)",
    path=DEMO_DIR,
)


def import_demo(engine: Engine, municipality_code: str) -> ImportResult:
    return import_feed(engine, municipality_code, DEMO_FEED, DEMO_DIR, is_demo=True,
                       origin="demo")


def load_transit_feeds(engine: Engine, settings: Settings) -> list[ImportResult]:
    """Import the city's `path` feeds, or the demo; each result is logged."""
    code = settings.municipality_code
    try:
        config = configured_feeds(settings)
    except FeedsConfigError as exc:
        logger.error("Transit feeds not loaded: %s", exc)
        return []
    if config is None:
        return [_logged(import_demo(engine, code))] if settings.load_demo_data else []
    hidden = versions.hide_demo(engine, code)
    if hidden:
        logger.info("transit: the demo timetable is no longer offered (the city's feeds "
                    "are configured in %s)", config.file)
    return [_logged(import_feed(engine, code, feed, feed.path))
            for feed in config.feeds if feed.path is not None]


def _logged(result: ImportResult) -> ImportResult:
    level = logging.INFO if result.usable else logging.ERROR
    logger.log(level, "transit feed %s: %s", result.feed_id, result.outcome)
    for line in result.report:
        logger.log(level, "transit feed %s: %s", result.feed_id, line)
    return result
