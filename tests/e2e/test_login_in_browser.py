"""Login through the app as a resident and on a kiosk, via the development identity provider.

The development provider stands in for the national My Number card provider (which these
machines cannot reach); everything else is the real flow: the app's login button, the
backend's /authorize, the provider's page, the callbacks, the token exchange.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from app.launcher import free_port
from tests.e2e.conftest import ROOT, enable_semantics

pytestmark = pytest.mark.e2e

TEST_KEYRING = "tests.support.file_keyring.FileKeyring"


def keyring_env(path: Path) -> dict[str, str]:
    return {"PYTHON_KEYRING_BACKEND": TEST_KEYRING, "TSUYAMA_TEST_KEYRING_FILE": str(path)}


def shows(page, text: str):
    return page.get_by_text(text).or_(page.locator(f'[aria-label*="{text}"]')).first


def signed_out(page) -> None:
    """The served app keeps its login in the (test) keyring of its process, shared by every
    browser context: log out whoever an earlier test (or this test's first try) left signed
    in."""
    login = page.get_by_role("button", name="ログイン", exact=True)
    logout = page.get_by_role("button", name="ログアウト", exact=True)
    login.or_(logout).first.wait_for()
    if logout.count():
        logout.click()
        login.wait_for()


def log_in_as(page, persona: str) -> None:
    signed_out(page)
    page.get_by_role("button", name="ログイン", exact=True).click()
    page.wait_for_url("**/dev-idp/**")
    page.get_by_role("button", name=persona).click()
    # Back in the app: the tab reloaded, so switch the accessibility tree on again.
    page.wait_for_url(lambda url: "/dev-idp/" not in url and "/authorize" not in url
                      and "oauth_callback" not in url, timeout=30_000)
    enable_semantics(page)


def test_resident_logs_in_sees_greeting_and_my_data_then_logs_out(
    app_factory, open_page, artifacts, tmp_path
):
    keyring_file = tmp_path / "keyring.json"
    served = app_factory(env=keyring_env(keyring_file))
    page = open_page(served)
    log_in_as(page, "津山 太郎")
    shows(page, "津山 太郎さん、こんにちは").wait_for()
    time.sleep(1)
    page.screenshot(path=str(artifacts / "home-signed-in-ja.png"))

    # The refresh token lives in the OS keyring (here: the test's keyring file).
    stored = json.loads(keyring_file.read_text())
    login = json.loads(stored["tsuyama-portal/login"])
    assert login["refresh_token"] and login["device_id"]

    page.get_by_role("button", name="マイデータ", exact=True).click()
    page.wait_for_url("**/mydata")
    shows(page, "共通ID").wait_for()
    shows(page, "マイナンバーカードで確認済み").wait_for()
    time.sleep(1)
    page.screenshot(path=str(artifacts / "mydata-ja.png"))

    page.get_by_role("button", name="ログアウト", exact=True).click()
    page.get_by_role("button", name="ログイン", exact=True).wait_for()
    assert shows(page, "津山 太郎さん、こんにちは").count() == 0
    stored = json.loads(keyring_file.read_text())
    assert "tsuyama-portal/login" not in stored


def test_kiosk_login_leaves_nothing_behind_after_idle(open_page, artifacts, tmp_path):
    # A kiosk talks to the city's backend; it has only its own (empty) data folder.
    backend_port = free_port()
    backend_dir = tmp_path / "backend"
    backend = subprocess.Popen(
        [sys.executable, "-m", "backend", "--port", str(backend_port), "--data-dir",
         str(backend_dir)],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{backend_port}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        from tests.e2e.conftest import start_app

        keyring_file = tmp_path / "keyring.json"
        kiosk = start_app(
            tmp_path / "kiosk", "--mode", "kiosk", "--kiosk-idle-seconds", "6",
            "--backend-url", f"http://127.0.0.1:{backend_port}",
            env=keyring_env(keyring_file),
        )
        try:
            page = open_page(kiosk)
            log_in_as(page, "美作 ハナ")
            shows(page, "美作 ハナさん、こんにちは").wait_for()
            time.sleep(1)
            page.screenshot(path=str(artifacts / "kiosk-signed-in-ja.png"))
            # Nobody touches the screen: the kiosk logs out and returns to its start screen.
            page.get_by_role("button", name="ログイン", exact=True).wait_for(timeout=30_000)
            assert shows(page, "美作 ハナさん、こんにちは").count() == 0
        finally:
            kiosk.stop()
        # Nothing in the keyring, nothing personal in the kiosk's data folder.
        assert not keyring_file.exists() or "tsuyama-portal" not in keyring_file.read_text()
        for path in kiosk.data_dir.rglob("*"):
            if path.is_file():
                content = path.read_bytes()
                assert "美作".encode() not in content, path
                assert b"refresh_token" not in content, path
        assert "美作" not in kiosk.log()
    finally:
        backend.send_signal(signal.SIGINT)
        backend.wait(timeout=20)


def test_visitor_signs_in_with_email_and_can_delete_the_account(
    app_factory, open_page, artifacts, tmp_path
):
    """An email-only account for a visitor: the code arrives in the development mailbox."""
    import re

    backend_port = free_port()
    served = app_factory("--mode", "visitor", backend_port=backend_port,
                         env=keyring_env(tmp_path / "keyring.json"))
    page = open_page(served)
    page.get_by_role("button", name="メールアドレスでログイン", exact=True).click()
    page.wait_for_url("**/auth/email**")
    page.get_by_label("メールアドレス / Email").fill("Visitor.Kim@Example.com")
    page.get_by_role("button", name="確認コードを送る / Send code").click()

    mailbox = page.context.new_page()
    mailbox.goto(f"http://127.0.0.1:{backend_port}/dev-mail")
    body = mailbox.locator("article.mail pre.body").first.inner_text()
    code = re.search(r"コードは (\d{6})", body).group(1)
    mailbox.close()

    page.get_by_label("確認コード / Code").fill(code)
    page.get_by_role("button", name="ログイン / Log in").click()
    page.wait_for_url(lambda url: "/auth/" not in url and "oauth_callback" not in url,
                      timeout=30_000)
    enable_semantics(page)
    shows(page, "さん、こんにちは").wait_for()
    time.sleep(1)
    page.screenshot(path=str(artifacts / "visitor-signed-in-email.png"))

    # An email-only account is labelled as such, and the visitor can delete it.
    page.get_by_role("button", name="マイデータ", exact=True).click()
    shows(page, "メールアドレスのみ（本人確認なし）").wait_for()
    page.get_by_role("button", name="アカウントを削除する", exact=True).click()
    # The question is a modal dialog in view; the action is its second, danger-coloured button.
    page.locator('[flt-semantics-identifier="delete-account-confirm-yes"]').first.click()
    page.get_by_role("button", name="メールアドレスでログイン", exact=True).wait_for()
