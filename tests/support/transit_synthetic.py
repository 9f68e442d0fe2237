"""Synthetic bus GTFS feeds for the trip planner's tests and benchmark, from a few dozen stops
up to a prefecture (docs/transit-planner.md says what the planner must answer).

`write_synthetic_feed(folder, preset, seed)` writes a complete GTFS feed (agency, stops,
routes, trips, stop_times, calendar, calendar_dates, frequencies, fare_attributes,
fare_rules, translations, feed_info) as text files into `folder` and returns a
`SyntheticSummary`. The same preset and seed give the same bytes.

What the network looks like, so that planners meet what real feeds hold:

- **Towns** (clusters of stops) in a region: `tiny` and `city` around Tsuyama, `prefecture`
  the size of Okayama prefecture (lat 34.4-35.35, lon 133.3-134.4). One or more hub towns have
  a bus terminal (a station, location_type 1, with numbered platforms that inherit its
  wheelchair_boarding); every other stop place is a **pair of poles across the road** 20-60 m
  apart with the same name, one per direction (a bus stops on the left of its way).
- **Routes**, both directions: lines across each town through its centre, radial lines from
  each town into its hub (with short workings that start or end at the town centre), lines
  between neighbouring towns and between hubs (boarding only in the first town, alighting only
  in the last: pickup_type / drop_off_type 1), and circular lines in the hubs that start and end
  at the same terminal platform.
- **Timetables** from about 06:00 to 22:30 every 10-90 minutes (denser at the weekday peaks,
  slower running at the peaks), a few night trips past midnight ("24:35:00"), a minute's dwell
  at town centres (arrival < departure), weekday / saturday / holiday services in calendar.txt
  with Japan's national holidays and the year end in calendar_dates.txt, a school-term service
  valid only part of the year, and an event service that exists only in calendar_dates.txt.
- **Overtaking:** on the weekday radial lines of the hubs an express (快速) leaves a few minutes
  after a local on the same stop pattern and reaches the end first (non-FIFO trips).
- **Frequencies:** the first circular line of each hub runs from frequencies.txt (template
  trips; exact_times 1 and 0 rows).
- **Wheelchair** fields on part of the network (stops of hub towns, trips of the first agency);
  zone fares (fare_attributes / fare_rules by stop zone_id); English names in translations.txt
  (GTFS style: field_value for stop names, record_id for routes).

`random_queries(summary_or_folder, n, seed)` draws (origin stop_id, destination stop_id, date,
seconds after midnight) queries: stops that trips serve, dates on which some service runs,
times spread over the day. It takes a `SyntheticSummary` or the folder of any GTFS feed.
"""

from __future__ import annotations

import csv
import itertools
import math
import random
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import holidays

EARTH_RADIUS_M = 6_371_008.8
_M_PER_DEG = EARTH_RADIUS_M * math.pi / 180.0

# services (service_id) of every synthetic feed
WEEKDAY, SATURDAY, HOLIDAY, SCHOOL, EVENT = "WD", "SA", "HO", "SCH", "EVT"
REGULAR_SERVICES = (WEEKDAY, SATURDAY, HOLIDAY)


@dataclass(frozen=True)
class SyntheticSpec:
    """The size and region of a synthetic network. `places` counts stop places (most are a
    pair of poles, so stops ≈ 2 × places); `target_stop_times` is met by scaling every
    headway (kept within 10-90 minutes)."""

    name: str
    lat_range: tuple[float, float]
    lon_range: tuple[float, float]
    towns: int
    hubs: int
    places: int
    target_stop_times: int
    cross_lines: int = 2  # lines between neighbouring towns (besides the radial ones)
    agencies: int = 2
    place_spacing_m: float = 230.0
    start_date: date = date(2026, 4, 1)
    end_date: date = date(2027, 3, 31)


PRESETS: dict[str, SyntheticSpec] = {
    # ~60 stops, ~5,000 stop times: unit tests
    "tiny": SyntheticSpec(
        name="tiny", lat_range=(35.03, 35.11), lon_range=(133.95, 134.07),
        towns=2, hubs=1, places=27, target_stop_times=5_000, cross_lines=0, agencies=2,
    ),
    # ~800 stops, ~100,000 stop times: Tsuyama and the towns around it
    "city": SyntheticSpec(
        name="city", lat_range=(34.95, 35.25), lon_range=(133.75, 134.25),
        towns=9, hubs=1, places=385, target_stop_times=100_000, cross_lines=3, agencies=2,
    ),
    # >= 5,000 stops, >= 1,000,000 stop times: Okayama prefecture
    "prefecture": SyntheticSpec(
        name="prefecture", lat_range=(34.4, 35.35), lon_range=(133.3, 134.4),
        towns=48, hubs=4, places=2_560, target_stop_times=1_060_000, cross_lines=14,
        agencies=4,
    ),
}


@dataclass(frozen=True)
class SyntheticSummary:
    folder: Path
    preset: str
    seed: int
    stops: int  # rows of stops.txt (platforms and poles, and the terminal stations)
    stations: int  # of which location_type 1
    routes: int
    trips: int  # rows of trips.txt (frequency templates included)
    stop_times: int  # rows of stop_times.txt
    frequency_runs: int  # trips that frequencies.txt makes of its templates
    stop_events: int  # stop times with frequencies expanded (templates counted per run)
    start_date: date
    end_date: date
    served_stop_ids: tuple[str, ...] = field(repr=False)
    seconds: float = 0.0  # time taken to generate and write


Query = tuple[str, str, date, int]  # origin stop_id, destination stop_id, date, seconds


# --- names ------------------------------------------------------------------------------

