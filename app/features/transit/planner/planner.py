"""The planner's public face: places, "depart at" and "arrive by" (docs/transit-planner.md).
One `Planner` per loaded timetable; queries are independent and may run in a thread."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from app.features.transit.planner.journeys import ORIGIN, Journey, Leg, journey_of
from app.features.transit.planner.search import (
    Searcher,
    SearchOptions,
    SearchResult,
    walk_seconds,
)
from app.features.transit.planner.timetable import MIRROR, Timetable

EARTH_RADIUS_M = 6_371_008.8


def haversine_metres(lat1: float, lon1: float, lat2: np.ndarray | float,
                     lon2: np.ndarray | float) -> np.ndarray:
    """Great-circle distances rounded to the nearest metre (the compiler's formula)."""
    p1, p2 = np.radians(lat1), np.radians(np.asarray(lat2, dtype=np.float64))
    dp = p2 - p1
    dl = np.radians(np.asarray(lon2, dtype=np.float64)) - np.radians(lon1)
    h = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return np.rint(2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(h))).astype(np.int64)


@dataclass(frozen=True)
class Place:
    """Where a journey starts or ends: a stop (with the stops a walk away) or a point."""

    lat: float
    lon: float
    stop: int | None
    near: dict[int, int]  # stop -> walking metres (0 for the place's own stop)


class Planner:
    def __init__(self, timetable: Timetable) -> None:
        self.timetable = timetable
        self.searcher = Searcher(timetable)

    # --- places -------------------------------------------------------------------------

    def place_at_stop(self, stop: int) -> Place:
        a = self.timetable.arrays
        start, end = int(a["walk_start"][stop]), int(a["walk_start"][stop + 1])
        near = {int(s): int(m) for s, m in zip(a["walk_to"][start:end].tolist(),
                                                a["walk_metres"][start:end].tolist(),
                                                strict=True)}
        near[stop] = 0
        return Place(float(a["stop_lat"][stop]), float(a["stop_lon"][stop]), stop, near)

    def place_at_stops(self, stops: tuple[int, ...]) -> Place:
        """A place of several poles (津山駅 のりば 1 and 2): each pole at 0 m, and each stop
        a walk from any of them at its shortest walk."""
        places = [self.place_at_stop(stop) for stop in stops]
        near: dict[int, int] = {}
        for place in places:
            for stop, metres in place.near.items():
                near[stop] = min(metres, near.get(stop, metres))
        for stop in stops:
            near[stop] = 0
        first = places[0]
        return Place(first.lat, first.lon, stops[0] if len(stops) == 1 else None, near)

    def place_at(self, lat: float, lon: float) -> Place:
        a = self.timetable.arrays
        metres = haversine_metres(lat, lon, a["stop_lat"], a["stop_lon"])
        within = np.flatnonzero(a["stop_routable"] & (metres <= self.timetable.max_walk_m))
        return Place(lat, lon, None, {int(s): int(metres[s]) for s in within})

    def walk_only_metres(self, origin: Place, destination: Place) -> int | None:
        if origin.stop is not None and origin.stop == destination.stop:
            return 0
        if origin.stop is not None and destination.stop is not None:
            return origin.near.get(destination.stop)
        metres = int(haversine_metres(origin.lat, origin.lon, destination.lat,
                                      destination.lon))
        return metres if metres <= self.timetable.max_walk_m else None

    # --- queries ------------------------------------------------------------------------

    def depart_at(self, origin: Place, destination: Place, day: date, time: int,
                  options: SearchOptions | None = None) -> list[Journey]:
        """The Pareto set over (arrival, trips), fewest trips first."""
        return self._query(origin, destination, day, time, options or SearchOptions(),
                           arrive_by=False)

    def arrive_by(self, origin: Place, destination: Place, day: date, time: int,
                  options: SearchOptions | None = None) -> list[Journey]:
        """The Pareto set over (departure from the origin, later better; trips)."""
        return self._query(origin, destination, day, time, options or SearchOptions(),
                           arrive_by=True)

    def _query(self, origin: Place, destination: Place, day: date, time: int,
               options: SearchOptions, *, arrive_by: bool) -> list[Journey]:
        """Depart-at searches forward from the origin at `time`; arrive-by searches the
        mirrored direction from the destination at MIRROR - `time` (docs/transit-planner.md).
        The walk-only answer, where there is one, is the time every trip must beat."""
        speed = options.speed_m_per_min
        sources = self._walks(destination if arrive_by else origin, speed)
        targets = self._walks(origin if arrive_by else destination, speed)
        journeys: list[Journey] = []
        walk = self.walk_only_metres(origin, destination)
        best = int(MIRROR * 4)
        if walk is not None:
            seconds = int(walk_seconds(walk, speed))
            leaves = time - seconds if arrive_by else time
            journeys.append(_walk_only(origin, destination, leaves, leaves + seconds, walk))
            best = MIRROR - leaves if arrive_by else time + seconds
        direction = self.timetable.backward if arrive_by else self.timetable.forward
        start = MIRROR - time if arrive_by else time
        result = self.searcher.search(direction, day, start,
                                      {s: w[1] for s, w in sources.items()},
                                      {s: w[1] for s, w in targets.items()}, options, best)
        journeys += self._journeys(result, sources, targets, speed)
        return journeys

    def _walks(self, place: Place, speed: int) -> dict[int, tuple[int, int]]:
        return {stop: (metres, int(walk_seconds(metres, speed)))
                for stop, metres in place.near.items()}

    def _journeys(self, result: SearchResult, sources: dict[int, tuple[int, int]],
                  targets: dict[int, tuple[int, int]], speed: int) -> list[Journey]:
        metres = self.timetable.arrays["walk_metres"]
        seconds = self.searcher.walk_times(speed)
        return [journey_of(self.timetable, result, trips, stop, sources, targets, metres,
                           seconds) for trips, _, stop in result.pareto]


def _walk_only(origin: Place, destination: Place, leaves: int, arrives: int,
               metres: int) -> Journey:
    start = origin.stop if origin.stop is not None else ORIGIN
    end = destination.stop if destination.stop is not None else ORIGIN
    return Journey((Leg(start, end, leaves, arrives, metres=metres),), 0)
