"""The GTFS-JP reader (backend/tiles/transit/gtfs/reader.py): the five real feeds in
shared/data/gtfs, folders and zips, every check with its file, line and field, stop time
completion (interpolation, times past 24:00) and translations of both styles."""

from __future__ import annotations

import zipfile
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from backend.tiles.transit.gtfs.errors import MAX_ERRORS, FeedError, FeedRejected
from backend.tiles.transit.gtfs.feed import Feed, Translation
from backend.tiles.transit.gtfs.reader import read_feed
from backend.tiles.transit.gtfs.translations import TranslationIndex
from tests.backend.gtfs_helpers import (
    GTFS_DATA,
    REAL_FEEDS,
    SMALL_FEED,
    read_small,
    rejection,
    where,
    write_feed,
    zip_feed,
)
from tests.conftest import require_or_skip


def hms(text: str) -> int:
    h, m, s = (int(part) for part in text.split(":"))
    return h * 3600 + m * 60 + s


# --- the real feeds -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real() -> dict[str, Feed]:
    """Each real feed read once for the module."""
    if not GTFS_DATA.is_dir():
        require_or_skip(f"the real GTFS feeds are not at {GTFS_DATA} (a copy of shared/ beside "
                        "the checkout)")
    return {name: read_feed(GTFS_DATA / name) for name in REAL_FEEDS}


# Counted in the files (wc -l less the header, and the last line of a file with no final
# line break): stops, trips, stop_times, fare_rules, translations, calendar, calendar_dates.
COUNTS = {
    "okayama_okaden_bus_2025": (1375, 1632, 47160, 95241, 2865, 6, 30),
    "okayama_ryobi_bus_2025": (1876, 1687, 48303, 102636, 3069, 10, 162),
    "okayama_unobus_2019": (630, 630, 30289, 79158, 626, 2, 93),
    "kyotosangyou_shuttle_cc0": (6, 282, 564, 0, 66, 6, 0),
    "mlit_sample_rinkobus_kawasaki": (48, 6, 129, 211, 10, 4, 120),
}


@pytest.mark.parametrize("name", REAL_FEEDS)
def test_real_feed_counts(real: dict[str, Feed], name: str) -> None:
    feed = real[name]
    counts = (
        len(feed.stops), len(feed.trips), len(feed.stop_times), len(feed.fare_rules),
        len(feed.translations), len(feed.calendars), len(feed.calendar_dates),
    )
    assert counts == COUNTS[name]
    st = feed.stop_times
    assert st.trip_start.shape == (len(feed.trips) + 1,)
    assert st.trip_start[0] == 0 and st.trip_start[-1] == len(st)
    assert (np.diff(st.trip_start) >= 2).all()  # every trip of these feeds can be ridden
    assert (np.diff(st.trip) >= 0).all()
    same_trip = st.trip[1:] == st.trip[:-1]
    assert (st.sequence[1:][same_trip] > st.sequence[:-1][same_trip]).all()
    assert (st.departure >= st.arrival).all()
    assert (st.arrival[1:][same_trip] >= st.departure[:-1][same_trip]).all()
    assert not st.interpolated.any()  # they all give every time
    dtypes = (st.trip.dtype, st.stop.dtype, st.sequence.dtype, st.arrival.dtype,
              st.departure.dtype, st.pickup_type.dtype, st.drop_off_type.dtype,
              st.interpolated.dtype, st.trip_start.dtype)
    assert dtypes == (np.int32, np.int32, np.int32, np.int32, np.int32, np.int8, np.int8,
                      np.bool_, np.int64)


@pytest.mark.parametrize(("name", "stop_id", "stop_name", "language", "translation"), [
    ("okayama_okaden_bus_2025", "18_1", "岡山駅", "en", "Okayama Sta."),
    ("okayama_ryobi_bus_2025", "18_1", "岡山駅", "ja-Hrkt", "オカヤマエキ"),
    ("okayama_unobus_2019", "2_01", "岡山駅", "ja-Hrkt", "おかやまえき"),
    ("kyotosangyou_shuttle_cc0", "7475_A", "京都産業大学前", "en", "Kyoto Sangyo University"),
    ("mlit_sample_rinkobus_kawasaki", "1510", "川崎駅西口", "en", "Kawasaki Station West Gate"),
])
def test_real_feed_stop_and_translation(
    real: dict[str, Feed], name: str, stop_id: str, stop_name: str, language: str,
    translation: str,
) -> None:
    feed = real[name]
    stop = feed.stops[feed.stop_index()[stop_id]]
    assert stop.name == stop_name
    index = TranslationIndex(feed.translations)
    assert index.text("stops", "stop_name", stop_id, stop.name, language) == translation
    assert index.text("stops", "stop_name", stop_id, stop.name, "fr") is None