_SYLLABLES = (
    ("高", "taka"), ("田", "ta"), ("山", "yama"), ("川", "kawa"), ("中", "naka"), ("野", "no"),
    ("原", "hara"), ("本", "moto"), ("大", "o"), ("小", "ko"), ("上", "kami"), ("下", "shimo"),
    ("石", "ishi"), ("木", "ki"), ("井", "i"), ("松", "matsu"), ("宮", "miya"), ("新", "shin"),
    ("北", "kita"), ("南", "minami"), ("西", "nishi"), ("東", "higashi"), ("岡", "oka"),
    ("津", "tsu"), ("久", "ku"), ("美", "mi"), ("加", "ka"), ("佐", "sa"), ("作", "saku"),
    ("勝", "katsu"), ("吉", "yoshi"), ("福", "fuku"), ("倉", "kura"), ("沢", "sawa"),
    ("島", "shima"), ("谷", "tani"), ("坂", "saka"), ("柳", "yanagi"), ("桜", "sakura"),
    ("湯", "yu"), ("栗", "kuri"), ("梅", "ume"), ("竹", "take"), ("林", "bayashi"),
)
_PLACE_WORDS = (
    ("", ""), ("", ""), ("", ""), ("", ""), ("口", "guchi"), ("入口", " Iriguchi"),
    ("公民館前", " Community Center"), ("小学校前", " Elementary School"),
    ("中学校前", " Junior High School"), ("高校前", " High School"), ("郵便局前", " Post Office"),
    ("病院前", " Hospital"), ("団地", " Housing Estate"), ("橋", " Bridge"),
    ("神社前", " Shrine"), ("公園前", " Park"), ("支所前", " Branch Office"),
    ("農協前", " JA"), ("本町", " Honmachi"), ("新町", " Shinmachi"), ("中町", " Nakamachi"),
    ("東町", " Higashimachi"), ("西町", " Nishimachi"), ("駅", " Station"), ("温泉", " Onsen"),
    ("上", " Kami"), ("下", " Shimo"), ("工業団地", " Industrial Park"), ("図書館前", " Library"),
)
_AGENCIES = (
    ("ag1", "美作中央バス", "Mimasaka Chuo Bus"), ("ag2", "吉備交通", "Kibi Kotsu"),
    ("ag3", "山陽ふれあいバス", "Sanyo Fureai Bus"), ("ag4", "高梁川バス", "Takahashigawa Bus"),
)


