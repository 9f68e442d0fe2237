"""Reservations (予約) in Chromium (issue 16): 津山 花子 on her own app, 職員 こども (こども課)
on another app (its own keyring) of the same city backend.

1. 花子 opens 予約 from home, then the 子育て支援課 counter, picks a day whose booking window
   is open and a time with free places, and books it while her link to the city is down: the
   booking shows 未送信; when the link returns it becomes 予約済み with its 予-YYYY-NNNNNN,
   in 予約一覧 too.
2. Its calendar file (.ics) holds the slot's time in Asia/Tokyo and the booking's UID; she
   changes it to another time: the new file has the same UID and a higher SEQUENCE.
3. She cancels it (the confirmation dialog): 取り消し済み, and the city's row is cancelled.
4. She takes a waiting number (整理券) at the 子育て支援課 counter; the clerk's caller screen
   calls the next number, and her screen (it polls) says her number has been called.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_time
from icalendar import Calendar
from sqlalchemy import Engine, select
from sqlmodel import Session, col

from app.i18n.formatting import format_datetime_short, format_day_short
from app.i18n.translator import load_translator
from app.launcher import EmbeddedBackend, free_port
from backend.db import make_engine
from backend.services.clock import city_today
from backend.services.working_days import nth_working_day_before
from backend.tiles.reservations.models import QueueTicket, ReservationBooking, ReservationSlot
from tests.e2e.conftest import ServedApp, enable_semantics, start_app
from tests.e2e.interact import tap
from tests.e2e.tcp_switch import TcpSwitch
from tests.e2e.test_login_in_browser import keyring_env, log_in_as, shows

pytestmark = pytest.mark.e2e

JA = load_translator("ja")
HANAKO = "津山 花子"
KODOMO = "職員 こども"
RESOURCE = "kosodate-counter"
COUNTER = "kosodate"
TOKYO = ZoneInfo("Asia/Tokyo")
NUMBER = re.compile(r"予-\d{4}-\d{6}")


@dataclass
class City:
    """花子's app (through a link that can be cut), the clerk's app, the backend's DB."""

    hanako: ServedApp
    clerk: ServedApp
    link: TcpSwitch
    engine: Engine


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> Iterator[City]:
    root = tmp_path_factory.mktemp("reservations")
    backend = EmbeddedBackend(root / "backend", free_port())
    backend.start()
    link = TcpSwitch(backend.port)
    started: list[ServedApp] = []
    engine = make_engine(f"sqlite:///{root / 'backend' / 'backend.sqlite3'}")
    try:
        started.append(start_app(root / "hanako", "--backend-url", link.url,
                                 env=keyring_env(root / "keyring-hanako.json")))
        # The login lives in the keyring of the app's machine: the clerk has an app of her own.
        started.append(start_app(root / "clerk", "--backend-url", backend.url,
                                 env=keyring_env(root / "keyring-clerk.json")))
        yield City(started[0], started[1], link, engine)
    finally:
        for served in started:
            if served.process.poll() is not None:
                print(f"an app exited with {served.process.returncode}; its log ends:\n"
                      + "\n".join(served.log().splitlines()[-60:]))
            served.stop()
        engine.dispose()
        link.close()
        backend.stop()


def by_id(page, identifier: str):
    return page.locator(f'[flt-semantics-identifier="{identifier}"]').first


def status_is(page, status: str):
    return shows(page, JA("Status: {status}", status=JA(status)))


def bookable_slots(engine: Engine) -> list[ReservationSlot]:
    """The counter's slots with a free place on the first day whose booking window is open
    now (it closes two working days before; the app shows two weeks)."""
    today = city_today()
    now = datetime.now(TOKYO)
    with Session(engine, expire_on_commit=False) as session:
        slots = session.scalars(select(ReservationSlot).where(
            col(ReservationSlot.resource_id) == RESOURCE,
            col(ReservationSlot.closed_at).is_(None),
            col(ReservationSlot.booked) < col(ReservationSlot.capacity),
        ).order_by(col(ReservationSlot.start))).all()
    open_days: dict[date, list[ReservationSlot]] = {}
    for slot in slots:
        if nth_working_day_before(slot.day, 2) > today and slot.start > now:
            open_days.setdefault(slot.day, []).append(slot)
    day = min(d for d, found in open_days.items() if len(found) >= 2)
    assert (day - today).days < 14, "no open day in the two weeks the app shows"
    return open_days[day]