def test_okaden_details(real: dict[str, Feed]) -> None:
    feed = real["okayama_okaden_bus_2025"]
    weekday = next(c for c in feed.calendars if c.service_id == "2_1046_20250316")
    assert weekday.weekdays == (True, True, True, True, True, False, False)
    assert (weekday.start_date, weekday.end_date) == (date(2025, 3, 16), date(2025, 10, 25))
    removed = {d.date for d in feed.calendar_dates
               if d.service_id == "2_1046_20250316" and d.exception_type == 2}
    assert {date(2025, 3, 20), date(2025, 4, 29), date(2025, 5, 5)} <= removed
    assert len(feed.fare_attributes) == 3644
    fare = next(f for f in feed.fare_attributes if f.fare_id == "10001_1008_1_140")
    assert (fare.price, fare.currency_type, fare.payment_method, fare.transfers) == (
        140, "JPY", 0, 0)
    assert feed.feed_info is not None and feed.feed_info.version == "20250316_20250724"
    assert sum(len(points) for points in feed.shapes.values()) == 33815
    assert (len(feed.routes), len(feed.routes_jp), len(feed.offices_jp)) == (375, 375, 4)
    assert feed.agencies_jp[0].official_name == "岡山電気軌道(バス)"
    # The first trip of trips.txt: 7 stop times, from 18_5 at 14:56 (its rows are not the
    # first ones of stop_times.txt).
    assert feed.trips[0].trip_id == "1046_1102934_20250316"
    st = feed.stop_times
    assert st.trip_start[1] == 7
    assert feed.stops[st.stop[0]].stop_id == "18_5" and st.departure[0] == hms("14:56:00")
    assert st.sequence[:7].tolist() == [1, 2, 3, 4, 5, 6, 7]
    assert feed.warnings == []


def test_ryobi_times_and_headsigns(real: dict[str, Feed]) -> None:
    feed = real["okayama_ryobi_bus_2025"]
    st = feed.stop_times
    assert (st.arrival.min(), st.departure.max()) == (hms("05:33:00"), hms("23:30:00"))
    # Line 2 of stop_times.txt: trip 911_292022881_20250316 at 18_9 at 14:45, "東区役所前".
    trip = feed.trip_index()["911_292022881_20250316"]
    row = int(st.trip_start[trip])
    assert feed.stops[st.stop[row]].stop_id == "18_9"
    assert st.arrival[row] == hms("14:45:00") and st.drop_off_type[row] == 1
    assert st.stop_headsign[row] == "東区役所前"
    assert len(feed.fare_attributes) == 4212


def test_unobus_passes_midnight(real: dict[str, Feed]) -> None:
    feed = real["okayama_unobus_2019"]
    assert feed.stop_times.departure.max() == hms("24:18:00")
    assert (feed.stop_times.departure >= 24 * 3600).sum() == 64  # rows with "24:..." times
    holiday = next(c for c in feed.calendars if c.service_id == "土日祝")
    assert holiday.weekdays == (False, False, False, False, False, True, True)
    assert exception_on(feed, "土日祝", date(2019, 9, 23)) == 1  # 秋分の日 added
    assert next(r for r in feed.routes if r.route_id == "1041").short_name == "２５０号線"


def exception_on(feed: Feed, service_id: str, day: date) -> int | None:
    found = [d.exception_type for d in feed.calendar_dates
             if d.service_id == service_id and d.date == day]
    return found[0] if found else None


def test_kyoto_shuttle(real: dict[str, Feed]) -> None:
    feed = real["kyotosangyou_shuttle_cc0"]
    # frequencies.txt, fare_attributes.txt and fare_rules.txt are there but have no rows
    # (frequencies.txt is an empty file, 0 bytes).
    assert (GTFS_DATA / "kyotosangyou_shuttle_cc0" / "frequencies.txt").stat().st_size == 0
    assert feed.frequencies == [] and feed.fare_attributes == [] and feed.fare_rules == []
    wednesday = next(c for c in feed.calendars if c.service_id == "O_0001_5")
    assert wednesday.weekdays == (False, False, True, False, False, False, False)
    assert wednesday.end_date == date(2025, 9, 30)
    campus = feed.stops[feed.stop_index()["7475_A"]]
    assert (campus.parent_station, campus.platform_code) == ("7475", "京都産業大学シャトルバス")
    assert feed.stops[feed.stop_index()["7475"]].location_type == 1
    assert len(feed.patterns_jp) == 8  # 8 lines with no final line break
    assert all(t.wheelchair_accessible == 1 for t in feed.trips)
    assert {t.direction_id for t in feed.trips} == {0, 1}
    index = TranslationIndex(feed.translations)
    assert index.text("routes", "route_long_name", "50000", "京都産業大学〜上賀茂神社", "en") == (
        "Kyoto Sangyo University〜Kamigamo-Jinja Shrine")
    assert index.text("stops", "stop_name", "6196_A", "二軒茶屋", "ja-hrkt") == "にけんちゃや"


def test_mlit_sample(real: dict[str, Feed]) -> None:
    feed = real["mlit_sample_rinkobus_kawasaki"]
    assert "trips.txt: column wheelchair_accesible read as wheelchair_accessible" in (
        feed.warnings)
    assert "stop_times.txt: column shape_dist_travel read as shape_dist_traveled" in (
        feed.warnings)
    by_route = {t.route_id: t.wheelchair_accessible for t in feed.trips}
    assert by_route == {"25000-1": 2, "21000-0": 1}
    st = feed.stop_times
    first = int(st.trip_start[feed.trip_index()["25000-1-平日（月～金）-001"]])
    assert (st.sequence[first], st.arrival[first]) == (0, hms("6:28:00"))  # one-digit hour
    assert (st.pickup_type[first + 1], st.drop_off_type[first + 1]) == (3, 3)
    # " 139.681697" and "35.529548 ": spaces around numbers are read.
    assert feed.stops[feed.stop_index()["1550-01"]].lon == pytest.approx(139.681697)
    fare = next(f for f in feed.fare_attributes if f.fare_id == "F_210")
    assert (fare.price, fare.payment_method) == (210, 1)
    assert sum(r.fare_id == "F_210" for r in feed.fare_rules) >= 1
    assert feed.feed_info is not None and feed.feed_info.start_date is None
    # Old-style translations: trans_id, lang, translation.
    assert Translation("", "", "ja-Hrkt", "かわさきえきにしぐち", field_value="川崎駅西口") in (
        feed.translations)


