"""An independent, exact reference trip planner, written from the feed as read
(`backend/tiles/transit/gtfs/feed.py`) and nothing else, following
`docs/transit-planner.md` to the letter. The tests compare the app's fast planner against it
on many queries, so it is plain and slow rather than clever.

How it answers a query for date D:

- The timetable of the query is every run of a trip on the service days D − 1, D and D + 1
  (a frequency template runs once per start time, the template itself never), each as its
  stop times in seconds after D's midnight. It is built once per date (and step-free flag).
- Depart at t: round k (1 .. max_trips) knows, for every stop, the earliest time the rider
  can stand there ready to board after at most k − 1 trips (`ready`; round 1: the access
  walks from the origin). Riding: for every run, the rider boards at the first stop time
  where `ready[stop] <= departure` and pickup is allowed, and may then alight at every later
  stop time with drop-off allowed, at its arrival (`ride`). The destination time after k
  trips is min over the destination's stops s of ride[s] + egress walk of s. Then exactly
  one walk: ready[p] = min(ready[p], ride[p], ride[q] + walk(q, p)) — walks start only where
  a trip was alighted, so they never chain, and the egress walk is the only walk after the
  last trip.
- Arrive by T is the mirror image: `ready` becomes the latest time the rider may alight at a
  stop and still make it (round 1: T minus the egress walks), riding keeps the last stop
  time of each run where alighting works and boards at every earlier one with pickup
  allowed (latest departure), the origin time is max over the origin's stops of
  ride[s] − access walk of s.
- Pareto: a round's time is kept only when strictly better than the walk-only answer and
  every earlier round."""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

from backend.tiles.transit.gtfs.feed import (
    ACCESS_UNKNOWN,
    ACCESS_YES,
    NONE_AVAILABLE,
    STOP_OR_PLATFORM,
    Feed,
)

EARTH_RADIUS_M = 6_371_008.8
DAY = 86_400
_INF = 10**12


@dataclass(frozen=True)
class Place:
    """An origin or destination: the stops the rider can start from or end at, each with the
    walking seconds to or from it (0 for the place's own stop). `stop` or `lat`/`lon` say
    where the place itself is, for the walk-only answer."""

    stops: Mapping[int, int]  # stop index (into feed.stops) -> walking seconds
    stop: int | None = None  # the place is this stop (`place_at_stop`)
    lat: float | None = None  # the place's own position (a stop's, or a point's)
    lon: float | None = None


@dataclass(frozen=True)
class ParetoPoint:
    time: int  # arrival (depart at) or departure from the origin (arrive by), s after D 00:00
    trips: int  # trips ridden, 0 = walking only


@dataclass(frozen=True)
class _Run:
    """One run of a trip on one service day: its stop times in seconds after D's midnight,
    with pickup/drop-off already reduced to "possible or not" (and step-free applied)."""

    trip: int
    stops: tuple[int, ...]
    arrivals: tuple[int, ...]
    departures: tuple[int, ...]
    pickup: tuple[bool, ...]
    drop_off: tuple[bool, ...]
    latest_boarding: int = field(init=False)  # max departure where boarding could matter
    earliest_alighting: int = field(init=False)  # min arrival where alighting could matter

    def __post_init__(self) -> None:
        object.__setattr__(self, "latest_boarding", max(self.departures[:-1]))
        object.__setattr__(self, "earliest_alighting", min(self.arrivals[1:]))


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres on the sphere of radius 6,371,008.8 m."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi = phi2 - phi1
    d_lambda = math.radians(lon2 - lon1)
    h = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def rounded_metres(lat1: float, lon1: float, lat2: float, lon2: float) -> int:
    """The distance rounded to the nearest whole metre (halves up)."""
    return math.floor(haversine_m(lat1, lon1, lat2, lon2) + 0.5)


