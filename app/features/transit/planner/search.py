"""The round-based search (RAPTOR) over one direction of the timetable, vectorised with
NumPy: round k finds, for every stop, the earliest time it can be reached with k trips,
and the destination's best time with k trips makes the Pareto set (docs/transit-planner.md).

A round boards, at every stop improved in the round before, the first run of each pattern
that leaves there no earlier than the rider is there: one `searchsorted` over every
pattern's columns at once (`Direction.departure_key`). Runs never overtake within a pattern,
so the run a rider is on at a later position is the smallest run boarded at any earlier
one: a running minimum along each pattern, done for all patterns at once by giving each
pattern's keys an offset that makes them smaller than every earlier pattern's. Then one walk
from every stop reached by riding. Runs of the service days D - 1, D and D + 1 are three
layers searched alike, each skipped where it cannot help."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np

from app.features.transit.planner.ranges import concat_ranges, segment_ids
from app.features.transit.planner.timetable import TIME_LIMIT, Direction, Timetable

INF = np.int64(1 << 62)
LOCAL_BITS = 16  # positions within a pattern < 65,536
NONE_KEY = np.int64((1 << 40) - 1)  # runs within a pattern < 2**24
SEGMENT = np.int64(1 << 40)
CANDIDATE_BITS = 24
DAY_OFFSETS = (0, -1, 1)


@dataclass
class RoundLabels:
    """What round k reached (INF where nothing new): by riding (`ride_*`) and then by one
    walk (`walk_*`). Round 0 holds the origin's access walks as walks from -1."""

    ride_time: np.ndarray
    ride_board: np.ndarray  # direction position boarded
    ride_alight: np.ndarray  # direction position alighted
    ride_column: np.ndarray  # time index of the run at the alighting position
    ride_shift: np.ndarray  # the layer's shift
    walk_time: np.ndarray
    walk_from: np.ndarray

    @classmethod
    def empty(cls, stops: int) -> RoundLabels:
        def full(value: np.int64 | int) -> np.ndarray:
            return np.full(stops, value, dtype=np.int64)
        return cls(full(INF), full(-1), full(-1), full(-1), full(0), full(INF), full(-1))


@dataclass
class SearchResult:
    direction: Direction
    start: int  # the query time in the direction's frame
    rounds: list[RoundLabels]
    pareto: list[tuple[int, int, int]] = field(default_factory=list)  # (trips, time, stop)


@dataclass(frozen=True)
class SearchOptions:
    max_trips: int = 5
    speed_m_per_min: int = 80
    step_free: bool = False


