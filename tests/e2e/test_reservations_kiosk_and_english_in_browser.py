"""Reservations (予約) at the city-hall kiosk and in English, in Chromium (issue 16).

1. Kiosk (特大, ADR 0007, 0026): 津山 花子 logs in at the kiosk, opens 予約, books a free
   市民課 counter appointment and shows its check-in QR code: large and whole on the kiosk's
   screen, its dark modules filling the box, and a TRS1 code when read back from a picture
   of the screen. She logs out; the next person (津山 太郎) finds none of her bookings under
   予約.
2. English (settings → English, on a phone-sized window): the categories and resources (the
   data's "en" names), a resource's page with its free places per day (dates through Babel),
   a booking made with its time, number and fee, and "My bookings" read in English, with no
   Japanese where an English text exists and nothing wider than the window.

Before: in English a resource's rules read "Ages: 18 to" (「対象年齢：18歳〜歳」 in Japanese)
and "Fee: ¥500 (Points、Pay at the counter)", a day's chip "Thu, Dec 10 3 free", and the fee's
method chips stood without a word of what they were for.

One backend (the kiosk's embedded one, on a known port) serves both apps: the kiosk and a
resident-mode app. One served app per mode, for the module.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_time
from sqlalchemy import Engine, select
from sqlmodel import Session, col

from app.features.points.qr_decode import NoCodeFound, decode_qr
from app.i18n.formatting import format_datetime_short, format_day_short
from app.i18n.translator import load_translator
from app.launcher import free_port
from backend.identity.keys import SigningKey
from backend.services.clock import city_today
from backend.services.working_days import nth_working_day_before
from backend.tiles.reservations.checkin_code import checkin_key, read_checkin_reference
from backend.tiles.reservations.models import ReservationBooking, ReservationSlot
from tests.e2e.conftest import ServedApp, start_app, wait_for_backend
from tests.e2e.interact import in_middle_of_view, scroll_until_built, tap
from tests.e2e.test_login_in_browser import keyring_env, shows
from tests.e2e.test_procedures_in_browser import by_id, sign_in
from tests.e2e.test_procedures_kiosk_and_english_in_browser import (
    drawn_size,
    english_only,
    kiosk_log_in,
    to_english,
)
from tests.e2e.test_staff_in_browser import _engine

pytestmark = pytest.mark.e2e

JA = load_translator("ja")
EN = load_translator("en")
HANAKO = "津山 花子"
TARO = "津山 太郎"
TOKYO = ZoneInfo("Asia/Tokyo")
NUMBER = re.compile(r"予-\d{4}-\d{6}")
# Japanese punctuation (、。：（）「」), which `english_only`'s kana and kanji do not cover.
PUNCTUATION = re.compile(r"[\u3000-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40]")
KIOSK_WIDTH, KIOSK_HEIGHT = 1280, 800
COUNTER = "shimin-counter"  # booked at the kiosk
COUNTER_EN = "Citizens Division counter: appointment"
ROOM = "meeting-room"  # booked in English
ROOM_EN = "Civic hall: meeting room A"


@pytest.fixture(scope="module")
def backend_port() -> int:
    return free_port()


@pytest.fixture(scope="module")
def kiosk(tmp_path_factory, backend_port) -> Iterator[ServedApp]:
    served = start_app(tmp_path_factory.mktemp("reservations-kiosk"), "--mode", "kiosk",
                       backend_port=backend_port)
    yield served
    served.stop()


@pytest.fixture(scope="module")
def resident(tmp_path_factory, kiosk, backend_port) -> Iterator[ServedApp]:
    """A resident-mode app (a resident's phone) on the kiosk's backend."""
    folder = tmp_path_factory.mktemp("reservations-resident")
    # The kiosk's embedded backend starts after the kiosk serves its page.
    wait_for_backend(f"http://127.0.0.1:{backend_port}", kiosk.log())
    served = start_app(folder / "app", "--backend-url", f"http://127.0.0.1:{backend_port}",
                       env=keyring_env(folder / "keyring.json"))
    yield served
    served.stop()


@pytest.fixture(scope="module")
def engine(kiosk) -> Iterator[Engine]:
    made = _engine(kiosk)
    yield made
    made.dispose()


def checkin_secret(served: ServedApp) -> bytes:
    """The HMAC key of the served backend's check-in codes (from its signing key)."""
    path = served.data_dir / "keys" / "signing-key.pem"
    return checkin_key(SigningKey.load_or_create(path, create=False))


def open_slots(engine: Engine, resource_id: str, closes_working_days: int,
               avoid: frozenset[date] = frozenset()) -> list[ReservationSlot]:
    """The resource's slots with a free place on the first day (not in `avoid`) whose
    booking window is open now, within the two weeks the app shows."""
    today = city_today()
    now = datetime.now(TOKYO)
    deadline = time.monotonic() + 60
    while True:  # the backend makes the demo slots at its start
        with Session(engine, expire_on_commit=False) as session:
            slots = session.scalars(select(ReservationSlot).where(
                col(ReservationSlot.resource_id) == resource_id,
                col(ReservationSlot.closed_at).is_(None),
                col(ReservationSlot.booked) < col(ReservationSlot.capacity),
            ).order_by(col(ReservationSlot.start))).all()
        if slots:
            break
        assert time.monotonic() < deadline, f"no slots of {resource_id}"
        time.sleep(0.5)
    days: dict[date, list[ReservationSlot]] = {}
    for slot in slots:
        if (nth_working_day_before(slot.day, closes_working_days) > today
                and slot.start > now and slot.day not in avoid):
            days.setdefault(slot.day, []).append(slot)
    day = min(days)
    assert (day - today).days < 14, "no open day in the two weeks the app shows"
    return days[day]


def booking_of(engine: Engine, resource_id: str, status: str = "booked") -> ReservationBooking:
    deadline = time.monotonic() + 60
    while True:
        with Session(engine) as session:
            found = session.scalars(select(ReservationBooking).where(
                col(ReservationBooking.resource_id) == resource_id,
                col(ReservationBooking.status) == status)).first()
        if found is not None:
            return found
        assert time.monotonic() < deadline, f"no {status} booking of {resource_id}"
        time.sleep(0.5)


def starting_with(text: str) -> re.Pattern[str]:
    """An accessible name that starts with `text` and goes on (the browser's names have
    plain spaces where Babel writes a narrow no-break one: "1:00\u202fPM")."""
    return re.compile("^" + r"\s+".join(re.escape(part) for part in text.split()) + r"\W")


def choose_slot(page, slot: ReservationSlot, locale: str) -> None:
    """The day's chip (its date and free places), then the slot's (its time)."""
    tap(page, page.get_by_role("checkbox", name=starting_with(
        format_day_short(slot.day, locale))))
    tap(page, page.get_by_role("checkbox", name=starting_with(
        format_time(slot.start, format="short", locale=locale, tzinfo=TOKYO))))


# --- the kiosk ------------------------------------------------------------------------------
def nothing_wider_than_the_window(page) -> None:
    """No control past the window's edges (the kiosk's large text wraps, chips too)."""
    width = page.viewport_size["width"]
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width
    wide = page.evaluate(
        """(width) => Array.from(document.querySelectorAll('flt-semantics'))
            .map(e => [e.getAttribute('aria-label') || e.textContent || '',
                       e.getBoundingClientRect()])
            .filter(([t, r]) => t && r.width > 0 && (r.right > width + 1 || r.left < -1))
            .map(([t, r]) => t.slice(0, 60))""", width)
    assert wide == [], wide


def kiosk_open_reservations(page) -> None:
    """The 予約 tile from the kiosk's start screen (a reload would forget the login)."""
    tile = page.get_by_role("button", name=JA("Reservations"), exact=True)
    for _ in range(4):  # six tiles a screen: 「ほかのサービス」 shows the next six
        if tile.count():
            break
        page.get_by_role("button", name="ほかのサービス", exact=True).click()
        page.wait_for_timeout(500)
    tile.first.click()
    page.wait_for_url("**/reservations")
    shows(page, JA("Book")).first.wait_for(timeout=60_000)


def kiosk_log_out(page) -> None:
    """Back to the start screen, then 「ログアウト」."""
    logout = page.get_by_role("button", name="ログアウト", exact=True)
    for _ in range(4):
        if logout.count():
            break
        page.get_by_role("button", name="戻る", exact=True).first.click()
        page.wait_for_timeout(800)
    logout.click()
    page.get_by_role("button", name="ログイン", exact=True).wait_for(timeout=30_000)
    assert shows(page, f"{HANAKO}さん、こんにちは").count() == 0


def checkin_qr_picture(page, tmp_path) -> tuple[str, dict]:
    """The check-in QR code read from a picture of the screen: (its text, its box)."""
    qr = by_id(page, "checkin-qr-image")
    picture = tmp_path / "kiosk-checkin-qr.png"
    text = ""
    for _ in range(4):  # once the screen has settled (a render may still move it)
        in_middle_of_view(page, qr)
        time.sleep(1.5)
        qr.screenshot(path=str(picture))
        try:
            text = decode_qr(picture.read_bytes())
            break
        except NoCodeFound:
            continue
    assert text, "the check-in QR code could not be read from the screen"
    box = qr.bounding_box()
    assert box is not None
    drawn = drawn_size(picture)
    # What is drawn fills the box (not a small code inside a large white one).
    assert drawn >= 0.75 * box["width"], (drawn, box)
    return text, box


def test_kiosk_checkin_code_then_nothing_stays(kiosk, resident, engine, open_page,
                                               artifacts, tmp_path):
    page = open_page(kiosk, width=KIOSK_WIDTH, height=KIOSK_HEIGHT)
    kiosk_log_in(page, HANAKO)
    kiosk_open_reservations(page)
    tap(page, by_id(page, f"resource-{COUNTER}"))
    shows(page, JA("Choose a day")).wait_for(timeout=60_000)
    slot = open_slots(engine, COUNTER, 1)[0]
    choose_slot(page, slot, "ja")
    time.sleep(1)
    page.screenshot(path=str(artifacts / "reservations-kiosk-resource-ja.png"))
    nothing_wider_than_the_window(page)
    tap(page, by_id(page, "resource-book"))
    shows(page, JA("Status: {status}", status=JA("Booked"))).wait_for(timeout=60_000)
    row = booking_of(engine, COUNTER)
    assert row.slot_start == slot.start
    shows(page, JA("Booking number: {number}", number=row.number)).wait_for()

    tap(page, by_id(page, "checkin-show"))
    by_id(page, "checkin-qr-image").wait_for(timeout=60_000)
    text, box = checkin_qr_picture(page, tmp_path)
    # The booking's check-in code (TRS1.<id>.<slot minutes>.<signature>), signed by the
    # city's backend: the counter's check-in finds her booking and its slot with it.
    assert text.startswith("TRS1."), text
    reference = read_checkin_reference(checkin_secret(kiosk), text)
    assert reference is not None, text
    assert reference.booking_id == row.id and reference.slot_start == slot.start, reference
    # Large, and whole on the kiosk's screen: the counter's scanner reads it from there.
    assert box["width"] >= 300 and box["height"] >= 300, box
    assert box["y"] >= 0 and box["y"] + box["height"] <= KIOSK_HEIGHT, box
    assert box["x"] >= 0 and box["x"] + box["width"] <= KIOSK_WIDTH, box
    page.screenshot(path=str(artifacts / "reservations-kiosk-checkin-qr-ja.png"))
    nothing_wider_than_the_window(page)

    # Her booking is under 予約 while she is logged in (what the next person must not see).
    tap(page, by_id(page, "booking-back"))
    shows(page, JA("My bookings")).wait_for(timeout=30_000)
    by_id(page, f"booking-{row.id}").wait_for()
    kiosk_log_out(page)

    kiosk_log_in(page, TARO)
    kiosk_open_reservations(page)
    time.sleep(2)  # the stores are read after the first frame
    shows(page, JA("Counter appointments")).wait_for()
    assert shows(page, JA("My bookings")).count() == 0
    assert by_id(page, f"booking-{row.id}").count() == 0
    assert page.locator('[flt-semantics-identifier^="booking-"]').count() == 0
    snapshot = page.locator("body").aria_snapshot()
    assert HANAKO not in snapshot and row.number not in snapshot, snapshot
    assert not NUMBER.search(snapshot), snapshot
    page.screenshot(path=str(artifacts / "reservations-kiosk-after-logout-ja.png"))


# --- English --------------------------------------------------------------------------------
def english_in_full(page, allowed: tuple[str, ...]) -> None:
    """`english_only`, and no Japanese punctuation either (「Points、Pay at the counter」)."""
    english_only(page, allowed)
    rest = page.locator("body").aria_snapshot()
    for text in allowed:
        rest = rest.replace(text, "")
    found = [line.strip() for line in rest.splitlines() if PUNCTUATION.search(line)]
    assert not found, found


def english_with_pictures(page, allowed: tuple[str, ...], artifacts, name: str) -> None:
    """`english_only` from the top of a long screen to its foot, wheeling down, with a
    picture of each part (a full-page screenshot of Flutter's canvas comes out blank)."""
    viewport = page.viewport_size
    page.mouse.move(viewport["width"] / 2, viewport["height"] / 2)
    # The window without the scroll bar at its right edge (it fades while still).
    clip = {"x": 0, "y": 0, "width": viewport["width"] - 16, "height": viewport["height"]}
    before = b""
    for part in range(8):
        english_in_full(page, allowed)
        page.screenshot(path=str(artifacts / f"{name}-{part}.png"))
        picture = page.screenshot(clip=clip)
        if picture == before:  # the foot was reached
            return
        before = picture
        page.mouse.wheel(0, viewport["height"] * 0.6)
        page.wait_for_timeout(500)


def test_reservations_in_english(kiosk, resident, engine, open_page, artifacts):
    page = open_page(resident, width=412, height=860)
    sign_in(page, resident, HANAKO)
    to_english(page)

    # The categories and what can be booked: the data's English names.
    tap(page, by_id(page, "tile-reservations"))
    page.wait_for_url("**/reservations")
    shows(page, "Book").first.wait_for(timeout=60_000)
    shows(page, "Counter appointments").wait_for()
    scroll_until_built(page, shows(page, ROOM_EN))
    time.sleep(1)
    data = (HANAKO, "予-")  # her name, booking numbers
    english_with_pictures(page, data, artifacts, "reservations-browse-en")
    scroll_until_built(page, shows(page, "Facilities"))
    scroll_until_built(page, shows(page, "Courses"))

    # The meeting room: its rules, days with free places (dates through Babel), its times.
    kiosk_days = frozenset(b.slot_start.astimezone(TOKYO).date() for b in _bookings(engine))
    slot = next(s for s in open_slots(engine, ROOM, 3, kiosk_days)
                if s.start.astimezone(TOKYO).hour == 13)
    tap(page, by_id(page, f"resource-{ROOM}"))
    shows(page, "Choose a day").wait_for(timeout=60_000)
    shows(page, ROOM_EN).first.wait_for()
    # Its rules in words: an open-ended age range and the fee's methods read as English.
    shows(page, "Ages: 18 and over").wait_for()
    shows(page, "Fee: ¥500 (Points or Pay at the counter)").wait_for()
    # The day's chip: its date through Babel and its free places, told apart.
    day_chip = page.get_by_role("checkbox", name=re.compile(
        "^" + re.escape(format_day_short(slot.day, "en")) + r": \d+ free$"))
    scroll_until_built(page, day_chip)
    choose_slot(page, slot, "en")
    fee = page.get_by_role("checkbox", name="Pay at the counter", exact=True)
    tap(page, fee)
    page.mouse.wheel(0, -5000)
    time.sleep(1)
    english_with_pictures(page, data, artifacts, "reservations-resource-en")

    # Booked, with its time, number and fee in English.
    tap(page, by_id(page, "resource-book"))
    shows(page, "Status: Booked").wait_for(timeout=60_000)
    row = booking_of(engine, ROOM)
    assert row.slot_start == slot.start and row.fee_method == "counter"
    shows(page, f"Booking number: {row.number}").wait_for()
    shows(page, "Time: " + format_datetime_short(slot.start, "en")).wait_for()
    time.sleep(1)
    english_with_pictures(page, data, artifacts, "reservations-booked-en")

    # Its check-in QR code, whole on the phone's screen.
    tap(page, by_id(page, "checkin-show"))
    qr = by_id(page, "checkin-qr-image")
    qr.wait_for(timeout=60_000)
    in_middle_of_view(page, qr)
    shows(page, "Show this QR code at the counter or the kiosk.").wait_for()
    box = qr.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 412, box
    time.sleep(1)
    page.screenshot(path=str(artifacts / "reservations-checkin-qr-en.png"))
    english_in_full(page, data)

    # My bookings, in English (the kiosk's booking too: the server's English title).
    tap(page, by_id(page, "booking-back"))
    shows(page, "My bookings").wait_for(timeout=30_000)
    by_id(page, f"booking-{row.id}").wait_for()
    shows(page, COUNTER_EN).first.wait_for()
    time.sleep(1)
    page.screenshot(path=str(artifacts / "reservations-my-bookings-en.png"))
    english_in_full(page, data)


def _bookings(engine: Engine) -> list[ReservationBooking]:
    with Session(engine) as session:
        return list(session.scalars(select(ReservationBooking)).all())