@pytest.mark.parametrize("inside", ["", "gtfs"], ids=["top-level", "in-a-folder"])
@pytest.mark.parametrize("name", REAL_FEEDS)
def test_real_feed_from_zip(real: dict[str, Feed], tmp_path: Path, name: str, inside: str) -> None:
    archive = zip_feed(GTFS_DATA / name, tmp_path / f"{name}.zip", inside)
    feed = read_feed(archive)
    folder = real[name]
    assert (len(feed.stops), len(feed.trips), len(feed.fare_rules), feed.warnings) == (
        len(folder.stops), len(folder.trips), len(folder.fare_rules), folder.warnings)
    assert np.array_equal(feed.stop_times.arrival, folder.stop_times.arrival)
    assert feed.translations == folder.translations


# --- the small feed: what is read -----------------------------------------------------------


def test_small_feed(tmp_path: Path) -> None:
    feed = read_small(tmp_path)
    assert feed.warnings == []
    assert [s.stop_id for s in feed.stops] == ["ST", "S1", "S2", "S3"]
    assert feed.stops[1].parent_station == "ST" and feed.stops[1].platform_code == "1"
    assert [s.wheelchair_boarding for s in feed.stops] == [1, 0, 2, 0]
    assert feed.stops[3].location_type == 0  # empty
    assert [t.direction_id for t in feed.trips] == [0, 1, None]
    assert [t.wheelchair_accessible for t in feed.trips] == [1, 0, 2]
    assert feed.routes[0].color == "FF0000" and feed.routes[1].color == ""
    st = feed.stop_times
    assert st.trip.tolist() == [0, 0, 0, 1, 1, 2, 2]
    assert st.stop.tolist() == [1, 2, 3, 3, 1, 1, 3]
    assert st.trip_start.tolist() == [0, 3, 5, 7]
    assert st.departure[1] - st.arrival[1] == 60
    assert st.pickup_type.tolist() == [0, 0, 1, 0, 0, 0, 0]
    assert st.drop_off_type.tolist() == [1, 0, 0, 0, 0, 0, 0]
    assert st.arrival[6] == hms("24:05:00")
    assert feed.frequencies[0].start_time == hms("10:00:00")
    assert feed.frequencies[0].headway_secs == 1800 and feed.frequencies[0].exact_times == 0
    assert [(f.fare_id, f.price, f.transfers) for f in feed.fare_attributes] == [
        ("F1", 230, 0), ("F2", 170, None)]
    assert feed.fare_rules[1].origin_id == "Z1" and feed.fare_rules[1].contains_id == ""
    assert feed.calendar_dates[0].date == date(2025, 5, 5)
    assert feed.feed_info is None and feed.translations == [] and feed.shapes == {}


def test_price_with_decimal_zero(tmp_path: Path) -> None:
    feed = read_small(tmp_path, fare_attributes=SMALL_FEED["fare_attributes.txt"].replace(
        "F1,230,", "F1,230.0,"))
    assert feed.fare_attributes[0].price == 230


def test_bom_crlf_and_quotes(tmp_path: Path) -> None:
    files = dict(SMALL_FEED)
    files["stops.txt"] = (
        '"stop_id","stop_name","stop_lat","stop_lon"\n'
        '"S1","津山駅, 北口","35.0585","134.0054"\n'
        '"S2","市役所前","35.0690","134.0040"\n'
        '"S3","津山城","35.0650","134.0010"\n'
    )
    feed = read_feed(write_feed(tmp_path / "ok", files, bom=True, crlf=True))
    assert feed.stops[0].name == "津山駅, 北口"
    assert feed.stops[0].stop_id == "S1" and feed.agencies[0].agency_id == "A1"
    files["stops.txt"] = files["stops.txt"].replace('"35.0650"', '"35,0650"')
    errors = rejection(write_feed(tmp_path / "bad", files, bom=True, crlf=True))
    assert where(errors) == [("stops.txt", 4, "stop_lat")]


def test_line_numbers_count_the_header_as_line_one(tmp_path: Path) -> None:
    stops = SMALL_FEED["stops.txt"].replace("ST,津山駅,35.0584", "ST,津山駅,abc")
    errors = rejection(write_feed(tmp_path / "feed", stops=stops))
    assert where(errors) == [("stops.txt", 2, "stop_lat")]
    assert str(errors[0]) == 'stops.txt line 2, stop_lat: "abc" is not a number'


def test_line_numbers_after_a_quoted_line_break(tmp_path: Path) -> None:
    """A quoted field may hold a line break: the rows after it still get their lines."""
    stop_times = (
        "trip_id,arrival_time,departure_time,stop_id,stop_sequence,stop_headsign\n"
        'T1,08:00:00,08:00:00,S1,1,"市役所前\n経由"\n'  # lines 2-3
        "T1,08:10:00,08:11:00,S2,2,\n"  # line 4
        "T1,08:20:00,08:20:00,S3,3,\n"  # line 5
        "T2,09:00:00,09:00:00,S3,1,\n"  # line 6
        "T2,09:15:00,09:15:00,S1,x,\n"  # line 7
        "T3,23:50:00,23:50:00,S1,1,\n"
        "T3,24:05:00,24:05:00,S3,2,\n"
    )
    errors = rejection(write_feed(tmp_path / "bad", stop_times=stop_times))
    assert where(errors) == [("stop_times.txt", 7, "stop_sequence")]
    feed = read_small(tmp_path / "ok", stop_times=stop_times.replace("S1,x", "S1,2"))
    assert feed.stop_times.stop_headsign == {0: "市役所前\n経由"}