class _Names:
    """Unique Japanese names with an English (romanised) form."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()

    def district(self) -> tuple[str, str]:
        a, b = self.rng.sample(_SYLLABLES, 2)
        return a[0] + b[0], (a[1] + b[1]).capitalize()

    def town(self) -> tuple[str, str]:
        for _ in range(200):
            name = self.district()
            if name[0] not in self.used:
                self.used.add(name[0])
                return name
        raise RuntimeError("out of town names")

    def place(self, town_ja: str, town_en: str) -> tuple[str, str]:
        for attempt in range(400):
            if attempt < 2 and self.rng.random() < 0.25:
                base_ja, base_en = town_ja, town_en
            else:
                base_ja, base_en = self.district()
            word_ja, word_en = self.rng.choice(_PLACE_WORDS)
            ja, en = base_ja + word_ja, base_en + word_en
            if ja not in self.used:
                self.used.add(ja)
                return ja, en
        for number in range(2, 10_000):
            ja, en = f"{base_ja}{word_ja}第{number}", f"{base_en}{word_en} No. {number}"
            if ja not in self.used:
                self.used.add(ja)
                return ja, en
        raise RuntimeError("out of place names")

    def fixed(self, ja: str, en: str) -> tuple[str, str]:
        self.used.add(ja)
        return ja, en


# --- the network ------------------------------------------------------------------------


@dataclass
class _Town:
    index: int
    x: float
    y: float
    weight: float
    hub: bool
    name: tuple[str, str]
    sigma: float = 0.0
    radius: float = 0.0
    places: list[int] = field(default_factory=list)
    center: int = -1
    hub_of: int = -1  # the hub town its radial line goes to


@dataclass
class _Place:
    index: int
    x: float
    y: float
    town: int  # the town it belongs to, or the nearest town for a place on a road between
    on_road: bool  # between towns
    axis: float  # direction of the road (radians), poles are across it
    name: tuple[str, str]
    terminal: bool = False
    stop_ids: list[str] = field(default_factory=list)  # poles / platforms
    offsets: list[tuple[float, float]] = field(default_factory=list)  # of each pole (m)


@dataclass
class _Route:
    route_id: str
    agency: int
    kind: str  # "town", "radial", "cross", "intercity", "loop"
    short_name: str
    long_name: tuple[str, str]
    places: list[int]  # direction 0; direction 1 is the reverse
    hub: int  # the hub town it belongs to (fares, agency), -1 if none
    headway: float = 60.0  # minutes, weekday off-peak, before scaling
    express: bool = False
    frequencies: bool = False
    night: bool = False
    end_restrictions: bool = False  # first stop no drop-off, last no pickup
    closed_doors: bool = False  # boarding only in the first town, alighting only in the last
    short_turn_at: int = -1  # index in `places` of the town centre short workings turn at
    school: bool = False
    event: bool = False
    stops: list[list[str]] = field(default_factory=list)  # per direction
    running: list[list[float]] = field(default_factory=list)  # seconds from the start
    dwell: list[list[bool]] = field(default_factory=list)  # a minute's dwell at that stop


class _Grid:
    """Points in square cells for "anything within r metres" checks."""

    def __init__(self, cell: float) -> None:
        self.cell = cell
        self.cells: dict[tuple[int, int], list[int]] = {}

    def add(self, index: int, x: float, y: float) -> None:
        self.cells.setdefault((int(x // self.cell), int(y // self.cell)), []).append(index)

    def near(self, x: float, y: float) -> Iterator[int]:
        cx, cy = int(x // self.cell), int(y // self.cell)
        for i in (cx - 1, cx, cx + 1):
            for j in (cy - 1, cy, cy + 1):
                yield from self.cells.get((i, j), ())


class _Network:
    def __init__(self, spec: SyntheticSpec, seed: int) -> None:
        self.spec = spec
        self.rng = random.Random(f"{spec.name}-{seed}-network")
        self.names = _Names(random.Random(f"{spec.name}-{seed}-names"))
        lat0 = (spec.lat_range[0] + spec.lat_range[1]) / 2
        lon0 = (spec.lon_range[0] + spec.lon_range[1]) / 2
        self.lat0, self.lon0 = lat0, lon0
        self.cos0 = math.cos(math.radians(lat0))
        self.half_w = (spec.lon_range[1] - spec.lon_range[0]) / 2 * _M_PER_DEG * self.cos0
        self.half_h = (spec.lat_range[1] - spec.lat_range[0]) / 2 * _M_PER_DEG
        self.towns: list[_Town] = []
        self.places: list[_Place] = []
        self.grid = _Grid(spec.place_spacing_m)
        self.routes: list[_Route] = []
        self.links: list[tuple[int, int, str]] = []  # town a, town b, kind

    # geometry
    def latlon(self, x: float, y: float) -> tuple[float, float]:
        return self.lat0 + y / _M_PER_DEG, self.lon0 + x / (_M_PER_DEG * self.cos0)

    def build(self) -> None:
        self._towns()
        self._links()
        corridor_estimate = sum(self._corridor_length(a, b) for a, b, _ in self.links) / 1050
        self._town_places(max(self.spec.places - int(corridor_estimate), 6 * len(self.towns)))
        self._routes()
        self._poles()
        self._route_stops()

    def _towns(self) -> None:
        spec, rng = self.spec, self.rng
        area = 4 * self.half_w * self.half_h
        min_gap = 0.55 * math.sqrt(area / spec.towns)
        margin_x, margin_y = 0.12 * self.half_w, 0.12 * self.half_h
        points: list[tuple[float, float]] = []
        if spec.hubs == 1:
            points.append((rng.uniform(-0.1, 0.1) * self.half_w,
                           rng.uniform(-0.1, 0.1) * self.half_h))
        gap = min_gap
        while len(points) < spec.towns:
            for _ in range(3000):
                x = rng.uniform(-self.half_w + margin_x, self.half_w - margin_x)
                y = rng.uniform(-self.half_h + margin_y, self.half_h - margin_y)
                wanted = gap * (1.6 if len(points) < spec.hubs else 1.0)
                if all(math.hypot(x - px, y - py) >= wanted for px, py in points):
                    points.append((x, y))
                    break
            else:
                gap *= 0.9
        weights = [0.0] * spec.towns
        for i in range(spec.towns):
            if i < spec.hubs:
                weights[i] = (7.0 if spec.towns > 2 else 2.2) / (1 + 0.45 * i)
            else:
                weights[i] = rng.uniform(0.6, 1.5) / math.sqrt(1 + 0.15 * (i - spec.hubs))
        for i, (x, y) in enumerate(points):
            self.towns.append(_Town(i, x, y, weights[i], i < spec.hubs, self.names.town()))

    def _links(self) -> None:
        towns, hubs = self.towns, [t for t in self.towns if t.hub]
        seen: set[tuple[int, int]] = set()

        def add(a: int, b: int, kind: str) -> None:
            key = (min(a, b), max(a, b))
            if key not in seen:
                seen.add(key)
                self.links.append((a, b, kind))

        for town in towns:
            if not town.hub:
                hub = min(hubs, key=lambda h: math.hypot(h.x - town.x, h.y - town.y))
                town.hub_of = hub.index
                add(town.index, hub.index, "radial")
        # hubs joined in a chain by nearest neighbours (intercity lines)
        joined = [hubs[0].index] if hubs else []
        rest = [h.index for h in hubs[1:]]
        while rest:
            a, b = min(((a, b) for a in joined for b in rest), key=lambda p: self._distance(*p))
            add(a, b, "intercity")
            joined.append(b)
            rest.remove(b)
        # cross lines between neighbouring towns, shortest first
        pairs = sorted(
            ((a.index, b.index) for a in towns for b in towns
             if a.index < b.index and not (a.hub and b.hub)),
            key=lambda p: self._distance(*p),
        )
        added = 0
        for a, b in pairs:
            if added >= self.spec.cross_lines:
                break
            if (a, b) not in seen and self.towns[a].hub_of != b and self.towns[b].hub_of != a:
                add(a, b, "cross")
                added += 1

    def _distance(self, a: int, b: int) -> float:
        return math.hypot(self.towns[a].x - self.towns[b].x, self.towns[a].y - self.towns[b].y)

    def _corridor_length(self, a: int, b: int) -> float:
        return max(self._distance(a, b) * 0.8 - 2500.0, 0.0)

    def _add_place(self, x: float, y: float, town: int, on_road: bool, axis: float,
                   name: tuple[str, str], terminal: bool = False) -> int:
        index = len(self.places)
        self.places.append(_Place(index, x, y, town, on_road, axis, name, terminal))
        self.grid.add(index, x, y)
        return index

    def _free(self, x: float, y: float, spacing: float) -> bool:
        return all(
            math.hypot(self.places[i].x - x, self.places[i].y - y) >= spacing
            for i in self.grid.near(x, y)
        )

    def _town_places(self, total: int) -> None:
        rng, spacing = self.rng, self.spec.place_spacing_m
        weight_sum = sum(t.weight for t in self.towns)
        counts = [max(6, round(total * t.weight / weight_sum)) for t in self.towns]
        for town, count in zip(self.towns, counts, strict=True):
            town.sigma = 0.42 * spacing * math.sqrt(count)
            town.radius = 2.3 * town.sigma
            if town.hub:
                name = self.names.fixed(f"{town.name[0]}駅バスターミナル",
                                        f"{town.name[1]} Station Bus Terminal")
            else:
                name = self.names.fixed(f"{town.name[0]}駅前", f"{town.name[1]} Station")
            town.center = self._add_place(town.x, town.y, town.index, False,
                                          rng.uniform(0, math.pi), name, terminal=town.hub)
            town.places.append(town.center)
            local_spacing = spacing
            misses = 0
            while len(town.places) < count:
                x = rng.gauss(town.x, town.sigma)
                y = rng.gauss(town.y, town.sigma)
                if self._free(x, y, local_spacing):
                    axis = math.atan2(y - town.y, x - town.x)  # a road towards the centre
                    name = self.names.place(*town.name)
                    town.places.append(self._add_place(x, y, town.index, False, axis, name))
                    misses = 0
                else:
                    misses += 1
                    if misses > 200:
                        local_spacing *= 0.9
                        misses = 0

    def _nearest_town(self, x: float, y: float) -> int:
        return min(self.towns, key=lambda t: math.hypot(t.x - x, t.y - y)).index

    def _corridor(self, a: int, b: int) -> list[int]:
        """Places along a gently curved road from town a's edge to town b's edge."""
        rng, ta, tb = self.rng, self.towns[a], self.towns[b]
        length = self._distance(a, b)
        bend = rng.uniform(-0.12, 0.12) * length
        nx, ny = -(tb.y - ta.y) / length, (tb.x - ta.x) / length
        cx, cy = (ta.x + tb.x) / 2 + nx * bend, (ta.y + tb.y) / 2 + ny * bend
        samples = max(int(length / 50), 4)
        curve = []
        for k in range(samples + 1):
            t = k / samples
            x = (1 - t) ** 2 * ta.x + 2 * (1 - t) * t * cx + t**2 * tb.x
            y = (1 - t) ** 2 * ta.y + 2 * (1 - t) * t * cy + t**2 * tb.y
            curve.append((x, y))
        result: list[int] = []
        travelled, next_at = 0.0, rng.uniform(700, 1400)
        for (x0, y0), (x1, y1) in itertools.pairwise(curve):
            step = math.hypot(x1 - x0, y1 - y0)
            travelled += step
            if travelled < next_at:
                continue
            next_at = travelled + rng.uniform(700, 1400)
            if (math.hypot(x1 - ta.x, y1 - ta.y) < ta.radius
                    or math.hypot(x1 - tb.x, y1 - tb.y) < tb.radius):
                continue
            near = [i for i in self.grid.near(x1, y1)
                    if math.hypot(self.places[i].x - x1, self.places[i].y - y1) < 250]
            if near:
                index = min(near, key=lambda i: math.hypot(self.places[i].x - x1,
                                                           self.places[i].y - y1))
            else:
                town = self._nearest_town(x1, y1)
                name = self.names.place(*self.towns[town].name)
                index = self._add_place(x1, y1, town, True, math.atan2(y1 - y0, x1 - x0), name)
            if index not in result:
                result.append(index)
        return result

    def _sector(self, town: _Town, direction: float, width: float, limit: int,
                outward: bool) -> list[int]:
        """Places of the town (centre excluded) within `width` radians of `direction` seen from
        the centre: nearest first when outward, else farthest first."""
        chosen = []
        for i in town.places:
            if i == town.center:
                continue
            p = self.places[i]
            angle = math.atan2(p.y - town.y, p.x - town.x)
            if abs((angle - direction + math.pi) % (2 * math.pi) - math.pi) <= width:
                chosen.append((math.hypot(p.x - town.x, p.y - town.y), i))
        chosen.sort()
        picked = [i for _, i in chosen[:limit]]
        return picked if outward else picked[::-1]

    def _routes(self) -> None:
        rng, spec = self.rng, self.spec
        counter = 0

        def new_route(kind: str, agency: int, places: list[int], hub: int, headway: float,
                      long_name: tuple[str, str]) -> _Route:
            nonlocal counter
            counter += 1
            unique: list[int] = []
            for p in places:
                if p not in unique:
                    unique.append(p)
            route = _Route(f"R{counter:03d}", agency, kind, str(counter), long_name, unique, hub,
                           headway)
            self.routes.append(route)
            return route

        def agency_of(town: int, kind: str) -> int:
            """Hub lines by the hub's company, town lines of other towns and cross lines by
            the last agency (a community bus)."""
            if spec.agencies == 1:
                return 0
            if kind == "cross" or (kind == "town" and not self.towns[town].hub):
                return spec.agencies - 1
            return self.towns[town].index % (spec.agencies - 1)

        # lines across each town through its centre, sector by sector
        for town in self.towns:
            others = [i for i in town.places if i != town.center]
            sectors = max(2, 2 * round(len(others) / 18))
            base = rng.uniform(0, 2 * math.pi)
            width = math.pi / sectors
            for s in range(sectors // 2):
                d1 = base + 2 * width * s + width
                d2 = d1 + math.pi
                a = self._sector(town, d1, width, 99, outward=False)
                b = self._sector(town, d2, width, 99, outward=True)
                if len(a) + len(b) < 3:
                    continue
                hub = town.index if town.hub else town.hub_of
                ends = (self.places[a[0]].name if a else town.name,
                        self.places[b[-1]].name if b else town.name)
                route = new_route(
                    "town", agency_of(town.index, "town"), [*a, town.center, *b], hub,
                    rng.uniform(15, 30) if town.hub else rng.uniform(40, 70),
                    (f"{ends[0][0]}～{ends[1][0]}線", f"{ends[0][1]} - {ends[1][1]} Line"),
                )
                route.night = town.hub and s == 0
                route.school = s == 0 and not town.hub
        # circular lines in the hubs (and large towns)
        for town in self.towns:
            if not town.hub and len(town.places) < 40:
                continue
            loops = 2 if town.hub and len(town.places) > 60 else 1
            for k in range(loops):
                if k == 0:
                    low, high = (0.45, 1.1) if len(town.places) > 60 else (0.3, 1.6)
                else:
                    low, high = 1.1, 1.9
                ring = []
                for i in town.places:
                    p = self.places[i]
                    r = math.hypot(p.x - town.x, p.y - town.y) / town.sigma
                    if low <= r <= high:
                        ring.append((math.atan2(p.y - town.y, p.x - town.x), i))
                ring.sort()
                step = math.ceil(len(ring) / 22) if ring else 1
                ring_places = [i for _, i in ring][::step]
                if len(ring_places) < 4:
                    continue
                route = new_route(
                    "loop", agency_of(town.index, "loop"), [town.center, *ring_places], town.index,
                    rng.uniform(20, 30),
                    (f"{town.name[0]}市内循環{'内回り' if k == 0 else '外回り'}",
                     f"{town.name[1]} City Loop ({'inner' if k == 0 else 'outer'})"),
                )
                route.frequencies = town.hub and k == 0
                route.end_restrictions = True
        # radial lines into the hubs, cross lines and intercity lines
        for number, (a, b, kind) in enumerate(self.links):
            ta, tb = self.towns[a], self.towns[b]
            if kind == "radial" and ta.hub:
                ta, tb = tb, ta
            toward = math.atan2(tb.y - ta.y, tb.x - ta.x)
            back = math.atan2(ta.y - tb.y, ta.x - tb.x)
            corridor = self._corridor(ta.index, tb.index)
            if kind == "radial":
                start = self._sector(ta, toward + math.pi, 0.6, 5, outward=False)
                leave = self._sector(ta, toward, 0.5, 4, outward=True)
                enter = self._sector(tb, back, 0.5, 7, outward=False)
                places = [*start, ta.center, *leave, *corridor, *enter, tb.center]
                route = new_route(
                    "radial", agency_of(tb.index, "radial"), places, tb.index,
                    rng.uniform(25, 45),
                    (f"{ta.name[0]}～{tb.name[0]}線", f"{ta.name[1]} - {tb.name[1]} Line"),
                )
                route.short_turn_at = len(start) if start else -1
                route.night = number % 2 == 0
                route.end_restrictions = number % 3 == 0
                route.event = number == 0
            elif kind == "cross":
                places = [ta.center, *corridor, tb.center]
                route = new_route(
                    "cross", agency_of(ta.index, "cross"), places, ta.hub_of,
                    rng.uniform(60, 90),
                    (f"{ta.name[0]}～{tb.name[0]}連絡線", f"{ta.name[1]} - {tb.name[1]} Link"),
                )
            else:
                leave = self._sector(ta, toward, 0.5, 3, outward=True)
                enter = self._sector(tb, back, 0.5, 3, outward=False)
                places = [ta.center, *leave, *corridor[1::3], *enter, tb.center]
                route = new_route(
                    "intercity", agency_of(ta.index, "intercity"), places, ta.index,
                    rng.uniform(40, 60),
                    (f"{ta.name[0]}～{tb.name[0]}急行線", f"{ta.name[1]} - {tb.name[1]} Express"),
                )
                route.closed_doors = True
                route.night = True
        # the express that overtakes its local: the longest radial line of every hub
        for hub in (t for t in self.towns if t.hub):
            radial = [r for r in self.routes if r.kind == "radial" and r.hub == hub.index]
            if radial:
                max(radial, key=lambda r: len(r.places)).express = True
        if not any(r.kind == "radial" for r in self.routes):
            raise RuntimeError("a synthetic network needs a radial line")

    def _poles(self) -> None:
        rng = self.rng
        for place in self.places:
            stop_prefix = f"S{place.index:05d}"
            if place.terminal:
                count = 4 if self.spec.towns <= 2 else 6
                place.stop_ids = [f"{stop_prefix}_{k + 1}" for k in range(count)]
                for k in range(count):
                    angle = place.axis + k * 2 * math.pi / count
                    distance = rng.uniform(12, 35)
                    place.offsets.append((distance * math.cos(angle), distance * math.sin(angle)))
                continue
            half = rng.uniform(20, 60) / 2
            across = place.axis + math.pi / 2
            ux, uy = math.cos(across), math.sin(across)
            place.stop_ids = [f"{stop_prefix}_1", f"{stop_prefix}_2"]
            place.offsets = [(ux * half, uy * half), (-ux * half, -uy * half)]

    def _segment_seconds(self, a: _Place, b: _Place) -> float:
        distance = math.hypot(a.x - b.x, a.y - b.y) * 1.3
        speed = 9.5 if (a.on_road and b.on_road) else 5.2  # m/s: rural road, town street
        return distance / speed + 18.0

    def _route_stops(self) -> None:
        centres = {town.center for town in self.towns}
        for route in self.routes:
            platform = int(route.route_id[1:]) % 6
            route.stops, route.running, route.dwell = [], [], []
            for direction in (0, 1):
                places = route.places if direction == 0 else route.places[::-1]
                if route.kind == "loop":
                    places = [*places, places[0]]
                stops: list[str] = []
                for i, index in enumerate(places):
                    place = self.places[index]
                    if place.terminal:
                        stops.append(place.stop_ids[platform % len(place.stop_ids)])
                        continue
                    prev_p = self.places[places[max(i - 1, 0)]]
                    next_p = self.places[places[min(i + 1, len(places) - 1)]]
                    hx, hy = next_p.x - prev_p.x, next_p.y - prev_p.y
                    left = (-hy, hx)  # buses keep left: the pole on the left of the way
                    (ox, oy) = place.offsets[0]
                    stops.append(place.stop_ids[0 if ox * left[0] + oy * left[1] >= 0 else 1])
                if route.kind == "loop":
                    stops[-1] = stops[0]
                running = [0.0]
                for i in range(1, len(places)):
                    running.append(running[-1] + self._segment_seconds(
                        self.places[places[i - 1]], self.places[places[i]]))
                dwell = [0 < i < len(places) - 1 and places[i] in centres
                         for i in range(len(places))]
                route.stops.append(stops)
                route.running.append(running)
                route.dwell.append(dwell)


# --- timetables ---------------------------------------------------------------------------


@dataclass
class _Trip:
    trip_id: str
    route: _Route
    direction: int
    service: str
    first: int  # index of the first stop of the route's direction used
    last: int  # index after the last stop used
    start: int  # minutes after midnight of the service day
    factor: float  # running time factor
    express: bool = False
    template: bool = False  # a frequencies.txt template
    wheelchair: str = ""


_SERVICE_FACTOR = {WEEKDAY: 1.0, SATURDAY: 1.3, HOLIDAY: 1.6}


def _is_peak(minute: int) -> bool:
    return 420 <= minute < 540 or 1020 <= minute < 1140


def _departures(rng: random.Random, headway: float, service: str, rural: bool,
                night: bool, first_night: bool) -> list[int]:
    start = 360 + rng.randint(-20, 30) + (20 if rural else 0)
    end = 1350 - rng.randint(0, 75) - (60 if rural else 0)
    result, t = [], start + rng.randint(0, max(int(headway) - 1, 0))
    while t <= end:
        result.append(t)
        step = headway * (0.7 if service == WEEKDAY and _is_peak(t) else 1.0)
        t += max(10, round(step)) + rng.randint(-2, 2)
    if night and service in (WEEKDAY, SATURDAY):
        result.append(1395 + rng.randint(0, 20))  # 23:15-23:35
        result.append(1475 if first_night else 1445 + rng.randint(0, 30))  # 24:35 / 24:05-24:35
    return result


def _schedule(network: _Network, seed: int, scale: float) -> list[_Trip]:
    rng = random.Random(f"{network.spec.name}-{seed}-schedule")
    trips: list[_Trip] = []
    first_night_done = False
    for route in network.routes:
        for service in REGULAR_SERVICES:
            headway = min(max(route.headway * _SERVICE_FACTOR[service] * scale, 10.0), 90.0)
            for direction in (0, 1):
                n_stops = len(route.stops[direction])
                base = f"{route.route_id}_{service}_{direction}_"
                if route.frequencies:
                    trips.append(_Trip(base + "F", route, direction, service, 0, n_stops,
                                       420 if service == WEEKDAY else 480, 1.0, template=True))
                    continue
                outbound_from_hub = (route.kind in ("radial", "town") and direction == 1) or \
                    (route.kind == "intercity" and direction == 0)
                night = route.night and outbound_from_hub
                starts = _departures(rng, headway, service, route.kind in ("cross",), night,
                                     night and not first_night_done)
                first_night_done = first_night_done or night
                for k, start in enumerate(starts):
                    first, last = 0, n_stops
                    if route.short_turn_at > 0 and k % 3 == 1 and start < 1380:
                        if direction == 0:
                            first = route.short_turn_at
                        else:
                            last = n_stops - route.short_turn_at
                    factor = 1.1 if service == WEEKDAY and _is_peak(start) else 1.0
                    trip = _Trip(f"{base}{k:03d}", route, direction, service, first, last,
                                 start, factor)
                    trips.append(trip)
                    if (route.express and service == WEEKDAY and first == 0
                            and last == n_stops and 420 <= start <= 1140 and k % 4 == 0):
                        duration = route.running[direction][-1] / 60
                        gap = max(1, min(6, int(duration * 0.3 * 0.7) - 2))
                        if duration * 0.3 > gap + 2:
                            trips.append(_Trip(f"{base}{k:03d}X", route, direction, service, 0,
                                               n_stops, start + gap, 0.7, express=True))
        if route.school:  # two school-day trips into the town centre
            direction = 0
            n_stops = len(route.stops[direction])
            for k, start in enumerate((430 + rng.randint(0, 15), 940 + rng.randint(0, 30))):
                trips.append(_Trip(f"{route.route_id}_{SCHOOL}_{direction}_{k:03d}", route,
                                   direction, SCHOOL, 0, n_stops, start, 1.0))
        if route.event:  # late trips home from the event in the hub
            direction = 1
            n_stops = len(route.stops[direction])
            for k, start in enumerate((1275, 1305, 1335, 1365)):
                trips.append(_Trip(f"{route.route_id}_{EVENT}_{direction}_{k:03d}", route,
                                   direction, EVENT, 0, n_stops, start, 1.0))
    wheel = random.Random(f"{network.spec.name}-{seed}-wheelchair")
    for trip in trips:
        if trip.route.agency == 0:
            trip.wheelchair = "1" if wheel.random() < 0.7 else "2"
    return trips


_FREQUENCY_ROWS = {
    WEEKDAY: ((420, 540, 600, 1), (540, 960, 1200, 0), (960, 1170, 900, 1)),
    SATURDAY: ((480, 1080, 1800, 0),),
    HOLIDAY: ((480, 1080, 1800, 0),),
}


def _trip_minutes(trip: _Trip) -> tuple[list[int], list[int]]:
    """Arrival and departure minutes of each stop the trip calls at."""
    running = trip.route.running[trip.direction]
    dwell = trip.route.dwell[trip.direction]
    origin = running[trip.first]
    arrivals, departures = [], []
    extra = 0
    previous = -1
    for i in range(trip.first, trip.last):
        minute = trip.start + extra + round((running[i] - origin) * trip.factor / 60)
        minute = max(minute, previous)
        arrivals.append(minute)
        if dwell[i] and trip.first < i < trip.last - 1:
            extra += 1
            minute += 1
        departures.append(minute)
        previous = minute
    return arrivals, departures


# --- writing ------------------------------------------------------------------------------

_TIME_TEXT = [f"{m // 60:02d}:{m % 60:02d}:00" for m in range(48 * 60)]


def _write(folder: Path, name: str, header: Sequence[str], rows: Iterable[Sequence[object]]) -> int:
    with open(folder / name, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(header)
        count = 0
        for row in rows:
            writer.writerow(row)
            count += 1
    return count


def _service_exceptions(spec: SyntheticSpec) -> list[tuple[str, str, int]]:
    """calendar_dates rows: national holidays and the year end run the holiday service,
    the school service stops on them, the event service runs on one Saturday."""
    rows: list[tuple[str, str, int]] = []
    years = range(spec.start_date.year, spec.end_date.year + 1)
    national = holidays.country_holidays("JP", years=years)
    special: set[date] = {d for d in national if spec.start_date <= d <= spec.end_date}
    for year in years:
        for month, day in ((12, 29), (12, 30), (12, 31), (1, 2), (1, 3)):
            d = date(year, month, day)
            if spec.start_date <= d <= spec.end_date:
                special.add(d)
    school_start, school_end = _school_term(spec)
    for d in sorted(special):
        weekday = d.weekday()
        if weekday == 6:
            continue
        regular = WEEKDAY if weekday < 5 else SATURDAY
        rows.append((regular, d.strftime("%Y%m%d"), 2))
        rows.append((HOLIDAY, d.strftime("%Y%m%d"), 1))
        if weekday < 5 and school_start <= d <= school_end:
            rows.append((SCHOOL, d.strftime("%Y%m%d"), 2))
    rows.append((EVENT, _event_day(spec).strftime("%Y%m%d"), 1))
    return rows


def _school_term(spec: SyntheticSpec) -> tuple[date, date]:
    start = spec.start_date + timedelta(days=7)
    return start, min(start + timedelta(days=100), spec.end_date)


def _event_day(spec: SyntheticSpec) -> date:
    d = spec.start_date + timedelta(days=130)
    while d.weekday() != 5:
        d += timedelta(days=1)
    return d


def write_synthetic_feed(folder: Path, preset: str | SyntheticSpec, seed: int = 1
                         ) -> SyntheticSummary:
    """Write a synthetic GTFS feed into `folder` (created if missing; files overwritten)."""
    began = time.perf_counter()
    spec = PRESETS[preset] if isinstance(preset, str) else preset
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    network = _Network(spec, seed)
    network.build()

    # scale the headways until the stop times are about the target
    def count(trips: list[_Trip]) -> int:
        return sum(t.last - t.first for t in trips)

    scale = 1.0
    trips = _schedule(network, seed, scale)
    for _ in range(8):
        total = count(trips)
        if abs(total - spec.target_stop_times) <= 0.015 * spec.target_stop_times:
            break
        scale *= total / spec.target_stop_times
        trips = _schedule(network, seed, scale)
    trips.sort(key=lambda t: (t.route.route_id, t.service, t.direction, t.start, t.trip_id))

    places, towns = network.places, network.towns
    hub_towns = {t.index for t in towns if t.hub}
    access = random.Random(f"{spec.name}-{seed}-access")

    # agency
    agencies = _AGENCIES[: spec.agencies]
    if spec.agencies > len(_AGENCIES):
        raise ValueError(f"at most {len(_AGENCIES)} agencies")
    _write(folder, "agency.txt",
           ("agency_id", "agency_name", "agency_url", "agency_timezone", "agency_lang",
            "agency_phone", "agency_fare_url"),
           ((a_id, ja, f"https://{a_id}.example.jp/", "Asia/Tokyo", "ja",
             f"0868-{20 + i:02d}-{1000 + 37 * i:04d}", f"https://{a_id}.example.jp/fare/")
            for i, (a_id, ja, _) in enumerate(agencies)))

    # stops
    served: set[str] = set()
    for trip in trips:
        served.update(trip.route.stops[trip.direction][trip.first:trip.last])
    stop_rows: list[tuple[object, ...]] = []
    stations = 0
    for place in places:
        zone = f"Z{place.town:02d}"
        in_hub = place.town in hub_towns and not place.on_road
        if place.terminal:
            stations += 1
            lat, lon = network.latlon(place.x, place.y)
            station_id = f"ST{place.index:05d}"
            stop_rows.append((station_id, "", place.name[0], f"{lat:.6f}", f"{lon:.6f}", "", 1,
                              "", 1, ""))
            for k, (stop_id, (ox, oy)) in enumerate(zip(place.stop_ids, place.offsets,
                                                         strict=True)):
                lat, lon = network.latlon(place.x + ox, place.y + oy)
                stop_rows.append((stop_id, str(k + 1), place.name[0], f"{lat:.6f}", f"{lon:.6f}",
                                  zone, 0, station_id, 0, str(k + 1)))
            continue
        for stop_id, (ox, oy) in zip(place.stop_ids, place.offsets, strict=True):
            if stop_id not in served:
                continue
            lat, lon = network.latlon(place.x + ox, place.y + oy)
            wheel: object = ""
            if in_hub:
                wheel = 1 if access.random() < 0.8 else 2
            stop_rows.append((stop_id, "", place.name[0], f"{lat:.6f}", f"{lon:.6f}", zone, 0,
                              "", wheel, ""))
    _write(folder, "stops.txt",
           ("stop_id", "stop_code", "stop_name", "stop_lat", "stop_lon", "zone_id",
            "location_type", "parent_station", "wheelchair_boarding", "platform_code"),
           stop_rows)

    # routes
    colors = ("E60012", "0068B7", "009944", "F39800", "8F2E8F", "00A0E9")
    _write(folder, "routes.txt",
           ("route_id", "agency_id", "route_short_name", "route_long_name", "route_type",
            "route_color", "route_text_color"),
           ((r.route_id, agencies[r.agency][0], r.short_name, r.long_name[0], 3,
             colors[int(r.route_id[1:]) % len(colors)], "FFFFFF") for r in network.routes))

    # trips
    def headsign(trip: _Trip) -> str:
        stops = trip.route.stops[trip.direction]
        last_stop = stops[trip.last - 1]
        place = places[int(last_stop[1:6])]
        return ("快速 " if trip.express else "") + ("循環" if trip.route.kind == "loop"
                                                    else place.name[0] + "行")

    _write(folder, "trips.txt",
           ("route_id", "service_id", "trip_id", "trip_headsign", "trip_short_name",
            "direction_id", "wheelchair_accessible"),
           ((t.route.route_id, t.service, t.trip_id, headsign(t), "快速" if t.express else "",
             t.direction, t.wheelchair) for t in trips))

    # stop_times
    stop_time_rows = 0
    stop_events = 0
    frequency_runs = 0
    frequency_rows: list[tuple[object, ...]] = []
    with open(folder / "stop_times.txt", "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(("trip_id", "arrival_time", "departure_time", "stop_id", "stop_sequence",
                         "pickup_type", "drop_off_type"))
        for trip in trips:
            route = trip.route
            stops = route.stops[trip.direction][trip.first:trip.last]
            arrivals, departures = _trip_minutes(trip)
            n = len(stops)
            pickup = [0] * n
            drop_off = [0] * n
            if route.end_restrictions or route.kind == "loop":
                drop_off[0] = 1
                pickup[-1] = 1
            if route.closed_doors:
                first_town = places[route.places[0] if trip.direction == 0
                                    else route.places[-1]].town
                for i, stop_id in enumerate(stops):
                    place = places[int(stop_id[1:6])]
                    if place.town == first_town and not place.on_road:
                        drop_off[i] = 1
                    elif not place.on_road:
                        pickup[i] = 1
                drop_off[0] = 1
                pickup[-1] = 1
            trip_id = trip.trip_id
            writer.writerows(
                (trip_id, _TIME_TEXT[arrivals[i]], _TIME_TEXT[departures[i]], stops[i], i + 1,
                 pickup[i], drop_off[i])
                for i in range(n)
            )
            stop_time_rows += n
            if trip.template:
                for start, end, headway, exact in _FREQUENCY_ROWS[trip.service]:
                    runs = len(range(start * 60, end * 60, headway))
                    frequency_runs += runs
                    stop_events += runs * n
                    frequency_rows.append((trip_id, _TIME_TEXT[start], _TIME_TEXT[end], headway,
                                           exact))
            else:
                stop_events += n

    _write(folder, "frequencies.txt",
           ("trip_id", "start_time", "end_time", "headway_secs", "exact_times"), frequency_rows)

    # calendar
    day_text = spec.start_date.strftime("%Y%m%d"), spec.end_date.strftime("%Y%m%d")
    school_start, school_end = _school_term(spec)
    _write(folder, "calendar.txt",
           ("service_id", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
            "sunday", "start_date", "end_date"),
           ((WEEKDAY, 1, 1, 1, 1, 1, 0, 0, *day_text),
            (SATURDAY, 0, 0, 0, 0, 0, 1, 0, *day_text),
            (HOLIDAY, 0, 0, 0, 0, 0, 0, 1, *day_text),
            (SCHOOL, 1, 1, 1, 1, 1, 0, 0, school_start.strftime("%Y%m%d"),
             school_end.strftime("%Y%m%d"))))
    _write(folder, "calendar_dates.txt", ("service_id", "date", "exception_type"),
           _service_exceptions(spec))

    # fares by zone: per agency, per pair of zones a route runs between
    fare_ids: dict[tuple[int, int], str] = {}
    fare_rule_rows: list[tuple[object, ...]] = []
    for route in network.routes:
        zones = []
        for index in route.places:
            if places[index].town not in zones:
                zones.append(places[index].town)
        seen_pairs: set[tuple[int, int]] = set()
        for i, a in enumerate(zones):
            for b in zones[i:]:
                for origin, destination in ((a, b), (b, a)):
                    if (origin, destination) in seen_pairs:
                        continue
                    seen_pairs.add((origin, destination))
                    km = math.hypot(towns[origin].x - towns[destination].x,
                                    towns[origin].y - towns[destination].y) / 1000
                    price = 200 if origin == destination and origin in hub_towns else \
                        int(round((170 + 22 * km) / 10) * 10)
                    fare_id = fare_ids.setdefault((route.agency, price),
                                                  f"{agencies[route.agency][0]}_F{price}")
                    fare_rule_rows.append((fare_id, route.route_id, f"Z{origin:02d}",
                                           f"Z{destination:02d}"))
    _write(folder, "fare_attributes.txt",
           ("fare_id", "price", "currency_type", "payment_method", "transfers", "agency_id"),
           ((fare_id, price, "JPY", 0, 0, agencies[agency][0])
            for (agency, price), fare_id in sorted(fare_ids.items())))
    _write(folder, "fare_rules.txt", ("fare_id", "route_id", "origin_id", "destination_id"),
           fare_rule_rows)

    # translations (GTFS style)
    translation_rows: list[tuple[object, ...]] = []
    for a_id, _ja, en in agencies:
        translation_rows.append(("agency", "agency_name", "en", en, a_id, "", ""))
    names_done: set[str] = set()
    for place in places:
        if place.name[0] in names_done:
            continue
        names_done.add(place.name[0])
        translation_rows.append(("stops", "stop_name", "en", place.name[1], "", "", place.name[0]))
    for route in network.routes:
        translation_rows.append(("routes", "route_long_name", "en", route.long_name[1],
                                 route.route_id, "", ""))
    _write(folder, "translations.txt",
           ("table_name", "field_name", "language", "translation", "record_id", "record_sub_id",
            "field_value"),
           translation_rows)

    _write(folder, "feed_info.txt",
           ("feed_publisher_name", "feed_publisher_url", "feed_lang", "feed_start_date",
            "feed_end_date", "feed_version", "feed_contact_email"),
           [("つやまポータル 合成データ", "https://example.jp/synthetic-gtfs/", "ja", *day_text,
             f"synthetic-{spec.name}-{seed}", "transit@example.jp")])

    return SyntheticSummary(
        folder=folder, preset=spec.name, seed=seed, stops=len(stop_rows), stations=stations,
        routes=len(network.routes), trips=len(trips), stop_times=stop_time_rows,
        frequency_runs=frequency_runs, stop_events=stop_events,
        start_date=spec.start_date, end_date=spec.end_date,
        served_stop_ids=tuple(sorted(served)), seconds=time.perf_counter() - began,
    )


# --- queries ------------------------------------------------------------------------------


def _query_time(rng: random.Random) -> int:
    """Seconds after midnight, mostly within service hours, some late and early."""
    if rng.random() < 0.85:
        return rng.randrange(5 * 3600, 23 * 3600)
    return rng.randrange(0, 86_400)


def random_queries(summary_or_folder: SyntheticSummary | Path | str, n: int, seed: int = 1
                   ) -> list[Query]:
    """`n` queries (origin stop_id, destination stop_id, date, seconds after midnight), origin
    and destination different stops that trips serve, dates on which some service runs.
    For a folder, the feed's files are read (see `random_queries_for_feed`)."""
    if not isinstance(summary_or_folder, SyntheticSummary):
        return random_queries_for_feed(Path(summary_or_folder), n, seed)
    summary = summary_or_folder
    rng = random.Random(f"queries-{seed}")
    stops = summary.served_stop_ids
    days = (summary.end_date - summary.start_date).days + 1
    queries: list[Query] = []
    while len(queries) < n:
        origin, destination = rng.sample(stops, 2)
        day = summary.start_date + timedelta(days=rng.randrange(days))
        queries.append((origin, destination, day, _query_time(rng)))
    return queries


