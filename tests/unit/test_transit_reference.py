"""The reference trip planner (tests/support/transit_reference.py) on small hand-made feeds,
each expected answer worked out by hand from docs/transit-planner.md.

Geometry used throughout: every stop is on the meridian 134° E, so the distance between two
stops is R × Δφ = 111,195.08 m per degree of latitude (R = 6,371,008.8 m):
0.001° = 111.195 m → 111 m, 0.002° = 222.39 m → 222 m, 0.004° = 444.78 m → 445 m,
0.008° = 889.56 m → 890 m (too far to walk), 0.05° ≈ 5.6 km (far apart).
A walk of m metres at v m/min takes ceil(m × 78 / v) s:
222 m at 80 → ceil(216.45) = 217 s; at 60 → ceil(288.6) = 289 s;
445 m at 80 → ceil(433.875) = 434 s (7 min 14 s); at 40 → ceil(867.75) = 868 s;
111 m at 80 → ceil(108.225) = 109 s; 389 m at 80 → ceil(379.275) = 380 s."""

from __future__ import annotations

import random
from datetime import date
from typing import Any

import pytest

from backend.tiles.transit.gtfs.feed import Calendar, Feed, Stop
from tests.support.transit_feeds import MONDAY_TO_FRIDAY, make_feed, seconds
from tests.support.transit_reference import ParetoPoint, Place, ReferencePlanner

LON = 134.0
WEDNESDAY = date(2025, 6, 4)
DAY = 86_400


def hms(text: str) -> int:
    return seconds(text)


def pp(time: str, trips: int) -> ParetoPoint:
    return ParetoPoint(hms(time), trips)


def only_on(day: date, service: str = "svc") -> dict[str, Any]:
    """Keyword arguments of make_feed for a service that runs on `day` alone (no calendar
    row, one calendar_dates addition), so D − 1 and D + 1 contribute nothing."""
    return {"calendars": [], "calendar_dates": [(service, day, 1)]}


def planner_and_index(feed: Feed) -> tuple[ReferencePlanner, dict[str, int]]:
    return ReferencePlanner(feed), feed.stop_index()


def stops_at(*names_and_lats: tuple[str, float]) -> list[tuple[str, float, float]]:
    return [(name, lat, LON) for name, lat in names_and_lats]


def depart(planner: ReferencePlanner, idx: dict[str, int], origin: str, destination: str,
           day: date, time: str, **options: Any) -> list[ParetoPoint]:
    speed = int(options.get("speed_m_per_min", 80))
    return planner.depart_at(planner.place_at_stop(idx[origin], speed),
                             planner.place_at_stop(idx[destination], speed),
                             day, hms(time), **options)


def arrive(planner: ReferencePlanner, idx: dict[str, int], origin: str, destination: str,
           day: date, time: str, **options: Any) -> list[ParetoPoint]:
    speed = int(options.get("speed_m_per_min", 80))
    return planner.arrive_by(planner.place_at_stop(idx[origin], speed),
                             planner.place_at_stop(idx[destination], speed),
                             day, hms(time), **options)


# --- geometry and places ------------------------------------------------------------------

def test_walk_metres_and_places() -> None:
    feed = make_feed(
        stops=[*stops_at(("A", 34.0), ("B", 34.002), ("F", 34.05)),
               Stop("S", "station", 34.001, LON, location_type=1)],
        trips=[("T1", "svc", [("A", "08:00:00", "08:00:00"), ("F", "08:10:00", "08:10:00")])],
    )
    planner, idx = planner_and_index(feed)
    assert planner.walk_metres(idx["A"], idx["B"]) == 222
    assert planner.walk_metres(idx["B"], idx["A"]) == 222
    # A: itself at 0 and B (222 m, 217 s); F is ~5.6 km away; the station S is never walked to.
    assert dict(planner.place_at_stop(idx["A"]).stops) == {idx["A"]: 0, idx["B"]: 217}
    assert dict(planner.place_at_stop(idx["A"], 60).stops) == {idx["A"]: 0, idx["B"]: 289}
    # A point at 34.001: A and B both 111 m away (109 s).
    assert dict(planner.place_at(34.001, LON).stops) == {idx["A"]: 109, idx["B"]: 109}


# --- riding -------------------------------------------------------------------------------