def test_header_spaces_unknown_columns_and_blank_lines(tmp_path: Path) -> None:
    routes = (
        " route_id , agency_id,route_short_name,route_long_name, route_type ,x_extra\n"
        "R1,A1,1,ごんごバス,3,whatever\n"
        "\n"
        "R2,A1,2,城東線,3,\n"
        "\n"
    )
    feed = read_small(tmp_path, routes=routes)
    assert [(r.route_id, r.route_type) for r in feed.routes] == [("R1", 3), ("R2", 3)]


def test_short_rows_read_as_empty(tmp_path: Path) -> None:
    routes = SMALL_FEED["routes.txt"].replace("R2,A1,2,城東線,3,\n", "R2,A1,2,城東線,3\n")
    feed = read_small(tmp_path, routes=routes)
    assert feed.routes[1].color == ""
    assert any("another number of fields" in w for w in feed.warnings)


def test_optional_files_absent_or_empty(tmp_path: Path) -> None:
    feed = read_small(tmp_path, frequencies="", fare_attributes=None, fare_rules=None,
                      calendar=None)
    assert feed.frequencies == [] and feed.fare_attributes == [] and feed.calendars == []
    assert len(feed.calendar_dates) == 2


def test_calendar_dates_alone_suffice(tmp_path: Path) -> None:
    feed = read_small(tmp_path, calendar=None)
    assert {t.service_id for t in feed.trips} == {"WD", "HD"}


# --- broken feeds -------------------------------------------------------------------------

