"""The waste tile in Chromium: the sorting dictionary, a district's collection days, and a
bulky-waste booking made, seen under "my bookings" and cancelled (after a question) as
津山 太郎."""

from __future__ import annotations

import time

import pytest

from tests.e2e.interact import tap, type_over
from tests.e2e.test_login_in_browser import keyring_env, log_in_as, shows

pytestmark = pytest.mark.e2e


def open_waste(page, section: str | None = None) -> None:
    page.get_by_role("button", name="ごみ").first.click()
    page.wait_for_url("**/waste")
    if section:
        page.get_by_role("button", name=section, exact=True).click()


def type_into(page, label: str, text: str) -> None:
    type_over(page, page.get_by_role("textbox", name=label), text)


def test_search_and_a_districts_collection_days(app_factory, open_page, artifacts):
    served = app_factory()
    page = open_page(served)
    open_waste(page)
    type_into(page, "捨てたいもの(例: 電子レンジ)", "電子レンジ")
    shows(page, "手数料: ￥500 (粗大ごみ処理券)").wait_for()  # its fee and how to pay
    shows(page, "申し込み制の戸別収集です。").wait_for()  # its notes
    # the first result's card: the name, then its category chip, then its fee
    assert "電子レンジ 粗大ごみ 手数料: ￥500" in page.locator("body").aria_snapshot()
    time.sleep(1)
    page.screenshot(path=str(artifacts / "waste-search-ja.png"))

    page.get_by_role("button", name="収集日", exact=True).click()
    shows(page, "お住まいの地区を選ぶと、収集日が表示されます。").wait_for()
    page.get_by_role("button", name="林田", exact=True).click()
    shows(page, "お住まいの地区: 林田").wait_for()
    shows(page, "次の収集日").wait_for()
    shows(page, "燃やせるごみ").wait_for()
    time.sleep(1)
    page.screenshot(path=str(artifacts / "waste-calendar-ja.png"))


def test_resident_books_a_bulky_pickup_sees_it_and_cancels_it(app_factory, open_page,
                                                               artifacts, tmp_path):
    served = app_factory(env=keyring_env(tmp_path / "keyring.json"))
    page = open_page(served)
    log_in_as(page, "津山 太郎")
    shows(page, "津山 太郎さん、こんにちは").wait_for()
    open_waste(page, "収集日")
    # Never chosen by him: taken from his household's address (山北 is in 津山中央).
    shows(page, "お住まいの地区: 津山中央").wait_for()
    keep = page.get_by_role("button", name="この地区にする", exact=True)
    keep.click()
    keep.wait_for(state="detached")

    page.get_by_role("button", name="粗大ごみ", exact=True).click()
    shows(page, "予約はまだありません。").wait_for()
    type_into(page, "出したいものを追加(例: 電子レンジ、ソファ)", "電子レンジ")
    tap(page, page.get_by_role("button", name="電子レンジを追加"))
    shows(page, "手数料の合計: ￥500").wait_for()
    tap(page, page.get_by_role("button", name="件)").first)  # the first day with places left
    tap(page, page.get_by_role("button", name="で予約する"))
    shows(page, "受付番号").wait_for(timeout=60_000)  # confirmed by the city
    shows(page, "予約済み").wait_for()
    time.sleep(1)
    page.screenshot(path=str(artifacts / "waste-bulky-booked-ja.png"))

    # Cancelling asks first, in a dialog: 「やめる」 keeps the booking.
    tap(page, page.get_by_role("button", name="この予約を取り消す", exact=True))
    shows(page, "この予約を取り消しますか？").wait_for()
    page.get_by_role("button", name="やめる", exact=True).click()
    shows(page, "この予約を取り消しますか？").wait_for(state="detached")
    shows(page, "予約済み").wait_for()
    tap(page, page.get_by_role("button", name="この予約を取り消す", exact=True))
    page.get_by_role("button", name="取り消す", exact=True).click()
    shows(page, "予約を取り消しました").wait_for()
    shows(page, "取り消し済み").wait_for(timeout=60_000)