def test_direct_trip_and_the_next_days_run() -> None:
    # Daily service: T1 A 08:00 → B 08:10.
    feed = make_feed(stops=stops_at(("A", 34.0), ("B", 34.05)),
                     trips=[("T1", "svc", [("A", "08:00:00", "08:00:00"),
                                           ("B", "08:10:00", "08:10:00")])])
    planner, idx = planner_and_index(feed)
    # At 07:50 or exactly at 08:00 (a ≤ departure) the rider catches today's run.
    assert depart(planner, idx, "A", "B", WEDNESDAY, "07:50:00") == [pp("08:10:00", 1)]
    assert depart(planner, idx, "A", "B", WEDNESDAY, "08:00:00") == [pp("08:10:00", 1)]
    # One second late: tomorrow's (D + 1) run, arriving 08:10 + 86,400.
    assert depart(planner, idx, "A", "B", WEDNESDAY, "08:00:01") == [
        ParetoPoint(DAY + hms("08:10:00"), 1)]
    # No trip runs B → A.
    assert depart(planner, idx, "B", "A", WEDNESDAY, "07:00:00") == []


def test_same_stop_transfer_at_the_exact_time() -> None:
    # T1 A 08:00 → B 08:10, T2 B 08:10 → C 08:20 (a = d is allowed), T3 B 08:09:59 → D
    # (leaves one second before T1 arrives).
    feed = make_feed(
        stops=stops_at(("A", 34.0), ("B", 34.05), ("C", 34.10), ("D", 34.15)),
        trips=[("T1", "svc", [("A", "08:00:00", "08:00:00"), ("B", "08:10:00", "08:10:00")]),
               ("T2", "svc", [("B", "08:10:00", "08:10:00"), ("C", "08:20:00", "08:20:00")]),
               ("T3", "svc", [("B", "08:09:59", "08:09:59"), ("D", "08:30:00", "08:30:00")])],
        **only_on(WEDNESDAY),
    )
    planner, idx = planner_and_index(feed)
    assert depart(planner, idx, "A", "C", WEDNESDAY, "07:00:00") == [pp("08:20:00", 2)]
    assert depart(planner, idx, "A", "D", WEDNESDAY, "07:00:00") == []
    # Mirror: to reach C by 08:20 the rider leaves A at 08:00 with 2 trips.
    assert arrive(planner, idx, "A", "C", WEDNESDAY, "08:20:00") == [pp("08:00:00", 2)]
    assert arrive(planner, idx, "A", "D", WEDNESDAY, "09:00:00") == []


def walk_feed(t2_departure: str, t2_from: str = "C", t2_arrival: str = "08:30:00") -> Feed:
    """A 34.00, B 34.05, C 34.054 (445 m from B), D 34.058 (445 m from C, 890 m from B),
    E 34.10. T1 A 08:00 → B 08:10; T2 <t2_from> at t2_departure → E at t2_arrival.
    Wednesday only."""
    return make_feed(
        stops=stops_at(("A", 34.0), ("B", 34.05), ("C", 34.054), ("D", 34.058), ("E", 34.10)),
        trips=[("T1", "svc", [("A", "08:00:00", "08:00:00"), ("B", "08:10:00", "08:10:00")]),
               ("T2", "svc", [(t2_from, t2_departure, t2_departure),
                              ("E", t2_arrival, t2_arrival)])],
        **only_on(WEDNESDAY),
    )


def test_walk_transfer_exact_time() -> None:
    # Alight at B 08:10, walk 445 m (434 s) to C: there at 08:17:14, T2 leaves then.
    planner, idx = planner_and_index(walk_feed("08:17:14"))
    assert depart(planner, idx, "A", "E", WEDNESDAY, "07:00:00") == [pp("08:30:00", 2)]
    assert arrive(planner, idx, "A", "E", WEDNESDAY, "08:30:00") == [pp("08:00:00", 2)]
    # Slower walking, 40 m/min: 868 s, at C at 08:24:28, T2 is gone.
    assert depart(planner, idx, "A", "E", WEDNESDAY, "07:00:00", speed_m_per_min=40) == []
    assert arrive(planner, idx, "A", "E", WEDNESDAY, "08:30:00", speed_m_per_min=40) == []
    # One second too early: at C at 08:17:14 > 08:17:13.
    planner, idx = planner_and_index(walk_feed("08:17:13"))
    assert depart(planner, idx, "A", "E", WEDNESDAY, "07:00:00") == []
    assert arrive(planner, idx, "A", "E", WEDNESDAY, "08:30:00") == []


