"""The planner (app/features/transit/planner/, on the compiled timetable) against the
independent reference (tests/support/transit_reference.py, on the feed as read): the same
Pareto set on every query, on random feeds that exercise every rule and on the real feeds;
and every journey the planner returns is one the timetable really allows."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest

from app.features.transit.planner.journeys import ORIGIN, Journey
from app.features.transit.planner.planner import Place, Planner
from app.features.transit.planner.search import SearchOptions, walk_seconds
from app.features.transit.planner.timetable import Timetable
from backend.tiles.transit.gtfs.feed import Feed
from backend.tiles.transit.gtfs.reader import read_feed
from backend.tiles.transit.timetable.compile import compile_feed
from tests.support.transit_random_feeds import DAYS, FIRST_DAY, random_feed
from tests.support.transit_reference import ReferencePlanner

GTFS = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "gtfs"
DEMO = Path(__file__).resolve().parents[2] / "assets" / "transit" / "tsuyama_demo"
REAL_FEEDS = {  # feed: queries compared (the reference takes up to ~0.1 s a query)
    "okayama_okaden_bus_2025": 120,
    "okayama_ryobi_bus_2025": 120,
    "okayama_unobus_2019": 120,
    "kyotosangyou_shuttle_cc0": 200,
    "mlit_sample_rinkobus_kawasaki": 200,
}


@dataclass
class Pair:
    feed: Feed
    planner: Planner
    reference: ReferencePlanner


def pair_for(feed: Feed, tmp: Path) -> Pair:
    path = tmp / "timetable.npz"
    compile_feed(feed).write(path)
    return Pair(feed, Planner(Timetable.load(path)), ReferencePlanner(feed))


@dataclass
class Tally:
    queries: int = 0
    answered: int = 0  # at least one journey with a trip
    transfers: int = 0  # a Pareto point with two trips or more


def compare(pair: Pair, rng: random.Random, day: date, tally: Tally) -> None:
    planner, reference = pair.planner, pair.reference
    tt = planner.timetable
    served = sorted(set(tt.arrays["pos_stop"].tolist()))
    speed = rng.choice((80, 60, 40))
    options = SearchOptions(max_trips=rng.choice((1, 2, 3, 5, 5)), speed_m_per_min=speed,
                            step_free=rng.random() < 0.15)
    places = []
    for _ in range(2):
        stop = rng.choice(served)
        if rng.random() < 0.2:  # a point near a stop, as "plan a trip to here" sends
            lat = float(tt.arrays["stop_lat"][stop]) + rng.uniform(-0.003, 0.003)
            lon = float(tt.arrays["stop_lon"][stop]) + rng.uniform(-0.003, 0.003)
            places.append((planner.place_at(lat, lon), reference.place_at(lat, lon, speed)))
        else:
            places.append((planner.place_at_stop(stop),
                           reference.place_at_stop(stop, speed)))
    (origin, ref_origin), (destination, ref_destination) = places
    time = rng.randrange(0, 27 * 3600, 60)
    kwargs = {"max_trips": options.max_trips, "speed_m_per_min": speed,
              "step_free": options.step_free}
    if rng.random() < 0.5:
        journeys = planner.depart_at(origin, destination, day, time, options)
        mine = [(j.arrival, j.trips) for j in journeys]
        theirs = [(p.time, p.trips) for p in reference.depart_at(
            ref_origin, ref_destination, day, time, **kwargs)]
        for journey in journeys:
            assert journey.departure >= time
    else:
        journeys = planner.arrive_by(origin, destination, day, time, options)
        mine = [(j.departure, j.trips) for j in journeys]
        theirs = [(p.time, p.trips) for p in reference.arrive_by(
            ref_origin, ref_destination, day, time, **kwargs)]
        for journey in journeys:
            assert journey.arrival <= time
    assert sorted(mine, key=lambda p: p[1]) == sorted(theirs, key=lambda p: p[1]), (
        f"{day} {time} {origin.stop}->{destination.stop} {options}")
    for journey in journeys:
        check_journey(pair, journey, origin, destination, day, speed, options)
    tally.queries += 1
    tally.answered += any(j.trips for j in journeys)
    tally.transfers += any(j.trips >= 2 for j in journeys)


def check_journey(pair: Pair, journey: Journey, origin: Place, destination: Place,
                  day: date, speed: int, options: SearchOptions) -> None:
    """Every leg is real: rides at the feed's times on a trip that runs that day, boarding
    where pickup is allowed and alighting where drop-off is, walks of the right length, one
    walk at most between rides, and no leg starting before the one before it ended."""
    feed = pair.feed
    st = feed.stop_times
    tt = pair.planner.timetable
    assert len(journey.rides) == journey.trips
    for before, after in zip(journey.legs, journey.legs[1:], strict=False):
        assert before.arrival <= after.departure
        assert before.is_ride or after.is_ride  # never two walks in a row
        assert before.to_stop == after.from_stop
    first, last = journey.legs[0], journey.legs[-1]
    assert first.from_stop in (ORIGIN, origin.stop) or first.from_stop in origin.near
    assert last.to_stop in (ORIGIN, destination.stop) or last.to_stop in destination.near
    for leg in journey.legs:
        if not leg.is_ride:
            assert leg.arrival - leg.departure == int(walk_seconds(leg.metres, speed))
            assert leg.metres <= tt.max_walk_m
            continue
        trip = feed.trips[leg.trip]
        service_day = day + timedelta(days=leg.day_offset)
        assert pair.reference.service_runs_on(trip.service_id, service_day)
        rows = range(int(st.trip_start[leg.trip]), int(st.trip_start[leg.trip + 1]))
        shift = int(tt.arrays["run_shift"][leg.run]) + leg.day_offset * 86_400
        boards = [r for r in rows if int(st.stop[r]) == leg.from_stop
                  and int(st.departure[r]) + shift == leg.departure and st.pickup_type[r] != 1]
        alights = [r for r in rows if int(st.stop[r]) == leg.to_stop
                   and int(st.arrival[r]) + shift == leg.arrival and st.drop_off_type[r] != 1]
        assert boards and alights and min(boards) < max(alights), leg
        if options.step_free:
            assert trip.wheelchair_accessible == 1
            assert tt.arrays["stop_step_free"][[leg.from_stop, leg.to_stop]].all()


@pytest.mark.parametrize("seed", range(40))
def test_random_feeds_agree_with_the_reference(seed: int, tmp_path: Path) -> None:
    pair = pair_for(random_feed(seed), tmp_path)
    rng = random.Random(seed)
    tally = Tally()
    for _ in range(40):
        compare(pair, rng, FIRST_DAY + timedelta(days=rng.randrange(-1, DAYS + 1)), tally)
    assert tally.answered >= 5, tally  # the queries were not all empty


def test_random_feeds_ask_hard_questions(tmp_path: Path) -> None:
    """Across the seeds above, many answers need a transfer (so the test is not only about
    direct buses)."""
    tally = Tally()
    for seed in range(6):
        pair = pair_for(random_feed(seed), tmp_path)
        rng = random.Random(seed)
        for _ in range(40):
            compare(pair, rng, FIRST_DAY + timedelta(days=rng.randrange(DAYS)), tally)
    assert tally.transfers >= tally.queries // 10, tally


@pytest.mark.parametrize("name", sorted(REAL_FEEDS))
def test_real_feeds_agree_with_the_reference(name: str, tmp_path: Path) -> None:
    if not (GTFS / name).is_dir():
        pytest.skip(f"the real feeds are not beside the checkout ({GTFS})")
    pair = pair_for(read_feed(GTFS / name), tmp_path)
    period = pair.planner.timetable.service_period()
    assert period is not None
    rng = random.Random(name)
    tally = Tally()
    for _ in range(REAL_FEEDS[name]):
        day = period[0] + timedelta(days=rng.randrange((period[1] - period[0]).days + 1))
        compare(pair, rng, day, tally)
    assert tally.answered >= tally.queries // 4, tally


def test_the_demo_feed_agrees_and_answers(tmp_path: Path) -> None:
    pair = pair_for(read_feed(DEMO), tmp_path)
    rng = random.Random(7)
    tally = Tally()
    for _ in range(200):
        compare(pair, rng, date(2026, 12, 1) + timedelta(days=rng.randrange(40)), tally)
    assert tally.answered >= tally.queries // 2, tally
    assert tally.transfers > 0, tally


def test_innosho_to_aba_on_a_weekday_morning(tmp_path: Path) -> None:
    """院庄 8:00 on Friday 2026-12-04: the west loop's 8:15 from 津山駅 reaches 院庄 at 8:35,
    on to 大手町 at 8:48 (15 + 33 minutes); the 阿波線 leaves 大手町 at 9:34 (9:30 + 4) and
    reaches 阿波 at 10:25: two trips, nothing with one."""
    pair = pair_for(read_feed(DEMO), tmp_path)
    feed = pair.feed
    index = feed.stop_index()
    planner = pair.planner
    journeys = planner.depart_at(planner.place_at_stop(index["innosho"]),
                                 planner.place_at_stop(index["aba"]), date(2026, 12, 4),
                                 8 * 3600)
    assert [(j.trips, j.arrival) for j in journeys] == [(2, 10 * 3600 + 25 * 60)]
    rides = journeys[0].rides
    assert [feed.routes[r.route].route_id for r in rides] == ["west-loop", "aba-line"]
    assert rides[0].departure == 8 * 3600 + 35 * 60
    assert rides[1].departure == 9 * 3600 + 34 * 60
