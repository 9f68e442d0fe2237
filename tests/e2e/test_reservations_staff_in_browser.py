"""The reservations STAFF screens in Chromium (issue 16, docs/reservations.md §4, §6): one
served app (resident mode) with its embedded backend; the residents' bookings are made over
HTTP with their own tokens (sync pushes, as their apps send them), so the walk is the
clerk's alone.

The backend imports the demo resources from a copy in which the 子育て支援課 counter
(`kosodate-counter`, department こども課) can be booked until its slot starts, on any
weekday, without per-person limits: a check-in needs a booking of today, a no-show one whose
time has begun. Its clerk adds the slots over HTTP first: S1 today a minute or two ahead
(津山 花子 and 津山 太郎 book it), S2 the same time tomorrow (美作 ハナ books it).

1. 職員 こども opens 日別の予約一覧（こども課）: S1 lists 花子's and 太郎's bookings (number,
   name, 予約済み); each of them finds the read in their access log, ハナ (not listed) does
   not.
2. On 予約の受付（こども課） the clerk reads 花子's check-in QR from a picture: checked in, with
   her waiting number; back on the day list (in the app, the same session) it says 受付済み.
3. On the next day (no check-in or no-show buttons for tomorrow's booking) the clerk adds a
   slot and changes its capacity, then closes S2 with a reason after the question: ハナ's
   booking is closed and she has a personal notice with the number and the reason. Back on
   today's list, once S1 has begun, 太郎 is recorded as 来所なし.
4. 職員 さくら (市民課) gets no こども課 screen: her staff menu lacks it, its address shows her
   menu instead, her day list offers her department's resources only (and her room's slot at
   S1's time shows its own capacity, not the counter's typed into this tab before), and
   the routes answer 404 / leave the counter out.
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
import qrcode
from sqlalchemy import Engine
from sqlmodel import Session

from app.i18n.formatting import format_date_long
from app.i18n.translator import load_translator
from app.launcher import free_port
from backend.tiles.reservations.models import ReservationBooking, ReservationSlot
from tests.e2e.conftest import ServedApp, enable_semantics, start_app, wait_for_backend
from tests.e2e.interact import in_middle_of_view, scroll_until_built, tap, type_over
from tests.e2e.test_login_in_browser import keyring_env, log_in_as, shows
from tests.e2e.test_staff_in_browser import _engine
from tests.identity_helpers import TokenSet, login

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
DEMO_RESOURCES = ROOT / "assets/reservations/demo"
JA = load_translator("ja")
TOKYO = ZoneInfo("Asia/Tokyo")
RESOURCE = "kosodate-counter"
ROOM = "meeting-room"  # 市民課's
KODOMO, SAKURA = "職員 こども", "職員 さくら"
HANAKO, TARO, HANA = "津山 花子", "津山 太郎", "美作 ハナ"
SUBJECTS = {KODOMO: "dev-kodomo", SAKURA: "dev-sakura", HANAKO: "dev-hanako",
            TARO: "dev-taro", HANA: "dev-hana"}
DAY_SCREEN = "Reservations of the day: Children's Division"
CHECKIN_SCREEN = "Check in a booking: Children's Division"
REASON = "職員研修のため窓口を閉めます"
ADDED_AT = "06:17"  # a start no demo pattern uses


@dataclass
class City:
    served: ServedApp
    backend_url: str
    engine: Engine


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> Iterator[City]:
    folder = tmp_path_factory.mktemp("reservations-staff")
    resources = _resources_booked_until_the_slot_starts(folder / "resources")
    backend_port = free_port()
    served = start_app(folder / "app", backend_port=backend_port,
                       env={**keyring_env(folder / "keyring.json"),
                            "TSUYAMA_RESERVATIONS_DIR": str(resources)})
    engine = _engine(served)
    try:
        backend_url = f"http://127.0.0.1:{backend_port}"
        wait_for_backend(backend_url)
        yield City(served, backend_url, engine)
    finally:
        engine.dispose()
        served.stop()


def _resources_booked_until_the_slot_starts(folder: Path) -> Path:
    """The demo folder, with the 子育て支援課 counter bookable on the day itself."""
    shutil.copytree(DEMO_RESOURCES, folder)
    path = folder / f"{RESOURCE}.json"
    body = json.loads(path.read_text(encoding="utf-8"))
    body["slots"]["weekdays"] = [1, 2, 3, 4, 5, 6, 7]
    body["window"]["closes_working_days_before"] = 0
    body["limits"] = None
    path.write_text(json.dumps(body, ensure_ascii=False, indent=2), encoding="utf-8")
    return folder


# --- the city over HTTP -------------------------------------------------------------------


def _log_in(url: str, personas: tuple[str, ...]) -> dict[str, TokenSet]:
    """Each persona logged in over HTTP through the whole login flow, as its app does (in a
    thread of its own: Playwright's sync API keeps an event loop on this one)."""

    async def one(persona: str) -> TokenSet:
        async with httpx.AsyncClient(base_url=url, follow_redirects=False,
                                     timeout=30) as client:  # its own cookies
            return await login(client, SUBJECTS[persona],
                               device_id=f"e2e-{SUBJECTS[persona]}")

    async def run() -> dict[str, TokenSet]:
        found = await asyncio.gather(*(one(persona) for persona in personas))
        return dict(zip(personas, found, strict=True))

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, run()).result()


