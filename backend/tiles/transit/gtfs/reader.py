"""`read_feed`: a GTFS-JP feed (a folder of .txt files or a zip) read into a checked `Feed`.

Required files: agency, stops, routes, trips, stop_times, and calendar or calendar_dates.
Optional: frequencies, fare_attributes, fare_rules, translations (both styles), feed_info,
agency_jp, office_jp, routes_jp, pattern_jp, shapes; an optional file that is empty counts as
absent. A broken feed raises `FeedRejected` listing its problems (file, line, field); what is
accepted but odd (a misspelt column, a trip that cannot be ridden) goes to `Feed.warnings`.

Trips are kept in the order of trips.txt, including a trip with fewer than two stop times
(it is in `StopTimes` with its 0 or 1 rows, and noted in the warnings: it cannot be ridden).
stop_times.txt is read column by column into numpy arrays (see `StopTimes`)."""

from __future__ import annotations

import gc
import re
from collections.abc import Callable, Container, Iterator, Mapping
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TypeVar

import numpy as np

from .csv_table import (
    ColumnParser,
    CsvTable,
    FeedFiles,
    Row,
    parse_int,
    parse_number,
)
from .errors import FeedRejected, Problems, not_found
from .feed import (
    ACCESS_UNKNOWN,
    STOP_OR_PLATFORM,
    Agency,
    AgencyJP,
    Calendar,
    CalendarDate,
    FareAttribute,
    FareRule,
    Feed,
    FeedInfo,
    Frequency,
    OfficeJP,
    PatternJP,
    Route,
    RouteJP,
    ShapePoint,
    Stop,
    Trip,
)
from .stop_times import read_stop_times
from .translations import read_translations

__all__ = ["FeedRejected", "read_feed"]

REQUIRED_FILES = ("agency.txt", "stops.txt", "routes.txt", "trips.txt", "stop_times.txt")
# Misspelt columns seen in real feeds -> the GTFS name.
ALIASES: Mapping[str, Mapping[str, str]] = {
    "trips.txt": {"wheelchair_accesible": "wheelchair_accessible"},  # the MLIT sample
    "stop_times.txt": {"shape_dist_travel": "shape_dist_traveled"},
}
ACCESS = (0, 1, 2)
_COLOR = re.compile(r"[0-9A-Fa-f]{6}")
_T = TypeVar("_T")


def read_feed(source: Path) -> Feed:
    """The feed in `source` (a folder or a .zip), checked; raises `FeedRejected`."""
    problems = Problems()
    with _gc_paused(), FeedFiles(source, problems) as files:
        missing = [name for name in REQUIRED_FILES if not files.has(name)]
        if not files.has("calendar.txt") and not files.has("calendar_dates.txt"):
            missing.append("calendar.txt")
        for name in missing:
            message = "required file is missing"
            if name == "calendar.txt":
                message = "required file is missing (calendar.txt or calendar_dates.txt)"
            problems.error(name, None, None, message)
        problems.stop_if_any()
        feed = _FeedReader(files, problems).read()
    problems.stop_if_any()
    feed.warnings = problems.warnings
    return feed


