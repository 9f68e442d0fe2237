"""A stop's departure board from the compiled timetable: the next runs leaving the stop on
the runs of the service days D - 1 and D (a run past midnight belongs to the day before)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from app.features.transit.planner.timetable import Timetable


@dataclass(frozen=True)
class Departure:
    time: int  # seconds after the day's midnight
    trip: int  # trips.txt index
    route: int
    run: int
    position: int  # forward position (the stops after it are where the run goes)
    day_offset: int


def departures(timetable: Timetable, stop: int, day: date, time: int,
               limit: int = 8) -> list[Departure]:
    fwd = timetable.forward
    a = timetable.arrays
    positions = fwd.stop_pos[fwd.stop_pos_start[stop]:fwd.stop_pos_start[stop + 1]]
    found: list[Departure] = []
    for offset in (-1, 0):
        running = timetable.patterns_running(day + timedelta(days=offset))
        for g in positions.tolist():
            pattern = int(fwd.pos_pattern[g])
            if not running[pattern]:
                continue
            start = int(fwd.pos_time_start[g])
            column = fwd.departure[start:start + int(fwd.pos_runs[g])] + offset * 86_400
            first = int(np.searchsorted(column, time))
            for r in range(first, min(first + limit, column.size)):
                run = int(fwd.run_of_column[start + r])
                found.append(Departure(int(column[r]), int(a["run_trip"][run]),
                                       int(a["pat_route"][pattern]), run, g, offset))
    found.sort(key=lambda d: (d.time, d.route, d.trip))
    return found[:limit]