def _call(url: str, tokens: TokenSet, method: str, path: str, **kwargs: Any
          ) -> httpx.Response:
    return httpx.request(method, f"{url}{path}", headers=tokens.auth_header, timeout=30,
                         **kwargs)


def _add_slot(url: str, clerk: TokenSet, start: datetime, resource: str = RESOURCE,
              capacity: int = 2) -> None:
    """A slot at `start` with the pattern's capacity (the pattern's own slot when it has
    one then)."""
    answer = _call(url, clerk, "POST", f"/staff/reservations/{resource}/slots",
                   json={"start": start.isoformat(), "capacity": capacity})
    if answer.status_code == 409:
        assert answer.json()["detail"]["code"] == "slot_exists", answer.text
        return
    assert answer.status_code == 201, answer.text


def _book(url: str, resident: TokenSet, start: datetime) -> dict[str, Any]:
    """The resident's app pushes `book`: the city's booking row (id, number, status)."""
    mutation = {"seq": 1, "mutation_id": str(uuid.uuid4()), "collection": "reservations",
                "name": "book", "created_at": datetime.now(UTC).isoformat(),
                "args": {"id": str(uuid.uuid4()), "resource_id": RESOURCE,
                         "slot_start": start.isoformat()}}
    answer = _call(url, resident, "POST", "/sync/push",
                   json={"client_id": f"e2e-{uuid.uuid4().hex[:8]}", "mutations": [mutation]})
    assert answer.status_code == 200, answer.text
    (result,) = answer.json()["results"]
    assert result["status"] == "applied", result
    assert result["result"]["status"] == "booked", result
    return dict(result["result"])


def _staff_reads(url: str, resident: TokenSet, clerk: TokenSet) -> list[dict[str, Any]]:
    answer = _call(url, resident, "GET", "/me/access-log")
    assert answer.status_code == 200, answer.text
    return [entry for entry in answer.json()["entries"]
            if entry["actor_common_id"] == clerk.common_id]


def _booking(engine: Engine, booking_id: str, status: str) -> ReservationBooking:
    """The booking as the city keeps it, once it has `status`."""
    deadline = time.monotonic() + 30
    while True:
        with Session(engine) as session:
            found = session.get(ReservationBooking, booking_id)
        if found is not None and found.status == status:
            return found
        assert time.monotonic() < deadline, (booking_id, found and found.status, status)
        time.sleep(0.3)


def _slot(engine: Engine, code: str, start: datetime) -> ReservationSlot | None:
    with Session(engine) as session:
        return session.get(ReservationSlot, (code, RESOURCE, start.astimezone(UTC)))


