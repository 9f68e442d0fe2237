"""The kiosk's 整理券 tile in Chromium (issue 16): a walk-in takes a number without logging in.

One kiosk-mode app with its embedded development backend (the launcher gives the kiosk its
device key and registers it with the backend). Nobody logs in on the kiosk:

1. 整理券 → the 子育て支援課 counter: its number at once, huge, with 「あなたの前に 0人」.
2. 「終わる」, the same counter again: the next number, 「あなたの前に 1人」.
3. The こども課 clerk calls the next number (over HTTP, with her own login): the kiosk's screen
   (it polls) says 「あなたの前に 0人」; calling again calls this number:
   「お呼びしています。窓口へお越しください」, and the list says 「呼出中 N番」.
4. In English (settings), the counters read in English.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import httpx
import pytest

from app.launcher import free_port
from tests.e2e.conftest import ServedApp, start_app
from tests.e2e.interact import tap
from tests.e2e.test_login_in_browser import shows
from tests.identity_helpers import login

pytestmark = pytest.mark.e2e

COUNTER = "kosodate"  # assets/reservations/demo: 子育て支援課 / Child-rearing support
CLERK = "dev-kodomo"  # 職員 こども, staff of こども課 (the counter's department)
IDLE_S = 600  # the clerk's calls and the kiosk's polling take longer than the default 90 s
POLL_WAIT_MS = 40_000  # the kiosk reads the list every 5 s


@dataclass
class Clerk:
    """The こども課 clerk's caller, over the backend's staff routes."""

    backend_url: str
    token: str

    def call(self) -> int | None:
        """Calls the next number (None: nobody waits)."""
        response = httpx.post(f"{self.backend_url}/staff/queue/{COUNTER}/call",
                              headers={"Authorization": f"Bearer {self.token}"}, timeout=20)
        if response.status_code == 409:
            return None
        assert response.status_code == 200, response.text
        return int(response.json()["ticket"]["number"])


@dataclass
class Kiosk:
    app: ServedApp
    clerk: Clerk


def _wait_for_backend(url: str) -> None:
    deadline = time.monotonic() + 90
    while True:
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, f"the kiosk's backend at {url} never answered"
        time.sleep(0.5)


def _clerk_token(backend_url: str) -> str:
    """The clerk's login through the development provider (in a thread of its own: the
    Playwright driver keeps an event loop running in this one)."""
    async def log_in() -> str:
        async with httpx.AsyncClient(base_url=backend_url, follow_redirects=False,
                                     timeout=30) as client:
            return (await login(client, CLERK, device_id="clerk-desk")).access_token

    with ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, log_in()).result(timeout=120)


@pytest.fixture(scope="module")
def kiosk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Kiosk]:
    backend_port = free_port()
    served = start_app(tmp_path_factory.mktemp("kiosk-numbers"), "--mode", "kiosk",
                       "--kiosk-idle-seconds", str(IDLE_S), backend_port=backend_port)
    try:
        backend_url = f"http://127.0.0.1:{backend_port}"
        _wait_for_backend(backend_url)
        yield Kiosk(served, Clerk(backend_url, _clerk_token(backend_url)))
    finally:
        if served.process.poll() is not None:
            print("the kiosk exited; its log ends:\n"
                  + "\n".join(served.log().splitlines()[-60:]))
        served.stop()


def by_id(page, identifier: str):
    return page.locator(f'[flt-semantics-identifier="{identifier}"]').first


def label_of(locator) -> str:
    return (locator.get_attribute("aria-label") or "") + (locator.text_content() or "")


def open_tile(page, title: str) -> None:
    tap(page, page.get_by_role("button", name=title, exact=True).first)
    page.wait_for_url("**/numbers")


def take_number(page) -> int:
    """Presses the 子育て支援課 counter once; the number on screen 2."""
    tap(page, by_id(page, f"numbers-counter-{COUNTER}"))
    page.wait_for_url(f"**/numbers/{COUNTER}")
    number = by_id(page, "numbers-ticket-number")
    number.wait_for()
    found = re.search(r"(\d+)番", label_of(number))
    assert found, label_of(number)
    return int(found.group(1))


def test_a_walk_in_takes_a_number_and_is_called_without_logging_in(kiosk: Kiosk, open_page,
                                                                     artifacts):
    # Numbers left waiting by an earlier try (a rerun on this backend) are called first.
    while kiosk.clerk.call() is not None:
        pass
    page = open_page(kiosk.app, width=1280, height=800)
    page.get_by_role("button", name="ログイン", exact=True).first.wait_for()  # nobody is in

    open_tile(page, "整理券")
    shows(page, "ご用の窓口を押すと、番号札が出ます。").wait_for()
    counter = by_id(page, f"numbers-counter-{COUNTER}")
    counter.wait_for()
    assert "子育て支援課" in label_of(counter) and "お待ち 0人" in label_of(counter)
    page.get_by_text(re.compile(r"\d{1,2}:\d{2} 現在")).first.wait_for()  # the list's time
    page.wait_for_timeout(1000)  # the canvas painted (the semantics come first)
    page.screenshot(path=str(artifacts / "kiosk-numbers-list-ja.png"))

    first = take_number(page)
    shows(page, "あなたの前に 0人").wait_for()
    shows(page, "番号が呼ばれたら窓口へお越しください").wait_for()
    page.get_by_text(re.compile(r"発行 \d{1,2}:\d{2}")).first.wait_for()
    shows(page, "子育て支援課").wait_for()
    page.wait_for_timeout(1000)  # the canvas painted (the semantics come first)
    page.screenshot(path=str(artifacts / "kiosk-numbers-ticket-ja.png"))

    # 「終わる」: the list again; the same counter once more gives the next number.
    tap(page, by_id(page, "numbers-finish"))
    page.wait_for_url(re.compile(r".*/numbers$"))
    by_id(page, f"numbers-counter-{COUNTER}").wait_for()
    second = take_number(page)
    assert second == first + 1  # one press, one number
    shows(page, "あなたの前に 1人").wait_for()

    # The clerk calls the first number: nobody is ahead of the second any more.
    assert kiosk.clerk.call() == first
    shows(page, "あなたの前に 0人").wait_for(timeout=POLL_WAIT_MS)
    # Then the second: the kiosk says so.
    assert kiosk.clerk.call() == second
    shows(page, "お呼びしています。窓口へお越しください").wait_for(timeout=POLL_WAIT_MS)
    assert shows(page, "あなたの前に").count() == 0
    page.wait_for_timeout(1000)  # the canvas painted (the semantics come first)
    page.screenshot(path=str(artifacts / "kiosk-numbers-called-ja.png"))

    tap(page, by_id(page, "numbers-finish"))
    page.wait_for_url(re.compile(r".*/numbers$"))
    counter = by_id(page, f"numbers-counter-{COUNTER}")
    counter.wait_for()
    assert f"呼出中 {second}番" in label_of(counter)

    # In English: the counters read in English.
    tap(page, page.get_by_role("button", name="設定", exact=True).first)
    tap(page, page.get_by_role("radio", name="English", exact=True))
    tap(page, page.get_by_role("button", name="Back", exact=True).first)
    open_tile(page, "Take a number")
    shows(page, "Touch your counter to take a number.").wait_for()
    counter = by_id(page, f"numbers-counter-{COUNTER}")
    counter.wait_for()
    label = label_of(counter)
    assert "Child-rearing support" in label and "子育て支援課" not in label
    assert f"Now calling: No. {second}" in label and "Waiting: 0" in label
    shows(page, "Numbers as of").wait_for()
    page.wait_for_timeout(1000)  # the canvas painted (the semantics come first)
    page.screenshot(path=str(artifacts / "kiosk-numbers-list-en.png"))