def walk_seconds(metres: int, speed_m_per_min: int) -> int:
    """ceil(m × 78 / v), in integers."""
    return -(-metres * 78 // speed_m_per_min)


class ReferencePlanner:
    def __init__(self, feed: Feed, *, max_walk_m: int = 500) -> None:
        self.feed = feed
        self.max_walk_m = max_walk_m
        self._stop_count = len(feed.stops)
        self._index_of_stop_id = feed.stop_index()

        # Stops that walks join: location_type 0 with a position.
        self._walkable = [
            i for i, s in enumerate(feed.stops)
            if s.location_type == STOP_OR_PLATFORM and s.lat is not None and s.lon is not None
        ]
        # Sorted by latitude, to look only at stops whose latitude is close enough: the
        # great-circle distance is at least R × |Δφ| (the meridian arc between the latitudes).
        self._by_lat = sorted(self._walkable, key=lambda i: self._lat(i))
        self._lats = [self._lat(i) for i in self._by_lat]
        # Transfer walks: stop -> [(other stop, metres)], both ways, within max_walk_m.
        self._neighbours: list[list[tuple[int, int]]] = [[] for _ in feed.stops]
        for a in self._walkable:
            lat, lon = self._lat(a), self._lon(a)
            for b, metres in self._near(lat, lon):
                if b != a:
                    self._neighbours[a].append((b, metres))

        # Step-free stops: wheelchair_boarding 1, a 0 taking the parent station's value.
        self._step_free_stop = []
        for s in feed.stops:
            value = s.wheelchair_boarding
            if value == ACCESS_UNKNOWN and s.parent_station:
                parent = self._index_of_stop_id.get(s.parent_station)
                if parent is not None:
                    value = feed.stops[parent].wheelchair_boarding
            self._step_free_stop.append(value == ACCESS_YES)

        st = feed.stop_times
        self._st_stop: list[int] = st.stop.tolist()
        self._st_arrival: list[int] = st.arrival.tolist()
        self._st_departure: list[int] = st.departure.tolist()
        self._st_pickup: list[int] = st.pickup_type.tolist()
        self._st_drop_off: list[int] = st.drop_off_type.tolist()
        self._trip_start: list[int] = st.trip_start.tolist()
        self._runs_cache: dict[tuple[date, bool], list[_Run]] = {}

    # --- geometry -------------------------------------------------------------------------

    def _lat(self, i: int) -> float:
        lat = self.feed.stops[i].lat
        assert lat is not None
        return lat

    def _lon(self, i: int) -> float:
        lon = self.feed.stops[i].lon
        assert lon is not None
        return lon

    def _near(self, lat: float, lon: float) -> list[tuple[int, int]]:
        """Walkable stops whose rounded distance from (lat, lon) is at most max_walk_m."""
        # rounded <= max_walk_m means distance < max_walk_m + 0.5; one metre of margin more.
        band = math.degrees((self.max_walk_m + 1.5) / EARTH_RADIUS_M)
        lo = bisect_left(self._lats, lat - band)
        hi = bisect_right(self._lats, lat + band)
        found = []
        for i in self._by_lat[lo:hi]:
            metres = rounded_metres(lat, lon, self._lat(i), self._lon(i))
            if metres <= self.max_walk_m:
                found.append((i, metres))
        return found

    def walk_metres(self, a: int, b: int) -> int:
        """The rounded great-circle distance between stops a and b (indices)."""
        return rounded_metres(self._lat(a), self._lon(a), self._lat(b), self._lon(b))

    def place_at_stop(self, stop: int, speed_m_per_min: int = 80) -> Place:
        stops = {stop: 0}
        s = self.feed.stops[stop]
        if s.lat is None or s.lon is None:
            return Place(stops, stop=stop)
        for other, metres in self._near(s.lat, s.lon):
            if other != stop:
                stops[other] = walk_seconds(metres, speed_m_per_min)
        return Place(stops, stop=stop, lat=s.lat, lon=s.lon)

    def place_at(self, lat: float, lon: float, speed_m_per_min: int = 80) -> Place:
        stops = {i: walk_seconds(m, speed_m_per_min) for i, m in self._near(lat, lon)}
        return Place(stops, lat=lat, lon=lon)

    def _walk_only(self, origin: Place, destination: Place, speed_m_per_min: int) -> int | None:
        """Seconds of walking straight from origin to destination, None if too far."""
        if origin.stop is not None and origin.stop == destination.stop:
            return 0
        if origin.lat is None or origin.lon is None:
            return None
        if destination.lat is None or destination.lon is None:
            return None
        metres = rounded_metres(origin.lat, origin.lon, destination.lat, destination.lon)
        if metres > self.max_walk_m:
            return None
        return walk_seconds(metres, speed_m_per_min)

    # --- the timetable of a date ----------------------------------------------------------

    def service_runs_on(self, service_id: str, day: date) -> bool:
        added = removed = False
        for d in self.feed.calendar_dates:
            if d.service_id == service_id and d.date == day:
                if d.exception_type == 1:
                    added = True
                elif d.exception_type == 2:
                    removed = True
        if added:
            return True
        in_calendar = any(
            c.service_id == service_id and c.weekdays[day.weekday()]
            and c.start_date <= day <= c.end_date
            for c in self.feed.calendars
        )
        return in_calendar and not removed

    def runs(self, day: date, step_free: bool = False) -> list[_Run]:
        """Every run of the service days day − 1, day, day + 1, times after day's midnight."""
        key = (day, step_free)
        if key not in self._runs_cache:
            self._runs_cache[key] = self._expand(day, step_free)
        return self._runs_cache[key]

    def _expand(self, day: date, step_free: bool) -> list[_Run]:
        feed = self.feed
        frequencies_of: dict[str, list[tuple[int, int, int]]] = {}
        for f in feed.frequencies:
            if f.headway_secs <= 0:
                raise ValueError(f"frequency of {f.trip_id} with headway {f.headway_secs}")
            frequencies_of.setdefault(f.trip_id, []).append(
                (f.start_time, f.end_time, f.headway_secs))
        runs: list[_Run] = []
        for day_offset in (-1, 0, 1):
            service_day = day + timedelta(days=day_offset)
            active = {s: self.service_runs_on(s, service_day)
                      for s in {t.service_id for t in feed.trips}}
            for t, trip in enumerate(feed.trips):
                if not active[trip.service_id]:
                    continue
                if step_free and trip.wheelchair_accessible != ACCESS_YES:
                    continue
                rows = range(self._trip_start[t], self._trip_start[t + 1])
                if len(rows) < 2:
                    continue
                if trip.trip_id in frequencies_of:
                    first_departure = self._st_departure[rows[0]]
                    shifts = []
                    for start, end, headway in frequencies_of[trip.trip_id]:
                        run_start = start
                        while run_start < end:
                            shifts.append(run_start - first_departure)
                            run_start += headway
                else:
                    shifts = [0]
                for shift in shifts:
                    runs.append(self._run(t, rows, day_offset * DAY + shift, step_free))
        return runs

    def _run(self, trip: int, rows: range, shift: int, step_free: bool) -> _Run:
        stops = tuple(self._st_stop[r] for r in rows)
        stop_ok = [self._step_free_stop[s] or not step_free for s in stops]
        return _Run(
            trip=trip,
            stops=stops,
            arrivals=tuple(self._st_arrival[r] + shift for r in rows),
            departures=tuple(self._st_departure[r] + shift for r in rows),
            pickup=tuple(self._st_pickup[r] != NONE_AVAILABLE and ok
                         for r, ok in zip(rows, stop_ok, strict=True)),
            drop_off=tuple(self._st_drop_off[r] != NONE_AVAILABLE and ok
                           for r, ok in zip(rows, stop_ok, strict=True)),
        )

    # --- queries --------------------------------------------------------------------------

    def depart_at(self, origin: Place, destination: Place, day: date, time: int, *,
                  max_trips: int = 5, speed_m_per_min: int = 80,
                  step_free: bool = False) -> list[ParetoPoint]:
        """Pareto set of (arrival, trips) leaving the origin at `time` or later."""
        answers: list[ParetoPoint] = []
        best = _INF
        walk = self._walk_only(origin, destination, speed_m_per_min)
        if walk is not None:
            best = time + walk
            answers.append(ParetoPoint(best, 0))

        # No stop can be ready before `time`, so runs that cannot be boarded by then go.
        runs = [r for r in self.runs(day, step_free) if r.latest_boarding >= time]
        ready = [_INF] * self._stop_count
        for s, w in origin.stops.items():
            ready[s] = min(ready[s], time + w)

        for trips in range(1, max_trips + 1):
            ride = [_INF] * self._stop_count
            for run in runs:
                stops, departures = run.stops, run.departures
                boarded = -1
                for i in range(len(stops) - 1):
                    if run.pickup[i] and ready[stops[i]] <= departures[i]:
                        boarded = i
                        break
                if boarded < 0:
                    continue
                for j in range(boarded + 1, len(stops)):
                    if run.drop_off[j] and run.arrivals[j] < ride[stops[j]]:
                        ride[stops[j]] = run.arrivals[j]

            arrival = min((ride[s] + w for s, w in destination.stops.items() if ride[s] < _INF),
                          default=_INF)
            if arrival < best:
                best = arrival
                answers.append(ParetoPoint(arrival, trips))

            next_ready = list(ready)
            for q in range(self._stop_count):
                if ride[q] >= _INF:
                    continue
                next_ready[q] = min(next_ready[q], ride[q])
                for p, metres in self._neighbours[q]:
                    next_ready[p] = min(next_ready[p], ride[q] + walk_seconds(metres,
                                                                              speed_m_per_min))
            if next_ready == ready:  # later rounds would ride exactly as this one
                break
            ready = next_ready
        return answers

    def arrive_by(self, origin: Place, destination: Place, day: date, time: int, *,
                  max_trips: int = 5, speed_m_per_min: int = 80,
                  step_free: bool = False) -> list[ParetoPoint]:
        """Pareto set of (departure from the origin, trips) arriving by `time` at the latest."""
        answers: list[ParetoPoint] = []
        best = -_INF
        walk = self._walk_only(origin, destination, speed_m_per_min)
        if walk is not None:
            best = time - walk
            answers.append(ParetoPoint(best, 0))

        # No stop can be left after `time`, so runs that cannot be alighted by then go.
        runs = [r for r in self.runs(day, step_free) if r.earliest_alighting <= time]
        # ready[s]: the latest time the rider may be at s (having alighted) and still arrive.
        ready = [-_INF] * self._stop_count
        for s, w in destination.stops.items():
            ready[s] = max(ready[s], time - w)

        for trips in range(1, max_trips + 1):
            ride = [-_INF] * self._stop_count  # latest departure boarding at s
            for run in runs:
                stops, arrivals = run.stops, run.arrivals
                alighted = -1
                for j in range(len(stops) - 1, 0, -1):
                    if run.drop_off[j] and arrivals[j] <= ready[stops[j]]:
                        alighted = j
                        break
                if alighted < 0:
                    continue
                for i in range(alighted):
                    if run.pickup[i] and run.departures[i] > ride[stops[i]]:
                        ride[stops[i]] = run.departures[i]

            departure = max((ride[s] - w for s, w in origin.stops.items() if ride[s] > -_INF),
                            default=-_INF)
            if departure > best:
                best = departure
                answers.append(ParetoPoint(departure, trips))

            next_ready = list(ready)
            for q in range(self._stop_count):
                if ride[q] <= -_INF:
                    continue
                next_ready[q] = max(next_ready[q], ride[q])
                for p, metres in self._neighbours[q]:
                    next_ready[p] = max(next_ready[p], ride[q] - walk_seconds(metres,
                                                                              speed_m_per_min))
            if next_ready == ready:
                break
            ready = next_ready
        return answers
