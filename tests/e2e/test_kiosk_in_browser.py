"""A kiosk in Chromium: every tap and key counts as someone being there, a count-down with
「続ける」 comes before the reset, and idling through it goes back to the start (ADR 0026).

On the old code the idle timer counted only screen changes: tapping 次の月 every 4 s or
typing a character every 2.5 s was reset mid-task, and nothing warned before."""

from __future__ import annotations

import time

import pytest

from tests.e2e.conftest import enable_semantics, start_app
from tests.e2e.test_login_in_browser import shows

pytestmark = pytest.mark.e2e

IDLE_S = 12  # the count-down shows for the last 4 s
SEARCH_LABEL = "捨てたいもの(例: 電子レンジ)"
PUBLIC_URL = "https://portal.city.example/app"


@pytest.fixture(scope="module")
def kiosk(tmp_path_factory):
    served = start_app(tmp_path_factory.mktemp("kiosk"), "--mode", "kiosk",
                       "--kiosk-idle-seconds", str(IDLE_S), "--public-url", PUBLIC_URL)
    yield served
    served.stop()


def by_id(page, identifier: str):
    return page.locator(f'[flt-semantics-identifier="{identifier}"]')


def on_waste(page) -> bool:
    return page.url.rstrip("/").endswith("/waste")


def open_waste(page) -> None:
    """The waste tile, its search field on screen. A cold start may load its content for
    longer than the kiosk waits for a touch (it then rightly goes back): open it again."""
    for _ in range(3):
        page.get_by_role("button", name="ほかのサービス", exact=True).click()  # ごみ: screen 2
        page.get_by_role("button", name="ごみ").first.click()
        page.wait_for_url("**/waste")
        try:
            page.get_by_role("textbox", name=SEARCH_LABEL).wait_for(timeout=IDLE_S * 500)
            return
        except Exception:
            page.wait_for_url(lambda url: not url.rstrip("/").endswith("/waste"))
            page.get_by_role("button", name="ほかのサービス", exact=True).wait_for()
    raise AssertionError("the waste tile did not open")


def test_taps_and_typing_keep_the_session_then_a_count_down_then_the_reset(
        kiosk, open_page, artifacts):
    page = open_page(kiosk, width=1280, height=800)
    open_waste(page)

    # Typing one character every 2.5 s for longer than the timeout: no reset, no count-down.
    field = page.get_by_role("textbox", name=SEARCH_LABEL)
    field.click()
    started = time.monotonic()
    for char in "でんしれんじ":
        page.keyboard.type(char)
        time.sleep(2.5)
        assert on_waste(page), "reset while typing"
        assert by_id(page, "idle-countdown").count() == 0
    assert time.monotonic() - started > IDLE_S

    # Tapping 次の月 every 4 s for longer than the timeout (a tap that changes no screen).
    page.get_by_role("button", name="収集日", exact=True).click()
    page.get_by_role("button", name="林田", exact=True).click()
    next_month = page.get_by_role("button", name="次の月").first
    started = time.monotonic()
    for _ in range(4):
        next_month.click()
        time.sleep(4)
        assert on_waste(page), "reset while tapping 次の月"
    assert time.monotonic() - started > IDLE_S

    # Nobody touches: the count-down appears (large, with 「続ける」), which keeps the session.
    by_id(page, "idle-countdown").wait_for(timeout=20_000)
    node = by_id(page, "idle-countdown").first
    label = (node.get_attribute("aria-label") or "") + (node.text_content() or "")
    assert "秒で最初の画面に戻り" in label
    page.screenshot(path=str(artifacts / "kiosk-idle-countdown-ja.png"))
    button = by_id(page, "idle-continue").first
    box = button.bounding_box()
    assert box is not None and box["height"] >= 64
    button.click()
    by_id(page, "idle-countdown").wait_for(state="detached", timeout=10_000)
    assert on_waste(page)

    # Idling through the count-down: back to the start screen.
    by_id(page, "idle-countdown").wait_for(timeout=20_000)
    page.wait_for_url(lambda url: not url.rstrip("/").endswith("/waste"), timeout=20_000)
    page.get_by_role("button", name="ほかのサービス", exact=True).wait_for()


def test_the_next_person_finds_nothing_of_the_last_one(kiosk, open_page, artifacts):
    """A resident logs in, searches, sees the district from his address and My data's
    「スマートフォンに送る」; idle reset; the next person sees none of it."""
    page = open_page(kiosk, width=1280, height=800)
    page.get_by_role("button", name="ログイン", exact=True).click()
    page.wait_for_url("**/dev-idp/**")
    page.get_by_role("button", name="津山 太郎").click()
    page.wait_for_url(lambda url: "/dev-idp/" not in url and "/authorize" not in url
                      and "oauth_callback" not in url, timeout=30_000)
    enable_semantics(page)
    shows(page, "津山 太郎さん、こんにちは").wait_for()
    # On a shared kiosk: neither the download nor account deletion, but the phone link.
    page.get_by_role("button", name="マイデータ", exact=True).click()
    page.wait_for_url("**/mydata")
    by_id(page, "send-to-phone-qr").wait_for()
    shows(page, "スマートフォンに送る").wait_for()
    shows(page, f"{PUBLIC_URL}/mydata").wait_for()  # the page's address, nothing personal
    assert page.get_by_role("button", name="自分のデータをすべてダウンロード").count() == 0
    assert page.get_by_role("button", name="アカウントを削除する").count() == 0
    page.screenshot(path=str(artifacts / "kiosk-mydata-send-to-phone-ja.png"))
    page.get_by_role("button", name="戻る", exact=True).click()

    open_waste(page)
    page.get_by_role("textbox", name=SEARCH_LABEL).fill("でんしレンジ")
    page.get_by_role("button", name="収集日", exact=True).click()
    shows(page, "お住まいの地区: 津山中央").wait_for()  # from his household's address

    # He walks away: count-down, then the start screen, logged out.
    by_id(page, "idle-countdown").wait_for(timeout=30_000)
    page.get_by_role("button", name="ログイン", exact=True).wait_for(timeout=30_000)
    assert shows(page, "津山 太郎さん、こんにちは").count() == 0

    # The next person, anonymous: an empty search and no district.
    open_waste(page)
    field = page.get_by_role("textbox", name=SEARCH_LABEL)
    assert (field.input_value() if field.count() else "") == ""
    page.get_by_role("button", name="収集日", exact=True).click()
    shows(page, "お住まいの地区を選ぶと、収集日が表示されます。").wait_for()
    assert shows(page, "お住まいの地区: 津山中央").count() == 0
    page.screenshot(path=str(artifacts / "kiosk-after-reset-ja.png"))


def test_a_kiosk_without_the_city_backend_refuses_to_start(tmp_path):
    import subprocess
    import sys

    from tests.e2e.conftest import ROOT

    done = subprocess.run([sys.executable, "-m", "app", "--mode", "kiosk", "--port", "0",
                           "--data-dir", str(tmp_path)], cwd=ROOT, capture_output=True,
                          text=True, timeout=60, env={"PATH": "/usr/bin:/bin"})
    assert done.returncode == 2
    assert "--backend-url" in done.stderr
    assert not any(tmp_path.iterdir())  # no backend was started, no data folder written
