"""The transit tile in Chromium on a real Okayama feed (岡電バス, configured as the city's feed):
a trip planned between two stops on a date inside the feed's service period, its legs and
both fares; the departure board of a stop; then the same trip with the backend cut off
(offline), planned from the timetable the device saved.

The app reaches its backend through a TCP relay the test switches off."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.launcher import EmbeddedBackend, free_port
from tests.e2e.conftest import ServedApp, start_app
from tests.e2e.interact import type_over
from tests.e2e.tcp_switch import TcpSwitch
from tests.e2e.test_login_in_browser import shows
from tests.support.flutter_semantics import enable_semantics

pytestmark = pytest.mark.e2e

OKADEN = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "gtfs" / \
    "okayama_okaden_bus_2025"


class Transit:
    def __init__(self, served: ServedApp, link: TcpSwitch) -> None:
        self.served, self.link = served, link


@pytest.fixture(scope="module")
def transit(tmp_path_factory) -> Iterator[Transit]:
    if not OKADEN.is_dir():
        pytest.skip(f"the real feeds are not beside the checkout ({OKADEN})")
    root = tmp_path_factory.mktemp("transit")
    feeds = root / "feeds.json"
    feeds.write_text(json.dumps({"feeds": [{
        "id": "okaden", "name": "岡電バス", "path": str(OKADEN), "licence": "CC BY 4.0",
        "attribution": "岡山電気軌道株式会社 岡電バス GTFS-JPデータ(Bus-Vision), CC BY 4.0",
        "ic_fare": {"percent_off": 10}}]}, ensure_ascii=False), encoding="utf-8")
    saved = os.environ.get("TSUYAMA_TRANSIT_FEEDS")
    os.environ["TSUYAMA_TRANSIT_FEEDS"] = str(feeds)  # the embedded backend inherits it
    backend = EmbeddedBackend(root / "backend", free_port())
    try:
        backend.start()
    finally:
        if saved is None:
            os.environ.pop("TSUYAMA_TRANSIT_FEEDS", None)
        else:
            os.environ["TSUYAMA_TRANSIT_FEEDS"] = saved
    link = TcpSwitch(backend.port)
    served = start_app(root / "app", "--backend-url", link.url)
    try:
        yield Transit(served, link)
    finally:
        served.stop()
        link.close()
        backend.stop()


def open_transit(open_page, served: ServedApp):
    page = open_page(served)
    page.goto(served.url.rstrip("/") + "/transit")
    enable_semantics(page)
    return page


def type_over_label(page, label: str, text: str) -> None:
    type_over(page, page.get_by_role("textbox", name=label), text, clear=24)


def plan(page) -> None:
    """岡山駅前 → 天満屋, Wednesday 4 June 2025 at 8:00: the 8:00 bus to ＮＴＴ岡山前 (2
    minutes), then a walk to 天満屋; 120 yen cash, 108 yen by IC card (10% off, the city's
    setting for this feed)."""
    type_over_label(page, "出発地", "岡山駅前")
    page.get_by_role("button", name="岡山駅前", exact=True).click()
    type_over_label(page, "目的地", "てんまや")  # the reading finds it too
    page.get_by_role("button", name="天満屋", exact=True).click()
    type_over_label(page, "日付(YYYY-MM-DD)", "2025-06-04")
    type_over_label(page, "時刻(HH:MM)", "08:00")
    page.get_by_role("button", name="検索", exact=True).click()
    shows(page, "8:00発 → 8:05着(5分)").wait_for()
    shows(page, "乗り換えなし · 現金 ￥120 · ICカード ￥108").wait_for()
    shows(page, "8:00 岡山駅前").wait_for()
    shows(page, "8:02 ＮＴＴ岡山前").wait_for()
    shows(page, "徒歩 4分").wait_for()


def test_plan_a_trip_see_fares_and_a_departure_board(transit, open_page, artifacts) -> None:
    page = open_transit(open_page, transit.served)
    shows(page, "時刻表: 岡電バス").wait_for(timeout=90_000)  # downloaded, then shown
    shows(page, "岡山電気軌道株式会社 岡電バス GTFS-JPデータ").wait_for()
    shows(page, "この時刻表は2025年10月25日(土)までのものです。").wait_for()
    plan(page)
    time.sleep(1)
    page.screenshot(path=str(artifacts / "transit-result-ja.png"))

    page.get_by_role("button", name="岡山駅前の発車案内", exact=True).click()
    shows(page, "岡山駅前から出るバス").wait_for()
    shows(page, "8:00").wait_for()
    page.get_by_role("button", name="お気に入りに追加", exact=True).click()
    shows(page, "お気に入りのバス停").wait_for()
    time.sleep(1)
    page.screenshot(path=str(artifacts / "transit-board-ja.png"))


def test_offline_the_saved_timetable_still_plans(transit, open_page, artifacts) -> None:
    page = open_transit(open_page, transit.served)  # make sure the timetable is saved
    shows(page, "時刻表: 岡電バス").wait_for(timeout=90_000)
    transit.link.set_online(False)
    try:
        page = open_transit(open_page, transit.served)  # a new session, the city unreachable
        shows(page, "オフライン: この端末に保存した時刻表で検索します。").wait_for(timeout=60_000)
        plan(page)
        time.sleep(1)
        page.screenshot(path=str(artifacts / "transit-offline-ja.png"))
    finally:
        transit.link.set_online(True)


def test_a_visitor_plans_in_chinese_with_english_stop_names(transit, open_page,
                                                             artifacts, tmp_path) -> None:
    """Visitor mode in Chinese: the feed has English names (no Chinese), so stops are found
    and shown in English; the screen's own words are Chinese."""
    served = start_app(tmp_path / "visitor", "--mode", "visitor", "--lang", "zh",
                       "--backend-url", transit.link.url)
    try:
        page = open_transit(open_page, served)
        shows(page, "时刻表：岡電バス").wait_for(timeout=90_000)
        type_over_label(page, "出发地", "okayama-eki")
        page.get_by_role("button", name="Okayama-Ekimae", exact=True).click()
        type_over_label(page, "目的地", "tenmaya")
        page.get_by_role("button", name="Tenmaya", exact=True).click()
        type_over_label(page, "日期(YYYY-MM-DD)", "2025-06-04")
        type_over_label(page, "时间(HH:MM)", "08:00")
        page.get_by_role("button", name="查询", exact=True).click()
        shows(page, "8:00出发 → 8:05到达(5分钟)").wait_for()
        shows(page, "8:02 NTT Okayama-mae").wait_for()
        time.sleep(1)
        page.screenshot(path=str(artifacts / "transit-result-zh.png"))
    finally:
        served.stop()
