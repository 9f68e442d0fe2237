"""Small hand-made GTFS feeds for the transit planner tests, built directly as `Feed` objects
(no files, no reader):

    feed = make_feed(
        stops=[("A", 34.0, 134.0), ("B", 34.01, 134.0)],
        trips=[("T1", "svc", [("A", "08:00:00", "08:00:00"), ("B", "08:10:00", "08:10:00")])],
    )

A stop is `(stop_id, lat, lon)` or a `Stop`. A trip is `(trip_id, service_id, stop_times)` or
`(trip_id, service_id, stop_times, wheelchair_accessible)`; a stop time is
`(stop_id, arrival, departure)` or `(stop_id, arrival, departure, pickup_type,
drop_off_type)`, times as "HH:MM:SS" (past 24:00:00 allowed). Without `calendars` every
service runs every day (2000-01-01 .. 2099-12-31); with `calendars` (even an empty list) only
as given. Calendar dates and frequencies are objects or plain tuples
`(service_id, date, exception_type)` / `(trip_id, "HH:MM:SS", "HH:MM:SS", headway_secs)`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np

from backend.tiles.transit.gtfs.feed import (
    Agency,
    Calendar,
    CalendarDate,
    Feed,
    Frequency,
    Route,
    Stop,
    StopTimes,
    Trip,
)

StopTimeSpec = tuple[str, str, str] | tuple[str, str, str, int, int]
TripSpec = (
    tuple[str, str, Sequence[StopTimeSpec]] | tuple[str, str, Sequence[StopTimeSpec], int]
)
StopSpec = tuple[str, float, float] | Stop
CalendarDateSpec = tuple[str, date, int] | CalendarDate
FrequencySpec = tuple[str, str, str, int] | Frequency

ALL_DAYS = (True, True, True, True, True, True, True)
MONDAY_TO_FRIDAY = (True, True, True, True, True, False, False)


def seconds(hms: str) -> int:
    """'HH:MM:SS' (hours may pass 23) -> seconds."""
    hours, minutes, secs = (int(part) for part in hms.split(":"))
    return hours * 3600 + minutes * 60 + secs


def make_feed(
    *,
    stops: Sequence[StopSpec],
    trips: Sequence[TripSpec],
    calendars: Sequence[Calendar] | None = None,
    calendar_dates: Sequence[CalendarDateSpec] = (),
    frequencies: Sequence[FrequencySpec] = (),
) -> Feed:
    stop_objects = [s if isinstance(s, Stop) else Stop(s[0], s[0], s[1], s[2]) for s in stops]
    stop_index = {s.stop_id: i for i, s in enumerate(stop_objects)}
    if len(stop_index) != len(stop_objects):
        raise ValueError("duplicate stop_id")

    trip_objects: list[Trip] = []
    cols: dict[str, list[int]] = {
        name: [] for name in ("trip", "stop", "sequence", "arrival", "departure", "pickup",
                              "drop_off")
    }
    trip_start = [0]
    for t, spec in enumerate(trips):
        trip_id, service_id, stop_times = spec[0], spec[1], spec[2]
        wheelchair = spec[3] if len(spec) == 4 else 0
        if len(stop_times) < 2:
            raise ValueError(f"trip {trip_id} needs at least two stop times")
        trip_objects.append(Trip(trip_id, "R1", service_id, wheelchair_accessible=wheelchair))
        previous_departure = -1
        for sequence, st in enumerate(stop_times, start=1):
            stop_id, arrival_s, departure_s = st[0], st[1], st[2]
            pickup, drop_off = (st[3], st[4]) if len(st) == 5 else (0, 0)
            arrival, departure = seconds(arrival_s), seconds(departure_s)
            if not previous_departure <= arrival <= departure:
                raise ValueError(f"trip {trip_id}: times go backwards at {stop_id}")
            previous_departure = departure
            cols["trip"].append(t)
            cols["stop"].append(stop_index[stop_id])
            cols["sequence"].append(sequence)
            cols["arrival"].append(arrival)
            cols["departure"].append(departure)
            cols["pickup"].append(pickup)
            cols["drop_off"].append(drop_off)
        trip_start.append(len(cols["trip"]))
    if len({t.trip_id for t in trip_objects}) != len(trip_objects):
        raise ValueError("duplicate trip_id")

    stop_times_columns = StopTimes(
        trip=np.array(cols["trip"], dtype=np.int32),
        stop=np.array(cols["stop"], dtype=np.int32),
        sequence=np.array(cols["sequence"], dtype=np.int32),
        arrival=np.array(cols["arrival"], dtype=np.int32),
        departure=np.array(cols["departure"], dtype=np.int32),
        pickup_type=np.array(cols["pickup"], dtype=np.int8),
        drop_off_type=np.array(cols["drop_off"], dtype=np.int8),
        interpolated=np.zeros(len(cols["trip"]), dtype=bool),
        trip_start=np.array(trip_start, dtype=np.int64),
    )

    service_ids = sorted({t.service_id for t in trip_objects})
    if calendars is None:
        calendars = [Calendar(s, ALL_DAYS, date(2000, 1, 1), date(2099, 12, 31))
                     for s in service_ids]
    trip_ids = {t.trip_id for t in trip_objects}
    frequency_objects = [
        f if isinstance(f, Frequency) else Frequency(f[0], seconds(f[1]), seconds(f[2]), f[3])
        for f in frequencies
    ]
    for f in frequency_objects:
        if f.trip_id not in trip_ids:
            raise ValueError(f"frequency for unknown trip {f.trip_id}")

    return Feed(
        agencies=[Agency("AG", "Test Agency", "https://example.org", "Asia/Tokyo", "ja")],
        stops=stop_objects,
        routes=[Route("R1", "AG", "1", "Test route", 3)],
        trips=trip_objects,
        stop_times=stop_times_columns,
        calendars=list(calendars),
        calendar_dates=[d if isinstance(d, CalendarDate) else CalendarDate(*d)
                        for d in calendar_dates],
        frequencies=frequency_objects,
    )
