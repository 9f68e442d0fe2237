"""A login that cannot get stuck, and confirmations where the resident looks (ADR 0027).

On the old code: Back from the identity page left 「ログインしています…」 for ever; offline,
ログイン sent the tab to Chromium's error page; nothing said the login lasts only until the
app closes (no keyring here); account deletion asked at the bottom of the page, and logout
said nothing."""

from __future__ import annotations

import time

import pytest

from app.launcher import EmbeddedBackend, free_port
from tests.e2e.conftest import enable_semantics, start_app
from tests.e2e.tcp_switch import TcpSwitch
from tests.e2e.test_login_in_browser import log_in_as, shows

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    root = tmp_path_factory.mktemp("login")
    backend = EmbeddedBackend(root / "backend", free_port())
    backend.start()
    link = TcpSwitch(backend.port)
    app = None
    try:
        # No keyring on this machine (no PYTHON_KEYRING_BACKEND): the login is kept in memory.
        app = start_app(root / "app", "--backend-url", link.url)
        yield app, link
    finally:
        if app is not None:
            app.stop()
        link.close()
        backend.stop()


def by_id(page, identifier: str):
    return page.locator(f'[flt-semantics-identifier="{identifier}"]')


def test_back_from_the_identity_page_ends_the_login(served, open_page):
    app, _ = served
    page = open_page(app)
    page.get_by_role("button", name="ログイン", exact=True).click()
    page.wait_for_url("**/dev-idp/**")
    page.go_back()
    page.wait_for_url(lambda url: url.startswith(app.url))
    enable_semantics(page)
    # Flet either resumes the session that started the login (it then ends the attempt and
    # says so) or, when the browser came back after the server let that session go, starts
    # a new one, signed out. Either way: ログイン again, never 「ログインしています…」 left.
    page.get_by_role("button", name="ログイン", exact=True).wait_for(timeout=20_000)
    time.sleep(3)
    assert shows(page, "ログインしています").count() == 0
    page.get_by_role("button", name="ログイン", exact=True).wait_for()


def test_offline_login_says_so_and_stays_in_the_app(served, open_page, artifacts):
    app, link = served
    page = open_page(app)
    page.get_by_role("button", name="ログイン", exact=True).wait_for()
    link.set_online(False)
    try:
        page.get_by_role("button", name="ログイン", exact=True).click()
        shows(page, "オフラインのためログインできません").wait_for(timeout=20_000)
        page.screenshot(path=str(artifacts / "login-offline-ja.png"))
        assert page.url.startswith(app.url), page.url
        page.get_by_role("button", name="ログイン", exact=True).wait_for()
    finally:
        link.set_online(True)


def test_session_login_note_delete_question_in_view_and_logout_message(served, open_page,
                                                                       artifacts):
    app, _ = served
    page = open_page(app)
    log_in_as(page, "津山 太郎")
    shows(page, "津山 太郎さん、こんにちは").wait_for()
    shows(page, "この端末では、ログインはアプリを閉じるまで有効です").wait_for()

    page.get_by_role("button", name="マイデータ", exact=True).click()
    page.wait_for_url("**/mydata")
    page.get_by_role("button", name="アカウントを削除する", exact=True).click()
    # A modal question in the middle of the screen, the safe answer first.
    no = by_id(page, "delete-account-confirm-no").first
    yes = by_id(page, "delete-account-confirm-yes").first
    no.wait_for()
    shows(page, "アカウントを削除しますか？").wait_for()
    viewport = page.viewport_size
    box = yes.bounding_box()
    assert box is not None and viewport is not None
    assert box["y"] >= 0 and box["y"] + box["height"] <= viewport["height"]
    page.screenshot(path=str(artifacts / "delete-account-question-ja.png"))
    no.click()
    no.wait_for(state="detached")
    shows(page, "共通ID").wait_for()  # still signed in, nothing deleted

    page.get_by_role("button", name="ログアウト", exact=True).first.click()
    by_id(page, "done-message").wait_for()
    shows(page, "ログアウトしました").wait_for()
    page.get_by_role("button", name="ログイン", exact=True).wait_for()