def test_walks_are_never_chained() -> None:
    # T2 leaves from D an hour later: B → C → D would be two walks, B → D is 890 m.
    planner, idx = planner_and_index(walk_feed("09:00:00", t2_from="D", t2_arrival="09:30:00"))
    assert depart(planner, idx, "A", "E", WEDNESDAY, "07:00:00") == []
    assert arrive(planner, idx, "A", "E", WEDNESDAY, "09:30:00") == []
    # The egress walk is the one walk after the last trip: alighting at B, the destination C
    # (445 m, 434 s) is reached at 08:17:14; the destination D (near C only) is not.
    assert depart(planner, idx, "A", "C", WEDNESDAY, "07:00:00") == [pp("08:17:14", 1)]
    assert depart(planner, idx, "A", "D", WEDNESDAY, "07:00:00") == []
    # Mirror: to be at C by 08:17:14 leave A at 08:00; one second less is too late.
    assert arrive(planner, idx, "A", "C", WEDNESDAY, "08:17:14") == [pp("08:00:00", 1)]
    assert arrive(planner, idx, "A", "C", WEDNESDAY, "08:17:13") == []
    assert arrive(planner, idx, "A", "D", WEDNESDAY, "09:00:00") == []
    # The access walk likewise: from C, D is 445 m (434 s) away, so leaving C by 08:52:46
    # the rider boards T2 at D at 09:00 → E 09:30.
    assert depart(planner, idx, "C", "E", WEDNESDAY, "08:52:46") == [pp("09:30:00", 1)]
    assert depart(planner, idx, "C", "E", WEDNESDAY, "08:52:47") == []
    # From B, D is 890 m away: no access.
    assert depart(planner, idx, "B", "E", WEDNESDAY, "07:00:00") == []


def pareto_feed() -> Feed:
    """A 34.00, B 34.05, Z 34.10, C 34.15, Wednesday only.
    T1 A 08:00 → Z 09:00 (slow, direct); T2 A 08:05 → B 08:15; T3 B 08:20 → Z 08:40;
    T4 B 08:16 → C 08:20; T5 C 08:21 → Z 08:35."""
    def trip(trip_id: str, a: str, dep: str, b: str, arr: str) -> tuple[str, str, list[
            tuple[str, str, str]]]:
        return (trip_id, "svc", [(a, dep, dep), (b, arr, arr)])
    return make_feed(
        stops=stops_at(("A", 34.0), ("B", 34.05), ("Z", 34.10), ("C", 34.15)),
        trips=[trip("T1", "A", "08:00:00", "Z", "09:00:00"),
               trip("T2", "A", "08:05:00", "B", "08:15:00"),
               trip("T3", "B", "08:20:00", "Z", "08:40:00"),
               trip("T4", "B", "08:16:00", "C", "08:20:00"),
               trip("T5", "C", "08:21:00", "Z", "08:35:00")],
        **only_on(WEDNESDAY),
    )


def test_more_trips_arriving_earlier_are_all_in_the_pareto_set() -> None:
    planner, idx = planner_and_index(pareto_feed())
    # 1 trip: T1 09:00. 2 trips: T2 + T3 08:40. 3 trips: T2 + T4 + T5 08:35.
    assert depart(planner, idx, "A", "Z", WEDNESDAY, "07:30:00") == [
        pp("09:00:00", 1), pp("08:40:00", 2),
        pp("08:35:00", 3)]
    # max_trips bounds the rounds.
    assert depart(planner, idx, "A", "Z", WEDNESDAY, "07:30:00", max_trips=2) == [
        pp("09:00:00", 1), pp("08:40:00", 2)]
    assert depart(planner, idx, "A", "Z", WEDNESDAY, "07:30:00", max_trips=1) == [
        pp("09:00:00", 1)]
    assert depart(planner, idx, "A", "Z", WEDNESDAY, "07:30:00", max_trips=0) == []
    # Leaving after 08:00 only the 2- and 3-trip journeys remain.
    assert depart(planner, idx, "A", "Z", WEDNESDAY, "08:01:00") == [
        pp("08:40:00", 2), pp("08:35:00", 3)]