# (file, text in the small feed, replacement, expected line, field, words of the message)
BROKEN = [
    ("stops.txt", "S2,市役所前,35.0690", "S2,市役所前,abc", 4, "stop_lat", "is not a number"),
    ("stops.txt", "S2,市役所前,35.0690", "S2,市役所前,91", 4, "stop_lat", "out of range"),
    ("stops.txt", "35.0690,134.0040", "35.0690,-181", 4, "stop_lon", "out of range"),
    ("stops.txt", "S2,市役所前,35.0690", "S2,市役所前,", 4, "stop_lat", "required value is empty"),
    ("stops.txt", "S2,市役所前", "S2,", 4, "stop_name", "required value is empty"),
    ("stops.txt", "134.0010,,", "134.0010,5,", 5, "location_type", "is not one of 0, 1, 2, 3, 4"),
    ("stops.txt", ",2,Z2,", ",3,Z2,", 4, "wheelchair_boarding", "is not one of 0, 1, 2"),
    ("stops.txt", ",ST,", ",XX,", 3, "parent_station", 'no stop_id "XX" in stops.txt'),
    ("stops.txt", "S2,市役所前", "S1,市役所前", 4, "stop_id", '"S1" is already used on line 3'),
    ("routes.txt", "ごんごバス,3,", "ごんごバス,-1,", 2, "route_type", "out of range"),
    ("routes.txt", "城東線,3,", "城東線,bus,", 3, "route_type", "is not a whole number"),
    ("routes.txt", "R2,A1", "R1,A1", 3, "route_id", "already used on line 2"),
    ("routes.txt", "R2,A1", "R2,A9", 3, "agency_id", 'no agency_id "A9" in agency.txt'),
    ("agency.txt", "A1,津山バス", "A1,", 2, "agency_name", "required value is empty"),
    ("calendar.txt", "1,1,20250401,20260331\n", "1,1,20250231,20260331\n", 3, "start_date",
     "is not a valid date"),
    ("calendar.txt", "0,0,20250401,20260331\n", "0,0,20250401,2026-03-31\n", 2, "end_date",
     "is not a date YYYYMMDD"),
    ("calendar.txt", "HD,0,0,0,0,0,1,1", "HD,0,0,0,0,0,2,1", 3, "saturday", "is not one of 0, 1"),
    ("calendar.txt", "HD,0,0,0,0,0,1,1,20250401", "HD,0,0,0,0,0,1,1,20270401", 3, "end_date",
     "before the start_date"),
    ("calendar_dates.txt", "HD,20250505,1", "HD,20250505,3", 3, "exception_type",
     "is not one of 1, 2"),
    ("calendar_dates.txt", "WD,20250505,2", "WD,20251305,2", 2, "date", "is not a valid date"),
    ("trips.txt", "R2,HD,T3", "R9,HD,T3", 4, "route_id", 'no route_id "R9" in routes.txt'),
    ("trips.txt", "R2,HD,T3", "R2,XX,T3", 4, "service_id",
     'no service_id "XX" in calendar.txt or calendar_dates.txt'),
    ("trips.txt", "T2,津山駅,1,", "T2,津山駅,2,", 3, "direction_id", "is not one of 0, 1"),
    ("trips.txt", "T3,津山城,,2", "T3,津山城,,3", 4, "wheelchair_accessible", "not one of"),
    ("trips.txt", "R1,WD,T2", "R1,WD,T1", 3, "trip_id", "already used on line 2"),
    ("stop_times.txt", "T2,09:00:00,09:00:00,S3", "TX,09:00:00,09:00:00,S3", 5, "trip_id",
     'no trip_id "TX" in trips.txt'),
    ("stop_times.txt", "09:15:00,S1,2", "09:15:00,SX,2", 6, "stop_id",
     'no stop_id "SX" in stops.txt'),
    ("stop_times.txt", "08:20:00,S3,3", "08:20:00,,3", 4, "stop_id", "required value is empty"),
    ("stop_times.txt", "S3,3,1,0", "S3,3,4,0", 4, "pickup_type", "is not one of 0, 1, 2, 3"),
    ("stop_times.txt", "S1,1,0,1", "S1,1,0,x", 2, "drop_off_type", "is not one of 0, 1, 2, 3"),
    ("stop_times.txt", "T2,09:15:00,", "T2,09:15,", 6, "arrival_time", "is not a time H:MM:SS"),
    ("stop_times.txt", "T3,24:05:00,24:05:00", "T3,48:05:00,48:05:00", 8, "arrival_time",
     "is past 47:59:59"),
    ("stop_times.txt", "T2,09:00:00,09:00:00", "T2,09:00:00,09:60:00", 5, "departure_time",
     "is not a time"),
    ("stop_times.txt", "T1,08:10:00,08:11:00", "T1,08:10:00,08:09:00", 3, "departure_time",
     "08:09:00 is before the arrival_time 08:10:00"),
    ("stop_times.txt", "T1,08:20:00,08:20:00", "T1,08:05:00,08:05:00", 4, "arrival_time",
     "08:05:00 is before the departure_time 08:11:00 of the stop before it"),
    ("stop_times.txt", "08:20:00,S3,3", "08:20:00,S3,2", 4, "stop_sequence",
     "2 is already used by this trip on line 3"),
    ("stop_times.txt", "S1,1,0,1", "S1,-1,0,1", 2, "stop_sequence", "out of range"),
    ("stop_times.txt", "S1,1,0,1", "S1,,0,1", 2, "stop_sequence", "required value is empty"),
    ("stop_times.txt", "T2,09:00:00,09:00:00,S3", "T2,,,S3", 5, "arrival_time",
     "the first stop of a trip needs a time"),
    ("stop_times.txt", "T1,08:20:00,08:20:00", "T1,,", 4, "arrival_time",
     "the last stop of a trip needs a time"),
    ("frequencies.txt", "T2,10:00:00", "T9,10:00:00", 2, "trip_id", 'no trip_id "T9"'),
    ("frequencies.txt", ",1800", ",0", 2, "headway_secs", "out of range 1 or more"),
    ("frequencies.txt", "10:00:00,12:00:00", "10:00:00,10:00:00", 2, "end_time",
     "is not after the start_time"),
    ("frequencies.txt", "10:00:00,12:00:00", "10:00:00,noon", 2, "end_time", "is not a time"),
    ("fare_attributes.txt", "F1,230", "F1,abc", 2, "price", '"abc" is not a number'),
    ("fare_attributes.txt", "F1,230", "F1,-230", 2, "price", "out of range"),
    ("fare_attributes.txt", "F1,230", "F1,230.5", 2, "price", "is not a whole amount of yen"),
    ("fare_attributes.txt", "F2,170,JPY,1", "F2,170,JPY,2", 3, "payment_method", "not one of 0, 1"),
    ("fare_attributes.txt", "F2,170,JPY,1", "F2,170,JPY,", 3, "payment_method",
     "required value is empty"),
    ("fare_attributes.txt", "F1,230,JPY,0,0", "F1,230,JPY,0,3", 2, "transfers", "not one of"),
    ("fare_attributes.txt", "F2,170,JPY", "F2,170,", 3, "currency_type", "required value"),
    ("fare_attributes.txt", "F2,170", "F1,170", 3, "fare_id", "already used on line 2"),
    ("fare_rules.txt", "F2,R2", "F9,R2", 3, "fare_id", 'no fare_id "F9" in fare_attributes.txt'),
]


@pytest.mark.parametrize(
    ("file", "old", "new", "line", "field", "words"), BROKEN,
    ids=[f"{case[0]}:{case[4]}:{case[2]}" for case in BROKEN],
)
def test_broken_feed_names_file_line_and_field(
    tmp_path: Path, file: str, old: str, new: str, line: int, field: str, words: str
) -> None:
    text = SMALL_FEED[file]
    assert text.count(old) == 1, f"{old!r} must appear once in {file}"
    errors = rejection(write_feed(tmp_path / "feed", **{file[:-4]: text.replace(old, new)}))
    matching = [e for e in errors if (e.file, e.line, e.field) == (file, line, field)]
    assert matching, f"no error at {file} line {line}, {field}: {[str(e) for e in errors]}"
    assert words in matching[0].message
    assert str(matching[0]).startswith(f"{file} line {line}, {field}: ")


@pytest.mark.parametrize(("file", "header", "missing"), [
    ("stops.txt", "stop_id,stop_name", "stop_id"),
    ("trips.txt", "route_id,service_id,trip_id", "trip_id"),
    ("stop_times.txt", "stop_sequence", "stop_sequence"),
    ("calendar.txt", "service_id,monday", "monday"),
    ("fare_attributes.txt", "price", "price"),
    ("frequencies.txt", "headway_secs", "headway_secs"),
])
def test_missing_required_column(tmp_path: Path, file: str, header: str, missing: str) -> None:
    text = SMALL_FEED[file].replace(header, header.replace(missing, "something_else"), 1)
    errors = rejection(write_feed(tmp_path / "feed", **{file[:-4]: text}))
    assert where(errors) == [(file, 1, missing)]
    assert errors[0].message == "required column is missing"


