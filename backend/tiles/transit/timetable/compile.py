"""A feed compiled into the timetable file the app downloads and plans on
(docs/transit-timetable.md): patterns of runs with their times in columns, walks between
nearby stops, the service days, fares, and the names in every language the feed has."""

from __future__ import annotations

import io
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from backend.tiles.transit.gtfs.feed import (
    ACCESS_UNKNOWN,
    ACCESS_YES,
    STOP_OR_PLATFORM,
    Feed,
)
from backend.tiles.transit.gtfs.translations import TranslationIndex
from backend.tiles.transit.timetable.fares import fare_table
from backend.tiles.transit.timetable.footpaths import walk_pairs
from backend.tiles.transit.timetable.patterns import build_patterns
from backend.tiles.transit.timetable.services import service_days

FORMAT_VERSION = 1
DEFAULT_MAX_WALK_M = 500
LANGUAGES = ("en", "zh", "ko", "ja-Hrkt")  # names the app may show besides Japanese


@dataclass
class CompiledTimetable:
    arrays: dict[str, np.ndarray]
    meta: dict[str, Any] = field(default_factory=dict)

    def write(self, path: Path) -> None:
        """One uncompressed .npz (loads fast; the server compresses it for the download)."""
        body = json.dumps(self.meta, ensure_ascii=False, separators=(",", ":")).encode()
        buffer = io.BytesIO()
        np.savez(buffer, meta=np.frombuffer(body, dtype=np.uint8), **self.arrays)
        path.write_bytes(buffer.getvalue())


def compile_feed(feed: Feed, *, max_walk_m: int = DEFAULT_MAX_WALK_M,
                 attribution: str = "", feed_name: str = "",
                 extra_meta: Mapping[str, Any] | None = None) -> CompiledTimetable:
    """`extra_meta`: entries added to `meta` (the city's settings for the feed, such as
    `ic_fare`)."""
    services = service_days(feed)
    service_index = services.index()
    patterns = build_patterns(feed, service_index)
    stop_count = len(feed.stops)
    lat = np.array([s.lat if s.lat is not None else np.nan for s in feed.stops])
    lon = np.array([s.lon if s.lon is not None else np.nan for s in feed.stops])
    routable = np.array([s.location_type == STOP_OR_PLATFORM and s.lat is not None
                         for s in feed.stops], dtype=bool)
    stop_ids = feed.stop_index()
    parent = np.array([stop_ids.get(s.parent_station, -1) for s in feed.stops],
                      dtype=np.int32)
    own = np.array([s.wheelchair_boarding for s in feed.stops], dtype=np.int8)
    inherited = np.where(parent >= 0, own[np.maximum(parent, 0)], ACCESS_UNKNOWN)
    step_free = (own == ACCESS_YES) | ((own == ACCESS_UNKNOWN) & (inherited == ACCESS_YES))

    lengths = np.array([p.stops.size for p in patterns], dtype=np.int64)
    runs = np.array([p.trips.size for p in patterns], dtype=np.int64)
    pat_first_pos = np.concatenate([[0], np.cumsum(lengths)])
    pat_first_run = np.concatenate([[0], np.cumsum(runs)])
    cells = lengths * runs
    pos_time_start = np.zeros(int(pat_first_pos[-1]), dtype=np.int64)
    cell_start = np.concatenate([[0], np.cumsum(cells)])
    for p, pattern in enumerate(patterns):
        first = int(pat_first_pos[p])
        pos_time_start[first:first + pattern.stops.size] = (
            cell_start[p] + np.arange(pattern.stops.size) * pattern.trips.size)

    def joined(parts: list[np.ndarray], dtype: type) -> np.ndarray:
        return np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype=dtype)

    walk_from, walk_to, walk_metres = walk_pairs(lat, lon, routable, max_walk_m)
    walk_start = np.searchsorted(walk_from, np.arange(stop_count + 1)).astype(np.int64)
    fares = fare_table(feed)
    arrays = {
        "format": np.array([FORMAT_VERSION], dtype=np.int32),
        "stop_lat": lat, "stop_lon": lon, "stop_routable": routable,
        "stop_step_free": step_free, "stop_parent": parent, "stop_zone": fares.stop_zone,
        "pat_first_pos": pat_first_pos, "pat_first_run": pat_first_run,
        "pat_service": np.array([p.service for p in patterns], dtype=np.int32),
        "pat_step_free": np.array([p.step_free for p in patterns], dtype=bool),
        "pat_route": np.array([p.route for p in patterns], dtype=np.int32),
        "pos_stop": joined([p.stops for p in patterns], np.int32),
        "pos_pickup": joined([p.pickup for p in patterns], bool),
        "pos_drop_off": joined([p.drop_off for p in patterns], bool),
        "pos_time_start": pos_time_start,
        "run_trip": joined([p.trips for p in patterns], np.int32),
        "run_shift": joined([p.shifts for p in patterns], np.int32),
        # Position-major: a position's column holds every run's time, in run order.
        "time_departure": joined([p.departures.T.ravel() for p in patterns], np.int32),
        "time_arrival": joined([p.arrivals.T.ravel() for p in patterns], np.int32),
        "walk_start": walk_start, "walk_to": walk_to, "walk_metres": walk_metres,
        "service_runs": services.runs,
        "fare_route": fares.rule_route, "fare_origin": fares.rule_origin,
        "fare_destination": fares.rule_destination, "fare_price": fares.rule_price,
    }
    meta = _meta(feed, services.service_ids, services.first_day.isoformat(), max_walk_m,
                 attribution, feed_name)
    meta["fare_rules_skipped"] = fares.rules_skipped
    meta["currencies"] = fares.currencies
    meta.update(extra_meta or {})
    return CompiledTimetable(arrays, meta)