def test_arrive_by_pareto_mirror() -> None:
    planner, idx = planner_and_index(pareto_feed())
    # By 09:00: 1 trip leaves A at 08:00 (T1); 2 trips at 08:05 (T2 + T3); 3 trips also at
    # 08:05 (T2 + T4 + T5), not strictly later, so not in the set.
    assert arrive(planner, idx, "A", "Z", WEDNESDAY, "09:00:00") == [
        pp("08:00:00", 1), pp("08:05:00", 2)]
    # By 08:45: T1 is too late, T2 + T3 leaves 08:05 with 2 trips.
    assert arrive(planner, idx, "A", "Z", WEDNESDAY, "08:45:00") == [
        pp("08:05:00", 2)]
    assert arrive(planner, idx, "A", "Z", WEDNESDAY, "08:45:00", max_trips=1) == []
    # By 08:39: only T2 + T4 + T5 (08:35).
    assert arrive(planner, idx, "A", "Z", WEDNESDAY, "08:39:00") == [
        pp("08:05:00", 3)]
    assert arrive(planner, idx, "A", "Z", WEDNESDAY, "08:39:00", max_trips=2) == []


# --- service days -------------------------------------------------------------------------

def midnight_feed() -> Feed:
    """Monday to Friday (2025): T1 A 24:30 → B 25:00; T2 A 23:00 → B 23:50."""
    return make_feed(
        stops=stops_at(("A", 34.0), ("B", 34.05)),
        trips=[("T1", "wk", [("A", "24:30:00", "24:30:00"), ("B", "25:00:00", "25:00:00")]),
               ("T2", "wk", [("A", "23:00:00", "23:00:00"), ("B", "23:50:00", "23:50:00")])],
        calendars=[Calendar("wk", MONDAY_TO_FRIDAY, date(2025, 1, 1), date(2025, 12, 31))],
    )


def test_trip_past_midnight_of_the_previous_service_day() -> None:
    planner, idx = planner_and_index(midnight_feed())
    saturday = date(2025, 6, 7)
    # Friday's T1 runs at 24:30 = Saturday 00:30 (1,800 s) → 01:00 (3,600 s).
    assert depart(planner, idx, "A", "B", saturday, "00:10:00") == [ParetoPoint(3600, 1)]
    # After 00:30 nothing: the service does not run on Saturday or Sunday.
    assert depart(planner, idx, "A", "B", saturday, "00:31:00") == []
    assert arrive(planner, idx, "A", "B", saturday, "01:00:00") == [ParetoPoint(1800, 1)]
    # By 00:59:59 only Friday's T2 (23:00 → 23:50, i.e. −3,600 → −600).
    assert arrive(planner, idx, "A", "B", saturday, "00:59:59") == [ParetoPoint(-3600, 1)]
    assert arrive(planner, idx, "A", "B", saturday, "00:10:00") == [ParetoPoint(-3600, 1)]


def test_calendar_dates_remove_and_add() -> None:
    monday_holiday = date(2025, 5, 5)  # こどもの日, a Monday
    feed = make_feed(
        stops=stops_at(("A", 34.0), ("B", 34.05)),
        trips=[("T1", "wk", [("A", "08:00:00", "08:00:00"), ("B", "08:10:00", "08:10:00")]),
               ("T2", "hol", [("A", "09:00:00", "09:00:00"), ("B", "09:10:00", "09:10:00")])],
        calendars=[Calendar("wk", MONDAY_TO_FRIDAY, date(2025, 1, 1), date(2025, 12, 31))],
        calendar_dates=[("wk", monday_holiday, 2), ("hol", monday_holiday, 1)],
    )
    planner, idx = planner_and_index(feed)
    # Monday 5 May: T1 removed, T2 added → 09:10 (Tuesday's T1 would be 86,400 s later).
    assert depart(planner, idx, "A", "B", monday_holiday, "07:00:00") == [
        pp("09:10:00", 1)]
    # After 09:00 on Monday: Tuesday's T1 at 08:10 + 86,400.
    assert depart(planner, idx, "A", "B", monday_holiday, "09:30:00") == [
        ParetoPoint(DAY + hms("08:10:00"), 1)]
    # Tuesday: T1 runs, T2 does not.
    tuesday = date(2025, 5, 6)
    assert depart(planner, idx, "A", "B", tuesday, "07:00:00") == [
        pp("08:10:00", 1)]
    # Arrive by 09:00 on Tuesday from Monday... the latest is Tuesday's T1 at 08:00.
    assert arrive(planner, idx, "A", "B", tuesday, "09:00:00") == [
        pp("08:00:00", 1)]
    # Arrive by 08:05 on Tuesday: Monday's T2 (added) at 09:00 − 86,400; Monday's T1 removed.
    assert arrive(planner, idx, "A", "B", tuesday, "08:05:00") == [
        ParetoPoint(hms("09:00:00") - DAY, 1)]
    assert planner.service_runs_on("wk", monday_holiday) is False
    assert planner.service_runs_on("hol", monday_holiday) is True
    assert planner.service_runs_on("hol", tuesday) is False