def booking_row(engine: Engine, booking_id: str | None = None, *,
                status: str | None = None) -> ReservationBooking:
    """花子's booking as the city keeps it (waits until it is there, with `status`)."""
    deadline = time.monotonic() + 60
    while True:
        with Session(engine) as session:
            query = select(ReservationBooking).where(
                col(ReservationBooking.resource_id) == RESOURCE)
            if booking_id is not None:
                query = query.where(col(ReservationBooking.id) == booking_id)
            found = session.scalars(query.order_by(
                col(ReservationBooking.created_at).desc())).first()
        if found is not None and (status is None or found.status == status):
            return found
        assert time.monotonic() < deadline, f"no {status or ''} booking reached the city"
        time.sleep(0.5)


def calendar_event(page, booking_id: str, artifacts: Path, name: str):
    """Downloads the booking's .ics from its screen and returns its one VEVENT."""
    with page.expect_download() as download:
        tap(page, by_id(page, "booking-ics"))
    assert download.value.suggested_filename.endswith(".ics")
    content = Path(download.value.path()).read_bytes()
    (artifacts / name).write_bytes(content)
    events = Calendar.from_ical(content).walk("VEVENT")
    assert len(events) == 1, content
    event = events[0]
    assert str(event["UID"]) == f"{booking_id}@reservations.tsuyama-portal"
    shows(page, JA("The calendar file was saved.")).wait_for()
    return event


def assert_starts_at(event, start: datetime) -> None:
    """DTSTART is the slot's wall-clock time in Asia/Tokyo (with that TZID), not UTC."""
    dtstart = event["DTSTART"]
    assert dtstart.params.get("TZID") == "Asia/Tokyo", event.to_ical()
    moment = dtstart.dt
    assert moment.tzinfo is not None and moment.utcoffset().total_seconds() == 9 * 3600
    assert moment.replace(tzinfo=None) == start.astimezone(TOKYO).replace(tzinfo=None)


def test_book_change_cancel_and_be_called_at_the_counter(city: City, open_page,
                                                         artifacts: Path) -> None:
    page = open_page(city.hanako)
    log_in_as(page, HANAKO)
    shows(page, f"{HANAKO}さん、こんにちは").wait_for()
    booking_id, first, second = _book_while_the_link_is_down(page, city, artifacts)
    _calendar_file_and_change(page, city, artifacts, booking_id, first, second)
    _cancel(page, city, artifacts, booking_id)
    _called_at_the_counter(page, city, open_page, artifacts)


def _book_while_the_link_is_down(page, city: City, artifacts: Path
                                 ) -> tuple[str, ReservationSlot, ReservationSlot]:
    tap(page, by_id(page, "tile-reservations"))
    page.wait_for_url("**/reservations")
    tap(page, by_id(page, f"resource-{RESOURCE}"))
    shows(page, JA("Choose a day")).wait_for()
    slots = bookable_slots(city.engine)
    first, second = slots[0], slots[1]
    tap(page, page.get_by_role("checkbox", name=format_day_short(first.day, "ja")))
    # The day is chosen above: a slot's chip says its time and its free places.
    slot_chip = page.get_by_role("checkbox", name=re.compile(
        "^" + re.escape(format_time(first.start, format="short", locale="ja",
                                    tzinfo=TOKYO)) + r"\s"))
    tap(page, slot_chip)
    time.sleep(1)
    page.screenshot(path=str(artifacts / "reservations-resource-ja.png"), full_page=True)

    city.link.set_online(False)  # a dead zone: the booking waits on the device
    try:
        tap(page, by_id(page, "resource-book"))
        status_is(page, "Not sent yet").wait_for()
        shows(page, JA("Your booking is saved and will be sent to the city. It is confirmed "
                       "when the city answers.")).wait_for()
        time.sleep(1)
        page.screenshot(path=str(artifacts / "reservations-pending-ja.png"))
        with Session(city.engine) as session:
            assert session.scalars(select(ReservationBooking)).first() is None
    finally:
        city.link.set_online(True)

    status_is(page, "Booked").wait_for(timeout=60_000)
    row = booking_row(city.engine, status="booked")
    assert NUMBER.fullmatch(row.number), row.number
    assert row.number.startswith(f"予-{city_today().year}-")
    assert row.slot_start == first.start
    shows(page, JA("Booking number: {number}", number=row.number)).wait_for()
    time.sleep(1)
    page.screenshot(path=str(artifacts / "reservations-booked-ja.png"))

    # In 予約一覧 (my bookings) with its number.
    tap(page, by_id(page, "booking-back"))
    shows(page, JA("My bookings")).wait_for()
    card = by_id(page, f"booking-{row.id}")
    card.wait_for()
    shows(page, JA("Booking number: {number}", number=row.number)).wait_for()
    status_is(page, "Booked").wait_for()
    time.sleep(1)
    page.screenshot(path=str(artifacts / "reservations-my-bookings-ja.png"))
    tap(page, card)
    by_id(page, "booking-ics").wait_for()
    return row.id, first, second