def _meta(feed: Feed, service_ids: list[str], first_day: str, max_walk_m: int,
          attribution: str, feed_name: str) -> dict[str, Any]:
    names = TranslationIndex(feed.translations)

    def translated(table: str, field_name: str, record_id: str, value: str
                   ) -> dict[str, str]:
        found = {}
        for language in LANGUAGES:
            text = names.text(table, field_name, record_id, value, language) if value else None
            if text and text != value:
                found[language] = text
        return found

    info = feed.feed_info
    return {
        "format": FORMAT_VERSION,
        "feed_name": feed_name,
        "compiled_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "attribution": attribution,
        "feed_version": info.version if info else "",
        "feed_start": info.start_date.isoformat() if info and info.start_date else "",
        "feed_end": info.end_date.isoformat() if info and info.end_date else "",
        "publisher": info.publisher_name if info else "",
        "first_day": first_day,
        "max_walk_m": max_walk_m,
        "services": service_ids,
        "agencies": [{"id": a.agency_id, "name": a.name, "url": a.url, "phone": a.phone,
                      "fare_url": a.fare_url,
                      "names": translated("agency", "agency_name", a.agency_id, a.name)}
                     for a in feed.agencies],
        "stops": [{"id": s.stop_id, "name": s.name, "code": s.code,
                   "platform": s.platform_code,
                   "names": translated("stops", "stop_name", s.stop_id, s.name)}
                  for s in feed.stops],
        "routes": [{"id": r.route_id, "agency": r.agency_id, "short": r.short_name,
                    "long": r.long_name, "type": r.route_type, "color": r.color,
                    "text_color": r.text_color,
                    "names": translated("routes", "route_long_name", r.route_id,
                                        r.long_name)
                    | {f"short:{k}": v for k, v in translated(
                        "routes", "route_short_name", r.route_id, r.short_name).items()}}
                   for r in feed.routes],
        "trips": [{"id": t.trip_id, "headsign": t.headsign, "short": t.short_name,
                   "names": translated("trips", "trip_headsign", t.trip_id, t.headsign)}
                  for t in feed.trips],
        "step_free_info": bool(any(t.wheelchair_accessible == ACCESS_YES for t in feed.trips)),
    }
