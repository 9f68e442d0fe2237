"""Re-renders are diffs (ADR 0021), seen in Chromium: a tap below the fold keeps the scroll
position, a slow press while the app re-renders registers, typing while re-renders land keeps
the focus and every character, and high contrast still applies.

One app serves the whole module, with the shell's test-only render heartbeat on
(`TSUYAMA_TEST_RENDER_HEARTBEAT_S`): it re-renders every 0.2 s, as a sync, a reminder tick or
the connection monitor would, only more often. Before keyed views each of those renders
replaced every widget on the client, and each test below failed.
"""

from __future__ import annotations

import time

import pytest

from app.shell.app_shell import RENDER_HEARTBEAT_ENV
from tests.e2e.conftest import start_app
from tests.e2e.test_home_in_browser import screen_pixel, shows

pytestmark = pytest.mark.e2e

HEARTBEAT_S = "0.2"


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    app = start_app(tmp_path_factory.mktemp("render"), env={RENDER_HEARTBEAT_ENV: HEARTBEAT_S})
    yield app
    app.stop()


def open_waste(page, section: str | None = None) -> None:
    page.get_by_role("button", name="ごみ").first.click()
    page.wait_for_url("**/waste")
    if section:
        page.get_by_role("button", name=section, exact=True).click()


def choose_district(page) -> None:
    open_waste(page, "収集日")
    page.get_by_role("button", name="林田", exact=True).click()
    shows(page, "お住まいの地区: 林田").wait_for()


def test_a_tap_below_the_fold_keeps_the_scroll_position(served, open_page, artifacts):
    page = open_page(served, width=1000, height=600)
    choose_district(page)
    switch = page.get_by_role("switch").last  # the last reminder switch, far below the top
    switch.wait_for(state="attached")
    top = page.get_by_role("button", name="収集日", exact=True)
    for _ in range(20):  # scroll with the wheel until the switch is on screen
        box = switch.bounding_box()
        if box is not None and 0 < box["y"] < 600 - box["height"]:
            break
        page.mouse.move(500, 400)
        page.mouse.wheel(0, 400)
        time.sleep(0.3)
    time.sleep(0.5)
    before = switch.bounding_box()
    heading_before = top.bounding_box()
    assert before is not None and before["y"] < 600
    # The page is scrolled: the section buttons at the top are above the screen.
    assert heading_before is None or heading_before["y"] < 0, heading_before
    was_checked = switch.get_attribute("aria-checked")

    switch.click()
    page.wait_for_function(
        "([el, old]) => el.getAttribute('aria-checked') !== old",
        arg=[switch.element_handle(), was_checked])
    time.sleep(1)  # several re-renders land meanwhile
    after = switch.bounding_box()
    assert after is not None, "the switch left the screen: the page jumped"
    assert abs(after["y"] - before["y"]) < 4, (before, after)
    page.screenshot(path=str(artifacts / "render-keeps-scroll.png"))
    switch.click()  # back as it was (the setting is kept per device)


def test_a_slow_press_while_the_app_re_renders_registers(served, open_page):
    page = open_page(served)
    open_waste(page)
    button = page.get_by_role("button", name="収集日", exact=True)
    box = button.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    time.sleep(0.4)  # held for 0.4 s: two re-renders land under the finger
    page.mouse.up()
    shows(page, "お住まいの地区").wait_for(timeout=10_000)


def test_typing_while_re_renders_land_keeps_focus_and_every_character(served, open_page,
                                                                       artifacts):
    page = open_page(served)
    open_waste(page)
    label = "捨てたいもの(例: 電子レンジ)"
    field = page.get_by_role("textbox", name=label)
    field.click()
    typed = "電子レンジ"
    for char in typed:  # one change at a time, re-renders landing in between
        page.keyboard.insert_text(char)
        time.sleep(0.25)
    time.sleep(0.5)
    assert field.input_value() == typed
    # Still focused: what is typed next goes on in the same field.
    page.keyboard.insert_text("台")
    time.sleep(0.5)
    assert field.input_value() == typed + "台"
    focused = page.evaluate("document.activeElement && document.activeElement.tagName")
    assert focused in ("INPUT", "TEXTAREA"), focused
    page.keyboard.press("Backspace")
    shows(page, "手数料: ￥500 (粗大ごみ処理券)").wait_for()  # and the results followed
    page.screenshot(path=str(artifacts / "render-keeps-typing.png"))


def test_high_contrast_still_applies_while_re_rendering(served, open_page):
    page = open_page(served, width=1280, height=900)
    assert screen_pixel(page, 5, 890) != (0, 0, 0)
    page.get_by_role("button", name="設定", exact=True).click()
    page.get_by_role("switch", name="ハイコントラスト", exact=True).click()
    time.sleep(1)
    assert screen_pixel(page, 5, 890) == (0, 0, 0)
    page.get_by_role("switch", name="ハイコントラスト", exact=True).click()
    time.sleep(1)
    assert screen_pixel(page, 5, 890) != (0, 0, 0)
