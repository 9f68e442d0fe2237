"""Completing and checking the times of stop times (columns sorted by trip, then
stop_sequence), with numpy over the whole feed at once.

- An empty arrival time takes the departure time and the other way round.
- A row with neither (between timepoints) is interpolated linearly between the timepoint
  before it (its departure) and the one after it (its arrival): by shape_dist_traveled when
  the three rows all give it and it grows from the one before to the one after, else by the
  count of stops. Times are rounded to the nearest second (halves up).
- Refused: a trip whose first or last stop time has no time; a departure before the arrival
  on one row; an arrival before the departure of the timepoint before it in the trip."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MISSING = -1  # an empty time in the input arrays
_GAP_KEY = 1 << 24  # more than any time in seconds (47:59:59 is 172,799)


@dataclass(frozen=True)
class TimeProblem:
    row: int  # index into the sorted columns
    field: str
    message: str


@dataclass
class CompletedTimes:
    arrival: np.ndarray  # int32
    departure: np.ndarray  # int32
    interpolated: np.ndarray  # bool
    problems: list[TimeProblem]


def format_time(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def complete_times(
    trip: np.ndarray, arrival: np.ndarray, departure: np.ndarray, dist: np.ndarray
) -> CompletedTimes:
    """`trip` (non-decreasing), `arrival` and `departure` (seconds, `MISSING` when empty) and
    `dist` (shape_dist_traveled, NaN when empty) are the sorted stop time columns. With
    problems, the times are returned as filled so far and nothing is interpolated."""
    arrival = arrival.astype(np.int64)
    departure = departure.astype(np.int64)
    only_departure = (arrival == MISSING) & (departure != MISSING)
    arrival[only_departure] = departure[only_departure]
    only_arrival = (departure == MISSING) & (arrival != MISSING)
    departure[only_arrival] = arrival[only_arrival]
    untimed = arrival == MISSING

    problems = _problems(trip, arrival, departure, untimed)
    if not problems and untimed.any():
        _interpolate(arrival, departure, dist, untimed)
    return CompletedTimes(
        arrival=arrival.astype(np.int32),
        departure=departure.astype(np.int32),
        interpolated=untimed,
        problems=problems,
    )


def _problems(
    trip: np.ndarray, arrival: np.ndarray, departure: np.ndarray, untimed: np.ndarray
) -> list[TimeProblem]:
    problems: list[TimeProblem] = []
    n = trip.shape[0]
    if n == 0:
        return problems
    starts = np.flatnonzero(np.r_[True, trip[1:] != trip[:-1]])
    ends = np.r_[starts[1:] - 1, n - 1]
    for rows, which in ((starts, "first"), (ends, "last")):
        for row in rows[untimed[rows]]:
            message = f"the {which} stop of a trip needs a time"
            problems.append(TimeProblem(int(row), "arrival_time", message))

    for row in np.flatnonzero(~untimed & (departure < arrival)):
        problems.append(
            TimeProblem(
                int(row),
                "departure_time",
                f"{format_time(int(departure[row]))} is before the arrival_time "
                f"{format_time(int(arrival[row]))}",
            )
        )

    timed = np.flatnonzero(~untimed)
    before, after = timed[:-1], timed[1:]
    backwards = (trip[after] == trip[before]) & (arrival[after] < departure[before])
    for previous, row in zip(before[backwards], after[backwards], strict=True):
        problems.append(
            TimeProblem(
                int(row),
                "arrival_time",
                f"{format_time(int(arrival[row]))} is before the departure_time "
                f"{format_time(int(departure[previous]))} of the stop before it",
            )
        )
    return sorted(problems, key=lambda p: p.row)


def _interpolate(
    arrival: np.ndarray, departure: np.ndarray, dist: np.ndarray, untimed: np.ndarray
) -> None:
    """Fill the untimed rows in place; every one lies between two timepoints of its trip."""
    n = untimed.shape[0]
    index = np.arange(n)
    previous = np.maximum.accumulate(np.where(untimed, -1, index))
    following = np.minimum.accumulate(np.where(untimed, n, index)[::-1])[::-1]
    rows = np.flatnonzero(untimed)
    p, q = previous[rows], following[rows]
    start = departure[p].astype(np.float64)
    end = arrival[q].astype(np.float64)
    by_count = (rows - p) / (q - p)
    d_p, d_r, d_q = dist[p], dist[rows], dist[q]
    with np.errstate(invalid="ignore", divide="ignore"):
        usable = (
            np.isfinite(d_p) & np.isfinite(d_r) & np.isfinite(d_q)
            & (d_q > d_p) & (d_p <= d_r) & (d_r <= d_q)
        )
        by_dist = (d_r - d_p) / (d_q - d_p)
    fraction = np.where(usable, by_dist, by_count)
    times = np.floor(start + (end - start) * fraction + 0.5).astype(np.int64)
    # Distances that go back and forth between two timepoints must not make time go back:
    # keep each gap's times non-decreasing (the key orders by gap, then by time).
    key = p * _GAP_KEY + times
    times = np.maximum.accumulate(key) - p * _GAP_KEY
    arrival[rows] = times
    departure[rows] = times
