"""Two outside planners behind one small interface, for the transit benchmark
(`python -m tests.bench transit`): each loads a GTFS folder and answers an earliest-arrival
query (origin stop_id, destination stop_id, date D, seconds after D's midnight, at most
`max_trips` trips) with an `OutsideAnswer`: `points`, the (arrival seconds after D's midnight,
number of trips) points it finds, Pareto-filtered, arrival ascending; `best_arrival`; and the
query's wall time. What each library returns, how it is mapped, and what still makes its
answers differ from the exact reference of docs/transit-planner.md:

**ferrobus 0.2.1** (Rust RAPTOR). Calls:
`ferrobus.create_transit_model(osm_path, gtfs_dirs, date, max_transfer_time)` (one model per
date: it keeps only that date's services), `ferrobus.create_transit_point(lat, lon,
transit_model, max_walking_time, max_nearest_stops)`, and per query
`ferrobus.find_route(transit_model, start_point, end_point, departure_time, max_transfers)`,
which returns None or {travel_time_seconds, walking_time_seconds, transit_time_seconds,
transfers, used_transit}: one journey, arrival = departure_time + travel_time_seconds. Its
`transfers` is not the journey's count, so it is not used. With method="detailed_journey",
`ferrobus.detailed_journey(...)` (same arguments, the traced RAPTOR) returns GeoJSON legs
instead; arrival = the last arrival_time, trips = the "transit" legs.
- `max_transfers` is the number of RAPTOR rounds, that is of **trips** (no journey had more
  transit legs than it). The Pareto points are therefore built from calls with max_transfers
  = 0, 1, .., max_trips: call k gives the best arrival with at most k trips, and (arrival_k, k)
  is a point when it beats call k-1 (an answer with used_transit False is 0 trips).
- **Walking** needs an OpenStreetMap .osm.pbf (no mode without one): stops snap to the nearest
  street node, walks are Dijkstra over footways at 1.4 m/s (each edge's time truncated to a
  second), only the largest connected component is kept. `write_walking_pbf` builds a street
  network from the stop coordinates alone: a node on every stop and one footway between every
  two stops at most `max_walk_m` apart, kinked so that ferrobus's time is exactly the doc's
  `ceil(m × 78 / v)`; components are chained through private nodes by footways longer than any
  walk. `max_transfer_time` is the walk of `max_walk_m` (488 s at 80 m/min). The points sit
  exactly on their stops' nodes (coordinates as osmpbf decodes them, else ferrobus adds a 1 s
  snap) with max_walking_time 0 and max_nearest_stops 1: access and egress are the stops
  themselves and the direct walk is the single footway (ferrobus's Dijkstra also settles the
  neighbours of a node within its cutoff, so a larger max_walking_time lets a walk-only answer
  run one footway past the limit). Walk-only answers then equal the doc's walks; walks from the
  origin, between trips and to the destination are ferrobus's transfers.
- Differences that remain (seen on the synthetic feeds unless said otherwise):
  (1) **walks are chained**: after a trip ferrobus may take several transfers in a row (three,
  1.2 km, in one tiny-feed answer), where the doc allows one walk of at most 500 m: some of its
  arrivals are *earlier* than the reference's. (2) The date filter uses the weekday and
  calendar_dates only, **not calendar start_date/end_date** (a term-time service ran on a date
  outside its range), and never keeps trips of D − 1 (a 24:35 trip of the day before is lost);
  a departure_time above 172,800 is refused. (3) **frequencies.txt is ignored**: a template
  runs once at its own times. (4) **pickup_type / drop_off_type are not read**. (5) Trips of a
  stop pattern are sorted by first departure and searched by departure (source): with
  **overtaking** trips the later express can be missed; and after a trip the rider continues
  from the trip's *departure* time at the stop (source), so a dwell delays the next boarding.
  (6) find_route prunes early: some arrivals are later than its own best, and points with
  more trips are often missing. (7) Rarely a chain of two footways is 1 s shorter than the
  direct one (metres rounded before the ceiling).

**pyraptor 1.3.10** (pure Python RAPTOR / McRAPTOR). Its GTFS step, `python
pyraptor/gtfs/timetable.py -i GTFS -o OUT -d YYYYMMDD -a AGENCY_NAME`, writes OUT/timetable.pcl
(joblib) for one date and a list of agency names. It cannot run here and could not read these
feeds anyway: it imports pandas, and the pandas < 2 it requires does not load with the numpy
2.1.3 this project pins ("numpy.dtype size changed"); it reads calendar_dates.txt only (weekly
calendar.txt services never run), keeps agencies by agency_name, casts trip_short_name to an
integer and needs trip_long_name, and drops stops without a parent_station. Its model also
imports attrs, which it does not declare. `PyraptorPlanner.load` therefore builds the
`pyraptor.model.structures.Timetable` that `gtfs_to_pyraptor_timetable` builds, from the
feed's files: trips of the services running on D (calendar.txt with calendar_dates.txt, all
agencies), a Station per stop_name with its stops, Routes of identical stop sequences, and a
Transfer of `pyraptor.util.TRANSFER_COST` (120 s) between every two stops of a station (the
poles across the road share a name). Query: `McRaptorAlgorithm(timetable).run(from_stops,
dep_secs, rounds)` with rounds = max_trips; the labels of `bag_round_stop[rounds]
[destination_stop]` are (earliest_arrival_time, fare 0, n_trips). from_stops is the origin
stop (with by_station=True every stop of its station, as pyraptor's query scripts do).
- Differences: (1) **no walking** but the 120 s transfer between stops of the same name, and
  only after a trip (never from the origin); (2) trips of D only (no D − 1), frequencies and
  pickup/drop-off types ignored; (3) boarding takes the earliest-departing trip
  (`Route.earliest_trip`), so an overtaking express is missed; (4) a stop a trip visits twice
  (a circular line that ends where it starts) is known by its last visit only
  (`Route.stop_order`, `Trip.stop_times_index`), so the line cannot be boarded at its start;
  (5) slow: seconds to build a city's day and about 0.2 s a query; 5,000 stops were reported
  not to load in 12 minutes, so do not try the prefecture preset, and keep `time_limit_s`
  (load and each query).
"""