@contextmanager
def _gc_paused() -> Iterator[None]:
    """The cyclic garbage collector off while reading: the reader makes millions of small
    lists and strings, none of them in cycles, and the collections they set off took more
    than half of the time."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class _FeedReader:
    def __init__(self, files: FeedFiles, problems: Problems) -> None:
        self.files = files
        self.problems = problems

    def table(self, name: str, *, required: bool = False) -> CsvTable | None:
        text = self.files.read_text(name)
        if text is None or not text.strip():
            if required:
                self.problems.fatal(name, None, None, "required file is empty")
            return None
        return CsvTable(name, text, self.problems, ALIASES.get(name))

    def required_table(self, name: str) -> CsvTable:
        table = self.table(name, required=True)
        assert table is not None
        return table

    def read(self) -> Feed:
        agencies = read_agencies(self.required_table("agency.txt"))
        stops = read_stops(self.required_table("stops.txt"))
        routes = read_routes(self.required_table("routes.txt"), {a.agency_id for a in agencies})
        calendars = _optional(self.table("calendar.txt"), read_calendars)
        calendar_dates = _optional(self.table("calendar_dates.txt"), read_calendar_dates)
        services = {c.service_id for c in calendars} | {d.service_id for d in calendar_dates}
        trips = read_trips(self.required_table("trips.txt"), {r.route_id for r in routes}, services)
        trip_index = {t.trip_id: i for i, t in enumerate(trips)}
        stop_index = {s.stop_id: i for i, s in enumerate(stops)}
        stop_times = read_stop_times(self.required_table("stop_times.txt"), trips, stop_index)
        fare_attributes = _optional(self.table("fare_attributes.txt"), read_fare_attributes)
        fare_ids = {f.fare_id for f in fare_attributes}
        feed_info = _optional(self.table("feed_info.txt"), read_feed_info)
        return Feed(
            agencies=agencies,
            stops=stops,
            routes=routes,
            trips=trips,
            stop_times=stop_times,
            calendars=calendars,
            calendar_dates=calendar_dates,
            frequencies=_optional(
                self.table("frequencies.txt"), lambda t: read_frequencies(t, trip_index)
            ),
            fare_attributes=fare_attributes,
            fare_rules=_optional(
                self.table("fare_rules.txt"), lambda t: read_fare_rules(t, fare_ids)
            ),
            translations=_optional(self.table("translations.txt"), read_translations),
            feed_info=feed_info[0] if feed_info else None,
            agencies_jp=_optional(self.table("agency_jp.txt"), read_agencies_jp),
            offices_jp=_optional(self.table("office_jp.txt"), read_offices_jp),
            routes_jp=_optional(self.table("routes_jp.txt"), read_routes_jp),
            patterns_jp=_optional(self.table("pattern_jp.txt"), read_patterns_jp),
            shapes=read_shapes(self.table("shapes.txt")),
        )


def _optional(table: CsvTable | None, read: Callable[[CsvTable], list[_T]]) -> list[_T]:
    return [] if table is None else read(table)


def _check_unique(row: Row, seen: dict[str, int], field: str, value: str) -> None:
    """Primary ids: a second row with the same id is an error."""
    if value in seen:
        row.error(field, f'"{value}" is already used on line {seen[value]}')
    elif value:
        seen[value] = row.line


def _check_reference(
    row: Row, field: str, value: str, known: Container[str], target: str, key: str = ""
) -> None:
    """A reference to another file: `key` (default: the same name as `field`) must have
    the value there."""
    if value and value not in known:
        row.error(field, not_found(key or field, value, target))


# --- agency, stops, routes, calendars, trips ------------------------------------------------


def read_agencies(table: CsvTable) -> list[Agency]:
    table.require_columns("agency_name", "agency_url", "agency_timezone")
    seen: dict[str, int] = {}
    result: list[Agency] = []
    for row in table.rows():
        agency_id = row.text("agency_id")
        _check_unique(row, seen, "agency_id", agency_id)
        result.append(
            Agency(
                agency_id=agency_id,
                name=row.required("agency_name"),
                url=row.required("agency_url"),
                timezone=row.required("agency_timezone").strip(),
                lang=row.text("agency_lang").strip(),
                phone=row.text("agency_phone"),
                fare_url=row.text("agency_fare_url"),
            )
        )
    return result


def read_stops(table: CsvTable) -> list[Stop]:
    table.require_columns("stop_id")
    seen: dict[str, int] = {}
    result: list[Stop] = []
    parents: list[tuple[Row, str]] = []
    for row in table.rows():
        stop_id = row.required("stop_id")
        _check_unique(row, seen, "stop_id", stop_id)
        location_type = row.choice("location_type", range(5), STOP_OR_PLATFORM)
        assert location_type is not None
        located = location_type <= 2  # 3 generic node, 4 boarding area: coordinates optional
        parent = row.text("parent_station")
        if parent:
            parents.append((row, parent))
        result.append(
            Stop(
                stop_id=stop_id,
                name=row.required("stop_name") if located else row.text("stop_name"),
                lat=row.number("stop_lat", required=located, minimum=-90, maximum=90),
                lon=row.number("stop_lon", required=located, minimum=-180, maximum=180),
                code=row.text("stop_code"),
                desc=row.text("stop_desc"),
                zone_id=row.text("zone_id"),
                location_type=location_type,
                parent_station=parent,
                platform_code=row.text("platform_code"),
                wheelchair_boarding=row.choice("wheelchair_boarding", ACCESS, ACCESS_UNKNOWN)
                or ACCESS_UNKNOWN,
            )
        )
    for row, parent in parents:
        _check_reference(row, "parent_station", parent, seen, "stops.txt", "stop_id")
    return result


def read_routes(table: CsvTable, agency_ids: set[str]) -> list[Route]:
    table.require_columns("route_id", "route_type")
    seen: dict[str, int] = {}
    result: list[Route] = []
    bad_colors = 0
    for row in table.rows():
        route_id = row.required("route_id")
        _check_unique(row, seen, "route_id", route_id)
        agency_id = row.text("agency_id")
        _check_reference(row, "agency_id", agency_id, agency_ids, "agency.txt")
        colors = [row.text("route_color").strip(), row.text("route_text_color").strip()]
        for i, color in enumerate(colors):
            if color and not _COLOR.fullmatch(color):
                bad_colors += 1
                colors[i] = ""
        result.append(
            Route(
                route_id=route_id,
                agency_id=agency_id,
                short_name=row.text("route_short_name"),
                long_name=row.text("route_long_name"),
                route_type=row.integer("route_type", 3, required=True, minimum=0) or 0,
                desc=row.text("route_desc"),
                color=colors[0],
                text_color=colors[1],
                jp_parent_route_id=row.text("jp_parent_route_id"),
            )
        )
    if bad_colors:
        table.problems.warn(f"routes.txt: {bad_colors} colours are not RRGGBB and are ignored")
    return result


def read_calendars(table: CsvTable) -> list[Calendar]:
    days = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    table.require_columns("service_id", *days, "start_date", "end_date")
    seen: dict[str, int] = {}
    result: list[Calendar] = []
    for row in table.rows():
        service_id = row.required("service_id")
        _check_unique(row, seen, "service_id", service_id)
        flags = []
        for day in days:
            if not row.text(day).strip():
                row.error(day, "required value is empty")
            flags.append(row.choice(day, (0, 1), 0) == 1)
        start = row.day("start_date", required=True)
        end = row.day("end_date", required=True)
        if start is not None and end is not None and end < start:
            row.error("end_date", f'"{row.text("end_date")}" is before the start_date')
        # With a bad date the feed is rejected; the row still names its service, so that
        # trips.txt is not reported as well.
        start, end = start or date.min, end or date.min
        weekdays = (flags[0], flags[1], flags[2], flags[3], flags[4], flags[5], flags[6])
        result.append(Calendar(service_id, weekdays, start, end))
    return result


def read_calendar_dates(table: CsvTable) -> list[CalendarDate]:
    table.require_columns("service_id", "date", "exception_type")
    result: list[CalendarDate] = []
    for row in table.rows():
        service_id = row.required("service_id")
        day = row.day("date", required=True)
        if not row.text("exception_type").strip():
            row.error("exception_type", "required value is empty")
        exception_type = row.choice("exception_type", (1, 2), None)
        # A bad row still names its service (the feed is rejected anyway; see read_calendars).
        result.append(CalendarDate(service_id, day or date.min, exception_type or 2))
    return result


def read_trips(table: CsvTable, route_ids: set[str], service_ids: set[str]) -> list[Trip]:
    table.require_columns("route_id", "service_id", "trip_id")
    seen: dict[str, int] = {}
    result: list[Trip] = []
    for row in table.rows():
        trip_id = row.required("trip_id")
        _check_unique(row, seen, "trip_id", trip_id)
        route_id = row.required("route_id")
        _check_reference(row, "route_id", route_id, route_ids, "routes.txt")
        service_id = row.required("service_id")
        _check_reference(
            row, "service_id", service_id, service_ids, "calendar.txt or calendar_dates.txt"
        )
        result.append(
            Trip(
                trip_id=trip_id,
                route_id=route_id,
                service_id=service_id,
                headsign=row.text("trip_headsign"),
                short_name=row.text("trip_short_name"),
                direction_id=row.choice("direction_id", (0, 1), None),
                block_id=row.text("block_id"),
                shape_id=row.text("shape_id"),
                wheelchair_accessible=row.choice("wheelchair_accessible", ACCESS, ACCESS_UNKNOWN)
                or ACCESS_UNKNOWN,
                jp_trip_desc=row.text("jp_trip_desc"),
                jp_office_id=row.text("jp_office_id"),
                jp_pattern_id=row.text("jp_pattern_id"),
            )
        )
    return result


# --- stop_times -----------------------------------------------------------------------------

def read_frequencies(table: CsvTable, trip_index: Mapping[str, int]) -> list[Frequency]:
    table.require_columns("trip_id", "start_time", "end_time", "headway_secs")
    result: list[Frequency] = []
    for row in table.rows():
        trip_id = row.required("trip_id")
        _check_reference(row, "trip_id", trip_id, trip_index, "trips.txt")
        start = row.time("start_time", required=True)
        end = row.time("end_time", required=True)
        headway = row.integer("headway_secs", required=True, minimum=1)
        exact = row.choice("exact_times", (0, 1), 0) or 0
        if start is not None and end is not None and end <= start:
            row.error("end_time", f'"{row.text("end_time")}" is not after the start_time')
        elif start is not None and end is not None and headway is not None:
            result.append(Frequency(trip_id, start, end, headway, exact))
    return result


def read_fare_attributes(table: CsvTable) -> list[FareAttribute]:
    table.require_columns("fare_id", "price", "currency_type", "payment_method")
    seen: dict[str, int] = {}
    result: list[FareAttribute] = []
    for row in table.rows():
        fare_id = row.required("fare_id")
        _check_unique(row, seen, "fare_id", fare_id)
        price = row.number("price", required=True, minimum=0)
        if price is not None and price != int(price):
            row.error("price", f'"{row.text("price")}" is not a whole amount of yen')
        if not row.text("payment_method").strip():
            row.error("payment_method", "required value is empty")
        result.append(
            FareAttribute(
                fare_id=fare_id,
                price=int(price or 0),
                currency_type=row.required("currency_type").strip(),
                payment_method=row.choice("payment_method", (0, 1), 0) or 0,
                transfers=row.choice("transfers", (0, 1, 2), None),
                agency_id=row.text("agency_id"),
                transfer_duration=row.integer("transfer_duration", minimum=0),
            )
        )
    return result


def read_fare_rules(table: CsvTable, fare_ids: set[str]) -> list[FareRule]:
    """Read column by column: a feed may have a hundred thousand rules."""
    table.require_columns("fare_id")
    names = ("fare_id", "route_id", "origin_id", "destination_id", "contains_id")
    result: list[FareRule] = []
    for chunk in table.column_chunks(names):
        fare_id = chunk.values["fare_id"]
        unknown = {
            value: not_found("fare_id", value, "fare_attributes.txt") if value.strip()
            else "required value is empty"
            for value in set(fare_id) - fare_ids
        }
        if unknown:
            table.report(chunk.lines, "fare_id", fare_id, unknown)
        result.extend(map(FareRule, *(chunk.values[name] for name in names)))
    return result


# --- feed_info, the Japanese files, shapes --------------------------------------------------


def read_feed_info(table: CsvTable) -> list[FeedInfo]:
    table.require_columns("feed_publisher_name", "feed_publisher_url", "feed_lang")
    result = [
        FeedInfo(
            publisher_name=row.required("feed_publisher_name"),
            publisher_url=row.required("feed_publisher_url"),
            lang=row.required("feed_lang").strip(),
            start_date=row.day("feed_start_date"),
            end_date=row.day("feed_end_date"),
            version=row.text("feed_version"),
            contact_email=row.text("feed_contact_email"),
            contact_url=row.text("feed_contact_url"),
        )
        for row in table.rows()
    ]
    if len(result) > 1:
        table.problems.warn(f"feed_info.txt: {len(result)} rows; the first one is read")
    return result


def read_agencies_jp(table: CsvTable) -> list[AgencyJP]:
    table.require_columns("agency_id")
    return [
        AgencyJP(
            agency_id=row.required("agency_id"),
            official_name=row.text("agency_official_name"),
            zip_number=row.text("agency_zip_number"),
            address=row.text("agency_address"),
            president_pos=row.text("agency_president_pos"),
            president_name=row.text("agency_president_name"),
        )
        for row in table.rows()
    ]


def read_offices_jp(table: CsvTable) -> list[OfficeJP]:
    table.require_columns("office_id", "office_name")
    return [
        OfficeJP(
            office_id=row.required("office_id"),
            name=row.required("office_name"),
            url=row.text("office_url"),
            phone=row.text("office_phone"),
        )
        for row in table.rows()
    ]


def read_routes_jp(table: CsvTable) -> list[RouteJP]:
    table.require_columns("route_id")
    return [
        RouteJP(
            route_id=row.required("route_id"),
            route_update_date=row.text("route_update_date"),
            origin_stop=row.text("origin_stop"),
            via_stop=row.text("via_stop"),
            destination_stop=row.text("destination_stop"),
        )
        for row in table.rows()
    ]


def read_patterns_jp(table: CsvTable) -> list[PatternJP]:
    table.require_columns("jp_pattern_id")
    return [
        PatternJP(
            jp_pattern_id=row.required("jp_pattern_id"),
            route_update_date=row.text("route_update_date"),
            origin_stop=row.text("origin_stop"),
            via_stop=row.text("via_stop"),
            destination_stop=row.text("destination_stop"),
        )
        for row in table.rows()
    ]


def _ranged(minimum: float, maximum: float) -> Callable[[str], float]:
    def parse(text: str) -> float:
        value = parse_number(text)
        if not minimum <= value <= maximum:
            raise ValueError(f'"{text}" is out of range {minimum:g} to {maximum:g}')
        return value

    return parse


def _shape_sequence(text: str) -> int:
    value = parse_int(text)
    if value < 0:
        raise ValueError(f'"{text}" is out of range 0 or more')
    return value


def _non_negative(text: str) -> float:
    value = parse_number(text)
    if value < 0:
        raise ValueError(f'"{text}" is out of range 0 or more')
    return value


def read_shapes(table: CsvTable | None) -> dict[str, list[ShapePoint]]:
    """Each shape's points in shape_pt_sequence order (read column by column)."""
    if table is None:
        return {}
    table.require_columns("shape_id", "shape_pt_lat", "shape_pt_lon", "shape_pt_sequence")
    parsers = (
        ColumnParser("shape_pt_lat", _ranged(-90, 90), np.float64, remember=False),
        ColumnParser("shape_pt_lon", _ranged(-180, 180), np.float64, remember=False),
        ColumnParser("shape_pt_sequence", _shape_sequence, np.int64),
        ColumnParser("shape_dist_traveled", _non_negative, np.float64, np.nan, remember=False),
    )
    points: dict[str, list[tuple[int, ShapePoint]]] = {}
    for chunk in table.column_chunks(("shape_id", *(p.field for p in parsers))):
        shape_ids = chunk.values["shape_id"]
        if not all(map(str.strip, shape_ids)):
            stripped = [shape_id.strip() for shape_id in shape_ids]
            table.report(chunk.lines, "shape_id", stripped, {"": "required value is empty"})
        columns = [parser(table, chunk).tolist() for parser in parsers]
        for shape_id, lat, lon, sequence, dist in zip(shape_ids, *columns, strict=True):
            point = ShapePoint(lat, lon, None if dist != dist else dist)  # NaN: not given
            points.setdefault(shape_id, []).append((sequence, point))
    return {
        shape_id: [point for _, point in sorted(items, key=lambda item: item[0])]
        for shape_id, items in points.items()
    }