def test_frequencies_expand_and_the_template_does_not_run() -> None:
    # Template F: A 06:00 → B 06:04/06:05 → C 06:10. Runs start 08:00, 08:20, 08:40 (09:00
    # is not before the end 09:00) and 10:00, 10:10, 10:20; each shifted by start − 06:00.
    feed = make_feed(
        stops=stops_at(("A", 34.0), ("B", 34.05), ("C", 34.10)),
        trips=[("F", "svc", [("A", "06:00:00", "06:00:00"), ("B", "06:04:00", "06:05:00"),
                             ("C", "06:10:00", "06:10:00")])],
        frequencies=[("F", "08:00:00", "09:00:00", 1200), ("F", "10:00:00", "10:30:00", 600)],
        **only_on(WEDNESDAY),
    )
    planner, idx = planner_and_index(feed)
    # 05:00: the template's own 06:00 does not run; the 08:00 run reaches C at 08:10.
    assert depart(planner, idx, "A", "C", WEDNESDAY, "05:00:00") == [pp("08:10:00", 1)]
    assert depart(planner, idx, "A", "C", WEDNESDAY, "08:00:01") == [pp("08:30:00", 1)]
    # After 08:40 the next run is 10:00 → C 10:10.
    assert depart(planner, idx, "A", "C", WEDNESDAY, "08:40:01") == [pp("10:10:00", 1)]
    assert depart(planner, idx, "A", "C", WEDNESDAY, "10:20:01") == []
    # At B the 08:20 run arrives 08:24 and leaves 08:25: at B at 08:25 it is caught → 08:30.
    assert depart(planner, idx, "B", "C", WEDNESDAY, "08:25:00") == [pp("08:30:00", 1)]
    # At B: leaving at 08:05 arrives 08:04 — nothing runs A → B before 08:00.
    assert arrive(planner, idx, "A", "B", WEDNESDAY, "08:04:00") == [pp("08:00:00", 1)]
    assert arrive(planner, idx, "A", "B", WEDNESDAY, "08:03:59") == []
    assert arrive(planner, idx, "A", "C", WEDNESDAY, "09:59:59") == [pp("08:40:00", 1)]


# --- pickup, drop-off, step-free ----------------------------------------------------------

def test_pickup_and_drop_off_types() -> None:
    # T1: A (pickup 2 "phone") 08:00 → B (no pickup) 08:10 → C (no drop-off) 08:20 → D (drop-off 3
    # "ask the driver") 08:30.
    feed = make_feed(
        stops=stops_at(("A", 34.0), ("B", 34.05), ("C", 34.10), ("D", 34.15)),
        trips=[("T1", "svc", [("A", "08:00:00", "08:00:00", 2, 0),
                              ("B", "08:10:00", "08:10:00", 1, 0),
                              ("C", "08:20:00", "08:20:00", 0, 1),
                              ("D", "08:30:00", "08:30:00", 0, 3)])],
        **only_on(WEDNESDAY),
    )
    planner, idx = planner_and_index(feed)
    assert depart(planner, idx, "A", "B", WEDNESDAY, "07:00:00") == [pp("08:10:00", 1)]
    assert depart(planner, idx, "A", "D", WEDNESDAY, "07:00:00") == [pp("08:30:00", 1)]
    assert depart(planner, idx, "B", "D", WEDNESDAY, "07:00:00") == []  # no boarding at B
    assert depart(planner, idx, "A", "C", WEDNESDAY, "07:00:00") == []  # no alighting at C
    assert depart(planner, idx, "C", "D", WEDNESDAY, "07:00:00") == [pp("08:30:00", 1)]
    assert arrive(planner, idx, "B", "D", WEDNESDAY, "09:00:00") == []
    assert arrive(planner, idx, "A", "C", WEDNESDAY, "09:00:00") == []
    assert arrive(planner, idx, "A", "D", WEDNESDAY, "09:00:00") == [pp("08:00:00", 1)]