def walk_seconds(metres: np.ndarray | int, speed_m_per_min: int) -> np.ndarray:
    """ceil(metres x 78 / speed): 1.3 times the straight line, at the speed in m/min."""
    m = np.asarray(metres, dtype=np.int64)
    return -((-m * 78) // speed_m_per_min)


class Searcher:
    """Per timetable: caches what does not depend on the query (walk times per speed,
    pattern time bounds per direction, running patterns per day)."""

    def __init__(self, timetable: Timetable) -> None:
        self.timetable = timetable
        self._walks: dict[int, np.ndarray] = {}
        self._bounds: dict[bool, tuple[np.ndarray, np.ndarray]] = {}
        self._running: dict[date, np.ndarray] = {}

    def walk_times(self, speed: int) -> np.ndarray:
        if speed not in self._walks:
            self._walks[speed] = walk_seconds(self.timetable.arrays["walk_metres"], speed)
        return self._walks[speed]

    def bounds(self, direction: Direction) -> tuple[np.ndarray, np.ndarray]:
        """Each pattern's earliest and latest departure in the direction's frame."""
        if direction.forward not in self._bounds:
            first = direction.pat_first_pos
            starts = direction.pos_time_start[first[:-1]] if first.size > 1 else first[:0]
            # A pattern's cells are contiguous in time order in both directions.
            if direction.departure.size:
                low = np.minimum.reduceat(direction.departure, starts)
                high = np.maximum.reduceat(direction.departure, starts)
            else:
                low = high = np.zeros(0, dtype=np.int64)
            self._bounds[direction.forward] = (low, high)
        return self._bounds[direction.forward]

    def running(self, day: date) -> np.ndarray:
        if day not in self._running:
            if len(self._running) > 8:
                self._running.clear()
            self._running[day] = self.timetable.patterns_running(day)
        return self._running[day]

    def search(self, direction: Direction, day: date, start: int,
               sources: Mapping[int, int], targets: Mapping[int, int],
               options: SearchOptions, best_known: int = int(INF)) -> SearchResult:
        """`start` and the result's times are in the direction's frame; `sources` and
        `targets` map stops to walking seconds (0 at the place's own stop). `best_known`: a
        time at the destination to beat (the walk-only answer)."""
        tt = self.timetable
        stops = tt.stop_count
        step_free = tt.arrays["stop_step_free"] if options.step_free else None
        walk_time = self.walk_times(options.speed_m_per_min)
        walk_start, walk_to = tt.arrays["walk_start"], tt.arrays["walk_to"]
        low, high = self.bounds(direction)
        layers = []
        for offset in DAY_OFFSETS:
            running = self.running(day + timedelta(days=offset))
            if options.step_free:
                running = running & tt.arrays["pat_step_free"]
            shift = direction.layer_shift(offset)
            # A layer whose runs all leave before the start can never be boarded.
            running = running & (high + shift >= start)
            if running.any():
                layers.append((shift, running))
        target_stops = np.fromiter(targets.keys(), dtype=np.int64, count=len(targets))
        target_walks = np.fromiter(targets.values(), dtype=np.int64, count=len(targets))

        best_ride = np.full(stops, INF, dtype=np.int64)
        best_any = np.full(stops, INF, dtype=np.int64)
        origin = RoundLabels.empty(stops)
        for stop, seconds in sources.items():
            if start + seconds < origin.walk_time[stop]:
                origin.walk_time[stop] = start + seconds
        best_any[:] = origin.walk_time
        marked = np.flatnonzero(origin.walk_time < INF)
        result = SearchResult(direction, start, [origin])
        best_dest = np.int64(best_known)

        for trips in range(1, options.max_trips + 1):
            if marked.size == 0:
                break
            labels = RoundLabels.empty(stops)
            found = self._ride(direction, layers, marked, best_any, best_ride, best_dest,
                               step_free, low)
            if found is None:
                break
            improved, times, board, alight, column, shifts = found
            labels.ride_time[improved] = times
            labels.ride_board[improved] = board
            labels.ride_alight[improved] = alight
            labels.ride_column[improved] = column
            labels.ride_shift[improved] = shifts
            best_ride[improved] = times
            newly = improved[times < best_any[improved]]
            best_any[improved] = np.minimum(best_any[improved], times)
            # One walk from every stop reached by riding in this round.
            edges = concat_ranges(walk_start[improved], walk_start[improved + 1])
            if edges.size:
                counts = walk_start[improved + 1] - walk_start[improved]
                src = np.repeat(improved, counts)
                to = walk_to[edges].astype(np.int64)
                at = labels.ride_time[src] + walk_time[edges]
                keep = (at < best_any[to]) & (at < best_dest)
                if keep.any():
                    src, to, at = src[keep], to[keep], at[keep]
                    composite = (at << CANDIDATE_BITS) | np.arange(at.size, dtype=np.int64)
                    best = np.full(stops, INF, dtype=np.int64)
                    np.minimum.at(best, to, composite)
                    walked = np.flatnonzero(best < INF)
                    pick = best[walked] & ((1 << CANDIDATE_BITS) - 1)
                    labels.walk_time[walked] = at[pick]
                    labels.walk_from[walked] = src[pick]
                    best_any[walked] = at[pick]
                    newly = np.union1d(newly, walked)
            result.rounds.append(labels)
            if target_stops.size:
                arriving = labels.ride_time[target_stops] + target_walks
                k = int(np.argmin(arriving))
                if arriving[k] < best_dest:
                    best_dest = arriving[k]
                    result.pareto.append((trips, int(best_dest), int(target_stops[k])))
            marked = newly
        return result

    def _ride(self, direction: Direction, layers: list[tuple[int, np.ndarray]],
              marked: np.ndarray, best_any: np.ndarray, best_ride: np.ndarray,
              best_dest: np.int64, step_free: np.ndarray | None, low: np.ndarray
              ) -> tuple[np.ndarray, ...] | None:
        d = direction
        pos = d.stop_pos[concat_ranges(d.stop_pos_start[marked], d.stop_pos_start[marked + 1])]
        # Ascending positions: the searches below then walk the key array in order (cache).
        pos.sort()
        if step_free is not None:
            pos = pos[step_free[d.pos_stop[pos]]]
        if pos.size == 0:
            return None
        at = best_any[d.pos_stop[pos]]
        parts: list[tuple[np.ndarray, ...]] = []
        for shift, running in layers:
            # Runs that all leave after the best time at the destination cannot help.
            live = running & (low + shift < best_dest)
            on = live[d.pos_pattern[pos]]
            g = pos[on]
            if g.size == 0:
                continue
            need = np.clip(at[on] - shift, 0, TIME_LIMIT - 1)
            index = np.searchsorted(d.departure_key, g * TIME_LIMIT + need)
            ok = index < d.pos_time_start[g] + d.pos_runs[g]
            g, index = g[ok], index[ok]
            if g.size == 0:
                continue
            parts.append(self._along(d, g, index - d.pos_time_start[g], shift, step_free))
        if not parts:
            return None
        stop = np.concatenate([p[0] for p in parts])
        time = np.concatenate([p[1] for p in parts])
        keep = (time < best_ride[stop]) & (time < best_dest)
        if not keep.any():
            return None
        stop, time = stop[keep], time[keep]
        board = np.concatenate([p[2] for p in parts])[keep]
        alight = np.concatenate([p[3] for p in parts])[keep]
        column = np.concatenate([p[4] for p in parts])[keep]
        shift_of = np.concatenate([p[5] for p in parts])[keep]
        composite = (time << CANDIDATE_BITS) | np.arange(time.size, dtype=np.int64)
        best = np.full(best_any.size, INF, dtype=np.int64)
        np.minimum.at(best, stop, composite)
        improved = np.flatnonzero(best < INF)
        pick = best[improved] & ((1 << CANDIDATE_BITS) - 1)
        return improved, time[pick], board[pick], alight[pick], column[pick], shift_of[pick]

    @staticmethod
    def _along(d: Direction, g: np.ndarray, run: np.ndarray, shift: int,
               step_free: np.ndarray | None) -> tuple[np.ndarray, ...]:
        """Boarded `run` at positions `g`: where each pattern can be left, with which run."""
        patterns = np.unique(d.pos_pattern[g])
        starts = d.pat_first_pos[patterns]
        lengths = d.pat_first_pos[patterns + 1] - starts
        span = concat_ranges(starts, starts + lengths)
        segment = segment_ids(lengths)
        values = np.full(span.size, NONE_KEY, dtype=np.int64)
        local = d.pos_local[g]
        # Equal runs: prefer the later boarding (less time on board, same arrival).
        values[np.searchsorted(span, g)] = (run << LOCAL_BITS) | ((1 << LOCAL_BITS) - 1 - local)
        offset = segment * SEGMENT
        running = np.minimum.accumulate(values - offset)
        before = np.empty_like(running)
        before[1:] = running[:-1]
        if before.size:
            before[0] = NONE_KEY
        before += offset
        # (A pattern's first position already gets a value >= NONE_KEY from the offsets.)
        before[np.cumsum(lengths) - lengths] = NONE_KEY
        usable = (before < NONE_KEY) & d.alight_ok[span]
        if step_free is not None:
            usable &= step_free[d.pos_stop[span]]
        where = span[usable]
        key = before[usable]
        runs = key >> LOCAL_BITS
        board_local = (1 << LOCAL_BITS) - 1 - (key & ((1 << LOCAL_BITS) - 1))
        column = d.pos_time_start[where] + runs
        time = d.arrival[column] + shift
        board = where - (d.pos_local[where] - board_local)
        return (d.pos_stop[where], time, board, where, column,
                np.full(where.size, shift, dtype=np.int64))
