"""The served app in headless Chromium: tiles by accessible name, navigation, modes, settings."""

from __future__ import annotations

import signal
import socket
import time

import pytest

from app.launcher import free_port
from tests.e2e.conftest import enable_semantics

pytestmark = pytest.mark.e2e

JAPANESE_TILES = ["手続き", "予約", "交通", "ポイント", "健康", "学校", "ごみ", "観光", "お知らせ"]
ENGLISH_TILES = ["Procedures", "Reservations", "Transit", "Points", "Health", "School", "Waste",
                 "Tourism", "Notices"]


def tile(page, label: str):
    return page.get_by_role("button", name=label)


def expect_tiles(page, labels: list[str]) -> None:
    for label in labels:
        tile(page, label).first.wait_for(state="visible")


def shows(page, text: str):
    """Text on screen, whether Flutter exposes it as a text node or inside a merged label."""
    return page.get_by_text(text).or_(page.locator(f'[aria-label*="{text}"]')).first


def tile_ids(page) -> list[str]:
    return sorted(
        el.get_attribute("flt-semantics-identifier")
        for el in page.locator("[flt-semantics-identifier^='tile-']").all()
    )


def port_is_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def screen_pixel(page, x: int, y: int) -> tuple[int, int, int]:
    import io

    from PIL import Image

    image = Image.open(io.BytesIO(page.screenshot())).convert("RGB")
    return image.getpixel((x, y))


def test_resident_home_in_japanese_navigation_settings_and_ctrl_c(
    app_factory, open_page, artifacts
):
    backend_port = free_port()
    served = app_factory(backend_port=backend_port)
    page = open_page(served)

    expect_tiles(page, JAPANESE_TILES)
    assert len(tile_ids(page)) == 9
    page.get_by_text("つやまポータルへようこそ").wait_for()
    time.sleep(1)
    page.screenshot(path=str(artifacts / "home-resident-ja.png"))

    # A tile opens its own route; a service not built yet says so.
    tile(page, "学校").first.click()
    page.wait_for_url("**/school")
    page.get_by_text("このサービスはまだアプリで利用できません。").wait_for()
    # The back button returns home.
    page.get_by_role("button", name="戻る", exact=True).click()
    page.wait_for_url(lambda url: url.rstrip("/").endswith(str(served.port)))
    expect_tiles(page, JAPANESE_TILES)
    # So does the browser's own back button.
    tile(page, "観光").first.click()
    page.wait_for_url("**/tourism")
    page.go_back()
    expect_tiles(page, JAPANESE_TILES)

    # Large text: tiles grow.
    before = tile(page, "ごみ").first.bounding_box()
    page.get_by_role("button", name="設定", exact=True).click()
    page.wait_for_url("**/settings")
    page.get_by_role("radio", name="特大", exact=True).click()
    page.get_by_role("button", name="戻る", exact=True).click()
    expect_tiles(page, ["ごみ"])
    time.sleep(1)
    after = tile(page, "ごみ").first.bounding_box()
    assert after["height"] > before["height"] * 1.3, (before, after)

    # High contrast: the background turns black.
    assert screen_pixel(page, 5, 890) != (0, 0, 0)
    page.get_by_role("button", name="設定", exact=True).click()
    page.get_by_role("switch", name="ハイコントラスト", exact=True).click()
    time.sleep(1)
    assert screen_pixel(page, 5, 890) == (0, 0, 0)
    page.screenshot(path=str(artifacts / "settings-high-contrast-ja.png"))

    # Settings are remembered by this device: a new tab of the same browser starts with them.
    page = page.context.new_page()
    page.goto(served.url)
    enable_semantics(page)
    expect_tiles(page, ["ごみ"])
    time.sleep(1)
    assert screen_pixel(page, 5, 890) == (0, 0, 0)
    assert tile(page, "ごみ").first.bounding_box()["height"] > before["height"] * 1.3

    # Ctrl-C stops the app and the backend it started.
    assert port_is_open(backend_port)
    assert served.stop() == 0
    assert not port_is_open(backend_port)
    assert not port_is_open(served.port)


