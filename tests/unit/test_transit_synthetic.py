"""The synthetic GTFS feeds of tests/support/transit_synthetic.py: the same bytes for a seed,
the features a planner must meet (night trips, frequencies, an overtaking pair, pickup and
drop-off types, wheelchair fields, calendar exceptions), the sizes of the presets, valid
enough for the feed reader, and queries inside the service period."""

from __future__ import annotations

import csv
import time
from collections import defaultdict
from datetime import date
from pathlib import Path

import pytest

from backend.tiles.transit.gtfs.reader import read_feed
from tests.support.transit_synthetic import (
    PRESETS,
    SyntheticSummary,
    random_queries,
    random_queries_for_feed,
    service_days,
    write_synthetic_feed,
)

FILES = (
    "agency.txt", "stops.txt", "routes.txt", "trips.txt", "stop_times.txt", "calendar.txt",
    "calendar_dates.txt", "frequencies.txt", "fare_attributes.txt", "fare_rules.txt",
    "translations.txt", "feed_info.txt",
)


def rows(folder: Path, name: str) -> list[dict[str, str]]:
    with open(folder / name, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def seconds(text: str) -> int:
    h, m, s = text.split(":")
    return int(h) * 3600 + int(m) * 60 + int(s)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> SyntheticSummary:
    return write_synthetic_feed(tmp_path_factory.mktemp("tiny"), "tiny", seed=1)


def test_the_same_seed_writes_the_same_bytes(tiny: SyntheticSummary, tmp_path: Path) -> None:
    again = write_synthetic_feed(tmp_path / "again", "tiny", seed=1)
    for name in FILES:
        assert (tiny.folder / name).read_bytes() == (again.folder / name).read_bytes(), name
    other = write_synthetic_feed(tmp_path / "other", "tiny", seed=2)
    assert (other.folder / "stops.txt").read_bytes() != (tiny.folder / "stops.txt").read_bytes()


def test_tiny_is_small_and_its_summary_counts_the_files(tiny: SyntheticSummary) -> None:
    folder = tiny.folder
    assert 40 <= tiny.stops <= 90
    assert 4_000 <= tiny.stop_times <= 6_500
    assert tiny.stops == len(rows(folder, "stops.txt"))
    assert tiny.routes == len(rows(folder, "routes.txt"))
    assert tiny.trips == len(rows(folder, "trips.txt"))
    assert tiny.stop_times == len(rows(folder, "stop_times.txt"))
    assert tiny.stop_events > tiny.stop_times  # frequencies expand their templates
    assert tiny.start_date <= tiny.end_date
    info = rows(folder, "feed_info.txt")[0]
    assert info["feed_start_date"] == tiny.start_date.strftime("%Y%m%d")
    assert info["feed_end_date"] == tiny.end_date.strftime("%Y%m%d")


def test_the_feed_reader_accepts_it(tiny: SyntheticSummary) -> None:
    feed = read_feed(tiny.folder)
    assert len(feed.stops) == tiny.stops
    assert len(feed.stop_times) == tiny.stop_times
    assert feed.warnings == []
    assert {t.language for t in feed.translations} == {"en"}


def test_stops_are_pole_pairs_and_a_terminal_with_platforms(tiny: SyntheticSummary) -> None:
    stops = rows(tiny.folder, "stops.txt")
    by_name: dict[str, list[dict[str, str]]] = defaultdict(list)
    for stop in stops:
        if stop["location_type"] == "0" and not stop["parent_station"]:
            by_name[stop["stop_name"]].append(stop)
    assert sum(len(poles) == 2 for poles in by_name.values()) >= 0.8 * len(by_name)
    stations = [s for s in stops if s["location_type"] == "1"]
    assert len(stations) == 1 and stations[0]["wheelchair_boarding"] == "1"
    platforms = [s for s in stops if s["parent_station"] == stations[0]["stop_id"]]
    assert len(platforms) >= 2
    assert all(p["platform_code"] and p["wheelchair_boarding"] == "0" for p in platforms)
    for stop in stops:
        assert 34.4 <= float(stop["stop_lat"]) <= 35.35
        assert 133.3 <= float(stop["stop_lon"]) <= 134.4


def test_it_has_the_features_a_planner_must_meet(tiny: SyntheticSummary) -> None:
    folder = tiny.folder
    trips = {t["trip_id"]: t for t in rows(folder, "trips.txt")}
    times: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in rows(folder, "stop_times.txt"):
        times[row["trip_id"]].append(row)
    # night trips past midnight, and dwells (arrival before departure)
    assert any(seconds(r["departure_time"]) >= 86_400 for rs in times.values() for r in rs)
    assert any(rs[0]["departure_time"] == "24:35:00" for rs in times.values())
    assert any(r["arrival_time"] < r["departure_time"] for rs in times.values() for r in rs)
    # frequencies with both exact_times
    frequencies = rows(folder, "frequencies.txt")
    assert {f["exact_times"] for f in frequencies} == {"0", "1"}
    assert all(f["trip_id"] in trips for f in frequencies)
    # pickup / drop-off restrictions
    assert any(r["drop_off_type"] == "1" for rs in times.values() for r in rs)
    assert any(r["pickup_type"] == "1" for rs in times.values() for r in rs)
    # wheelchair fields on a part of the network only
    accessible = {t["wheelchair_accessible"] for t in trips.values()}
    assert {"1", "2", ""} <= accessible
    boarding = {s["wheelchair_boarding"] for s in rows(folder, "stops.txt")}
    assert {"1", "2", ""} <= boarding
    # calendar exceptions of both kinds, and a service that exists only there
    exceptions = rows(folder, "calendar_dates.txt")
    assert {e["exception_type"] for e in exceptions} == {"1", "2"}
    weekly = {c["service_id"] for c in rows(folder, "calendar.txt")}
    assert {e["service_id"] for e in exceptions} - weekly
    # fares by zone, English names
    assert rows(folder, "fare_rules.txt") and rows(folder, "fare_attributes.txt")
    assert all(r["origin_id"].startswith("Z") for r in rows(folder, "fare_rules.txt"))
    translations = rows(folder, "translations.txt")
    assert {t["table_name"] for t in translations} == {"agency", "stops", "routes"}


def test_an_express_overtakes_a_local_on_the_same_stops(tiny: SyntheticSummary) -> None:
    trips = {t["trip_id"]: t for t in rows(tiny.folder, "trips.txt")}
    times: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in rows(tiny.folder, "stop_times.txt"):
        times[row["trip_id"]].append(row)
    groups: dict[tuple[str, ...], list[tuple[int, int]]] = defaultdict(list)
    for trip_id, stop_times in times.items():
        key = (trips[trip_id]["route_id"], trips[trip_id]["service_id"],
               *(r["stop_id"] for r in stop_times))
        groups[key].append((seconds(stop_times[0]["departure_time"]),
                            seconds(stop_times[-1]["arrival_time"])))
    overtaking = 0
    for runs in groups.values():
        runs.sort()
        overtaking += sum(later_arrival < arrival
                          for k, (_, arrival) in enumerate(runs)
                          for _, later_arrival in runs[k + 1:])
    assert overtaking >= 3


def test_queries_are_inside_the_service(tiny: SyntheticSummary) -> None:
    queries = random_queries(tiny, 200, seed=3)
    assert queries == random_queries(tiny, 200, seed=3)
    served = set(tiny.served_stop_ids)
    for origin, destination, day, time_of_day in queries:
        assert origin != destination and {origin, destination} <= served
        assert tiny.start_date <= day <= tiny.end_date
        assert 0 <= time_of_day < 86_400
    hours = {t // 3600 for *_, t in queries}
    assert len(hours) >= 15  # spread over the day


def test_queries_on_a_feed_folder_use_served_stops_and_service_days(
        tiny: SyntheticSummary) -> None:
    queries = random_queries_for_feed(tiny.folder, 100, seed=4)
    assert queries == random_queries(tiny.folder, 100, seed=4)
    served = {r["stop_id"] for r in rows(tiny.folder, "stop_times.txt")}
    days = set(service_days(tiny.folder))
    assert date(2026, 4, 1) in days and date(2027, 3, 31) in days
    for origin, destination, day, _ in queries:
        assert origin != destination and {origin, destination} <= served
        assert day in days


def test_city_is_about_its_stated_size(tmp_path: Path) -> None:
    began = time.perf_counter()
    city = write_synthetic_feed(tmp_path / "city", "city", seed=1)
    assert time.perf_counter() - began < 10
    assert 700 <= city.stops <= 950
    assert 90_000 <= city.stop_times <= 110_000
    assert city.stations == PRESETS["city"].hubs
    assert city.routes >= 20
    with open(city.folder / "stop_times.txt", encoding="utf-8") as handle:
        assert city.stop_times == sum(1 for _ in handle) - 1
