"""Journeys read back from a search's labels: legs in the order they are travelled, with
times in seconds after the query date's midnight (docs/transit-planner.md)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.features.transit.planner.search import SearchResult
from app.features.transit.planner.timetable import Direction, Timetable

ORIGIN = -1  # the origin or destination place itself, where it is not a stop


@dataclass(frozen=True)
class Leg:
    """A ride (`trip` >= 0) or a walk (`trip` == -1). Stops are indices into the
    timetable's stops, or ORIGIN for the place a walk starts or ends at."""

    from_stop: int
    to_stop: int
    departure: int
    arrival: int
    trip: int = -1
    route: int = -1
    board_position: int = -1  # forward positions: the stops passed are between them
    alight_position: int = -1
    run: int = -1
    day_offset: int = 0  # the run's service day is the query date + day_offset
    metres: int = 0

    @property
    def is_ride(self) -> bool:
        return self.trip >= 0


@dataclass(frozen=True)
class Journey:
    legs: tuple[Leg, ...]
    trips: int

    @property
    def departure(self) -> int:
        return self.legs[0].departure

    @property
    def arrival(self) -> int:
        return self.legs[-1].arrival

    @property
    def rides(self) -> tuple[Leg, ...]:
        return tuple(leg for leg in self.legs if leg.is_ride)


@dataclass(frozen=True)
class _Ride:
    board: int  # forward positions
    alight: int
    run: int
    day_offset: int


def journey_of(timetable: Timetable, result: SearchResult, trips: int, stop: int,
               walks: dict[int, tuple[int, int]], end_walks: dict[int, tuple[int, int]],
               walk_metres: np.ndarray, walk_seconds: np.ndarray) -> Journey:
    """The journey behind the Pareto point (`trips`, `stop`): `end_walks` are the target
    side's walks (stop -> (metres, seconds)), `walks` the source side's."""
    d = result.direction
    steps: list[_Ride | tuple[int, int]] = []  # rides, and walks as (from, to) in trace order
    k = trips
    while k > 0:
        labels = result.rounds[k]
        board = int(labels.ride_board[stop])
        alight = int(labels.ride_alight[stop])
        column = int(labels.ride_column[stop])
        shift = int(labels.ride_shift[stop])
        run_local = column - int(d.pos_time_start[alight])
        boarded_at = int(d.pos_stop[board])
        leaves = int(d.departure[int(d.pos_time_start[board]) + run_local]) + shift
        steps.append(_forward_ride(d, board, alight, column, shift))
        for j in range(k - 1, -1, -1):
            earlier = result.rounds[j]
            if earlier.ride_time[boarded_at] <= leaves:
                stop, k = boarded_at, j
                break
            if earlier.walk_time[boarded_at] <= leaves:
                source = int(earlier.walk_from[boarded_at])
                steps.append((source, boarded_at))
                stop, k = (boarded_at if source < 0 else source), j
                break
        else:  # pragma: no cover - the search guarantees a label
            raise AssertionError("no label to board from")
    return _assemble(timetable, d, steps, trips, walks, end_walks, walk_metres, walk_seconds)


def _forward_ride(d: Direction, board: int, alight: int, column: int,
                  shift: int) -> _Ride:
    run = int(d.run_of_column[column])
    fb, fa = int(d.to_forward[board]), int(d.to_forward[alight])
    offset = shift // 86_400 if d.forward else -shift // 86_400
    if d.forward:
        return _Ride(fb, fa, run, offset)
    return _Ride(fa, fb, run, offset)


def _assemble(timetable: Timetable, d: Direction, steps: list[_Ride | tuple[int, int]],
              trips: int, source_walks: dict[int, tuple[int, int]],
              target_walks: dict[int, tuple[int, int]], walk_metres: np.ndarray,
              walk_seconds: np.ndarray) -> Journey:
    """Steps in chronological order: the forward trace runs from the destination back, the
    backward one from the origin on."""
    ordered = list(reversed(steps)) if d.forward else steps
    fwd = timetable.forward
    a = timetable.arrays
    legs: list[Leg] = []
    rides = [s for s in ordered if isinstance(s, _Ride)]
    first_ride, last_ride = rides[0], rides[-1]
    origin_walks = source_walks if d.forward else target_walks
    destination_walks = target_walks if d.forward else source_walks
    start_stop = _ride_stop(fwd, first_ride.board)
    end_stop = _ride_stop(fwd, last_ride.alight)
    if start_stop in origin_walks and origin_walks[start_stop][1] > 0:
        metres, seconds = origin_walks[start_stop]
        leaves = _time(fwd, first_ride.board, first_ride, departure=True)
        legs.append(Leg(ORIGIN, start_stop, leaves - seconds, leaves, metres=metres))
    previous: _Ride | None = None
    for step in ordered:
        if isinstance(step, _Ride):
            if previous is not None:
                legs.extend(_transfer(fwd, previous, step, a, walk_metres, walk_seconds))
            legs.append(_ride_leg(fwd, step, a))
            previous = step
    if end_stop in destination_walks and destination_walks[end_stop][1] > 0:
        metres, seconds = destination_walks[end_stop]
        arrives = _time(fwd, last_ride.alight, last_ride, departure=False)
        legs.append(Leg(end_stop, ORIGIN, arrives, arrives + seconds, metres=metres))
    return Journey(tuple(legs), trips)


def _ride_stop(fwd: Direction, position: int) -> int:
    return int(fwd.pos_stop[position])


def _time(fwd: Direction, position: int, ride: _Ride, *, departure: bool) -> int:
    column = int(fwd.pos_time_start[position]) + _run_local(fwd, position, ride.run)
    times = fwd.departure if departure else fwd.arrival
    return int(times[column]) + ride.day_offset * 86_400


def _run_local(fwd: Direction, position: int, run: int) -> int:
    start = int(fwd.pos_time_start[position])
    return int(run - fwd.run_of_column[start])


def _ride_leg(fwd: Direction, ride: _Ride, a: dict[str, np.ndarray]) -> Leg:
    pattern = int(fwd.pos_pattern[ride.board])
    return Leg(_ride_stop(fwd, ride.board), _ride_stop(fwd, ride.alight),
               _time(fwd, ride.board, ride, departure=True),
               _time(fwd, ride.alight, ride, departure=False),
               trip=int(a["run_trip"][ride.run]), route=int(a["pat_route"][pattern]),
               board_position=ride.board, alight_position=ride.alight, run=ride.run,
               day_offset=ride.day_offset)


def _transfer(fwd: Direction, before: _Ride, after: _Ride, a: dict[str, np.ndarray],
              walk_metres: np.ndarray, walk_seconds: np.ndarray) -> list[Leg]:
    here, there = _ride_stop(fwd, before.alight), _ride_stop(fwd, after.board)
    if here == there:
        return []
    start, end = int(a["walk_start"][here]), int(a["walk_start"][here + 1])
    edge = start + int(np.searchsorted(a["walk_to"][start:end], there))
    leaves = _time(fwd, before.alight, before, departure=False)
    return [Leg(here, there, leaves, leaves + int(walk_seconds[edge]),
                metres=int(walk_metres[edge]))]

