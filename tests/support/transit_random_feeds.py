"""Random small feeds that exercise every rule of docs/transit-planner.md at once: stops
close enough to walk between, poles of one place, loops that pass a stop twice, expresses
overtaking locals on the same stops, three services with calendar exceptions, trips past
24:00, frequency-based trips, no-pickup and no-drop-off stop times, step-free stops and
trips. For comparing the planner with the reference on thousands of queries."""

from __future__ import annotations

import random
from datetime import date, timedelta

from backend.tiles.transit.gtfs.feed import Calendar, CalendarDate, Feed, Stop
from tests.support.transit_feeds import make_feed

FIRST_DAY = date(2026, 11, 30)  # a Monday
DAYS = 14


def _hms(value: int) -> str:
    return f"{value // 3600:02d}:{value // 60 % 60:02d}:{value % 60:02d}"


def random_feed(seed: int, stops: int = 24, lines: int = 8) -> Feed:
    rng = random.Random(seed)
    stop_objects: list[Stop] = [Stop("STATION", "Station", 34.0, 134.0, location_type=1,
                                     wheelchair_boarding=1)]
    for i in range(stops):
        # A 3 km square: some stops a walk apart, most not.
        lat = 34.0 + rng.randrange(0, 270) * 0.0001
        lon = 134.0 + rng.randrange(0, 330) * 0.0001
        parent = "STATION" if i < 2 else ""
        stop_objects.append(Stop(f"S{i}", f"Stop {i}", lat, lon, parent_station=parent,
                                 wheelchair_boarding=rng.choice((0, 0, 1, 1, 2))))
        if rng.random() < 0.25:  # the pole across the road
            stop_objects.append(Stop(f"S{i}b", f"Stop {i}", lat + 0.0003, lon + 0.0002,
                                     wheelchair_boarding=rng.choice((0, 1))))
    ids = [s.stop_id for s in stop_objects if s.location_type == 0]
    services = ["weekday", "weekend", "daily"]
    trips = []
    frequencies = []
    for line in range(lines):
        path = rng.sample(ids, rng.randint(3, 7))
        if rng.random() < 0.2:
            path.append(path[1])  # a loop that passes a stop again
        accessible = rng.choice((0, 1, 1))
        for direction, stops_in_order in enumerate((path, list(reversed(path)))):
            minutes = [0]
            for _ in stops_in_order[1:]:
                minutes.append(minutes[-1] + rng.randint(1, 9))
            service = rng.choice(services)
            first = rng.randrange(5 * 3600, 8 * 3600, 300)
            last = rng.randrange(19 * 3600, 26 * 3600, 300)  # some run past midnight
            headway = rng.choice((900, 1200, 1800, 3600))
            pickups = [1 if (k == len(stops_in_order) - 1 and rng.random() < 0.5)
                       or rng.random() < 0.05 else 0 for k in range(len(stops_in_order))]
            drops = [1 if (k == 0 and rng.random() < 0.5) or rng.random() < 0.05 else 0
                     for k in range(len(stops_in_order))]
            if rng.random() < 0.25:  # one frequency-based trip instead of a timetable
                trip_id = f"L{line}-{direction}-freq"
                trips.append((trip_id, service, _stop_times(
                    stops_in_order, minutes, first, pickups, drops), accessible))
                frequencies.append((trip_id, _hms(first), _hms(last), headway))
                continue
            at = first
            n = 0
            while at <= last:
                trips.append((f"L{line}-{direction}-{n}", service, _stop_times(
                    stops_in_order, minutes, at, pickups, drops), accessible))
                if rng.random() < 0.15:  # an express a little later that overtakes
                    fast = [m // 2 for m in minutes]
                    trips.append((f"L{line}-{direction}-{n}x", service, _stop_times(
                        stops_in_order, fast, at + rng.randint(1, 4) * 60, pickups, drops),
                        accessible))
                at += headway + rng.choice((0, 0, 300))
                n += 1
    calendars = [
        Calendar("weekday", (True, True, True, True, True, False, False), FIRST_DAY,
                 FIRST_DAY + timedelta(days=DAYS - 1)),
        Calendar("weekend", (False, False, False, False, False, True, True), FIRST_DAY,
                 FIRST_DAY + timedelta(days=DAYS - 1)),
        Calendar("daily", (True,) * 7, FIRST_DAY + timedelta(days=1),
                 FIRST_DAY + timedelta(days=DAYS - 2)),
    ]
    exceptions = [CalendarDate("weekday", FIRST_DAY + timedelta(days=3), 2),
                  CalendarDate("weekend", FIRST_DAY + timedelta(days=3), 1),
                  CalendarDate("daily", FIRST_DAY + timedelta(days=7), 2)]
    return make_feed(stops=stop_objects, trips=trips, calendars=calendars,
                     calendar_dates=exceptions, frequencies=frequencies)


def _stop_times(stops: list[str], minutes: list[int], start: int, pickups: list[int],
                drops: list[int]) -> list[tuple[str, str, str, int, int]]:
    rows = []
    late = 0  # a minute's dwell at every third stop delays the rest
    for k, (stop, minute) in enumerate(zip(stops, minutes, strict=True)):
        arrival = start + minute * 60 + late
        dwell = 60 if k % 3 == 1 else 0
        rows.append((stop, _hms(arrival), _hms(arrival + dwell), pickups[k], drops[k]))
        late += dwell
    return rows
