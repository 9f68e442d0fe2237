"""Staff screens in Chromium (ADR 0023): 職員 一郎 (環境事業課) opens the staff menu, refuses
and then changes a bulky-waste slot's capacity, lists the bookings and marks one collected;
津山 太郎 (a resident) is offered no staff menu. One served app for the module."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from app.i18n.formatting import format_day_short
from backend.db import make_engine
from backend.services.clock import city_today
from backend.tiles.waste.bulky.models import BulkyBooking, BulkySlot
from backend.tiles.waste.models import WasteAreaRow, WasteItemRow
from tests.backend.bulky_helpers import push
from tests.backend.people import make_person
from tests.e2e.conftest import ServedApp, enable_semantics, start_app
from tests.e2e.interact import type_over
from tests.e2e.test_login_in_browser import keyring_env, log_in_as, shows, signed_out

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedApp]:
    folder = tmp_path_factory.mktemp("staff")
    app = start_app(folder / "app", env=keyring_env(folder / "keyring.json"))
    yield app
    app.stop()


def _engine(served: ServedApp) -> Engine:
    """The served backend's own database (the app may serve before the backend is up)."""
    path = Path(served.data_dir) / "backend.sqlite3"
    deadline = time.monotonic() + 60
    while not path.exists():
        assert time.monotonic() < deadline, f"no backend database at {path}"
        time.sleep(0.5)
    return make_engine(f"sqlite:///{path}")


def seed_booking(engine: Engine) -> tuple[str, str, date]:
    """A resident's booking on a demo slot in the next two weeks that can still be booked:
    (number, district name, day). Waits for the backend's demo data first."""
    deadline = time.monotonic() + 60
    today = city_today()
    while True:
        try:
            found = _demo_slot(engine, today)
        except OperationalError:  # the backend is still creating its tables
            found = None
        if found is not None:
            break
        assert time.monotonic() < deadline, "no demo bulky slots"
        time.sleep(0.5)
    slot, item, area_name = found
    resident = make_person(SimpleNamespace(state=SimpleNamespace(  # type: ignore[arg-type]
        engine=engine, settings=SimpleNamespace(municipality_code=slot.municipality_code))),
        name="住民 予約")
    result = push(engine, resident, "book", {
        "id": "e2e-booking", "area_id": slot.area_id, "day": slot.day.isoformat(),
        "items": [{"item_id": item.id, "quantity": 1}]})
    assert result["status"] == "applied", result
    return result["result"]["number"], area_name, slot.day


def _demo_slot(engine: Engine, today: date
               ) -> tuple[BulkySlot, WasteItemRow, str] | None:
    with Session(engine, expire_on_commit=False) as session:
        slot = session.scalars(select(BulkySlot).where(
            BulkySlot.day >= today + timedelta(days=6),
            BulkySlot.day <= today + timedelta(days=13),
        ).order_by(BulkySlot.day, BulkySlot.area_id)).first()
        item = session.scalars(select(WasteItemRow).where(
            WasteItemRow.category.contains("粗大"),  # type: ignore[union-attr]
            WasteItemRow.fee.is_not(None))).first()  # type: ignore[union-attr]
        if slot is None or item is None:
            return None
        area = session.get(WasteAreaRow, (slot.municipality_code, slot.area_id))
        session.expunge_all()
        return slot, item, area.name if area else slot.area_id


def type_over_label(page, label: str, text: str) -> None:
    type_over(page, page.get_by_role("textbox", name=label), text)


def test_waste_staff_resize_a_slot_list_bookings_and_mark_one_collected(
    served: ServedApp, open_page, artifacts
) -> None:
    engine = _engine(served)
    try:
        number, area, day = seed_booking(engine)
        with Session(engine) as session:
            booked = session.scalars(select(BulkySlot.booked).where(
                BulkySlot.day == day).order_by(BulkySlot.area_id)).first()
        page = open_page(served)
        signed_out(page)
        log_in_as(page, "職員 一郎")
        shows(page, "職員 一郎さん、こんにちは").wait_for()
        page.get_by_role("button", name="職員メニュー", exact=True).click()
        page.wait_for_url("**/staff")
        shows(page, "所属: 環境事業課").wait_for()
        page.get_by_role("button", name="粗大ごみの収集枠", exact=True).click()
        page.wait_for_url("**/staff/waste/bulky-slots")

        label = f"{area} {format_day_short(day, 'ja_JP')}"
        type_over_label(page, f"{label} の定員", "0")
        page.get_by_role("button", name=f"{label} の定員を保存").click()
        shows(page, f"すでに {booked} 件の予約があります").wait_for()
        time.sleep(1)
        page.screenshot(path=str(artifacts / "staff-slot-refused-ja.png"))
        type_over_label(page, f"{label} の定員", "7")
        page.get_by_role("button", name=f"{label} の定員を保存").click()
        shows(page, "保存しました。").wait_for()
        shows(page, f"予約 {booked} 件 / 定員 7 件").wait_for()

        # The app bar's back button (always in sight, unlike the link at the top of a long
        # list) leads to the staff menu.
        page.get_by_role("button", name="戻る", exact=True).click()
        page.wait_for_url("**/staff")
        page.get_by_role("button", name="粗大ごみの予約一覧", exact=True).click()
        page.wait_for_url("**/staff/waste/bulky-bookings")
        shows(page, f"受付番号 {number}").wait_for()
        time.sleep(1)
        page.screenshot(path=str(artifacts / "staff-bookings-ja.png"))
        # The CSV (every booking the filters match) arrives as a browser download.
        with page.expect_download() as download:
            page.get_by_role("button", name="CSVをダウンロード", exact=True).click()
        assert download.value.suggested_filename == "bulky-bookings-all.csv"
        csv = Path(download.value.path()).read_bytes()
        assert csv.startswith("\ufeff".encode()) and number.encode() in csv
        page.get_by_role("button", name=f"{number} を収集済みにする").click()
        shows(page, f"予約 {number} を収集済みにしました。").wait_for()

        with Session(engine) as session:
            booking = session.scalars(select(BulkyBooking).where(
                BulkyBooking.number == number)).one()
            slot = session.get(BulkySlot, (booking.municipality_code, booking.area_id, day))
        assert booking.status == "collected"
        assert slot is not None and (slot.capacity, slot.booked) == (7, booked)
    finally:
        engine.dispose()


def test_a_resident_is_offered_no_staff_menu(served: ServedApp, open_page) -> None:
    page = open_page(served)
    signed_out(page)
    log_in_as(page, "津山 太郎")
    shows(page, "津山 太郎さん、こんにちは").wait_for()
    page.get_by_role("button", name="マイデータ", exact=True).wait_for()
    assert page.get_by_role("button", name="職員メニュー", exact=True).count() == 0
    page.goto(served.url.rstrip("/") + "/staff")  # by its address: a new session
    enable_semantics(page)
    shows(page, "このメニューは市職員専用です。").wait_for()
    assert page.get_by_role("button", name="粗大ごみの収集枠").count() == 0