def _first_slot_start() -> datetime:
    """S1: 30 s to 90 s ahead, on the minute, today in Tokyo. Close to midnight the walk
    waits for the new day, so the slot, its check-in and its no-show share one day."""
    now = datetime.now(TOKYO)
    if now.hour == 23 and now.minute >= 54:
        time.sleep((datetime.combine(now.date() + timedelta(days=1), datetime.min.time(),
                                     TOKYO) - now).total_seconds() + 5)
        now = datetime.now(TOKYO)
    return (now + timedelta(seconds=90)).replace(second=0, microsecond=0)


def _qr_picture(text: str, path: Path) -> Path:
    """The resident's check-in QR as the clerk's camera or a screenshot gives it."""
    code = qrcode.QRCode(box_size=8, border=4)
    code.add_data(text)
    code.make(fit=True)
    code.make_image().save(path)
    return path


# --- the browser ---------------------------------------------------------------------------


def by_id(page, identifier: str):
    return page.locator(f'[flt-semantics-identifier="{identifier}"]').first


def tap_id(page, identifier: str) -> None:
    tap(page, by_id(page, identifier))


def open_staff_screen(page, title: str) -> None:
    """From a staff screen through the app bar's back button to the staff menu (in the app,
    as a clerk goes: the session and its screens' state stay), then the screen `title`."""
    back = page.get_by_role("button", name="戻る", exact=True)
    back.click()
    page.wait_for_url("**/staff")
    tap(page, page.get_by_role("button", name=JA(title), exact=True))


def seen(page, text: str, timeout: float = 30_000) -> None:
    """`text` is on the screen (wheeled into the built part of a long list first)."""
    found = shows(page, text)
    scroll_until_built(page, found, timeout_s=timeout / 1000)
    found.wait_for(timeout=timeout)


def booking_line(number: str, name: str, status: str) -> str:
    return f"{number}　{name}　{JA(status)}"


