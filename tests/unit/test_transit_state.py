"""The transit tile's state with fakes: saved timetables first (planning offline, with their
age), the city's feeds then (a new version downloads with progress, an unreachable city
keeps what the device has), stop search, the form's problems, results with fares, the
departure board, favourites and "plan a trip to here"."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import flet as ft
import pytest

from app.features.transit.planner.timetable import Timetable
from app.features.transit.repository import SavedTimetable
from app.features.transit.state import Load, PointPlace, TransitState, parse_day, parse_time
from app.features.transit.views import clock, transit_body
from app.i18n.translator import load_translator
from app.shell.context import ViewContext
from app.shell.feature_spec import Mode
from app.shell.registry import FeatureRegistry
from app.shell.settings import Settings
from app.shell.state import ShellState
from backend.tiles.transit.gtfs.reader import read_feed
from backend.tiles.transit.timetable.compile import compile_feed
from backend_client import BackendUnavailable
from backend_client.transit import Realtime, TransitFeed
from tests.unit.test_views_build import texts

pytestmark = pytest.mark.anyio
DEMO = Path(__file__).resolve().parents[2] / "assets" / "transit" / "tsuyama_demo"
FRIDAY_8 = datetime(2026, 12, 4, 8, 0)


def feed(version: str = "v1") -> TransitFeed:
    return TransitFeed("tsuyama-demo", "津山市 デモ時刻表", version, 1000,
                       "2026-12-01T00:00:00+00:00", "demo-1", "2026-04-01", "2028-03-31",
                       "CC BY 4.0", "デモデータ", True, False, 22, 100)


@pytest.fixture(scope="module")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    path = tmp_path_factory.mktemp("tt") / "demo.npz"
    compile_feed(read_feed(DEMO)).write(path)
    return path.read_bytes()


class FakeSource:
    def __init__(self, compiled: bytes, saved: bool = True, online: bool = True,
                 version: str = "v1") -> None:
        self.compiled = compiled
        self.has_saved = saved
        self.online = online
        self.version = version
        self.downloads = 0

    def _saved(self, version: str) -> SavedTimetable:
        when = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
        return SavedTimetable(feed(version), version, when, when,
                              Timetable.from_bytes(self.compiled))

    async def saved(self) -> list[SavedTimetable]:
        return [self._saved("v1")] if self.has_saved else []

    async def published(self) -> list[TransitFeed]:
        if not self.online:
            raise BackendUnavailable("offline")
        return [feed(self.version)]

    async def download(self, f: TransitFeed, saved: SavedTimetable | None,
                       progress: Any) -> SavedTimetable:
        self.downloads += 1
        progress(500, 1000)
        progress(1000, 1000)
        return self._saved(f.version)

    async def forget(self, feed_ids: set[str]) -> None:
        pass

    async def realtime(self, feed_id: str) -> Realtime:
        return Realtime(feed_id, "scheduled", None)


class MemoryFavourites:
    def __init__(self) -> None:
        self.saved: list[dict[str, Any]] = []

    async def load(self) -> list[dict[str, Any]]:
        return list(self.saved)

    async def save(self, favourites: list[dict[str, Any]]) -> None:
        self.saved = list(favourites)


def new_state(source: FakeSource, favourites: MemoryFavourites | None = None
              ) -> TransitState:
    return TransitState(source, favourites or MemoryFavourites(), lambda: FRIDAY_8)


async def test_saved_timetables_plan_offline_and_say_so(compiled: bytes) -> None:
    state = new_state(FakeSource(compiled, online=False))
    assert state.claim_load() and not state.claim_load()
    await state.load()
    assert state.load_status is Load.READY and state.offline
    assert state.checked_at == datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
    origin = state.suggestions("いんのしょう")[0]
    destination = state.suggestions("Aba")[0]
    state.choose("origin", origin)
    state.choose("destination", destination)
    assert state.day_text == "2026-12-04" and state.time_text == "08:00"
    state.plan()
    assert state.form_problem == "" and state.results is not None
    [only] = state.results
    assert (only.journey.trips, only.journey.arrival) == (2, 10 * 3600 + 25 * 60)
    # 西循環 院庄 → 大手町 (zone 2 → 1: 300 yen) then 阿波線 zones 1 → 4 (600 yen).
    assert only.fares.cash == 900 and only.fares.ic is None


async def test_a_new_version_downloads_with_progress(compiled: bytes) -> None:
    seen: list[float | None] = []
    source = FakeSource(compiled, saved=True, version="v2")
    state = new_state(source)
    state._changed = lambda: seen.append(state.progress)
    await state.load()
    assert source.downloads == 1 and 0.5 in seen and 1.0 in seen
    assert state.networks["tsuyama-demo"].saved.feed.version == "v2"
    assert state.progress is None and not state.offline
    source.downloads = 0
    await state.refresh()  # the same version: nothing downloads
    assert source.downloads == 0


async def test_a_device_that_was_never_online(compiled: bytes) -> None:
    state = new_state(FakeSource(compiled, saved=False, online=False))
    await state.load()
    assert state.load_status is Load.FAILED and state.offline and not state.networks
    shown = texts(transit_body(view_ctx(), state))
    assert "この端末がオンラインになると、時刻表をダウンロードします。" in shown


async def test_the_form_says_what_is_missing(compiled: bytes) -> None:
    state = new_state(FakeSource(compiled))
    await state.load()
    state.plan()
    assert state.form_problem == "no_origin"
    state.choose("origin", state.suggestions("津山駅")[0])
    state.plan()
    assert state.form_problem == "no_destination"
    state.choose("destination", state.suggestions("しやくしょ")[0])
    state.set_when(time_text="25:00")
    state.plan()
    assert state.form_problem == "bad_time"
    state.set_when(time_text="８時０５分", day_text="2026/12/32")
    state.plan()
    assert state.form_problem == "bad_day"
    state.set_when(day_text="2026年12月5日")
    state.plan()
    assert state.form_problem == "" and state.results


def test_times_and_days_are_read_as_people_write_them() -> None:
    assert parse_time("8:05") == parse_time("08：05") == parse_time("8時5分") == 29_100
    assert parse_time("24:00") is None and parse_time("8") is None
    assert parse_day("2026-12-05") == parse_day("2026/12/5") == parse_day("2026年12月5日")
    assert parse_day("2026-02-30") is None


async def test_the_departure_board_and_favourites(compiled: bytes) -> None:
    favourites = MemoryFavourites()
    state = new_state(FakeSource(compiled), favourites)
    await state.load()
    station = state.suggestions("つやまえき")[0]
    assert station.name == "津山駅" and len(station.stops) == 2  # both poles, one place
    state.open_board(station)
    assert state.board is not None
    times = [d.time for d in state.board.departures]
    assert times == sorted(times) and times[0] >= 8 * 3600 and len(times) == 10
    await state.toggle_favourite(station)
    assert favourites.saved == [{"feed": "tsuyama-demo", "name": "津山駅"}]
    assert state.favourite_places() == [station]
    await state.toggle_favourite(station)
    assert favourites.saved == []


async def test_plan_a_trip_to_a_point_from_another_tile(compiled: bytes) -> None:
    state = new_state(FakeSource(compiled))
    await state.load()
    state.plan_to("津山城跡(鶴山公園)", 35.0627694, 134.0049528)
    assert isinstance(state.destination, PointPlace)
    assert state.destination_text == "津山城跡(鶴山公園)"
    state.choose("origin", state.suggestions("中央病院")[0])
    state.plan()
    assert state.results and all(r.journey.legs[-1].to_stop == -1 or r.journey.trips == 0
                                 for r in state.results)


def view_ctx(language: str = "ja") -> ViewContext:
    mode = Mode.VISITOR if language in ("zh", "ko") else Mode.RESIDENT
    shell = ShellState(FeatureRegistry.load(), mode, Settings(language=language))
    return ViewContext.for_state(shell, navigate=lambda r: None, run_task=lambda *a: None)


@pytest.mark.parametrize("language", ["ja", "en", "zh", "ko"])
async def test_the_screen_shows_legs_fares_and_the_timetable_age(compiled: bytes,
                                                                 language: str) -> None:
    state = new_state(FakeSource(compiled, online=False))
    await state.load()
    state.choose("origin", state.suggestions("innosho")[0], language)
    state.choose("destination", state.suggestions("aba")[0], language)
    state.plan()
    controls = transit_body(view_ctx(language), state)
    shown = "\n".join(texts(controls))
    t = load_translator(language)
    assert t("Demo data: not a real timetable.") in shown
    assert "900" in shown
    assert "10:25" in shown
    keys = [c.key for c in controls if isinstance(c, ft.Control) and c.key is not None]
    assert len(keys) == len(set(keys))
    if language == "ja":
        assert "8:35 院庄 → 8:48 大手町(アルネ津山前)　西循環(津山駅行き)" in shown
        assert "オフライン: この端末に保存した時刻表で検索します。" in shown
    if language == "en":
        assert "Innosho" in shown and "Aba Village" in shown


def test_clock_marks_other_days() -> None:
    t = load_translator("ja")
    assert clock(8 * 3600 + 5 * 60, t) == "8:05"
    assert clock(86_400 + 600, t) == "翌日 0:10"
    assert clock(-600, t) == "前日 23:50"


async def test_a_result_on_a_map_follows_the_stops_it_passes(compiled: bytes) -> None:
    state = new_state(FakeSource(compiled))
    await state.load()
    state.choose("origin", state.suggestions("院庄")[0])
    state.choose("destination", state.suggestions("阿波")[0])
    state.plan()
    state.toggle_map(0)
    assert state.map_open == 0
    lines = state.route_lines(0)
    assert [ride for ride, _ in lines] == [True, True]
    # 院庄 → 小田中 → 山下 → 大手町 on the west loop, then 大手町 → ... → 阿波 (6 stops).
    assert [len(points) for _, points in lines] == [4, 5]
    controls = transit_body(view_ctx(), state)
    assert "地図を閉じる" in texts(controls)
    state.plan()  # a new search closes the map
    assert state.map_open is None


async def test_a_saved_trip_fills_the_form_and_step_free_needs_the_feeds_word(
        compiled: bytes) -> None:
    favourites = MemoryFavourites()
    state = new_state(FakeSource(compiled), favourites)
    await state.load()
    start, end = state.suggestions("院庄")[0], state.suggestions("阿波")[0]
    state.use_trip(start, end)
    assert state.can_keep_trip()
    await state.keep_trip()
    assert not state.can_keep_trip()
    assert favourites.saved == [{"kind": "trip", "feed": "tsuyama-demo", "from": "院庄",
                                 "to": "阿波(あば村)"}]
    state.swap()
    state.use_trip(*state.favourite_trips()[0])
    assert (state.origin, state.destination) == (start, end)
    assert state.favourite_places() == []  # a trip is not a favourite stop
    await state.forget_trip(0)
    assert favourites.saved == []
    state.set_step_free(True)
    state.plan()  # the demo feed marks its loop buses step-free
    assert state.form_problem == ""
    state.networks["tsuyama-demo"].saved.timetable.meta["step_free_info"] = False
    state.plan()
    assert state.form_problem == "no_step_free_info" and state.results is None


async def test_live_delays_cancellations_and_alerts_reach_the_screen(compiled: bytes) -> None:
    state = new_state(FakeSource(compiled))
    await state.load()
    state.choose("origin", state.suggestions("院庄")[0])
    state.choose("destination", state.suggestions("阿波")[0])
    state.plan()
    assert state.results
    rides = state.results[0].journey.rides
    meta = state.networks["tsuyama-demo"].saved.timetable.meta
    first, second = (meta["trips"][r.trip]["id"] for r in rides)
    assert state.delay_of("tsuyama-demo", first) == (None, False)  # no live data: scheduled
    noon = datetime(2026, 12, 4, 3, 0, tzinfo=UTC).timestamp()  # 12:00 in Tsuyama
    state.realtime["tsuyama-demo"] = Realtime(
        "tsuyama-demo", "live", "2026-12-04T08:00:00+09:00",
        trips={first: {"delay": 300, "stops": {}, "cancelled": False},
               second: {"delay": None, "stops": {}, "cancelled": True}},
        alerts=({"header": {"ja": "阿波線は雪のため一部運休", "en": "Aba Line partly cancelled"},
                 "description": {}, "active": [[int(noon) - 86_400 * 30, None]]},
                {"header": {"ja": "終わった工事のお知らせ"}, "description": {},
                 "active": [[0, 1000]]}))
    assert state.delay_of("tsuyama-demo", first) == (300, False)
    assert state.delay_of("tsuyama-demo", second) == (None, True)
    assert state.alerts("tsuyama-demo", "en") == ["Aba Line partly cancelled"]
    shown = "\n".join(texts(transit_body(view_ctx(), state)))
    assert "阿波線は雪のため一部運休" in shown and "終わった工事" not in shown
    assert "5分遅れ" in shown and "運休" in shown
