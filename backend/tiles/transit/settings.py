"""The transit tile's settings (`TSUYAMA_TRANSIT_...`; docs/transit-feeds.md).

- `TSUYAMA_TRANSIT_FEEDS`: the city's feeds file (JSON, `feeds_config.py`). Unset: the demo
  timetable is offered when demo data is on (`TSUYAMA_DEMO_DATA`).
- `TSUYAMA_TRANSIT_REFRESH_HOURS` (1..168, default 24): how often feeds with a `url` are
  downloaded again.
- `TSUYAMA_TRANSIT_REALTIME_SECONDS` (10..3600, default 30): how often live data
  (GTFS-Realtime) is polled for feeds that have it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from backend.tiles.transit.feeds_config import (
    FeedsConfig,
    FeedsConfigError,
    load_feeds_file,
    read_feeds_file,
)

if TYPE_CHECKING:
    from backend.settings import Settings

TILE_ID = "transit"

FEEDS_VARIABLE = "TSUYAMA_TRANSIT_FEEDS"
REFRESH_VARIABLE = "TSUYAMA_TRANSIT_REFRESH_HOURS"
REALTIME_VARIABLE = "TSUYAMA_TRANSIT_REALTIME_SECONDS"
REFRESH_HOURS = (1, 168)
REALTIME_SECONDS = (10, 3600)


@dataclass(frozen=True)
class TransitSettings:
    feeds_file: Path | None = None
    refresh_hours: int = 24
    realtime_seconds: int = 30

    def __post_init__(self) -> None:
        low, high = REFRESH_HOURS
        if not low <= self.refresh_hours <= high:
            raise ValueError(f"{REFRESH_VARIABLE} must be {low} to {high} hours, "
                             f"got {self.refresh_hours}")
        low, high = REALTIME_SECONDS
        if not low <= self.realtime_seconds <= high:
            raise ValueError(f"{REALTIME_VARIABLE} must be {low} to {high} seconds, "
                             f"got {self.realtime_seconds}")

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> TransitSettings:
        """The variables above; the feeds file is read once here so that a broken one stops
        the backend with its problem named (it is read again when used)."""
        raw_file = environ.get(FEEDS_VARIABLE, "").strip()
        feeds_file = Path(raw_file).expanduser() if raw_file else None
        if feeds_file is not None:
            try:
                read_feeds_file(feeds_file)
            except FeedsConfigError as exc:
                raise ValueError(f"{FEEDS_VARIABLE}: {exc}") from None
        return cls(feeds_file=feeds_file,
                   refresh_hours=_whole(environ, REFRESH_VARIABLE, 24, "hours"),
                   realtime_seconds=_whole(environ, REALTIME_VARIABLE, 30, "seconds"))


def _whole(environ: Mapping[str, str], name: str, default: int, unit: str) -> int:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ValueError(f"{name} must be a whole number of {unit}, got {raw!r}") from None


def transit_settings(settings: Settings) -> TransitSettings:
    """The tile's section of `settings` (its defaults when absent), like
    `TILE.settings_of`, for the modules `tile.py` imports."""
    value = settings.tiles.get(TILE_ID)
    if value is None:
        return TransitSettings()
    if not isinstance(value, TransitSettings):
        raise TypeError(f"settings of tile {TILE_ID!r} are {type(value).__name__}, "
                        "not TransitSettings")
    return value


def configured_feeds(settings: Settings) -> FeedsConfig | None:
    """The city's feeds file (read again when it changed), or None when there is none;
    `FeedsConfigError` when it cannot be used."""
    file = transit_settings(settings).feeds_file
    return None if file is None else load_feeds_file(file)
