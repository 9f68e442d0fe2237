"""The kiosk's 整理券 tile in Chromium (issue 16): a walk-in takes a number without logging in.

One kiosk-mode app with its embedded development backend (the launcher gives the kiosk its
device key and registers it with the backend). Nobody logs in on the kiosk:

1. 整理券 → the 子育て支援課 counter: its number at once, huge, with 「あなたの前に 0人」.
2. 「終わる」, the same counter again: the next number, 「あなたの前に 1人」.
3. The こども課 clerk calls the next number (over HTTP, with her own login): the kiosk's screen
   (it polls) says 「あなたの前に 0人」; calling again calls this number:
   「お呼びしています。窓口へお越しください」, and the list says 「呼出中 N番」.
4. A booking checked in by its QR code: 津山 太郎 books the 子育て支援課 counter for a slot
   of today that the clerk added (over HTTP, as their apps do; the backend's copy of the demo
   resources lets the counter be booked on the day), and fetches its check-in code. On the
   kiosk: 「予約のある方（QRコードで受付）」, a code the city cannot read → its sentence, then
   the booking's code typed → 「受付しました」, the booking's title and time, and the
   appointment's waiting number (the counter's next) huge; 「終わる」 and the counter's list
   counts it as waiting.
5. In English (settings), the counters read in English.
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from babel.dates import format_time

from app.launcher import free_port
from tests.e2e.conftest import ServedApp, start_app, wait_for_backend
from tests.e2e.interact import tap, type_over
from tests.e2e.test_login_in_browser import shows
from tests.identity_helpers import login

pytestmark = pytest.mark.e2e

COUNTER = "kosodate"  # assets/reservations/demo: 子育て支援課 / Child-rearing support
RESOURCE = "kosodate-counter"  # the appointments of that counter
CLERK = "dev-kodomo"  # 職員 こども, staff of こども課 (the counter's department)
RESIDENT = "dev-taro"  # 津山 太郎, who books an appointment and checks it in at the kiosk
DEMO_RESOURCES = Path(__file__).resolve().parents[2] / "assets/reservations/demo"
TOKYO = ZoneInfo("Asia/Tokyo")
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
class Booking:
    """A resident's booking of today, made over HTTP as the resident's app and the clerk's
    screen make it."""

    backend_url: str
    clerk: str  # tokens
    resident: str

    def _call(self, token: str, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return httpx.request(method, f"{self.backend_url}{path}", timeout=30,
                             headers={"Authorization": f"Bearer {token}"}, **kwargs)

    def today(self) -> tuple[dict[str, Any], str, datetime]:
        """The clerk adds a slot a minute or two ahead (the pattern's own when it has one
        then), the resident books it; the booking (id, number), its check-in code and its
        start."""
        start = _slot_start_today()
        added = self._call(self.clerk, "POST", f"/staff/reservations/{RESOURCE}/slots",
                           json={"start": start.isoformat(), "capacity": 2})
        assert added.status_code == 201 or (
            added.status_code == 409 and added.json()["detail"]["code"] == "slot_exists"
        ), added.text
        mutation = {"seq": 1, "mutation_id": str(uuid.uuid4()), "collection": "reservations",
                    "name": "book", "created_at": datetime.now(UTC).isoformat(),
                    "args": {"id": str(uuid.uuid4()), "resource_id": RESOURCE,
                             "slot_start": start.isoformat()}}
        pushed = self._call(self.resident, "POST", "/sync/push", json={
            "client_id": f"e2e-{uuid.uuid4().hex[:8]}", "mutations": [mutation]})
        assert pushed.status_code == 200, pushed.text
        (result,) = pushed.json()["results"]
        assert result["status"] == "applied" and result["result"]["status"] == "booked", result
        booking = dict(result["result"])
        code = self._call(self.resident, "GET", f"/reservations/{booking['id']}/checkin-code")
        assert code.status_code == 200, code.text
        return booking, str(code.json()["code"]), start


def _slot_start_today() -> datetime:
    """On the minute, 90 s to 150 s ahead, today in Tokyo (so the check-in that follows is of
    the booking's day: close to midnight, the walk waits for the new day)."""
    now = datetime.now(TOKYO)
    if now.hour == 23 and now.minute >= 55:
        time.sleep((datetime.combine(now.date() + timedelta(days=1), datetime.min.time(),
                                     TOKYO) - now).total_seconds() + 5)
        now = datetime.now(TOKYO)
    return (now + timedelta(seconds=150)).replace(second=0, microsecond=0)


@dataclass
class Kiosk:
    app: ServedApp
    clerk: Clerk
    booking: Booking


def _token(backend_url: str, persona: str) -> str:
    """A login through the development provider (in a thread of its own: the Playwright
    driver keeps an event loop running in this one)."""
    async def log_in() -> str:
        async with httpx.AsyncClient(base_url=backend_url, follow_redirects=False,
                                     timeout=30) as client:  # its own cookies
            return (await login(client, persona, device_id=f"e2e-{persona}")).access_token

    with ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, log_in()).result(timeout=120)


