"""The compiled timetable as the planner reads it (docs/transit-timetable.md), and the two
directions it searches: forward for "depart at", backward (times mirrored, each pattern
read from its last stop) for "arrive by"."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

FORMAT_VERSION = 1
TIME_BITS = 20  # times in a direction's frame are below 2**20 s (about 12 days)
TIME_LIMIT = 1 << TIME_BITS
MIRROR = 4 * 86_400  # backward frame: t' = MIRROR - t, positive for t in (-4 d, 4 d)
REQUIRED = ("stop_lat", "stop_lon", "stop_routable", "stop_step_free", "pat_first_pos",
            "pat_first_run", "pat_service", "pat_step_free", "pat_route", "pos_stop",
            "pos_pickup", "pos_drop_off", "pos_time_start", "run_trip", "run_shift",
            "time_departure", "time_arrival", "walk_start", "walk_to", "walk_metres",
            "service_runs", "stop_zone", "fare_route", "fare_origin", "fare_destination",
            "fare_price")


class TimetableError(Exception):
    """The file is not a timetable this app can read (damaged, or a newer format)."""


@dataclass(frozen=True)
class Direction:
    """Patterns as the search scans them. Global position g belongs to pattern
    `pos_pattern[g]` at index `pos_local[g]`; its runs' times are
    `departure[pos_time_start[g] + r]` / `arrival[...]` for run r (ascending in r: runs
    never overtake within a pattern). `board_ok`/`alight_ok` are pickup/drop-off as seen in
    this direction (swapped backward). `forward` tells how layer shifts apply."""

    forward: bool
    pos_stop: np.ndarray
    pos_pattern: np.ndarray
    pos_local: np.ndarray
    pos_time_start: np.ndarray
    pos_runs: np.ndarray
    board_ok: np.ndarray
    alight_ok: np.ndarray
    pat_first_pos: np.ndarray
    departure: np.ndarray  # int64, this direction's frame
    arrival: np.ndarray
    departure_key: np.ndarray  # int64 g * TIME_LIMIT + departure, ascending
    run_of_column: np.ndarray  # time index -> global run index (into run_trip)
    stop_pos_start: np.ndarray  # CSR: positions where each stop can be boarded
    stop_pos: np.ndarray
    to_forward: np.ndarray  # this direction's position -> the forward position

    def layer_shift(self, day_offset: int) -> int:
        """Seconds added to stored times for runs of service day D + day_offset."""
        return day_offset * 86_400 if self.forward else -day_offset * 86_400


class Timetable:
    def __init__(self, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> None:
        missing = [name for name in REQUIRED if name not in arrays]
        if missing:
            raise TimetableError(f"the timetable lacks {', '.join(missing)}")
        if int(meta.get("format", 0)) != FORMAT_VERSION:
            raise TimetableError(f"timetable format {meta.get('format')} is not "
                                 f"{FORMAT_VERSION}")
        self.arrays = arrays
        self.meta = meta
        self.stop_count = int(arrays["stop_lat"].shape[0])
        self.first_day = date.fromisoformat(meta["first_day"])
        self.max_walk_m = int(meta["max_walk_m"])

    @classmethod
    def load(cls, path: Path) -> Timetable:
        return cls._read(path, "the timetable file")

    @classmethod
    def from_bytes(cls, body: bytes) -> Timetable:
        return cls._read(io.BytesIO(body), "the timetable")

    @classmethod
    def _read(cls, source: Path | io.BytesIO, what: str) -> Timetable:
        try:
            with np.load(source, allow_pickle=False) as data:
                arrays = {name: data[name] for name in data.files}
            meta = json.loads(arrays.pop("meta").tobytes().decode())
        except (OSError, ValueError, KeyError, UnicodeDecodeError) as exc:
            raise TimetableError(f"{what} cannot be read: {exc}") from exc
        return cls(arrays, meta)

    # --- what the search needs --------------------------------------------------------

    @cached_property
    def pattern_count(self) -> int:
        return int(self.arrays["pat_service"].shape[0])

    @cached_property
    def pos_pattern(self) -> np.ndarray:
        first = self.arrays["pat_first_pos"]
        return np.repeat(np.arange(self.pattern_count, dtype=np.int64), np.diff(first))

    @cached_property
    def pos_runs(self) -> np.ndarray:
        return np.diff(self.arrays["pat_first_run"])[self.pos_pattern]

    @cached_property
    def forward(self) -> Direction:
        a = self.arrays
        first = a["pat_first_pos"].astype(np.int64)
        pos_local = np.arange(first[-1], dtype=np.int64) - first[self.pos_pattern]
        departure = a["time_departure"].astype(np.int64)
        arrival = a["time_arrival"].astype(np.int64)
        time_start = a["pos_time_start"].astype(np.int64)
        runs = self.pos_runs
        run_of_column = (np.repeat(a["pat_first_run"][self.pos_pattern].astype(np.int64), runs)
                         + _local_runs(runs))
        return self._direction(True, a["pos_stop"].astype(np.int64), self.pos_pattern,
                               pos_local, time_start, runs, a["pos_pickup"],
                               a["pos_drop_off"], first, departure, arrival, run_of_column,
                               np.arange(first[-1], dtype=np.int64))

    @cached_property
    def backward(self) -> Direction:
        """Each pattern read from its last position to its first, runs in reverse order,
        t' = MIRROR - t: arriving by T backward is departing at MIRROR - T forward."""
        a = self.arrays
        fwd = self.forward
        first = fwd.pat_first_pos
        lengths = np.diff(first)
        # Backward position of global forward position g: same pattern, mirrored index.
        pattern = fwd.pos_pattern
        mirrored = first[pattern] + (lengths[pattern] - 1 - fwd.pos_local)
        order = np.argsort(mirrored, kind="stable")  # backward g' -> forward g
        runs = fwd.pos_runs[order]
        time_start = np.concatenate([[0], np.cumsum(runs)[:-1]]).astype(np.int64)
        # Column of forward g read backwards (last run first), placed at time_start[g'].
        source = (np.repeat(fwd.pos_time_start[order], runs)
                  + np.repeat(runs - 1, runs) - _local_runs(runs))
        departure = MIRROR - fwd.arrival[source]
        arrival = MIRROR - fwd.departure[source]
        run_of_column = fwd.run_of_column[source]
        return self._direction(False, fwd.pos_stop[order], pattern[order],
                               lengths[pattern[order]] - 1 - fwd.pos_local[order],
                               time_start, runs, a["pos_drop_off"][order],
                               a["pos_pickup"][order], first, departure, arrival,
                               run_of_column, order.astype(np.int64))

    def _direction(self, forward: bool, pos_stop: np.ndarray, pos_pattern: np.ndarray,
                   pos_local: np.ndarray, time_start: np.ndarray, runs: np.ndarray,
                   board_ok: np.ndarray, alight_ok: np.ndarray, first: np.ndarray,
                   departure: np.ndarray, arrival: np.ndarray,
                   run_of_column: np.ndarray, to_forward: np.ndarray) -> Direction:
        lengths = np.diff(first)
        last = pos_local == lengths[pos_pattern] - 1
        boardable = board_ok & ~last
        positions = np.flatnonzero(boardable)
        order = np.argsort(pos_stop[positions], kind="stable")
        stop_pos = positions[order]
        stop_pos_start = np.searchsorted(pos_stop[stop_pos],
                                         np.arange(self.stop_count + 1)).astype(np.int64)
        column = np.repeat(np.arange(pos_stop.size, dtype=np.int64), runs)
        key = column * TIME_LIMIT + np.clip(departure, 0, TIME_LIMIT - 1)
        return Direction(forward, pos_stop, pos_pattern, pos_local, time_start, runs,
                         boardable, alight_ok.astype(bool), first, departure, arrival, key,
                         run_of_column, stop_pos_start, stop_pos, to_forward)

    # --- service days -------------------------------------------------------------------

    def patterns_running(self, day: date) -> np.ndarray:
        """bool [patterns]: the pattern's service runs on `day`."""
        runs = self.arrays["service_runs"]
        index = (day - self.first_day).days
        if index < 0 or index >= runs.shape[1]:
            return np.zeros(self.pattern_count, dtype=bool)
        return runs[self.arrays["pat_service"], index]

    def service_period(self) -> tuple[date, date] | None:
        """The first and last day any service runs."""
        runs = self.arrays["service_runs"]
        days = np.flatnonzero(runs.any(axis=0))
        if days.size == 0:
            return None
        return (self.first_day + timedelta(days=int(days[0])),
                self.first_day + timedelta(days=int(days[-1])))


def _local_runs(runs: np.ndarray) -> np.ndarray:
    """0..runs[0]-1, 0..runs[1]-1, ... concatenated."""
    total = int(runs.sum())
    starts = np.cumsum(runs) - runs
    return np.arange(total, dtype=np.int64) - np.repeat(starts, runs)