def test_step_free() -> None:
    # S: station (wheelchair_boarding 1). A: platform of S with 0 → takes 1. B: 1.
    # C: 0 without a parent → not step-free. E: platform of S with 2 → not step-free.
    # T1 A 08:00 → B 08:30 (accessible); T2 A 08:05 → B 08:20 (wheelchair_accessible 0);
    # T3 A 08:00 → C 08:30 (accessible); T4 E 08:00 → B 08:30 (accessible).
    feed = make_feed(
        stops=[Stop("S", "station", 34.0, LON, location_type=1, wheelchair_boarding=1),
               Stop("A", "A", 34.0, LON, parent_station="S"),
               Stop("B", "B", 34.05, LON, wheelchair_boarding=1),
               Stop("C", "C", 34.10, LON),
               Stop("E", "E", 34.20, LON, parent_station="S", wheelchair_boarding=2)],
        trips=[("T1", "svc", [("A", "08:00:00", "08:00:00"), ("B", "08:30:00", "08:30:00")], 1),
               ("T2", "svc", [("A", "08:05:00", "08:05:00"), ("B", "08:20:00", "08:20:00")], 0),
               ("T3", "svc", [("A", "08:00:00", "08:00:00"), ("C", "08:30:00", "08:30:00")], 1),
               ("T4", "svc", [("E", "08:00:00", "08:00:00"), ("B", "08:30:00", "08:30:00")], 1)],
        **only_on(WEDNESDAY),
    )
    planner, idx = planner_and_index(feed)
    assert depart(planner, idx, "A", "B", WEDNESDAY, "07:00:00") == [pp("08:20:00", 1)]
    assert depart(planner, idx, "A", "B", WEDNESDAY, "07:00:00", step_free=True) == [
        pp("08:30:00", 1)]
    assert depart(planner, idx, "A", "C", WEDNESDAY, "07:00:00") == [pp("08:30:00", 1)]
    assert depart(planner, idx, "A", "C", WEDNESDAY, "07:00:00", step_free=True) == []
    assert depart(planner, idx, "E", "B", WEDNESDAY, "07:00:00") == [pp("08:30:00", 1)]
    assert depart(planner, idx, "E", "B", WEDNESDAY, "07:00:00", step_free=True) == []
    assert arrive(planner, idx, "A", "B", WEDNESDAY, "09:00:00") == [pp("08:05:00", 1)]
    assert arrive(planner, idx, "A", "B", WEDNESDAY, "09:00:00", step_free=True) == [
        pp("08:00:00", 1)]
    assert arrive(planner, idx, "A", "C", WEDNESDAY, "09:00:00", step_free=True) == []


# --- walking only and coordinates ---------------------------------------------------------

def walk_only_feed() -> Feed:
    """A 34.000, B 34.002 (222 m), F 34.05. T1 A 08:00 → B 08:02; T2 A 08:01 → B 08:05;
    T3 A 08:00 → F 08:10. Wednesday only."""
    return make_feed(
        stops=stops_at(("A", 34.0), ("B", 34.002), ("F", 34.05)),
        trips=[("T1", "svc", [("A", "08:00:00", "08:00:00"), ("B", "08:02:00", "08:02:00")]),
               ("T2", "svc", [("A", "08:01:00", "08:01:00"), ("B", "08:05:00", "08:05:00")]),
               ("T3", "svc", [("A", "08:00:00", "08:00:00"), ("F", "08:10:00", "08:10:00")])],
        **only_on(WEDNESDAY),
    )