def _calendar_file_and_change(page, city: City, artifacts: Path, booking_id: str,
                              first: ReservationSlot, second: ReservationSlot) -> None:
    event = calendar_event(page, booking_id, artifacts, "reservations-booked.ics")
    assert_starts_at(event, first.start)
    assert int(event.get("SEQUENCE", 0)) == 0
    assert booking_row(city.engine, booking_id).number in str(event["DESCRIPTION"])

    tap(page, by_id(page, "booking-change"))
    shows(page, JA("Choose the new time. If it is taken first, you keep this one.")).wait_for()
    tap(page, page.get_by_role("checkbox", name=format_datetime_short(second.start, "ja"),
                               exact=True))
    # "The change will be sent..." shows only until the city's answer, which may come
    # before a look: the city's row and the screen's time are what count.
    moved = booking_row(city.engine, booking_id)
    deadline = time.monotonic() + 60
    while moved.slot_start != second.start:
        assert time.monotonic() < deadline, "the change did not reach the city"
        time.sleep(0.5)
        moved = booking_row(city.engine, booking_id)
    assert moved.status == "booked" and moved.ics_sequence == 1
    when = JA("Time: {time}", time=format_datetime_short(second.start, "ja"))
    shows(page, when).wait_for(timeout=60_000)
    status_is(page, "Booked").wait_for(timeout=60_000)
    time.sleep(1)
    page.screenshot(path=str(artifacts / "reservations-changed-ja.png"))

    again = calendar_event(page, booking_id, artifacts, "reservations-changed.ics")
    assert_starts_at(again, second.start)
    assert int(again["SEQUENCE"]) > int(event.get("SEQUENCE", 0))
    with Session(city.engine) as session:
        freed = session.get(ReservationSlot, (first.municipality_code, RESOURCE, first.start))
    assert freed is not None and freed.booked == first.booked  # the old place was given back


def _cancel(page, city: City, artifacts: Path, booking_id: str) -> None:
    tap(page, by_id(page, "booking-cancel"))
    shows(page, JA("Cancel this booking?")).wait_for()
    time.sleep(1)
    page.screenshot(path=str(artifacts / "reservations-cancel-dialog-ja.png"))
    tap(page, by_id(page, "booking-cancel-yes"))
    booking_row(city.engine, booking_id, status="cancelled")
    status_is(page, "Cancelled").wait_for(timeout=60_000)
    assert by_id(page, "booking-cancel").count() == 0
    time.sleep(1)
    page.screenshot(path=str(artifacts / "reservations-cancelled-ja.png"))


def _called_at_the_counter(page, city: City, open_page, artifacts: Path) -> None:
    page.goto(city.hanako.url.rstrip("/") + f"/reservations/{RESOURCE}")
    enable_semantics(page)
    tap(page, by_id(page, "resource-queue"))
    page.wait_for_url(f"**/reservations/queue/{COUNTER}")
    shows(page, JA("Waiting number: {counter}", counter="子育て支援課")).wait_for()
    tap(page, by_id(page, "reservations-queue-take"))
    shows(page, JA("Your number")).wait_for()
    with Session(city.engine) as session:
        ticket = session.scalars(select(QueueTicket).where(
            col(QueueTicket.counter) == COUNTER)).one()
    assert ticket.status == "waiting" and ticket.person_id is not None
    shows(page, JA("Your number is {number}", number=ticket.number)).wait_for()
    shows(page, JA("Next: you are called next.")).wait_for()
    time.sleep(1)
    page.screenshot(path=str(artifacts / "reservations-queue-ticket-ja.png"))

    clerk = open_page(city.clerk)
    log_in_as(clerk, KODOMO)
    clerk.goto(city.clerk.url.rstrip("/") + "/staff")
    enable_semantics(clerk)
    tap(clerk, clerk.get_by_role("button", name=JA("Waiting numbers: Children's Division"),
                                 exact=True))
    shows(clerk, JA("{count} waiting", count=1)).wait_for()
    tap(clerk, by_id(clerk, "reservations-caller-call"))
    shows(clerk, JA("Called: {number}", number=ticket.number)).wait_for()
    time.sleep(1)
    clerk.screenshot(path=str(artifacts / "reservations-queue-caller-ja.png"))
    with Session(city.engine) as session:
        called = session.get(QueueTicket, ticket.id)
    assert called is not None and called.status == "called"

    # Her screen asks every few seconds: no tap needed.
    shows(page, JA("Your number has been called")).wait_for(timeout=60_000)
    shows(page, JA("Please come to the counter.")).wait_for()
    shows(page, JA("Now serving: {number}", number=ticket.number)).wait_for()
    time.sleep(1)
    page.screenshot(path=str(artifacts / "reservations-queue-called-ja.png"))
