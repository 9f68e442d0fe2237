"""Trips grouped into patterns the planner can scan (docs/transit-timetable.md).

A pattern is a list of runs (a trip, or one departure of a frequency-based trip) that stop at
the same stops with the same pickup and drop-off rules, run on the same service, have the
same step-free flag, and never overtake one another: sorted by departure, each run is at or
after the one before at every stop, both arriving and departing. Runs of one stop list that
do overtake (an express behind a local) go into as many patterns as needed."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from backend.tiles.transit.gtfs.feed import ACCESS_YES, NONE_AVAILABLE, Feed


@dataclass
class Pattern:
    stops: np.ndarray  # int32 [positions]
    pickup: np.ndarray  # bool [positions]: boarding allowed
    drop_off: np.ndarray  # bool [positions]: alighting allowed
    service: int
    step_free: bool
    route: int
    trips: np.ndarray  # int32 [runs]: index into feed.trips
    shifts: np.ndarray  # int32 [runs]: seconds added to the trip's times (frequencies)
    departures: np.ndarray  # int32 [runs, positions]
    arrivals: np.ndarray  # int32 [runs, positions]


@dataclass(frozen=True)
class Run:
    trip: int
    shift: int


def runs_of(feed: Feed) -> list[Run]:
    """Every trip once, except that a trip in frequencies.txt runs once per headway of each
    of its rows instead (docs/transit-planner.md, "Frequencies")."""
    index = feed.trip_index()
    st = feed.stop_times
    by_template: dict[int, list[tuple[int, int, int]]] = {}
    for f in feed.frequencies:
        by_template.setdefault(index[f.trip_id], []).append(
            (f.start_time, f.end_time, f.headway_secs))
    runs: list[Run] = []
    for trip in range(len(feed.trips)):
        rows = by_template.get(trip)
        if rows is None:
            runs.append(Run(trip, 0))
            continue
        start = int(st.trip_start[trip])
        if int(st.trip_start[trip + 1]) == start:
            continue
        first = int(st.departure[start])
        for begin, end, headway in rows:
            runs.extend(Run(trip, departure - first)
                        for departure in range(begin, end, headway))
    return runs


def build_patterns(feed: Feed, service_index: dict[str, int]) -> list[Pattern]:
    st = feed.stop_times
    route_index = {r.route_id: i for i, r in enumerate(feed.routes)}
    pickup_ok = st.pickup_type != NONE_AVAILABLE
    drop_ok = st.drop_off_type != NONE_AVAILABLE
    keys: dict[int, tuple[bytes, bytes, bytes, int, bool, int]] = {}
    groups: dict[tuple[bytes, bytes, bytes, int, bool, int], list[Run]] = {}
    for run in runs_of(feed):
        key = keys.get(run.trip)
        if key is None:
            a, b = int(st.trip_start[run.trip]), int(st.trip_start[run.trip + 1])
            if b - a < 2:
                continue  # a trip of one stop cannot be ridden
            trip = feed.trips[run.trip]
            key = (st.stop[a:b].tobytes(), pickup_ok[a:b].tobytes(), drop_ok[a:b].tobytes(),
                   service_index[trip.service_id], trip.wheelchair_accessible == ACCESS_YES,
                   route_index[trip.route_id])
            keys[run.trip] = key
        groups.setdefault(key, []).append(run)
    patterns: list[Pattern] = []
    for key, runs in groups.items():
        patterns.extend(_fifo_patterns(feed, key, runs))
    return patterns


def _fifo_patterns(feed: Feed, key: tuple[bytes, bytes, bytes, int, bool, int],
                   runs: list[Run]) -> list[Pattern]:
    st = feed.stop_times
    stops = np.frombuffer(key[0], dtype=st.stop.dtype).astype(np.int32)
    pickup = np.frombuffer(key[1], dtype=bool).copy()
    drop_off = np.frombuffer(key[2], dtype=bool).copy()
    starts = np.array([int(st.trip_start[r.trip]) for r in runs], dtype=np.int64)
    shifts = np.array([r.shift for r in runs], dtype=np.int64)
    offsets = starts[:, None] + np.arange(stops.size)[None, :]
    departures = (st.departure[offsets].astype(np.int64) + shifts[:, None]).astype(np.int32)
    arrivals = (st.arrival[offsets].astype(np.int64) + shifts[:, None]).astype(np.int32)
    order = np.lexsort(tuple(departures[:, i] for i in range(stops.size - 1, -1, -1)))
    departures, arrivals = departures[order], arrivals[order]
    trips = np.array([runs[i].trip for i in order], dtype=np.int32)
    shifts32 = shifts[order].astype(np.int32)
    chains: list[list[int]] = []
    for row in range(len(order)):
        for chain in chains:
            last = chain[-1]
            if (np.all(departures[last] <= departures[row])
                    and np.all(arrivals[last] <= arrivals[row])):
                chain.append(row)
                break
        else:
            chains.append([row])
    step_free = key[4]
    made: list[Pattern] = []
    for chain in chains:
        rows = np.array(chain, dtype=np.int64)
        made.append(Pattern(stops, pickup, drop_off, key[3], step_free, key[5], trips[rows],
                            shifts32[rows], departures[rows], arrivals[rows]))
    return made