def test_walk_only_answer() -> None:
    planner, idx = planner_and_index(walk_only_feed())
    # Walking A → B: 217 s. At 08:00: on foot 08:03:37 (0 trips); T1 08:02 (1 trip).
    assert depart(planner, idx, "A", "B", WEDNESDAY, "08:00:00") == [
        pp("08:03:37", 0), pp("08:02:00", 1)]
    # At 08:00:30 T1 is gone; T2 arrives 08:05, later than walking (08:04:07).
    assert depart(planner, idx, "A", "B", WEDNESDAY, "08:00:30") == [
        pp("08:04:07", 0)]
    # At 60 m/min: 289 s → 08:04:49; T1 still wins with 1 trip.
    assert depart(planner, idx, "A", "B", WEDNESDAY, "08:00:00", speed_m_per_min=60) == [
        pp("08:04:49", 0), pp("08:02:00", 1)]
    # max_trips 0: walking only.
    assert depart(planner, idx, "A", "B", WEDNESDAY, "08:00:00", max_trips=0) == [
        pp("08:03:37", 0)]
    # Arrive by 08:10: leave on foot at 08:06:23; T2 leaves 08:01, earlier → not in the set.
    assert arrive(planner, idx, "A", "B", WEDNESDAY, "08:10:00") == [
        pp("08:06:23", 0)]
    # Arrive by 08:03: on foot 07:59:23, T1 at 08:00 (1 trip) is later.
    assert arrive(planner, idx, "A", "B", WEDNESDAY, "08:03:00") == [
        pp("07:59:23", 0), pp("08:00:00", 1)]
    # The same stop as origin and destination: there already.
    assert depart(planner, idx, "A", "A", WEDNESDAY, "08:00:00") == [pp("08:00:00", 0)]
    # F is ~5.6 km away: no walk-only answer, only T3.
    assert depart(planner, idx, "A", "F", WEDNESDAY, "07:00:00") == [pp("08:10:00", 1)]
    # Step-free walks are allowed as they are (no stop or trip is accessible here).
    assert depart(planner, idx, "A", "B", WEDNESDAY, "08:00:00", step_free=True) == [
        pp("08:03:37", 0)]


def test_coordinates() -> None:
    planner, idx = planner_and_index(walk_only_feed())
    # A point at 34.001: A and B 111 m (109 s). To F (34.05) via T3 at 08:00: leave by
    # 07:58:11 (08:00 − 109 s).
    here = planner.place_at(34.001, LON)
    there = planner.place_at(34.0505, LON)  # F is 0.0005° = 55.6 m → 56 m → ceil(54.6) = 55 s
    assert depart_points(planner, here, there, "07:58:11") == [pp("08:10:55", 1)]
    assert depart_points(planner, here, there, "07:58:12") == []
    assert planner.arrive_by(here, there, WEDNESDAY, hms("08:10:55")) == [
        pp("07:58:11", 1)]
    assert planner.arrive_by(here, there, WEDNESDAY, hms("08:10:54")) == []
    # Point to point 0.003° = 333.59 m → 334 m → ceil(325.65) = 326 s: on foot from 07:58:11
    # at 08:03:37. By trip: at A 08:00 (109 s), T1 → B 08:02, B (34.002) to 34.004 is
    # 0.002° = 222 m → 217 s → 08:03:37 too: not strictly earlier, so not in the set.
    near = planner.place_at(34.004, LON)
    assert depart_points(planner, here, near, "07:58:11") == [pp("08:03:37", 0)]
    # The mirror tie: to be there by 08:03:37, walking leaves at 07:58:11 and so does the
    # T1 journey (08:00 − 109 s): only the walk is in the set.
    assert planner.arrive_by(here, near, WEDNESDAY, hms("08:03:37")) == [pp("07:58:11", 0)]
    # A point given both ways: a stop's place and the point at the stop agree.
    assert dict(planner.place_at(34.0, LON).stops) == dict(planner.place_at_stop(idx["A"]).stops)


def depart_points(planner: ReferencePlanner, origin: Place, destination: Place,
                  time: str) -> list[ParetoPoint]:
    return planner.depart_at(origin, destination, WEDNESDAY, hms(time))


# --- an independent brute force on tiny random feeds --------------------------------------

# A stop time as the brute force sees it: (stop index, arrival, departure, pickup possible,
# drop-off possible).
BruteStopTime = tuple[int, int, int, bool, bool]
# A journey: (time it leaves the origin, arrival at the destination, trips).
Journey = tuple[int, int, int]