def test_missing_required_files(tmp_path: Path) -> None:
    errors = rejection(write_feed(tmp_path / "feed", stops=None, stop_times=None))
    assert where(errors) == [("stops.txt", None, None), ("stop_times.txt", None, None)]
    assert str(errors[0]) == "stops.txt: required file is missing"
    errors = rejection(write_feed(tmp_path / "nocal", calendar=None, calendar_dates=None))
    assert where(errors) == [("calendar.txt", None, None)]
    assert "calendar_dates.txt" in errors[0].message


def test_empty_required_file(tmp_path: Path) -> None:
    errors = rejection(write_feed(tmp_path / "feed", agency=""))
    assert [str(e) for e in errors] == ["agency.txt: required file is empty"]


def test_errors_are_collected_up_to_fifty(tmp_path: Path) -> None:
    stops = "stop_id,stop_name,stop_lat,stop_lon\n" + "".join(
        f"X{i},x,abc,134\n" for i in range(80)) + SMALL_FEED["stops.txt"].split("\n", 1)[1]
    with pytest.raises(FeedRejected) as caught:
        read_feed(write_feed(tmp_path / "feed", stops=stops))
    errors = caught.value.errors
    assert len(errors) == MAX_ERRORS
    assert [e.line for e in errors[:3]] == [2, 3, 4]
    text = str(caught.value)
    assert text.startswith("feed rejected (50 errors or more): stops.txt line 2, stop_lat:")
    assert text.endswith("; and 45 more")


def test_several_errors_in_one_run(tmp_path: Path) -> None:
    errors = rejection(write_feed(
        tmp_path / "feed",
        stops=SMALL_FEED["stops.txt"].replace("35.0690", "abc"),
        fare_attributes=SMALL_FEED["fare_attributes.txt"].replace("F1,230", "F1,-1"),
    ))
    assert where(errors) == [("stops.txt", 4, "stop_lat"), ("fare_attributes.txt", 2, "price")]


def test_feed_error_text() -> None:
    assert str(FeedError("stops.txt", 12, "stop_lat", '"abc" is not a number')) == (
        'stops.txt line 12, stop_lat: "abc" is not a number')
    assert str(FeedError("feed.zip", None, None, "is not a zip")) == "feed.zip: is not a zip"
    assert str(FeedRejected([FeedError("a.txt", 2, None, "bad")])) == (
        "feed rejected (1 error): a.txt line 2: bad")


def test_not_utf8(tmp_path: Path) -> None:
    folder = write_feed(tmp_path / "feed")
    (folder / "stops.txt").write_bytes(SMALL_FEED["stops.txt"].encode("shift_jis"))
    errors = rejection(folder)
    assert where(errors) == [("stops.txt", 2, None)]
    assert "is not UTF-8" in errors[0].message


def test_not_a_zip(tmp_path: Path) -> None:
    archive = tmp_path / "feed.zip"
    archive.write_bytes(b"this is not a zip")
    errors = rejection(archive)
    assert errors[0].file == "feed.zip" and "not a readable zip" in errors[0].message


def test_zip_member_outside(tmp_path: Path) -> None:
    archive = zip_feed(write_feed(tmp_path / "feed"), tmp_path / "feed.zip")
    with zipfile.ZipFile(archive, "a") as extra:
        extra.writestr("../evil.txt", "x")
    errors = rejection(archive)
    assert where(errors) == [("feed.zip", None, None)]
    assert '"../evil.txt"' in errors[0].message


def test_zip_with_two_folders(tmp_path: Path) -> None:
    folder = write_feed(tmp_path / "feed")
    archive = zip_feed(folder, tmp_path / "feed.zip", "one")
    with zipfile.ZipFile(archive, "a") as extra:
        extra.write(folder / "stops.txt", "two/stops.txt")
    errors = rejection(archive)
    assert "several folders: one, two" in errors[0].message


def test_small_feed_from_zip_ignores_mac_folder(tmp_path: Path) -> None:
    folder = write_feed(tmp_path / "feed")
    archive = zip_feed(folder, tmp_path / "feed.zip", "gtfs")
    with zipfile.ZipFile(archive, "a") as extra:
        extra.writestr("__MACOSX/gtfs/._stops.txt", b"\x00\x05\x16\x07")
    assert len(read_feed(archive).stop_times) == 7


def test_no_such_source(tmp_path: Path) -> None:
    errors = rejection(tmp_path / "nowhere")
    assert "no such folder or zip file" in errors[0].message


# --- stop times: order, completion, interpolation -------------------------------------------

STOP_TIMES_HEADER = "trip_id,arrival_time,departure_time,stop_id,stop_sequence"


def stop_times_of(tmp_path: Path, rows: str, header: str = STOP_TIMES_HEADER) -> Feed:
    return read_small(tmp_path, stop_times=f"{header}\n{rows}")