def _resources_booked_on_the_day(folder: Path) -> Path:
    """The demo resources, with the 子育て支援課 counter bookable any day until its slot
    starts, without per-person limits."""
    shutil.copytree(DEMO_RESOURCES, folder)
    path = folder / f"{RESOURCE}.json"
    body = json.loads(path.read_text(encoding="utf-8"))
    body["slots"]["weekdays"] = [1, 2, 3, 4, 5, 6, 7]
    body["window"]["closes_working_days_before"] = 0
    body["limits"] = None
    path.write_text(json.dumps(body, ensure_ascii=False, indent=2), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def kiosk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Kiosk]:
    folder = tmp_path_factory.mktemp("kiosk-numbers")
    resources = _resources_booked_on_the_day(folder / "resources")
    backend_port = free_port()
    served = start_app(folder, "--mode", "kiosk", "--kiosk-idle-seconds", str(IDLE_S),
                       backend_port=backend_port,
                       env={"TSUYAMA_RESERVATIONS_DIR": str(resources)})
    try:
        backend_url = f"http://127.0.0.1:{backend_port}"
        wait_for_backend(backend_url)
        clerk = _token(backend_url, CLERK)
        yield Kiosk(served, Clerk(backend_url, clerk),
                    Booking(backend_url, clerk, _token(backend_url, RESIDENT)))
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

    # A booking of today checked in by its code (typed): the appointment's number, the
    # counter's next.
    booking, code, start = kiosk.booking.today()
    tap(page, by_id(page, "numbers-check-in"))
    page.wait_for_url("**/numbers/booking/check-in")
    shows(page, "予約画面の QR コードをカメラにかざしてください").wait_for()
    field = page.get_by_role("textbox", name="またはQRコードの下の文字列を入力（TRS1.…）",
                             exact=True)
    # A code the city cannot read: said by the input, and the typed text stays.
    type_over(page, field, "TRS1.UAAAA.1.AAAAAAAAAAAAAAAA")
    tap(page, by_id(page, "numbers-check-in-open"))
    shows(page, "予約のコードではありません。予約画面の QR コードをお見せください").wait_for()
    page.wait_for_timeout(1000)  # the canvas painted (the semantics come first)
    page.screenshot(path=str(artifacts / "kiosk-numbers-check-in-refused-ja.png"))
    type_over(page, field, f"  {code.lower()} ")  # as typed: spaces, small letters
    tap(page, by_id(page, "numbers-check-in-open"))
    shows(page, "受付しました").wait_for()
    shows(page, "子育て支援課 窓口予約（児童手当・保育の相談）").wait_for()
    shows(page, f"予約番号：{booking['number']}").wait_for()
    slot = "–".join(format_time(moment, format="short", locale="ja", tzinfo=TOKYO)
                    for moment in (start, start + timedelta(minutes=30)))  # 30-minute slots
    shows(page, f"予約の時間 {slot}").wait_for()
    number = by_id(page, "numbers-check-in-number")
    number.wait_for()
    assert f"あなたの受付番号は{second + 1}番です" in label_of(number)
    shows(page, "時間になりましたら順番にお呼びします").wait_for()
    shows(page, "あなたの前に 0人").wait_for()
    page.wait_for_timeout(1000)  # the canvas painted (the semantics come first)
    page.screenshot(path=str(artifacts / "kiosk-numbers-check-in-ja.png"))
    tap(page, by_id(page, "numbers-check-in-finish"))
    page.wait_for_url(re.compile(r".*/numbers$"))
    # The list read again: the appointment waits to be called.
    counter = by_id(page, f"numbers-counter-{COUNTER}")
    counter.wait_for()
    deadline = time.monotonic() + POLL_WAIT_MS / 1000
    while "お待ち 1人" not in label_of(counter):
        assert time.monotonic() < deadline, label_of(counter)
        page.wait_for_timeout(500)

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
    assert f"Now calling: No. {second}" in label and "Waiting: 1" in label
    shows(page, "Numbers as of").wait_for()
    page.wait_for_timeout(1000)  # the canvas painted (the semantics come first)
    page.screenshot(path=str(artifacts / "kiosk-numbers-list-en.png"))