def all_journeys(trips: list[list[BruteStopTime]], walk_s: dict[tuple[int, int], int],
                 origin: int, destination: int, max_trips: int) -> list[Journey]:
    """Every journey from stop `origin` to stop `destination`, enumerated: from the origin
    (or one walk from it) board a trip, ride to any later stop with drop-off, then either end
    there (when it is the destination or one walk from it) or board again at that stop or one
    walk from it, up to max_trips trips. `walk_s[a, b]` lists the walkable pairs."""
    found: list[Journey] = []

    def board_at(stop: int, ready: int, leave: int | None, access: int, done: int) -> None:
        if done == max_trips:
            return
        for trip in trips:
            for i, (s_i, _, dep_i, pickup_i, _) in enumerate(trip):
                if s_i != stop or not pickup_i or dep_i < ready:
                    continue
                left = dep_i - access if leave is None else leave
                for s_j, arr_j, _, _, drop_j in trip[i + 1:]:
                    if drop_j:
                        alight(s_j, arr_j, left, done + 1)

    def alight(stop: int, at: int, leave: int, done: int) -> None:
        if stop == destination:
            found.append((leave, at, done))
        elif (stop, destination) in walk_s:
            found.append((leave, at + walk_s[stop, destination], done))
        board_at(stop, at, leave, 0, done)
        for (a, b), seconds_ in walk_s.items():
            if a == stop:
                board_at(b, at + seconds_, leave, 0, done)

    # No lower bound on the time: the first trip's departure minus the access walk is when
    # the journey leaves the origin.
    board_at(origin, -10**9, None, 0, 0)
    for (a, b), seconds_ in walk_s.items():
        if a == origin:
            board_at(b, -10**9, None, seconds_, 0)
    return found


def pareto(points: dict[int, int], better: Any) -> list[ParetoPoint]:
    answers: list[ParetoPoint] = []
    for trips in sorted(points):
        if not answers or better(points[trips], answers[-1].time):
            answers.append(ParetoPoint(points[trips], trips))
    return answers


@pytest.mark.parametrize("seed", range(60))
def test_agrees_with_brute_force_on_tiny_random_feeds(seed: int) -> None:
    rng = random.Random(seed)
    # Ten stops in a 0.05° (5.6 km) band on one meridian: some within walking distance.
    lats = [34.0 + rng.randrange(0, 500) * 0.0001 for _ in range(10)]
    # Walks computed here from the latitude difference: R × Δφ, rounded; at 80 m/min.
    walk_s: dict[tuple[int, int], int] = {}
    for a in range(10):
        for b in range(10):
            metres = round(abs(lats[a] - lats[b]) * 111_195.08023353292)
            if a != b and metres <= 500:
                walk_s[a, b] = -(-metres * 78 // 80)
    brute_trips: list[list[BruteStopTime]] = []
    feed_trips = []
    for t in range(20):
        path = rng.sample(range(10), rng.randint(2, 3))
        clock = rng.randrange(hms("07:00:00"), hms("09:00:00"), 60)
        brute_trip: list[BruteStopTime] = []
        feed_stop_times = []
        for stop in path:
            arrival = clock
            clock += rng.choice((0, 0, 60))
            pickup, drop_off = rng.choice((0, 0, 0, 1)), rng.choice((0, 0, 0, 2, 1))
            brute_trip.append((stop, arrival, clock, pickup != 1, drop_off != 1))
            feed_stop_times.append((f"S{stop}", _hms(arrival), _hms(clock), pickup, drop_off))
            clock += rng.randrange(60, 900, 60)
        brute_trips.append(brute_trip)
        feed_trips.append((f"T{t}", "svc", feed_stop_times))
    feed = make_feed(stops=stops_at(*((f"S{i}", lat) for i, lat in enumerate(lats))),
                     trips=feed_trips, **only_on(WEDNESDAY))
    planner = ReferencePlanner(feed)
    for _ in range(10):
        a, b = rng.sample(range(10), 2)
        journeys = all_journeys(brute_trips, walk_s, a, b, 3)
        origin, destination = planner.place_at_stop(a), planner.place_at_stop(b)

        time = rng.randrange(hms("06:50:00"), hms("09:00:00"), 30)
        earliest: dict[int, int] = {}
        if (a, b) in walk_s:
            earliest[0] = time + walk_s[a, b]
        for leave, arrival, trips in journeys:
            if leave >= time:
                earliest[trips] = min(earliest.get(trips, arrival), arrival)
        expected = pareto(earliest, lambda new, old: new < old)
        assert planner.depart_at(origin, destination, WEDNESDAY, time, max_trips=3) == expected

        time = rng.randrange(hms("07:30:00"), hms("10:00:00"), 30)
        latest: dict[int, int] = {}
        if (a, b) in walk_s:
            latest[0] = time - walk_s[a, b]
        for leave, arrival, trips in journeys:
            if arrival <= time:
                latest[trips] = max(latest.get(trips, leave), leave)
        expected = pareto(latest, lambda new, old: new > old)
        assert planner.arrive_by(origin, destination, WEDNESDAY, time, max_trips=3) == expected


def _hms(value: int) -> str:
    return f"{value // 3600:02d}:{value // 60 % 60:02d}:{value % 60:02d}"