def test_stop_times_sorted_by_trip_then_sequence(tmp_path: Path) -> None:
    feed = stop_times_of(tmp_path, (
        "T3,23:50:00,23:50:00,S1,5\n"
        "T1,08:20:00,08:20:00,S3,30\n"
        "T2,09:15:00,09:15:00,S1,2\n"
        "T1,08:00:00,08:00:00,S1,10\n"
        "T3,24:05:00,24:05:00,S3,7\n"
        "T1,08:10:00,08:10:00,S2,20\n"
        "T2,09:00:00,09:00:00,S3,1\n"
    ), header=STOP_TIMES_HEADER)
    st = feed.stop_times
    assert st.trip.tolist() == [0, 0, 0, 1, 1, 2, 2]
    assert st.sequence.tolist() == [10, 20, 30, 1, 2, 5, 7]
    assert st.arrival.tolist() == [hms(t) for t in (
        "08:00:00", "08:10:00", "08:20:00", "09:00:00", "09:15:00", "23:50:00", "24:05:00")]


def test_stop_headsigns_follow_their_rows(tmp_path: Path) -> None:
    feed = stop_times_of(tmp_path, (
        "T2,09:15:00,09:15:00,S1,2,\n"
        "T1,08:00:00,08:00:00,S1,1,市役所前ゆき\n"
        "T1,08:20:00,08:20:00,S3,3,\n"
        "T1,08:10:00,08:10:00,S2,2,津山城ゆき\n"
        "T2,09:00:00,09:00:00,S3,1,津山駅ゆき\n"
        "T3,23:50:00,23:50:00,S1,1,\n"
        "T3,24:05:00,24:05:00,S3,2,\n"
    ), header=STOP_TIMES_HEADER + ",stop_headsign")
    assert feed.stop_times.stop_headsign == {0: "市役所前ゆき", 1: "津山城ゆき", 3: "津山駅ゆき"}


def test_times_past_midnight_and_one_digit_hours(tmp_path: Path) -> None:
    feed = stop_times_of(tmp_path, (
        "T1,8:05:00,8:05:00,S1,1\n"
        "T1,9:59:59,10:00:00,S2,2\n"
        "T1,23:59:00,25:10:00,S3,3\n"
        "T2,47:00:00,47:00:00,S3,1\n"
        "T2,47:59:59,47:59:59,S1,2\n"
        "T3,00:00:00,00:00:00,S1,1\n"
        "T3,0:01:00,0:01:00,S3,2\n"
    ))
    st = feed.stop_times
    assert st.arrival.tolist() == [
        hms("8:05:00"), hms("9:59:59"), hms("23:59:00"), hms("47:00:00"), hms("47:59:59"), 0, 60]
    assert st.departure[2] == 25 * 3600 + 10 * 60


def test_empty_arrival_or_departure_takes_the_other(tmp_path: Path) -> None:
    feed = stop_times_of(tmp_path, (
        "T1,08:00:00,,S1,1\n"
        "T1,,08:10:00,S2,2\n"
        "T1,08:20:00,08:20:00,S3,3\n"
        "T2,09:00:00,09:00:00,S3,1\n"
        "T2,09:15:00,09:15:00,S1,2\n"
    ))
    st = feed.stop_times
    assert st.arrival[:3].tolist() == st.departure[:3].tolist() == [
        hms("08:00:00"), hms("08:10:00"), hms("08:20:00")]
    assert not st.interpolated.any()


def test_interpolation_by_count_of_stops(tmp_path: Path) -> None:
    feed = stop_times_of(tmp_path, (
        "T1,08:00:00,08:00:00,S1,1\n"
        "T1,,,S2,2\n"
        "T1,,,S3,3\n"
        "T1,08:30:00,08:31:00,S1,4\n"
        "T1,,,S2,5\n"
        "T1,,,S3,6\n"
        "T1,08:31:10,08:31:10,S1,7\n"
        "T2,09:00:00,09:00:00,S3,1\n"
        "T2,09:15:00,09:15:00,S1,2\n"
    ))
    st = feed.stop_times
    # Between 08:00:00 and 08:30:00; then between the departure 08:31:00 and 08:31:10,
    # 3.33 s and 6.67 s rounded to the nearest second.
    assert st.arrival[:7].tolist() == [hms(t) for t in (
        "08:00:00", "08:10:00", "08:20:00", "08:30:00", "08:31:03", "08:31:07", "08:31:10")]
    assert st.departure[:7].tolist() == [hms(t) for t in (
        "08:00:00", "08:10:00", "08:20:00", "08:31:00", "08:31:03", "08:31:07", "08:31:10")]
    assert st.interpolated.tolist() == [
        False, True, True, False, True, True, False, False, False]


def test_interpolation_by_distance(tmp_path: Path) -> None:
    header = STOP_TIMES_HEADER + ",shape_dist_traveled"
    feed = stop_times_of(tmp_path, (
        "T1,08:00:00,08:00:00,S1,1,0\n"
        "T1,,,S2,2,100\n"
        "T1,,,S3,3,400\n"
        "T1,08:30:00,08:30:00,S1,4,1000\n"
        "T2,09:00:00,09:00:00,S3,1,0\n"
        "T2,,,S1,2,\n"  # no distance here: by count
        "T2,09:10:00,09:10:00,S2,3,900\n"
        "T3,23:50:00,23:50:00,S1,1,\n"
        "T3,24:05:00,24:05:00,S3,2,\n"
    ), header=header)
    st = feed.stop_times
    assert st.arrival[:4].tolist() == [hms(t) for t in (
        "08:00:00", "08:03:00", "08:12:00", "08:30:00")]
    assert st.arrival[5] == hms("09:05:00")
    assert st.interpolated.tolist() == [False, True, True, False, False, True, False, False, False]