def _read_rows(path: Path) -> Iterator[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            yield {k.strip(): (v or "").strip() for k, v in row.items() if k is not None}


def _parse_day(text: str) -> date:
    return date(int(text[:4]), int(text[4:6]), int(text[6:8]))


def service_days(folder: Path) -> list[date]:
    """Every date on which at least one service of the feed's trips runs (calendar.txt with
    calendar_dates.txt), sorted."""
    folder = Path(folder)
    used = {row["service_id"] for row in _read_rows(folder / "trips.txt")}
    running: set[date] = set()
    removed: set[tuple[str, date]] = set()
    added: set[tuple[str, date]] = set()
    if (folder / "calendar_dates.txt").exists():
        for row in _read_rows(folder / "calendar_dates.txt"):
            key = (row["service_id"], _parse_day(row["date"]))
            (added if row["exception_type"] == "1" else removed).add(key)
    if (folder / "calendar.txt").exists():
        names = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
        for row in _read_rows(folder / "calendar.txt"):
            service = row["service_id"]
            if service not in used:
                continue
            weekdays = [row[name] == "1" for name in names]
            day, end = _parse_day(row["start_date"]), _parse_day(row["end_date"])
            while day <= end:
                if weekdays[day.weekday()] and (service, day) not in removed:
                    running.add(day)
                day += timedelta(days=1)
    running.update(day for service, day in added if service in used)
    return sorted(running)


def random_queries_for_feed(folder: Path, n: int, seed: int = 1) -> list[Query]:
    """`n` queries on a real feed: stops that stop_times.txt names (platforms and poles, not
    stations), dates on which at least one service runs, times spread over the day."""
    folder = Path(folder)
    served: set[str] = set()
    with open(folder / "stop_times.txt", encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        header = [h.strip() for h in next(reader)]
        column = header.index("stop_id")
        for row in reader:
            if len(row) > column:
                served.add(row[column].strip())
    stops = sorted(served)
    days = service_days(folder)
    if len(stops) < 2 or not days:
        raise ValueError(f"{folder}: no two served stops or no service day")
    rng = random.Random(f"queries-{seed}")
    queries: list[Query] = []
    while len(queries) < n:
        origin, destination = rng.sample(stops, 2)
        queries.append((origin, destination, rng.choice(days), _query_time(rng)))
    return queries
