"""The waste tile's everyday screens in Chromium, one served app for the module: a booking
is cancelled only after a question (「やめる」 keeps it), the calendar marks today for screen
readers and says which section is open, and at 特大 each day still names its kinds in full.

Before the fix the first tap cancelled at once (no question), no day was labelled 今日 and
the section buttons had no selected state."""

from __future__ import annotations

import re
import time

import pytest

from tests.e2e.conftest import enable_semantics, start_app
from tests.e2e.test_login_in_browser import keyring_env, log_in_as, shows

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    folder = tmp_path_factory.mktemp("waste-screens")
    app = start_app(folder, env=keyring_env(folder / "keyring.json"))
    yield app
    app.stop()


def open_waste(page, section: str | None = None) -> None:
    # The tile by its identifier: a logged-in home has other buttons whose names hold ごみ.
    page.locator('[flt-semantics-identifier="tile-waste"]').click()
    page.wait_for_url("**/waste")
    if section:
        page.get_by_role("button", name=section, exact=True).click()


def test_cancelling_a_booking_asks_first_and_keep_keeps_it(served, open_page, artifacts):
    page = open_page(served)
    log_in_as(page, "津山 太郎")
    shows(page, "津山 太郎さん、こんにちは").wait_for()
    open_waste(page, "収集日")
    shows(page, "お住まいの地区: 津山中央").wait_for()
    page.get_by_role("button", name="この地区にする", exact=True).click()
    page.get_by_role("button", name="粗大ごみ", exact=True).click()
    field = page.get_by_role("textbox", name="出したいものを追加(例: 電子レンジ、ソファ)")
    field.click()
    page.keyboard.insert_text("電子レンジ")
    page.get_by_role("button", name="電子レンジを追加").click()
    page.get_by_role("button", name="件)").first.click()
    page.get_by_role("button", name="で予約する").click()
    shows(page, "予約済み").wait_for(timeout=60_000)

    # The way forward first, the destructive action last.
    change = page.get_by_role("button", name="収集日を変更する", exact=True)
    cancel = page.get_by_role("button", name="この予約を取り消す", exact=True)
    assert change.bounding_box()["x"] < cancel.bounding_box()["x"] or \
        change.bounding_box()["y"] < cancel.bounding_box()["y"]

    cancel.click()
    question = shows(page, "この予約を取り消しますか？")
    question.wait_for()
    shows(page, "電子レンジ × 1").wait_for()  # the question names the item (and its day)
    time.sleep(1)
    page.screenshot(path=str(artifacts / "waste-cancel-question-ja.png"))
    page.get_by_role("button", name="やめる", exact=True).click()
    question.wait_for(state="detached")
    time.sleep(1)
    assert shows(page, "取り消し済み").count() == 0
    shows(page, "予約済み").wait_for()

    cancel.click()
    page.get_by_role("button", name="取り消す", exact=True).click()
    page.locator('[flt-semantics-identifier="done-message"]').wait_for()
    shows(page, "予約を取り消しました").wait_for()
    shows(page, "取り消し済み").wait_for(timeout=60_000)


def test_calendar_marks_today_and_names_kinds_in_full_at_extra_large(served, open_page,
                                                                      artifacts):
    page = open_page(served, width=390, height=844)  # a phone
    open_waste(page, "収集日")
    # The app keeps 津山 太郎's login from the test before (its keyring is the server's), and
    # with it his district: choose another one.
    change = page.get_by_role("button", name="地区を変更", exact=True)
    hayashida = page.get_by_role("button", name="林田", exact=True)
    change.or_(hayashida).first.wait_for()
    if change.count():
        change.click()
    hayashida.click()
    shows(page, "お住まいの地区: 林田").wait_for()
    page.get_by_role("button", name="設定", exact=True).click()
    page.wait_for_url("**/settings")
    page.get_by_role("radio", name="特大", exact=True).click()
    page.get_by_role("button", name="戻る", exact=True).click()
    page.wait_for_url(lambda url: not url.endswith("/settings"))
    if not page.url.endswith("/waste"):
        # At 特大 on a phone the home's tiles are below the fold, and a click on a semantics
        # node outside the canvas's view lands on what is drawn there: open /waste directly
        # (the settings, the login and the district are kept).
        page.goto(served.url.rstrip("/") + "/waste")
        enable_semantics(page)
        page.get_by_role("button", name="収集日", exact=True).click()
    shows(page, "お住まいの地区: 林田").wait_for()

    # The open section is announced as the selected one (Flutter writes aria-current).
    section = page.locator('[flt-semantics-identifier="waste-section-calendar"]')
    section.wait_for(state="attached")
    assert section.get_attribute("aria-current") == "true"
    other = page.locator('[flt-semantics-identifier="waste-section-search"]')
    assert other.get_attribute("aria-current") != "true"

    # Today's cell says 今日 first, and is the selected day; no other day is.
    today = page.get_by_role("button", name=re.compile(r"^今日, "))
    today.first.wait_for(state="attached")
    assert today.count() == 1
    assert today.get_attribute("aria-current") == "true"
    days = page.locator('[flt-semantics-identifier^="day-"]')
    assert days.count() >= 28
    assert page.locator('[flt-semantics-identifier^="day-"][aria-current="true"]').count() == 1

    # 林田's month always has 燃やせるごみ (Mondays and Thursdays) and 資源ごみ（缶・びん・
    # ペットボトル） (2nd and 4th Tuesdays): each day says their whole names.
    assert page.get_by_role("button", name=re.compile("燃やせるごみ")).count() >= 8
    assert page.get_by_role("button",
                            name=re.compile("資源ごみ（缶・びん・ペットボトル）")).count() >= 2
    time.sleep(1)
    page.screenshot(path=str(artifacts / "waste-calendar-extra-large-phone-ja.png"),
                    full_page=True)