def test_interpolation_misspelt_distance_column(tmp_path: Path) -> None:
    header = STOP_TIMES_HEADER + ",shape_dist_travel"
    feed = stop_times_of(tmp_path, (
        "T1,08:00:00,08:00:00,S1,1,0\n"
        "T1,,,S2,2,750\n"
        "T1,08:10:00,08:10:00,S3,3,1000\n"
        "T2,09:00:00,09:00:00,S3,1,\n"
        "T2,09:15:00,09:15:00,S1,2,\n"
    ), header=header)
    assert feed.stop_times.arrival[1] == hms("08:07:30")
    assert "stop_times.txt: column shape_dist_travel read as shape_dist_traveled" in feed.warnings


def test_distances_going_back_do_not_make_time_go_back(tmp_path: Path) -> None:
    header = STOP_TIMES_HEADER + ",shape_dist_traveled"
    feed = stop_times_of(tmp_path, (
        "T1,08:00:00,08:00:00,S1,1,0\n"
        "T1,,,S2,2,800\n"
        "T1,,,S3,3,200\n"
        "T1,08:10:00,08:10:00,S1,4,1000\n"
        "T2,09:00:00,09:00:00,S3,1,\n"
        "T2,09:15:00,09:15:00,S1,2,\n"
    ), header=header)
    arrival = feed.stop_times.arrival[:4].tolist()
    assert arrival == sorted(arrival)
    assert arrival[1] == hms("08:08:00")


def test_trips_with_fewer_than_two_stop_times_are_kept(tmp_path: Path) -> None:
    feed = stop_times_of(tmp_path, (
        "T1,08:00:00,08:00:00,S1,1\n"
        "T1,08:10:00,08:10:00,S2,2\n"
        "T3,23:50:00,23:50:00,S1,1\n"
    ))
    assert [t.trip_id for t in feed.trips] == ["T1", "T2", "T3"]
    assert feed.stop_times.trip_start.tolist() == [0, 2, 2, 3]
    assert any("2 trips have fewer than 2 stop times" in w and "T2, T3" in w
               for w in feed.warnings)


# --- translations -------------------------------------------------------------------------


def test_gtfs_style_translations(tmp_path: Path) -> None:
    translations = (
        "table_name,field_name,language,translation,record_id,record_sub_id,field_value\n"
        "stops,stop_name,en,Tsuyama Station,,,津山駅\n"
        "stops,stop_name,en,Tsuyama Station (north),S1,,\n"
        "stops,stop_name,ja-Hrkt,つやまえき,,,津山駅\n"
        "feed_info,feed_publisher_name,en,Tsuyama City,,,\n"
    )
    feed = read_small(tmp_path, translations=translations)
    assert feed.translations[1] == Translation(
        "stops", "stop_name", "en", "Tsuyama Station (north)", record_id="S1")
    index = TranslationIndex(feed.translations)
    assert index.text("stops", "stop_name", "S1", "津山駅", "en") == "Tsuyama Station (north)"
    assert index.text("stops", "stop_name", "ST", "津山駅", "en") == "Tsuyama Station"
    assert index.text("stops", "stop_name", "ST", "津山駅", "ja-hrkt") == "つやまえき"
    assert index.text("stops", "stop_desc", "ST", "津山駅", "en") is None
    assert index.text("stops", "stop_name", "ST", "津山駅", "en-US") is None
    assert index.text("feed_info", "feed_publisher_name", "", "津山市", "en") == "Tsuyama City"


def test_old_style_translations(tmp_path: Path) -> None:
    translations = '"trans_id","lang","translation"\n"津山駅","en","Tsuyama Sta."\n'
    feed = read_small(tmp_path, translations=translations)
    assert feed.translations == [Translation("", "", "en", "Tsuyama Sta.", field_value="津山駅")]
    index = TranslationIndex(feed.translations)
    assert index.text("stops", "stop_name", "S1", "津山駅", "en") == "Tsuyama Sta."
    assert index.text("routes", "route_long_name", "R1", "津山駅", "EN") == "Tsuyama Sta."


def test_translation_order_record_then_value_then_old_style() -> None:
    index = TranslationIndex([
        Translation("", "", "en", "old style", field_value="津山駅"),
        Translation("stops", "stop_name", "en", "by value", field_value="津山駅"),
        Translation("stops", "stop_name", "en", "by record", record_id="S1"),
        Translation("stops", "stop_name", "EN", "by record, other case", record_id="S2"),
        Translation("stops", "stop_name", "en", "first", record_id="S3"),
        Translation("stops", "stop_name", "en", "second", record_id="S3"),
    ])
    assert index.text("stops", "stop_name", "S1", "津山駅", "en") == "by record"
    assert index.text("stops", "stop_name", "S9", "津山駅", "en") == "by value"
    assert index.text("routes", "route_long_name", "R1", "津山駅", "en") == "old style"
    assert index.text("stops", "stop_name", "S2", "津山駅", "en") == "by record, other case"
    assert index.text("stops", "stop_name", "S3", "x", "en") == "first"
    assert index.text("stops", "stop_name", "", "", "en") is None


def test_translation_needs_record_or_value(tmp_path: Path) -> None:
    translations = (
        "table_name,field_name,language,translation,record_id,record_sub_id,field_value\n"
        "stops,stop_name,en,Tsuyama Station,,,\n"
    )
    errors = rejection(write_feed(tmp_path / "feed", translations=translations))
    assert where(errors) == [("translations.txt", 2, "record_id")]