def test_day_list_check_in_no_show_slots_and_another_department(
        city: City, open_page, artifacts: Path, tmp_path: Path) -> None:
    url, engine = city.backend_url, city.engine
    people = _log_in(url, (KODOMO, SAKURA, HANAKO, TARO, HANA))
    kodomo = people[KODOMO]
    first = _first_slot_start()
    second = first + timedelta(days=1)
    today = first.date()
    _add_slot(url, kodomo, first)
    _add_slot(url, kodomo, second)
    # A room of 市民課 at the same time: さくら's list must show its own capacity there.
    _add_slot(url, people[SAKURA], first, ROOM, capacity=1)
    hanako = _book(url, people[HANAKO], first)
    taro = _book(url, people[TARO], first)
    hana = _book(url, people[HANA], second)
    code = _call(url, people[HANAKO], "GET", f"/reservations/{hanako['id']}/checkin-code")
    assert code.status_code == 200, code.text
    picture = _qr_picture(code.json()["code"], tmp_path / "hanako-checkin-qr.png")

    page = open_page(city.served)
    log_in_as(page, KODOMO)
    shows(page, f"{KODOMO}さん、こんにちは").wait_for()

    # 1. The day list: both bookings of S1 with number, name and status; each read logged.
    tap(page, page.get_by_role("button", name="職員メニュー", exact=True))
    page.wait_for_url("**/staff")
    tap(page, page.get_by_role("button", name=JA(DAY_SCREEN), exact=True))
    page.wait_for_url("**/staff/reservations/day-children")
    shows(page, format_date_long(today, "ja")).wait_for()
    seen(page, booking_line(hanako["number"], HANAKO, "Booked"))
    seen(page, booking_line(taro["number"], TARO, "Booked"))
    time.sleep(1)
    page.screenshot(path=str(artifacts / "reservations-staff-day-ja.png"))
    for name in (HANAKO, TARO):
        reads = _staff_reads(url, people[name], kodomo)
        assert reads and all(r["actor_kind"] == "staff" and r["resource"] == "reservations"
                             for r in reads), (name, reads)
    assert _staff_reads(url, people[HANA], kodomo) == []  # tomorrow's: not listed, not read

    # 2. Check-in by the QR code on a picture; the day list says so.
    open_staff_screen(page, CHECKIN_SCREEN)
    with page.expect_file_chooser() as chooser:
        tap_id(page, "reservations-checkin-picture")
    chooser.value.set_files(str(picture))
    shows(page, JA("Checked in.")).wait_for()
    shows(page, f"{hanako['number']}　{HANAKO}").wait_for()
    checked = _booking(engine, hanako["id"], "checked_in")
    assert checked.checked_in_at is not None
    shows(page, JA("Waiting number: {number}", number=1)).wait_for()  # the counter's queue
    time.sleep(1)
    page.screenshot(path=str(artifacts / "reservations-staff-checked-in-ja.png"))

    open_staff_screen(page, DAY_SCREEN)
    seen(page, booking_line(hanako["number"], HANAKO, "Checked in"))
    assert by_id(page, f"reservations-check-in-{hanako['id']}").count() == 0

    # 3. Slot admin on the next day: add a slot, change its capacity, close S2.
    tap_id(page, "reservations-day-next")
    shows(page, format_date_long(today + timedelta(days=1), "ja")).wait_for()
    seen(page, booking_line(hana["number"], HANA, "Booked"))
    # Tomorrow's booking is neither checked in nor a no-show yet: no buttons for those.
    assert by_id(page, f"reservations-check-in-{hana['id']}").count() == 0
    assert by_id(page, f"reservations-no-show-{hana['id']}").count() == 0
    added_at = ADDED_AT if second.strftime("%H:%M") != ADDED_AT else "06:19"
    added = datetime.combine(today + timedelta(days=1),
                             datetime.strptime(added_at, "%H:%M").time(), TOKYO)
    type_over(page, page.get_by_role("textbox", name=JA("Start (HH:MM)")), added_at)
    type_over(page, page.get_by_role("textbox", name=JA("Places (empty: {capacity})",
                                                         capacity=2)), "4")
    tap_id(page, "reservations-add-slot")
    seen(page, JA("The slot was added."))
    code_of_city = checked.municipality_code
    new_slot = _slot(engine, code_of_city, added)
    assert new_slot is not None and new_slot.capacity == 4
    when = f"{added_at}–{(added + timedelta(minutes=30)).strftime('%H:%M')}"
    type_over(page, page.get_by_role("textbox", name=JA("Capacity at {time}", time=when)), "6")
    tap_id(page, f"reservations-capacity-{added.astimezone(UTC).isoformat()}")
    seen(page, JA("Saved. Residents see the new places after their next sync."))
    _wait_for(lambda: (_slot(engine, code_of_city, added) or new_slot).capacity == 6,
              "the capacity was not saved")

    key = second.astimezone(UTC).isoformat()
    reason = page.get_by_role("textbox", name=JA("Why the slot at {time} is closed",
                                                  time=_span(second)))
    type_over(page, reason, REASON)
    tap_id(page, f"reservations-close-{key}")
    shows(page, JA("Close the slot at {time}?", time=_span(second))).wait_for()
    time.sleep(1)
    page.screenshot(path=str(artifacts / "reservations-staff-close-question-ja.png"))
    tap_id(page, "reservations-close-slot-yes")
    seen(page, JA("The slot is closed; the booked residents are told."))
    seen(page, JA("Closed: {reason}", reason=REASON))
    seen(page, booking_line(hana["number"], HANA, "Closed by the city"))
    closed = _booking(engine, hana["id"], "closed")
    assert closed.reason == REASON
    time.sleep(1)
    page.screenshot(path=str(artifacts / "reservations-staff-closed-ja.png"))
    notices = _call(url, people[HANA], "GET", "/notices", params={"limit": 100})
    assert notices.status_code == 200, notices.text
    told = [n for n in notices.json()["notices"] if n["title"] == "予約の枠が中止になりました"]
    assert len(told) == 1, notices.json()
    assert hana["number"] in told[0]["body"] and REASON in told[0]["body"], told
    assert not [n for n in _call(url, people[HANAKO], "GET", "/notices").json()["notices"]
                if n["title"] == "予約の枠が中止になりました"]

    # 太郎 did not come: recorded once his time has begun (back on today's list).
    tap_id(page, "reservations-day-previous")
    shows(page, format_date_long(today, "ja")).wait_for()
    while datetime.now(TOKYO) < first + timedelta(seconds=2):
        time.sleep(0.5)
    tap_id(page, f"reservations-no-show-{taro['id']}")
    seen(page, JA("Recorded as did not come."))
    seen(page, booking_line(taro["number"], TARO, "Did not come"))
    _booking(engine, taro["id"], "no_show")
    in_middle_of_view(page, shows(page, booking_line(taro["number"], TARO, "Did not come")))
    time.sleep(1)
    page.screenshot(path=str(artifacts / "reservations-staff-no-show-ja.png"))

    # 4. Another department's clerk: no こども課 screen, no data.
    _another_departments_clerk(page, city, people, first, artifacts)


