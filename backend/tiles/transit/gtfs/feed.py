"""A GTFS-JP feed as read from its files (`reader.read_feed`), before it is compiled into the
timetable the app plans on (`backend/tiles/transit/timetable/`).

Plain GTFS plus the Japanese files (agency_jp, office_jp, routes_jp, pattern_jp) and both
styles of translations.txt. Values are as the feed gives them, checked and typed; nothing is
merged or guessed except what GTFS itself defines (an empty arrival time takes the
departure time and the other way round; stop times a feed leaves empty between timepoints
are interpolated, see `StopTimes`). Times are seconds after noon minus 12 h of the service
day ("HH:MM:SS", which may pass 24:00:00)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

import numpy as np

# stops.location_type
STOP_OR_PLATFORM = 0
STATION = 1
# stop_times.pickup_type / drop_off_type
REGULAR = 0
NONE_AVAILABLE = 1
# stops.wheelchair_boarding / trips.wheelchair_accessible
ACCESS_UNKNOWN = 0
ACCESS_YES = 1
ACCESS_NO = 2


@dataclass(frozen=True)
class Agency:
    agency_id: str
    name: str
    url: str
    timezone: str
    lang: str = ""
    phone: str = ""
    fare_url: str = ""


@dataclass(frozen=True)
class AgencyJP:
    agency_id: str
    official_name: str = ""
    zip_number: str = ""
    address: str = ""
    president_pos: str = ""
    president_name: str = ""


@dataclass(frozen=True)
class OfficeJP:
    office_id: str
    name: str
    url: str = ""
    phone: str = ""


@dataclass(frozen=True)
class Stop:
    stop_id: str
    name: str
    lat: float | None  # None only for a station-less generic node (location_type 3/4)
    lon: float | None
    code: str = ""
    desc: str = ""
    zone_id: str = ""
    location_type: int = STOP_OR_PLATFORM
    parent_station: str = ""
    platform_code: str = ""  # the pole (のりば) where the feed names it
    wheelchair_boarding: int = ACCESS_UNKNOWN  # as given; a platform may inherit its parent's


@dataclass(frozen=True)
class Route:
    route_id: str
    agency_id: str
    short_name: str
    long_name: str
    route_type: int
    desc: str = ""
    color: str = ""  # "RRGGBB" or ""
    text_color: str = ""
    jp_parent_route_id: str = ""


@dataclass(frozen=True)
class RouteJP:
    route_id: str
    route_update_date: str = ""
    origin_stop: str = ""
    via_stop: str = ""
    destination_stop: str = ""


@dataclass(frozen=True)
class PatternJP:
    jp_pattern_id: str
    route_update_date: str = ""
    origin_stop: str = ""
    via_stop: str = ""
    destination_stop: str = ""


@dataclass(frozen=True)
class Trip:
    trip_id: str
    route_id: str
    service_id: str
    headsign: str = ""
    short_name: str = ""
    direction_id: int | None = None
    block_id: str = ""
    shape_id: str = ""
    wheelchair_accessible: int = ACCESS_UNKNOWN
    jp_trip_desc: str = ""
    jp_office_id: str = ""
    jp_pattern_id: str = ""


@dataclass
class StopTimes:
    """Every stop time of the feed in columns, sorted by trip (its index in `Feed.trips`)
    then stop_sequence; row r of every column is one stop time. `trip_start[t]` ..
    `trip_start[t + 1]` are trip t's rows (so `trip_start` has len(trips) + 1 entries).

    Times are seconds of the service day. A stop time with neither time (between
    timepoints) gets both by linear interpolation between the timepoints around it, by
    shape_dist_traveled where the trip gives it for all three, else by the count of stops;
    `interpolated` marks those rows. A trip's first and last stop times must have times."""

    trip: np.ndarray  # int32, index into Feed.trips
    stop: np.ndarray  # int32, index into Feed.stops
    sequence: np.ndarray  # int32, stop_sequence as given (strictly increasing per trip)
    arrival: np.ndarray  # int32 seconds
    departure: np.ndarray  # int32 seconds (>= arrival)
    pickup_type: np.ndarray  # int8
    drop_off_type: np.ndarray  # int8
    interpolated: np.ndarray  # bool
    trip_start: np.ndarray  # int64, len(trips) + 1
    stop_headsign: Mapping[int, str] = field(default_factory=dict)  # row -> headsign, if any

    def __len__(self) -> int:
        return int(self.trip.shape[0])


@dataclass(frozen=True)
class Calendar:
    service_id: str
    weekdays: tuple[bool, bool, bool, bool, bool, bool, bool]  # monday .. sunday
    start_date: date
    end_date: date


@dataclass(frozen=True)
class CalendarDate:
    service_id: str
    date: date
    exception_type: int  # 1 added, 2 removed


@dataclass(frozen=True)
class Frequency:
    trip_id: str
    start_time: int  # seconds
    end_time: int
    headway_secs: int
    exact_times: int = 0


@dataclass(frozen=True)
class FareAttribute:
    fare_id: str
    price: int  # in the currency's minor unit as used in Japan: yen
    currency_type: str
    payment_method: int  # 0 on board, 1 before boarding
    transfers: int | None  # None: unlimited
    agency_id: str = ""
    transfer_duration: int | None = None


@dataclass(frozen=True)
class FareRule:
    fare_id: str
    route_id: str = ""
    origin_id: str = ""  # a zone_id
    destination_id: str = ""
    contains_id: str = ""


@dataclass(frozen=True)
class Translation:
    """One row of translations.txt in either style. The GTFS style names the table, the
    field and a record (record_id, record_sub_id) or a field_value; the older GTFS-JP style
    (trans_id, lang, translation) translates every field whose value is trans_id: it is read
    as table_name="" (any table), field_name="" (any field), field_value=trans_id."""

    table_name: str
    field_name: str
    language: str
    translation: str
    record_id: str = ""
    record_sub_id: str = ""
    field_value: str = ""


@dataclass(frozen=True)
class FeedInfo:
    publisher_name: str
    publisher_url: str
    lang: str
    start_date: date | None = None
    end_date: date | None = None
    version: str = ""
    contact_email: str = ""
    contact_url: str = ""


@dataclass(frozen=True)
class ShapePoint:
    lat: float
    lon: float
    dist_traveled: float | None = None


@dataclass
class Feed:
    agencies: list[Agency]
    stops: list[Stop]
    routes: list[Route]
    trips: list[Trip]
    stop_times: StopTimes
    calendars: list[Calendar] = field(default_factory=list)
    calendar_dates: list[CalendarDate] = field(default_factory=list)
    frequencies: list[Frequency] = field(default_factory=list)
    fare_attributes: list[FareAttribute] = field(default_factory=list)
    fare_rules: list[FareRule] = field(default_factory=list)
    translations: list[Translation] = field(default_factory=list)
    feed_info: FeedInfo | None = None
    agencies_jp: list[AgencyJP] = field(default_factory=list)
    offices_jp: list[OfficeJP] = field(default_factory=list)
    routes_jp: list[RouteJP] = field(default_factory=list)
    patterns_jp: list[PatternJP] = field(default_factory=list)
    shapes: dict[str, list[ShapePoint]] = field(default_factory=dict)  # in sequence order
    warnings: list[str] = field(default_factory=list)  # what was accepted but is odd

    def stop_index(self) -> dict[str, int]:
        return {s.stop_id: i for i, s in enumerate(self.stops)}

    def trip_index(self) -> dict[str, int]:
        return {t.trip_id: i for i, t in enumerate(self.trips)}
