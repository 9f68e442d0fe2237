"""The transit tile's state and actions in plain Python (tests drive it with fakes).

Timetables come from the device first (planning works offline, with their age shown), then
the city is asked whether a feed changed; a changed or new one downloads with its progress.
A trip is planned on the device (`planner/`), between two places of one feed: a place is
every pole of a stop name, or a point another tile sent ("plan a trip to here")."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from app.features.transit.planner.departures import Departure, departures
from app.features.transit.planner.fares import FareBook, Fares
from app.features.transit.planner.journeys import Journey
from app.features.transit.planner.planner import Place, Planner
from app.features.transit.planner.search import SearchOptions
from app.features.transit.ports import FavouriteStore, TimetableSource
from app.features.transit.repository import SavedTimetable
from app.features.transit.stop_search import StopIndex, StopPlace
from backend_client import BackendError, BackendUnavailable
from backend_client.transit import Realtime

log = logging.getLogger(__name__)

CITY = ZoneInfo("Asia/Tokyo")  # `now` is the city's local time
SPEEDS = (80, 60, 40)  # m/min: ふつう, ゆっくり, とてもゆっくり
MAX_FAVOURITES = 20
_TIME = re.compile(r"^\s*(\d{1,2})\s*[:：時]\s*(\d{1,2})\s*分?\s*$")
_DAY = re.compile(r"^\s*(\d{4})\s*[-/年]\s*(\d{1,2})\s*[-/月]\s*(\d{1,2})\s*日?\s*$")


class Load(StrEnum):
    IDLE = "idle"
    LOADING = "loading"
    READY = "ready"
    FAILED = "failed"


@dataclass(frozen=True)
class PointPlace:
    """A place another tile sent: a sight, the city hall."""

    label: str
    lat: float
    lon: float

    @property
    def key(self) -> str:
        return f"point:{self.lat:.5f},{self.lon:.5f}"

    def shown(self, language: str) -> str:
        return self.label


Chosen = StopPlace | PointPlace


@dataclass
class Network:
    saved: SavedTimetable
    planner: Planner
    fares: FareBook
    stops: StopIndex


@dataclass(frozen=True)
class ShownJourney:
    journey: Journey
    fares: Fares
    feed_id: str


@dataclass
class Board:
    place: StopPlace
    departures: list[Departure] = field(default_factory=list)
    day: date | None = None


def _within(moment: float, period: Any) -> bool:
    if not isinstance(period, list | tuple) or len(period) != 2:
        return True
    start, end = period
    return ((not isinstance(start, int | float) or start <= moment)
            and (not isinstance(end, int | float) or moment <= end))


def _in_language(texts: Any, language: str) -> str:
    if not isinstance(texts, dict) or not texts:
        return ""
    for key in (language, "ja", "en"):
        if isinstance(texts.get(key), str) and texts[key]:
            return str(texts[key])
    return next((str(v) for v in texts.values() if isinstance(v, str) and v), "")


def parse_time(text: str) -> int | None:
    """"8:05", "08：05", "8時5分" -> seconds after midnight; None if not a time."""
    found = _TIME.match(text.translate(str.maketrans("０１２３４５６７８９", "0123456789")))
    if not found:
        return None
    hours, minutes = int(found.group(1)), int(found.group(2))
    if hours > 23 or minutes > 59:
        return None
    return hours * 3600 + minutes * 60


def parse_day(text: str) -> date | None:
    found = _DAY.match(text.translate(str.maketrans("０１２３４５６７８９", "0123456789")))
    if not found:
        return None
    try:
        return date(int(found.group(1)), int(found.group(2)), int(found.group(3)))
    except ValueError:
        return None


class TransitState:
    def __init__(self, source: TimetableSource, favourites: FavouriteStore,
                 now: Callable[[], datetime], on_change: Callable[[], None] = lambda: None
                 ) -> None:
        self._source = source
        self._favourites = favourites
        self._now = now  # the city's local time
        self._changed = on_change
        self.load_status = Load.IDLE
        self.networks: dict[str, Network] = {}
        self.offline = False  # the last check with the city failed for the network
        self.error = ""
        self.progress: float | None = None  # 0..1 while a timetable downloads
        self.downloading = ""  # the feed's name
        # --- the trip form
        self.origin: Chosen | None = None
        self.destination: Chosen | None = None
        self.origin_text = ""
        self.destination_text = ""
        self.arrive_by = False
        moment = now()
        self.day_text = moment.date().isoformat()
        self.time_text = moment.strftime("%H:%M")
        self.speed = SPEEDS[0]
        self.step_free = False
        self.form_problem = ""  # why the form cannot be planned ("choose a destination")
        self.results: list[ShownJourney] | None = None
        self.results_for: tuple[str, str, date, int, bool] | None = None
        self.revision = 0  # bumps when fields are set from outside typing
        # --- departures, favourites, live data
        self.board: Board | None = None
        self.favourites: list[dict[str, Any]] = []
        self.realtime: dict[str, Realtime] = {}
        # --- the map of a result
        self.map_open: int | None = None  # index into results
        self.map_tiles_url = ""  # the city's tile server; "" draws on a plain background

    # --- timetables -----------------------------------------------------------------------

    def claim_load(self) -> bool:
        if self.load_status in (Load.LOADING, Load.READY, Load.FAILED):
            return False
        self.load_status = Load.LOADING
        return True

    async def load(self) -> None:
        """The saved timetables at once, then the city's current ones."""
        self.load_status = Load.LOADING
        try:
            for saved in await self._source.saved():
                self._use(saved)
            self.favourites = await self._favourites.load()
        except Exception as exc:  # a damaged file must not stop the tile
            log.warning("saved timetables could not be read: %s", exc)
        if self.networks:
            self.load_status = Load.READY
        self._changed()
        await self.refresh()

    async def refresh(self) -> None:
        """Asks the city for its feeds; downloads what is new or changed."""
        try:
            published = await self._source.published()
            self.offline = False
            gone = set(self.networks) - {f.id for f in published}
            for feed in published:
                saved = self.networks.get(feed.id)
                if saved is not None and saved.saved.feed.version == feed.version:
                    continue
                self.downloading = feed.name
                self.progress = 0.0
                self._changed()
                self._use(await self._source.download(
                    feed, saved.saved if saved else None, self._on_progress))
            if gone:
                await self._source.forget(gone)
                for feed_id in gone:
                    self.networks.pop(feed_id, None)
            self.error = ""
        except BackendUnavailable as exc:
            log.info("transit feeds not checked: %s", exc)
            self.offline = True
        except BackendError as exc:
            log.warning("transit feeds could not be fetched: %s", exc)
            self.error = str(exc)
        except Exception as exc:  # a damaged download: keep what the device has
            log.warning("a transit timetable could not be used: %s", exc)
            self.error = str(exc)
        finally:
            self.progress = None
            self.downloading = ""
        self.load_status = Load.READY if self.networks else Load.FAILED
        self._changed()

    def _on_progress(self, received: int, total: int | None) -> None:
        self.progress = min(1.0, received / total) if total else None
        self._changed()

    def _use(self, saved: SavedTimetable) -> None:
        tt = saved.timetable
        served = set(tt.arrays["pos_stop"].tolist())
        self.networks[saved.feed.id] = Network(
            saved, Planner(tt), FareBook(tt),
            StopIndex(saved.feed.id, tt.meta["stops"], served, tt.arrays["stop_lat"],
                      tt.arrays["stop_lon"]))

    def ended_on(self, network: Network) -> date | None:
        """The last service day when it is already past (the city should send a new
        timetable; the planner still answers for dates inside it)."""
        period = network.saved.timetable.service_period()
        if period is not None and period[1] < self._now().date():
            return period[1]
        return None

    @property
    def checked_at(self) -> datetime | None:
        """When the city last confirmed the timetables (their age)."""
        times = [n.saved.checked_at for n in self.networks.values()]
        return min(times) if times else None

    # --- places ------------------------------------------------------------------------------

    def suggestions(self, text: str) -> list[StopPlace]:
        found: list[StopPlace] = []
        for network in self.networks.values():
            found += network.stops.search(text)
        return found[:8]

    def set_text(self, which: str, text: str) -> None:
        if which == "origin":
            self.origin_text = text
            if self.origin is not None and text != self.origin.shown("ja"):
                self.origin = None
        else:
            self.destination_text = text
            if self.destination is not None and text != self.destination.shown("ja"):
                self.destination = None

    def choose(self, which: str, place: Chosen, language: str = "ja") -> None:
        if which == "origin":
            self.origin, self.origin_text = place, place.shown(language)
        else:
            self.destination, self.destination_text = place, place.shown(language)
        self.results = None
        self.form_problem = ""
        self.revision += 1

    def swap(self) -> None:
        self.origin, self.destination = self.destination, self.origin
        self.origin_text, self.destination_text = self.destination_text, self.origin_text
        self.results = None
        self.revision += 1

    def plan_to(self, label: str, lat: float, lon: float) -> None:
        """"Plan a trip to here" from another tile: the destination is the point."""
        self.choose("destination", PointPlace(label, lat, lon))

    # --- when and how -------------------------------------------------------------------------

    def set_when(self, *, arrive_by: bool | None = None, day_text: str | None = None,
                 time_text: str | None = None) -> None:
        if arrive_by is not None:
            self.arrive_by = arrive_by
        if day_text is not None:
            self.day_text = day_text
        if time_text is not None:
            self.time_text = time_text

    def set_now(self, days_ahead: int = 0) -> None:
        moment = self._now() + timedelta(days=days_ahead)
        self.day_text = moment.date().isoformat()
        self.time_text = self._now().strftime("%H:%M")
        self.revision += 1

    def set_speed(self, speed: int) -> None:
        if speed in SPEEDS:
            self.speed = speed

    def set_step_free(self, on: bool) -> None:
        self.step_free = on

    # --- planning ------------------------------------------------------------------------------

    def network_for(self, place: Chosen | None) -> Network | None:
        if isinstance(place, StopPlace):
            return self.networks.get(place.feed_id)
        return None

    def plan(self) -> None:
        """Plans from the form; `form_problem` says what is missing, `results` the answer."""
        self.results = None
        self.map_open = None
        day, time = parse_day(self.day_text), parse_time(self.time_text)
        if self.origin is None:
            self.form_problem = "no_origin"
        elif self.destination is None:
            self.form_problem = "no_destination"
        elif day is None:
            self.form_problem = "bad_day"
        elif time is None:
            self.form_problem = "bad_time"
        else:
            network = self.network_for(self.origin) or self.network_for(self.destination)
            if network is None and self.networks:
                network = next(iter(self.networks.values()))
            if network is None:
                self.form_problem = "no_timetable"
                return
            origin = self._place(network, self.origin)
            destination = self._place(network, self.destination)
            if origin is None or destination is None:
                self.form_problem = "other_network"
                return
            if not origin.near or not destination.near:
                self.form_problem = "no_stop_near"
                return
            if self.step_free and not network.saved.timetable.meta.get("step_free_info"):
                self.form_problem = "no_step_free_info"
                return
            self.form_problem = ""
            options = SearchOptions(speed_m_per_min=self.speed, step_free=self.step_free)
            planner = network.planner
            journeys = (planner.arrive_by(origin, destination, day, time, options)
                        if self.arrive_by else
                        planner.depart_at(origin, destination, day, time, options))
            self.results = [ShownJourney(j, network.fares.journey(j), network.saved.feed.id)
                            for j in journeys]
            self.results_for = (self.origin.key, self.destination.key, day, time,
                                self.arrive_by)

    def _place(self, network: Network, chosen: Chosen) -> Place | None:
        if isinstance(chosen, StopPlace):
            if chosen.feed_id != network.saved.feed.id:
                return None
            return network.planner.place_at_stops(chosen.stops)
        return network.planner.place_at(chosen.lat, chosen.lon)

    def toggle_map(self, index: int) -> None:
        self.map_open = None if self.map_open == index else index

    def route_lines(self, index: int) -> list[tuple[bool, list[tuple[float, float]]]]:
        """The result's legs as lines to draw: (is_ride, [(lat, lon), ...]); a ride passes
        every stop between boarding and alighting, a walk is a straight line."""
        if not self.results or not 0 <= index < len(self.results):
            return []
        shown = self.results[index]
        network = self.networks[shown.feed_id]
        a = network.saved.timetable.arrays
        fwd = network.saved.timetable.forward
        lines: list[tuple[bool, list[tuple[float, float]]]] = []

        def at(stop: int, end: Chosen | None) -> tuple[float, float] | None:
            if stop >= 0:
                return float(a["stop_lat"][stop]), float(a["stop_lon"][stop])
            if isinstance(end, PointPlace):
                return end.lat, end.lon
            if isinstance(end, StopPlace):
                return end.lat, end.lon
            return None

        for leg in shown.journey.legs:
            if leg.is_ride:
                stops = fwd.pos_stop[leg.board_position:leg.alight_position + 1]
                lines.append((True, [(float(a["stop_lat"][s]), float(a["stop_lon"][s]))
                                     for s in stops.tolist()]))
                continue
            start, end = at(leg.from_stop, self.origin), at(leg.to_stop, self.destination)
            if start is not None and end is not None:
                lines.append((False, [start, end]))
        return lines

    def results_day(self) -> date | None:
        return self.results_for[2] if self.results_for else None

    # --- departures ------------------------------------------------------------------------------

    def open_board(self, place: StopPlace) -> None:
        network = self.networks.get(place.feed_id)
        if network is None:
            return
        # From the form's date and time when they are valid (a trip being planned), else now.
        now = self._now()
        day = parse_day(self.day_text) or now.date()
        seconds = parse_time(self.time_text)
        if seconds is None:
            seconds = now.hour * 3600 + now.minute * 60
        found: list[Departure] = []
        for stop in place.stops:
            found += departures(network.saved.timetable, stop, day, seconds)
        found.sort(key=lambda d: (d.time, d.route, d.trip))
        self.board = Board(place, found[:10], day)

    def close_board(self) -> None:
        self.board = None

    async def load_realtime(self, feed_id: str) -> None:
        network = self.networks.get(feed_id)
        if network is None or not network.saved.feed.realtime:
            return
        try:
            self.realtime[feed_id] = await self._source.realtime(feed_id)
        except BackendError as exc:
            log.info("live data of %s not fetched: %s", feed_id, exc)
        self._changed()

    def alerts(self, feed_id: str, language: str) -> list[str]:
        """The feed's service alerts in force now, each as one line in the language (else
        Japanese, else any)."""
        live = self.realtime.get(feed_id)
        if live is None:
            return []
        moment = self._now().replace(tzinfo=CITY).timestamp()
        found = []
        for alert in live.alerts:
            periods = alert.get("active") or []
            if periods and not any(_within(moment, period) for period in periods):
                continue
            header, description = alert.get("header") or {}, alert.get("description") or {}
            text = _in_language(header, language) or _in_language(description, language)
            if text:
                found.append(text)
        return found

    def delay_of(self, feed_id: str, trip_id: str) -> tuple[int | None, bool]:
        """(delay in seconds or None if unknown, cancelled) from the live data."""
        live = self.realtime.get(feed_id)
        if live is None or live.status == "scheduled":
            return None, False
        trip = live.trips.get(trip_id) or {}
        delay = trip.get("delay")
        return (delay if isinstance(delay, int) else None), bool(trip.get("cancelled"))

    # --- favourites -----------------------------------------------------------------------------

    def is_favourite(self, place: StopPlace) -> bool:
        return any(f.get("feed") == place.feed_id and f.get("name") == place.name
                   for f in self.favourites)

    async def toggle_favourite(self, place: StopPlace) -> None:
        if self.is_favourite(place):
            self.favourites = [f for f in self.favourites
                               if not (f.get("feed") == place.feed_id
                                       and f.get("name") == place.name)]
        else:
            self.favourites = [*self.favourites,
                               {"feed": place.feed_id, "name": place.name}][-MAX_FAVOURITES:]
        await self._favourites.save(self.favourites)
        self._changed()

    def _trip_key(self) -> dict[str, str] | None:
        if not (isinstance(self.origin, StopPlace) and isinstance(self.destination, StopPlace)
                and self.origin.feed_id == self.destination.feed_id):
            return None
        return {"kind": "trip", "feed": self.origin.feed_id, "from": self.origin.name,
                "to": self.destination.name}

    def can_keep_trip(self) -> bool:
        key = self._trip_key()
        return key is not None and key not in self.favourites

    async def keep_trip(self) -> None:
        """Keeps the form's two stops as a favourite trip (よく使う経路)."""
        key = self._trip_key()
        if key is None or key in self.favourites:
            return
        self.favourites = [*self.favourites, key][-MAX_FAVOURITES:]
        await self._favourites.save(self.favourites)
        self._changed()

    async def forget_trip(self, index: int) -> None:
        trips = [f for f in self.favourites if f.get("kind") == "trip"]
        if 0 <= index < len(trips):
            self.favourites = [f for f in self.favourites if f is not trips[index]]
            await self._favourites.save(self.favourites)
            self._changed()

    def favourite_trips(self) -> list[tuple[StopPlace, StopPlace]]:
        found = []
        for favourite in self.favourites:
            if favourite.get("kind") != "trip":
                continue
            network = self.networks.get(str(favourite.get("feed")))
            if network is None:
                continue
            start = network.stops.by_name(str(favourite.get("from")))
            end = network.stops.by_name(str(favourite.get("to")))
            if start is not None and end is not None:
                found.append((start, end))
        return found

    def use_trip(self, start: StopPlace, end: StopPlace, language: str = "ja") -> None:
        self.choose("origin", start, language)
        self.choose("destination", end, language)

    def favourite_places(self) -> list[StopPlace]:
        found = []
        for favourite in self.favourites:
            if favourite.get("kind") == "trip":
                continue
            network = self.networks.get(str(favourite.get("feed")))
            place = network.stops.by_name(str(favourite.get("name"))) if network else None
            if place is not None:
                found.append(place)
        return found
