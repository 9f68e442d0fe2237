"""stop_times.txt read column by column into the numpy columns of `StopTimes` (millions of
rows: no Python object per row), checked, sorted by trip then stop_sequence, and with the
times a feed leaves empty between timepoints interpolated (`interpolate.py`)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from .csv_table import ColumnParser, CsvTable, lookup_column, parse_int, parse_number, parse_time
from .errors import not_found
from .feed import REGULAR, StopTimes, Trip
from .interpolate import MISSING, complete_times

PICKUP_DROP_OFF = (0, 1, 2, 3)
_SEQUENCE_MAX = 2**31 - 1


_STOP_TIME_COLUMNS = (
    "trip_id", "stop_id", "stop_sequence", "arrival_time", "departure_time",
    "pickup_type", "drop_off_type", "shape_dist_traveled", "stop_headsign",
)


def _sequence(text: str) -> int:
    value = parse_int(text)
    if not 0 <= value <= _SEQUENCE_MAX:
        raise ValueError(f'"{text}" is out of range 0 to {_SEQUENCE_MAX}')
    return value


def _pickup_drop_off(text: str) -> int:
    try:
        value = parse_int(text)
    except ValueError:
        value = -1
    if value not in PICKUP_DROP_OFF:
        raise ValueError(f'"{text}" is not one of 0, 1, 2, 3')
    return value


def read_stop_times(table: CsvTable, trips: list[Trip], stop_index: Mapping[str, int]) -> StopTimes:
    """Read column by column (see `StopTimes`); a feed may have millions of stop times."""
    table.require_columns("trip_id", "stop_id", "stop_sequence", "arrival_time", "departure_time")
    trip_index = {t.trip_id: i for i, t in enumerate(trips)}
    problems = table.problems
    errors_before = len(problems.errors)
    parsers = (
        ColumnParser("stop_sequence", _sequence, np.int64),
        ColumnParser("arrival_time", parse_time, np.int64, MISSING),
        ColumnParser("departure_time", parse_time, np.int64, MISSING),
        ColumnParser("pickup_type", _pickup_drop_off, np.int8, REGULAR),
        ColumnParser("drop_off_type", _pickup_drop_off, np.int8, REGULAR),
        ColumnParser("shape_dist_traveled", parse_number, np.float64, np.nan, remember=False),
    )
    parts: dict[str, list[np.ndarray]] = {
        name: [] for name in ("trip_id", "stop_id", "line", *(p.field for p in parsers))
    }
    headsign_rows: list[int] = []
    headsigns: list[str] = []
    count = 0
    for chunk in table.column_chunks(_STOP_TIME_COLUMNS):
        for field, index, target in (
            ("trip_id", trip_index, "trips.txt"), ("stop_id", stop_index, "stops.txt")
        ):
            values = chunk.values[field]
            found = lookup_column(values, index)
            if (found < 0).any():
                unknown = {
                    value: not_found(field, value, target) if value.strip()
                    else "required value is empty"
                    for value in set(values).difference(index)
                }
                table.report(chunk.lines, field, values, unknown)
            parts[field].append(found)
        for parser in parsers:
            parts[parser.field].append(parser(table, chunk))
        parts["line"].append(np.asarray(chunk.lines, dtype=np.int64))
        named = chunk.values["stop_headsign"]
        rows = [k for k, text in enumerate(named) if text]
        headsign_rows.extend(count + k for k in rows)
        headsigns.extend(named[k] for k in rows)
        count += len(chunk.lines)

    if len(problems.errors) > errors_before:
        return _empty_stop_times(len(trips))
    columns: dict[str, np.ndarray] = {
        name: np.concatenate(arrays) if arrays else np.zeros(0, dtype=np.int64)
        for name, arrays in parts.items()
    }
    order = np.lexsort((columns["stop_sequence"], columns["trip_id"]))
    columns = {name: array[order] for name, array in columns.items()}
    trip, sequence, lines = columns["trip_id"], columns["stop_sequence"], columns["line"]

    repeated = np.flatnonzero((trip[1:] == trip[:-1]) & (sequence[1:] == sequence[:-1])) + 1
    for row in repeated:
        problems.error(
            table.file, int(lines[row]), "stop_sequence",
            f"{sequence[row]} is already used by this trip on line {lines[row - 1]}",
        )
    times = complete_times(
        trip, columns["arrival_time"], columns["departure_time"], columns["shape_dist_traveled"]
    )
    for problem in times.problems:
        problems.error(table.file, int(lines[problem.row]), problem.field, problem.message)

    trip_start = np.searchsorted(trip, np.arange(len(trips) + 1), side="left").astype(np.int64)
    unridable = np.flatnonzero(np.diff(trip_start) < 2)
    if unridable.size:
        examples = ", ".join(trips[i].trip_id for i in unridable[:3])
        problems.warn(
            f"stop_times.txt: {unridable.size} trips have fewer than 2 stop times and cannot "
            f"be ridden (e.g. {examples})"
        )
    position = np.empty(len(order), dtype=np.int64)
    position[order] = np.arange(len(order))
    distinct: dict[str, str] = {}  # one string per distinct headsign
    headsigns = list(map(distinct.setdefault, headsigns, headsigns))
    return StopTimes(
        trip=trip.astype(np.int32),
        stop=columns["stop_id"].astype(np.int32),
        sequence=sequence.astype(np.int32),
        arrival=times.arrival,
        departure=times.departure,
        pickup_type=columns["pickup_type"].astype(np.int8),
        drop_off_type=columns["drop_off_type"].astype(np.int8),
        interpolated=times.interpolated,
        trip_start=trip_start,
        stop_headsign=dict(zip(position[headsign_rows].tolist(), headsigns, strict=True)),
    )


def _empty_stop_times(trip_count: int) -> StopTimes:
    """Stand-in while a rejected feed's other files are still checked."""
    nothing = np.zeros(0, dtype=np.int32)
    return StopTimes(
        trip=nothing, stop=nothing, sequence=nothing, arrival=nothing, departure=nothing,
        pickup_type=nothing.astype(np.int8), drop_off_type=nothing.astype(np.int8),
        interpolated=nothing.astype(bool), trip_start=np.zeros(trip_count + 1, dtype=np.int64),
    )


# --- frequencies, fares ---------------------------------------------------------------------