def _span(start: datetime) -> str:
    local = start.astimezone(TOKYO)
    return f"{local:%H:%M}–{local + timedelta(minutes=30):%H:%M}"


def _wait_for(condition, message: str) -> None:
    deadline = time.monotonic() + 30
    while not condition():
        assert time.monotonic() < deadline, message
        time.sleep(0.3)


def _another_departments_clerk(page, city: City, people: dict[str, TokenSet],
                               first: datetime, artifacts: Path) -> None:
    served = city.served
    today = first.date()
    page.goto(served.url)
    enable_semantics(page)
    log_in_as(page, SAKURA)
    shows(page, f"{SAKURA}さん、こんにちは").wait_for()
    page.goto(served.url.rstrip("/") + "/staff")
    enable_semantics(page)
    shows(page, JA("Your departments: {names}", names=JA("Citizens Division"))).wait_for()
    page.get_by_role("button", name=JA("Reservations of the day: Citizens Division"),
                     exact=True).wait_for()
    assert page.get_by_role("button", name=JA(DAY_SCREEN), exact=True).count() == 0
    assert page.get_by_role("button", name=JA(CHECKIN_SCREEN), exact=True).count() == 0

    # By its address: her staff menu, not the こども課 list.
    page.goto(served.url.rstrip("/") + "/staff/reservations/day-children")
    enable_semantics(page)
    shows(page, JA("Your departments: {names}", names=JA("Citizens Division"))).wait_for()
    assert shows(page, JA("Reservations: the day's list")).count() == 0

    # Her own day list offers her department's resources only.
    tap(page, page.get_by_role("button", name=JA("Reservations of the day: Citizens Division"),
                               exact=True))
    shows(page, JA("Reservations: the day's list")).wait_for()
    shows(page, format_date_long(today, "ja")).wait_for()
    # The list's choices: the 市民課 counter and room, never the 子育て支援課 counter.
    picker = by_id(page, "reservations-day-resource")
    tap(page, picker)  # it says its label and choice: 「予約の対象: 市民会館 会議室 A」
    assert picker.inner_text().startswith(JA("What is booked") + ": ")
    page.get_by_role("button", name="市民課 窓口予約", exact=True).wait_for()
    page.get_by_role("button", name="市民会館 会議室 A", exact=True).wait_for()
    time.sleep(1)
    page.screenshot(path=str(artifacts / "reservations-staff-other-department-ja.png"))
    assert page.get_by_role("button", name="子育て支援課").count() == 0
    page.keyboard.press("Escape")
    resources = _call(city.backend_url, people[SAKURA], "GET", "/staff/reservations/resources")
    assert resources.status_code == 200, resources.text
    assert {r["id"] for r in resources.json()["resources"]} == {"shimin-counter", ROOM}
    # Her room's slot at S1's time says its own capacity (1), not the 2 of the counter's
    # slot at that time that こども's list showed in this tab before.
    capacity = page.get_by_role("textbox", name=re.compile(
        "^" + re.escape(f"{first:%H:%M}–") + ".*" + re.escape(JA("Capacity at {time}",
                                                                time="").strip())))
    tap(page, capacity)  # Flutter puts the value in the page's input while it has the focus
    page.wait_for_timeout(300)
    assert capacity.input_value() == "1"

    answer = _call(city.backend_url, people[SAKURA], "GET",
                   f"/staff/reservations/{RESOURCE}/day/{today.isoformat()}")
    assert answer.status_code == 404, answer.text
    assert answer.json()["detail"]["code"] == "resource_not_found"