from __future__ import annotations

import csv
import json
import logging
import math
import signal
import struct
import tempfile
import threading
import time
import zlib
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Protocol

import numpy as np

EARTH_RADIUS_M = 6_371_008.8  # the doc's sphere
FERROBUS_WALKING_SPEED = 1.4  # m/s, ferrobus_core::WALKING_SPEED
OSM4ROUTING_RADIUS_M = 6_378_100.0  # the sphere osm4routing measures footways on


@dataclass(frozen=True)
class OutsideAnswer:
    points: tuple[tuple[int, int], ...]  # (arrival s after D's midnight, trips), arrival ascending
    best_arrival: int | None
    query_seconds: float


class OutsidePlanner(Protocol):
    name: str

    def load(self, day: date) -> float: ...

    def earliest_arrival(self, origin: str, destination: str, day: date, seconds: int,
                         max_trips: int = 5) -> OutsideAnswer: ...


class TimeLimitExceeded(Exception):
    pass


@contextmanager
def time_limit(seconds: float | None) -> Iterator[None]:
    """Raise TimeLimitExceeded in the block after `seconds` (a SIGALRM timer: main thread on
    POSIX only; elsewhere, or with None, no limit)."""
    if (not seconds or threading.current_thread() is not threading.main_thread()
            or not hasattr(signal, "setitimer")):
        yield
        return

    def expire(signum: int, frame: object) -> None:
        raise TimeLimitExceeded(f"over {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def pareto(points: Sequence[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    """(arrival, trips) points neither of whose values is beaten by another's, arrival
    ascending (so trips descending)."""
    result: list[tuple[int, int]] = []
    for arrival, trips in sorted(set(points), key=lambda p: (p[1], p[0])):
        if all(arrival < a for a, _ in result):
            result.append((arrival, trips))
    return tuple(sorted(result))


def walk_seconds(metres: int, speed_m_per_min: int) -> int:
    """The doc's walk: ceil(m × 78 / v) seconds (1.3 detour at v metres per minute)."""
    return -(-metres * 78 // speed_m_per_min)


# --- reading the feed ---------------------------------------------------------------------


def _rows(path: Path) -> Iterator[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            yield {k.strip(): (v or "").strip() for k, v in row.items() if k is not None}


def _day(text: str) -> date:
    return date(int(text[:4]), int(text[4:6]), int(text[6:8]))


def _seconds(text: str) -> int:
    h, m, s = text.split(":")
    return int(h) * 3600 + int(m) * 60 + int(s)


def services_on(folder: Path, day: date) -> set[str]:
    """service_ids running on `day` (calendar.txt in its date range and weekday, with
    calendar_dates.txt adding and removing)."""
    running: set[str] = set()
    names = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    if (folder / "calendar.txt").exists():
        for row in _rows(folder / "calendar.txt"):
            if (_day(row["start_date"]) <= day <= _day(row["end_date"])
                    and row[names[day.weekday()]] == "1"):
                running.add(row["service_id"])
    if (folder / "calendar_dates.txt").exists():
        for row in _rows(folder / "calendar_dates.txt"):
            if _day(row["date"]) == day:
                if row["exception_type"] == "1":
                    running.add(row["service_id"])
                else:
                    running.discard(row["service_id"])
    return running


@dataclass(frozen=True)
class _StopTable:
    ids: list[str]
    names: list[str]
    lat: np.ndarray
    lon: np.ndarray
    location_type: list[int]


def _read_stops(folder: Path) -> _StopTable:
    ids, names, lat, lon, kinds = [], [], [], [], []
    for row in _rows(folder / "stops.txt"):
        if not row.get("stop_lat") or not row.get("stop_lon"):
            continue
        ids.append(row["stop_id"])
        names.append(row.get("stop_name", ""))
        lat.append(float(row["stop_lat"]))
        lon.append(float(row["stop_lon"]))
        kinds.append(int(row.get("location_type") or 0))
    return _StopTable(ids, names, np.array(lat), np.array(lon), kinds)


def haversine_metres(lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray,
                     radius: float = EARTH_RADIUS_M) -> np.ndarray:
    p1, p2 = np.radians(lat1), np.radians(lat2)
    a = (np.sin((p2 - p1) / 2) ** 2
         + np.cos(p1) * np.cos(p2) * np.sin((np.radians(lon2) - np.radians(lon1)) / 2) ** 2)
    return 2 * radius * np.arcsin(np.sqrt(a))


def _pairs_within(lat: np.ndarray, lon: np.ndarray, metres: float) -> tuple[np.ndarray, np.ndarray]:
    """(i, j), i < j, of points at most `metres` apart (haversine on the doc's sphere, rounded
    to whole metres), by grid cells."""
    if lat.size == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    cell = metres / 111_000.0 * 1.01
    ci = np.floor(lat / cell).astype(np.int64)
    cj = np.floor(lon / (cell / max(0.1, math.cos(math.radians(float(lat.mean())))))).astype(
        np.int64)
    cells: dict[tuple[int, int], list[int]] = defaultdict(list)
    for k, key in enumerate(zip(ci.tolist(), cj.tolist(), strict=True)):
        cells[key].append(k)
    first: list[np.ndarray] = []
    second: list[np.ndarray] = []
    for (a, b), members in cells.items():
        here = np.array(members)
        there = np.array([k for da in (-1, 0, 1) for db in (-1, 0, 1)
                          for k in cells.get((a + da, b + db), ())])
        f, t = np.repeat(here, there.size), np.tile(there, here.size)
        keep = f < t
        f, t = f[keep], t[keep]
        d = np.rint(haversine_metres(lat[f], lon[f], lat[t], lon[t]))
        near = d <= metres
        first.append(f[near])
        second.append(t[near])
    return np.concatenate(first), np.concatenate(second)


# --- ferrobus -------------------------------------------------------------------------------


def _varint(value: int) -> bytes:
    out = bytearray()
    value &= 0xFFFFFFFFFFFFFFFF
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _field_bytes(number: int, data: bytes) -> bytes:
    return _varint(number << 3 | 2) + _varint(len(data)) + data


def _field_int(number: int, value: int) -> bytes:
    return _varint(number << 3) + _varint(value)


def _packed_deltas(number: int, values: Sequence[int]) -> bytes:
    """A packed sint64 field of delta-coded values (OSM PBF's dense ids, lats, lons, refs)."""
    out, previous = bytearray(), 0
    for value in values:
        delta = value - previous
        out += _varint((delta << 1) ^ (delta >> 63))
        previous = value
    return _field_bytes(number, bytes(out))


def _pbf_blob(kind: str, payload: bytes) -> bytes:
    blob = _field_int(2, len(payload)) + _field_bytes(3, zlib.compress(payload, 6))
    header = _field_bytes(1, kind.encode()) + _field_int(3, len(blob))
    return struct.pack(">I", len(header)) + header + blob


def _write_pbf(path: Path, lat: np.ndarray, lon: np.ndarray,
               ways: Sequence[Sequence[int]]) -> None:
    """An OSM PBF of nodes 1..n at (lat, lon) (1e-7 degrees) and footways through them."""
    strings = _field_bytes(1, b"".join(_field_bytes(1, s) for s in (b"", b"highway", b"footway")))
    out = [_pbf_blob("OSMHeader", _field_bytes(4, b"OsmSchema-V0.6")
                     + _field_bytes(4, b"DenseNodes")
                     + _field_bytes(16, b"tests/bench/transit_outside.py"))]
    lat_units = np.rint(lat * 1e7).astype(np.int64).tolist()
    lon_units = np.rint(lon * 1e7).astype(np.int64).tolist()
    block = 8000
    for start in range(0, len(lat_units), block):
        ids = list(range(start + 1, min(start + block, len(lat_units)) + 1))
        dense = (_packed_deltas(1, ids) + _packed_deltas(8, lat_units[start:start + block])
                 + _packed_deltas(9, lon_units[start:start + block]))
        out.append(_pbf_blob("OSMData", strings + _field_bytes(2, _field_bytes(2, dense))))
    tags = _field_bytes(2, _varint(1)) + _field_bytes(3, _varint(2))  # highway=footway
    for start in range(0, len(ways), block):
        group = b"".join(
            _field_bytes(3, _field_int(1, start + k + 1) + tags + _packed_deltas(8, refs))
            for k, refs in enumerate(ways[start:start + block]))
        out.append(_pbf_blob("OSMData", strings + _field_bytes(2, group)))
    path.write_bytes(b"".join(out))


def _kink(lat_a: np.ndarray, lon_a: np.ndarray, lat_b: np.ndarray, lon_b: np.ndarray,
          length: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Points K such that A-K-B is `length` metres on osm4routing's sphere: K off the middle
    of AB, across it (local flat frame, then refined on the sphere)."""
    mid_lat = (lat_a + lat_b) / 2
    m_lat = OSM4ROUTING_RADIUS_M * math.pi / 180
    m_lon = m_lat * np.cos(np.radians(mid_lat))
    dx, dy = (lon_b - lon_a) * m_lon, (lat_b - lat_a) * m_lat
    straight = np.hypot(dx, dy)
    ux, uy = np.where(straight > 0, -dy / np.maximum(straight, 1e-9), 1.0), \
        np.where(straight > 0, dx / np.maximum(straight, 1e-9), 0.0)
    offset = np.sqrt(np.maximum((length / 2) ** 2 - (straight / 2) ** 2, 0.0))
    mid_lon = (lon_a + lon_b) / 2
    for _ in range(3):
        k_lat = mid_lat + uy * offset / m_lat
        k_lon = mid_lon + ux * offset / m_lon
        k_lat, k_lon = np.rint(k_lat * 1e7) / 1e7, np.rint(k_lon * 1e7) / 1e7
        got = (haversine_metres(lat_a, lon_a, k_lat, k_lon, OSM4ROUTING_RADIUS_M)
               + haversine_metres(k_lat, k_lon, lat_b, lon_b, OSM4ROUTING_RADIUS_M))
        # d(length)/d(offset) = 4 × offset / length for an isosceles kink; a straight
        # footway (offset 0) stays straight
        offset = np.where(offset > 1.0,
                          offset + (length - got) * got / np.maximum(4 * offset, 1.0), offset)
    return k_lat, k_lon


def _osm_degrees(degrees: float) -> float:
    """A coordinate as osmpbf decodes it from our PBF: 1e-9 × (100 × its 1e-7 units)."""
    return 1e-9 * float(round(degrees * 1e7) * 100)


def write_walking_pbf(folder: Path, path: Path, speed_m_per_min: int = 80,
                      max_walk_m: int = 500) -> dict[str, int]:
    """A street network for ferrobus made from the stops of the GTFS `folder` only (see the
    module docstring). Returns counts: nodes (stops), walks (footways between stops within
    the walk) and links (footways too long to walk that join the components)."""
    stops = _read_stops(Path(folder))
    lat = np.rint(stops.lat * 1e7) / 1e7
    lon = np.rint(stops.lon * 1e7) / 1e7
    n = len(stops.ids)
    if speed_m_per_min * 1.01 > 78 * FERROBUS_WALKING_SPEED:  # a footway can only be longer
        raise ValueError("walks faster than 1.4 m/s over the straight line cannot be modelled")
    i, j = _pairs_within(lat, lon, max_walk_m)
    metres = np.rint(haversine_metres(lat[i], lon[i], lat[j], lon[j])).astype(np.int64)
    keep = metres > 0
    i, j, metres = i[keep], j[keep], metres[keep]
    seconds = -(-metres * 78 // speed_m_per_min)
    # join the components (union-find) with links longer than any walk
    parent = list(range(n))

    def root(k: int) -> int:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    for a, b in zip(i.tolist(), j.tolist(), strict=True):
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[ra] = rb
    roots = sorted({root(k) for k in range(n)})
    # each component gets a private node 3 m north of one of its stops (1 s away); the private
    # nodes are joined by footways longer than any walk, so a point's one-edge neighbourhood
    # never holds another component's stop
    private = np.arange(n, n + len(roots), dtype=np.int64)
    lat = np.concatenate([lat, np.rint((lat[roots] + 3 / (OSM4ROUTING_RADIUS_M * math.pi / 180))
                                       * 1e7) / 1e7])
    lon = np.concatenate([lon, lon[roots]])
    limit = walk_seconds(max_walk_m, speed_m_per_min)
    link_a = np.concatenate([np.array(roots, dtype=np.int64), private[:-1]])
    link_b = np.concatenate([private, private[1:]])
    link_seconds = np.concatenate([np.full(len(roots), 2, dtype=np.int64),
                                   np.full(len(roots) - 1, 4 * limit + 600, dtype=np.int64)])
    all_a = np.concatenate([i, link_a])
    all_b = np.concatenate([j, link_b])
    all_seconds = np.concatenate([seconds, link_seconds])
    straight = haversine_metres(lat[all_a], lon[all_a], lat[all_b], lon[all_b],
                                OSM4ROUTING_RADIUS_M)
    # ferrobus: weight = floor(length / 1.4); aim at the middle of the wanted second
    length = np.maximum((all_seconds + 0.5) * FERROBUS_WALKING_SPEED, straight)
    k_lat, k_lon = _kink(lat[all_a], lon[all_a], lat[all_b], lon[all_b], length)
    got = (haversine_metres(lat[all_a], lon[all_a], k_lat, k_lon, OSM4ROUTING_RADIUS_M)
           + haversine_metres(k_lat, k_lon, lat[all_b], lon[all_b], OSM4ROUTING_RADIUS_M))
    walks = slice(0, i.size)
    if not np.array_equal(np.floor(got[walks] / FERROBUS_WALKING_SPEED).astype(np.int64),
                          seconds):
        raise AssertionError("a footway's length does not give its walk time")
    node_lat = np.concatenate([lat, k_lat])
    node_lon = np.concatenate([lon, k_lon])
    first_kink = lat.size + 1
    ways = [(int(a) + 1, first_kink + k, int(b) + 1)
            for k, (a, b) in enumerate(zip(all_a.tolist(), all_b.tolist(), strict=True))]
    _write_pbf(Path(path), node_lat, node_lon, ways)
    return {"stops": n, "walks": int(i.size), "components": len(roots)}


class FerrobusPlanner:
    """ferrobus on a GTFS folder, walking as the doc says (see the module docstring). One
    model per query date (ferrobus filters services when it loads)."""

    name = "ferrobus"

    def __init__(self, folder: Path, *, speed_m_per_min: int = 80, max_walk_m: int = 500,
                 work_dir: Path | None = None, pareto_points: bool = True,
                 method: str = "find_route") -> None:
        import ferrobus

        # its Rust log (pyo3-log) warns on every load about the missing optional
        # transfers.txt and stops "outside the street network" (the hull of our footways)
        logging.getLogger("ferrobus_core").setLevel(logging.ERROR)
        if method not in ("find_route", "detailed_journey"):
            raise ValueError(f"unknown method {method!r}")
        self.method = method
        self._ferrobus: Any = ferrobus
        self.folder = Path(folder)
        self.max_walk_seconds = walk_seconds(max_walk_m, speed_m_per_min)
        self.pareto_points = pareto_points
        self._temp = None if work_dir else tempfile.TemporaryDirectory(prefix="ferrobus-")
        base = Path(work_dir) if work_dir else Path(self._temp.name)  # type: ignore[union-attr]
        base.mkdir(parents=True, exist_ok=True)
        self.pbf = base / f"walks-{speed_m_per_min}-{max_walk_m}.osm.pbf"
        began = time.perf_counter()
        self.network = write_walking_pbf(self.folder, self.pbf, speed_m_per_min, max_walk_m)
        self.network_seconds = time.perf_counter() - began
        stops = _read_stops(self.folder)
        self._where = {s: (float(a), float(o))
                       for s, a, o in zip(stops.ids, stops.lat, stops.lon, strict=True)}
        self._models: dict[date, Any] = {}
        self._points: dict[tuple[date, str], Any] = {}

    def load(self, day: date) -> float:
        """Build the model of `day` (cached); the seconds it took (0 when cached)."""
        if day in self._models:
            return 0.0
        began = time.perf_counter()
        self._models[day] = self._ferrobus.create_transit_model(
            osm_path=str(self.pbf), gtfs_dirs=[str(self.folder)], date=day,
            max_transfer_time=self.max_walk_seconds)
        return time.perf_counter() - began

    def _point(self, day: date, stop_id: str) -> Any:
        key = (day, stop_id)
        if key not in self._points:
            lat, lon = self._where[stop_id]
            # exactly the stop's node as osmpbf decodes it (1e-9 × nanodegrees), so the point
            # snaps at 0 s; max_walking_time 0 then gives the stop itself as the only access
            # or egress stop and, as ferrobus's Dijkstra still relaxes the edges of a node
            # within its cutoff, exactly the footways of that stop as direct walks
            self._points[key] = self._ferrobus.create_transit_point(
                lat=_osm_degrees(lat), lon=_osm_degrees(lon), transit_model=self._models[day],
                max_walking_time=0, max_nearest_stops=1)
        return self._points[key]

    def route(self, origin: str, destination: str, day: date, seconds: int,
              max_trips: int) -> dict[str, Any] | None:
        """ferrobus.find_route as it is (max_transfers = max_trips rounds)."""
        self.load(day)
        return self._ferrobus.find_route(  # type: ignore[no-any-return]
            transit_model=self._models[day], start_point=self._point(day, origin),
            end_point=self._point(day, destination), departure_time=seconds,
            max_transfers=max_trips)

    def journey(self, origin: str, destination: str, day: date, seconds: int,
                max_trips: int) -> tuple[int, int] | None:
        """ferrobus.detailed_journey (the traced RAPTOR) as (arrival, trips): the last leg's
        arrival_time and the count of its "transit" legs; None when it finds nothing."""
        self.load(day)
        text = self._ferrobus.detailed_journey(
            transit_model=self._models[day], start_point=self._point(day, origin),
            end_point=self._point(day, destination), departure_time=seconds,
            max_transfers=max_trips)
        if text in (None, "null"):
            return None
        legs = [feature["properties"] for feature in json.loads(text)["features"]]
        arrivals = [int(leg["arrival_time"]) for leg in legs if "arrival_time" in leg]
        if not arrivals:
            return None
        return max(arrivals), sum(1 for leg in legs if leg.get("leg_type") == "transit")

    def earliest_arrival(self, origin: str, destination: str, day: date, seconds: int,
                         max_trips: int = 5) -> OutsideAnswer:
        self.load(day)
        self._point(day, origin)
        self._point(day, destination)
        began = time.perf_counter()
        found: list[tuple[int, int]] = []
        best: int | None = None
        rounds = range(0, max_trips + 1) if self.pareto_points else (max_trips,)
        for k in rounds:
            if self.method == "detailed_journey":
                answer = self.journey(origin, destination, day, seconds, k)
                if answer is None:
                    continue
                arrival, trips = answer
            else:
                result = self.route(origin, destination, day, seconds, k)
                if result is None:
                    continue
                arrival = seconds + int(result["travel_time_seconds"])
                trips = k if result["used_transit"] else 0
            if best is None or arrival < best:
                best = arrival
                found.append((arrival, trips))
        return OutsideAnswer(pareto(found), best, time.perf_counter() - began)


# --- pyraptor -------------------------------------------------------------------------------


class PyraptorPlanner:
    """pyraptor's McRAPTOR on the timetable its GTFS step would build (see the module
    docstring). One timetable per query date."""

    name = "pyraptor"

    def __init__(self, folder: Path, *, time_limit_s: float | None = 600.0,
                 by_station: bool = False) -> None:
        from loguru import logger

        logger.disable("pyraptor")  # it logs every round at INFO
        self.folder = Path(folder)
        self.time_limit_s = time_limit_s
        self.by_station = by_station
        self._timetables: dict[date, Any] = {}

    def load(self, day: date) -> float:
        if day in self._timetables:
            return 0.0
        began = time.perf_counter()
        with time_limit(self.time_limit_s):
            self._timetables[day] = self._build(day)
        return time.perf_counter() - began

    def _build(self, day: date) -> Any:
        """What pyraptor.gtfs.timetable.gtfs_to_pyraptor_timetable makes, for `day`."""
        from pyraptor.model.structures import (
            Routes,
            Station,
            Stations,
            Stop,
            Stops,
            Timetable,
            Transfer,
            Transfers,
            Trip,
            Trips,
            TripStopTime,
            TripStopTimes,
        )
        from pyraptor.util import TRANSFER_COST

        folder = self.folder
        running = services_on(folder, day)
        trip_ids = {row["trip_id"] for row in _rows(folder / "trips.txt")
                    if row["service_id"] in running}
        times: dict[str, list[tuple[int, str, int, int]]] = defaultdict(list)
        for row in _rows(folder / "stop_times.txt"):
            if row["trip_id"] in trip_ids:
                times[row["trip_id"]].append((int(row["stop_sequence"]), row["stop_id"],
                                              _seconds(row["arrival_time"]),
                                              _seconds(row["departure_time"])))
        used = {stop_id for rows in times.values() for _, stop_id, _, _ in rows}
        stations, stops = Stations(), Stops()
        for row in _rows(folder / "stops.txt"):
            if row["stop_id"] not in used:
                continue
            station = stations.add(Station(row["stop_name"], row["stop_name"]))
            platform = row.get("platform_code") or "?"
            stop = Stop(row["stop_id"], f"{row['stop_name']}-{platform}", station, platform)
            station.add_stop(stop)
            stops.add(stop)
        trips, trip_stop_times = Trips(), TripStopTimes()
        for trip_id in sorted(times):
            trip = Trip()
            trip.hint = trip_id
            for index, (_, stop_id, arrival, departure) in enumerate(sorted(times[trip_id])):
                stop_time = TripStopTime(trip, index, stops.get(stop_id), arrival, departure, 0)
                trip_stop_times.add(stop_time)
                trip.add_stop_time(stop_time)
            if trip:
                trips.add(trip)
        routes = Routes()
        for trip in trips:
            routes.add(trip)
        transfers = Transfers()
        for station in stations:
            for a in station.stops:
                for b in station.stops:
                    if a != b:
                        transfers.add(Transfer(from_stop=a, to_stop=b, layovertime=TRANSFER_COST))
        return Timetable(stations=stations, stops=stops, trips=trips,
                         trip_stop_times=trip_stop_times, routes=routes, transfers=transfers)

    def earliest_arrival(self, origin: str, destination: str, day: date, seconds: int,
                         max_trips: int = 5) -> OutsideAnswer:
        from pyraptor.model.mcraptor import McRaptorAlgorithm

        self.load(day)
        timetable = self._timetables[day]
        if origin not in timetable.stops.set_idx or destination not in timetable.stops.set_idx:
            return OutsideAnswer((), None, 0.0)  # not served on that day
        start = timetable.stops.get(origin)
        from_stops = list(start.station.stops) if self.by_station else [start]
        target = timetable.stops.get(destination)
        began = time.perf_counter()
        with time_limit(self.time_limit_s):
            bags, _ = McRaptorAlgorithm(timetable).run(from_stops, seconds, max_trips)
        labels = bags[max_trips][target].labels
        found = [(int(label.earliest_arrival_time), int(label.n_trips)) for label in labels
                 if label.n_trips > 0]
        points = pareto(found)
        return OutsideAnswer(points, min((a for a, _ in points), default=None),
                             time.perf_counter() - began)