def test_resident_home_in_english(app_factory, open_page, artifacts):
    backend_port = free_port()
    served = app_factory("--lang", "en", backend_port=backend_port)
    page = open_page(served)
    expect_tiles(page, ENGLISH_TILES)
    page.get_by_text("Welcome to Tsuyama Portal").wait_for()
    tile(page, "School").first.click()
    page.get_by_text("This service is not available in the app yet.").wait_for()
    page.get_by_role("button", name="Back", exact=True).click()
    expect_tiles(page, ENGLISH_TILES)
    time.sleep(1)
    page.screenshot(path=str(artifacts / "home-resident-en.png"))

    # Notices come from the backend (demo data), newest first, in the user's language.
    tile(page, "Notices").first.click()
    page.wait_for_url("**/notices")
    shows(page, "Protect your water pipes from freezing this winter").wait_for()
    shows(page, "Online booking for oversized garbage now available").wait_for()
    time.sleep(1)
    page.screenshot(path=str(artifacts / "notices-en.png"))

    # SIGTERM (a service manager stopping the app) also stops the backend it started.
    assert served.stop(sig=signal.SIGTERM) == 0
    assert not port_is_open(backend_port)


def test_visitor_mode_tiles_and_languages(app_factory, open_page, artifacts):
    served = app_factory("--mode", "visitor")
    page = open_page(served)
    expect_tiles(page, ["交通", "観光", "お知らせ"])
    assert tile_ids(page) == ["tile-notices", "tile-tourism", "tile-transit"]
    assert tile(page, "手続き").count() == 0

    page.get_by_role("button", name="한국어", exact=True).click()
    expect_tiles(page, ["교통", "관광", "공지"])
    page.get_by_role("button", name="中文", exact=True).click()
    expect_tiles(page, ["交通", "观光", "通知"])
    # The settings a visitor uses are in Chinese too (tests/unit/test_visitor_translations.py).
    page.get_by_role("button", name="设置", exact=True).click()
    page.get_by_role("switch", name="高对比度", exact=True).wait_for()
    page.get_by_role("button", name="返回", exact=True).click()
    page.get_by_role("button", name="English", exact=True).click()
    expect_tiles(page, ["Transit", "Tourism", "Notices"])
    time.sleep(1)
    page.screenshot(path=str(artifacts / "home-visitor-en.png"))


def test_kiosk_mode_pages_targets_and_idle_timer(app_factory, open_page, artifacts):
    served = app_factory("--mode", "kiosk", "--kiosk-idle-seconds", "4")
    page = open_page(served, width=1280, height=800)
    kiosk_tiles = ["整理券", *JAPANESE_TILES]  # the walk-in's take-a-number tile first
    expect_tiles(page, kiosk_tiles[:6])
    assert len(tile_ids(page)) == 6
    for label in kiosk_tiles[:6]:
        box = tile(page, label).first.bounding_box()
        assert box["width"] >= 64 and box["height"] >= 64
    time.sleep(1)
    page.screenshot(path=str(artifacts / "home-kiosk-ja.png"))

    page.get_by_role("button", name="ほかのサービス", exact=True).click()
    expect_tiles(page, kiosk_tiles[6:])
    assert len(tile_ids(page)) == 4

    tile(page, "ごみ").first.click()
    page.wait_for_url("**/waste")
    # Nobody touches the screen: the kiosk returns to its start screen.
    expect_tiles(page, kiosk_tiles[:6])
    assert page.url.rstrip("/").endswith(str(served.port))


def test_offline_backend_shows_a_banner_not_a_crash(app_factory, open_page, artifacts):
    closed_port = free_port()
    served = app_factory("--backend-url", f"http://127.0.0.1:{closed_port}")
    page = open_page(served)
    shows(page, "オフライン").wait_for()
    expect_tiles(page, JAPANESE_TILES)
    tile(page, "交通").first.click()
    shows(page, "オフライン").wait_for()
    page.get_by_role("button", name="戻る", exact=True).click()
    tile(page, "お知らせ").first.click()
    shows(page, "この端末がオンラインになると、ここにお知らせが表示されます。").wait_for()
    time.sleep(1)
    page.screenshot(path=str(artifacts / "offline-banner-ja.png"))
