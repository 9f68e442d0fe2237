"""Offline first, in Chromium: notices read from the device with their age, a read mark made
offline shown as waiting and then sent, and a visitor reading notices with no link at all.

The app talks to its backend through a TCP relay the test switches off and on (tcp_switch).
"""

from __future__ import annotations

import time

import pytest

from app.launcher import EmbeddedBackend, free_port
from tests.e2e.tcp_switch import TcpSwitch
from tests.e2e.test_login_in_browser import keyring_env, log_in_as, shows

pytestmark = pytest.mark.e2e

NEWEST = "冬季の水道管凍結にご注意ください"
FOR_PARENTS = "就学援助の申請を受け付けています"


def test_resident_reads_offline_and_a_read_mark_waits_then_is_sent(
    app_factory, open_page, artifacts, tmp_path
):
    backend = EmbeddedBackend(tmp_path / "backend", free_port())
    backend.start()
    link = TcpSwitch(backend.port)
    try:
        served = app_factory("--backend-url", link.url,
                             env=keyring_env(tmp_path / "keyring.json"))
        page = open_page(served)
        log_in_as(page, "津山 花子")
        shows(page, "津山 花子さん、こんにちは").wait_for()

        page.get_by_role("button", name="お知らせ").first.click()
        shows(page, NEWEST).wait_for()
        shows(page, FOR_PARENTS).wait_for()  # the household's notice, from its stream
        shows(page, "あなたの世帯向け").wait_for()
        shows(page, "未読").wait_for()
        shows(page, "更新").wait_for()  # the data's age

        link.set_online(False)
        page.get_by_role("button", name="戻る", exact=True).click()
        page.get_by_role("button", name="お知らせ").first.click()
        shows(page, "オフライン").wait_for(timeout=60_000)
        shows(page, NEWEST).wait_for()  # still readable: it is on the device
        shows(page, NEWEST).click()
        shows(page, "既読(未送信)").wait_for()
        time.sleep(1)
        page.screenshot(path=str(artifacts / "notices-offline-read-pending-ja.png"))

        page.get_by_role("button", name="戻る", exact=True).click()
        page.get_by_role("button", name="詳細", exact=True).click()
        page.wait_for_url("**/device-data")
        shows(page, "送信待ち(1 件)").wait_for()
        shows(page, "お知らせを既読にしました").wait_for()
        time.sleep(1)
        page.screenshot(path=str(artifacts / "device-data-pending-ja.png"))

        link.set_online(True)
        page.get_by_role("button", name="今すぐ同期", exact=True).click()
        shows(page, "送信待ち(0 件)").wait_for(timeout=60_000)
        shows(page, "最近送信した変更").wait_for()
        page.get_by_role("button", name="戻る", exact=True).click()
        page.get_by_role("button", name="お知らせ").first.click()
        shows(page, NEWEST).wait_for()
        assert shows(page, "既読(未送信)").count() == 0
        # Confirmed by the city, the read mark stays: the card is no longer unread.
        assert "未読" not in (page.get_by_role("button", name=NEWEST).text_content() or "")
        assert "未読" in (page.get_by_role("button", name=FOR_PARENTS).text_content() or "")
    finally:
        link.close()
        backend.stop()


def test_visitor_reads_stored_notices_with_no_link(app_factory, open_page, artifacts,
                                                   tmp_path):
    backend = EmbeddedBackend(tmp_path / "backend", free_port())
    backend.start()
    link = TcpSwitch(backend.port)
    try:
        served = app_factory("--mode", "visitor", "--lang", "en", "--backend-url", link.url)
        page = open_page(served)
        page.get_by_role("button", name="Notices").first.click()
        shows(page, "Protect your water pipes from freezing").wait_for()
        served.stop()

        link.set_online(False)  # the next start has no link at all
        again = app_factory("--mode", "visitor", "--lang", "en", "--backend-url", link.url,
                            "--data-dir", str(served.data_dir))
        page = open_page(again)
        page.get_by_role("button", name="Notices").first.click()
        shows(page, "Offline").wait_for()
        shows(page, "Protect your water pipes from freezing").wait_for()
        shows(page, "Updated").wait_for()
        assert shows(page, "School expense assistance").count() == 0  # targeted: not public
        time.sleep(1)
        page.screenshot(path=str(artifacts / "visitor-notices-offline-en.png"))
    finally:
        link.close()
        backend.stop()
