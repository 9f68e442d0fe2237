"""The staff home and the bulky-waste staff screens without a page: routes, who sees what,
the state with a fake source (refusals, paging, filters, collected, CSV) and the views."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from types import SimpleNamespace
from typing import Any

import flet as ft
import pytest

from app.features.waste.staff.state import PAGE_SIZE, PURPOSE, BulkyStaffState, Load
from app.features.waste.staff.views import STATUS_LABELS, bookings_body, slots_body
from app.features.waste.staff.wiring import STAFF_SCREENS
from app.i18n.translator import load_translator
from app.shell.context import ViewContext
from app.shell.feature_spec import Mode
from app.shell.registry import FeatureRegistry
from app.shell.settings import Settings
from app.shell.state import ShellState
from app.staff import wiring as staff_wiring
from app.staff.state import DEPARTMENT_TITLES, departments_of, entry_for, staff_entries
from backend_client import (
    BackendRejected,
    BackendUnavailable,
    Me,
    StaffBooking,
    StaffBookingPage,
    StaffSlot,
)
from tests.unit.test_views_build import texts

pytestmark = pytest.mark.anyio
REGISTRY = FeatureRegistry.load()
TODAY = date(2026, 12, 7)
DAY = date(2026, 12, 15)


# --- routes and who sees what --------------------------------------------------------------


def test_staff_routes_resolve_in_resident_mode_only() -> None:
    state = ShellState(REGISTRY, Mode.RESIDENT, Settings())
    assert state.resolve("/staff").kind == "staff"
    assert state.resolve("/staff/waste/bulky-slots").route == "/staff/waste/bulky-slots"
    assert state.resolve("/staff/waste/no-such-screen").route == "/staff"
    assert state.resolve("/staffroom").kind == "home"
    state.navigate("/staff/waste/bulky-slots")
    assert state.back_route() == "/staff"  # the app bar's back: to the staff menu
    state.navigate("/staff")
    assert state.back_route() == "/"
    for mode in (Mode.KIOSK, Mode.VISITOR):
        assert ShellState(REGISTRY, mode, Settings()).resolve("/staff").kind == "home"


def test_the_staff_home_lists_only_the_callers_departments() -> None:
    assert departments_of(["waste", "school:tsuyama-higashi-es"]) == {"waste", "school"}
    waste = staff_entries(REGISTRY, frozenset({"waste"}))
    assert [e.route for e in waste] == ["/staff/waste/bulky-slots",
                                        "/staff/waste/bulky-bookings"]
    assert staff_entries(REGISTRY, frozenset({"school"})) == []
    assert [e.route for e in staff_entries(REGISTRY, frozenset({"citizens"}))] == [
        "/staff/procedures/review-citizens", "/staff/procedures/counter-citizens",
        "/staff/reservations/day-citizens", "/staff/reservations/check-in-citizens",
        "/staff/reservations/queue-citizens"]
    assert entry_for("/staff/waste/bulky-slots", REGISTRY, frozenset({"notices"})) is None


def _ctx(me: Me | None, route: str) -> ViewContext:
    state = ShellState(REGISTRY, Mode.RESIDENT, Settings())
    state.navigate(route)
    account = SimpleNamespace(me=me, signed_in=me is not None)
    services = SimpleNamespace(account=account)
    return ViewContext.for_state(state, navigate=lambda r: None, run_task=lambda *a: None,
                                 services=services)  # type: ignore[arg-type]


def _me(role: str, scopes: tuple[str, ...]) -> Me:
    return Me(common_id="c-1", name="職員 一郎", assurance_level="card", role=role,
              staff_scopes=scopes)


def test_staff_home_body_per_caller() -> None:
    staff_wiring.install()
    waste = texts(staff_wiring.body(_ctx(_me("staff", ("waste",)), "/staff")))
    assert "粗大ごみの収集枠" in waste and "粗大ごみの予約一覧" in waste
    assert "所属: 環境事業課" in waste
    school = texts(staff_wiring.body(_ctx(_me("staff", ("school",)), "/staff")))
    assert "所属部署の職員向け画面はまだありません。" in school
    assert "粗大ごみの収集枠" not in school
    citizens = texts(staff_wiring.body(_ctx(_me("staff", ("citizens",)), "/staff")))
    assert "書かない窓口（市民課）" in citizens and "粗大ごみの収集枠" not in citizens
    for me in (None, _me("resident", ())):
        shown = texts(staff_wiring.body(_ctx(me, "/staff/waste/bulky-slots")))
        assert "このメニューは市職員専用です。職員のアカウントでログインしてください。" in shown
    # Another department's screen by its address: the staff home, not the screen.
    other = texts(staff_wiring.body(_ctx(_me("staff", ("citizens",)),
                                         "/staff/waste/bulky-slots")))
    assert "粗大ごみの収集枠" not in other


def test_me_reads_the_staff_scopes() -> None:
    me = Me.from_json({"common_id": "c", "name": "n", "assurance_level": "card",
                       "role": "staff", "staff_scopes": ["waste", 3, "school:x"]})
    assert me.staff_scopes == ("waste", "school:x")
    assert me.staff_departments == {"waste", "school"}
    assert Me.from_json({"common_id": "c", "name": "n", "assurance_level": "card",
                         "role": "resident"}).staff_scopes == ()


def test_every_staff_message_has_a_japanese_translation() -> None:
    t = load_translator("ja")
    ids = {*DEPARTMENT_TITLES.values(), *STATUS_LABELS.values(), "Staff menu"}
    for screen in STAFF_SCREENS:
        ids |= {screen.title, screen.description}
    assert sorted(m for m in ids if not t.has(m)) == []


# --- the state with a fake source ----------------------------------------------------------


def booking(number: str, status: str = "booked", day: date = DAY) -> StaffBooking:
    return StaffBooking(number, day, "area-a", "中央", (("ソファ", 1),), 1000, status, "c-9")


@dataclass
class FakeSource:
    slot_rows: dict[tuple[str, date], tuple[int, int]] = field(default_factory=dict)
    bookings_rows: list[StaffBooking] = field(default_factory=list)
    calls: list[tuple[str, Any]] = field(default_factory=list)
    fail: Exception | None = None

    async def areas(self) -> list[tuple[str, str]]:
        return [("area-a", "中央"), ("area-b", "林田")]

    async def slots(self, first: date, last: date) -> list[StaffSlot]:
        self.calls.append(("slots", (first, last)))
        if self.fail:
            raise self.fail
        return [StaffSlot(a, d, c, b) for (a, d), (c, b) in sorted(self.slot_rows.items())
                if first <= d <= last]

    async def put_slots(self, changes: list[tuple[str, date, int]]) -> list[StaffSlot]:
        self.calls.append(("put", changes))
        out = []
        for area, day, capacity in changes:
            booked = self.slot_rows.get((area, day), (0, 0))[1]
            if capacity < booked:
                raise BackendRejected(409, "capacity_below_booked: …", "capacity_below_booked",
                                      {"code": "capacity_below_booked", "booked": booked})
            self.slot_rows[(area, day)] = (capacity, booked)
            out.append(StaffSlot(area, day, capacity, booked))
        return out

    async def bookings(self, purpose: str, *, day: date | None, area_id: str | None,
                       status: str | None, limit: int, offset: int) -> StaffBookingPage:
        self.calls.append(("bookings", (purpose, day, area_id, status, limit, offset)))
        rows = [b for b in self.bookings_rows if status is None or b.status == status]
        return StaffBookingPage(tuple(rows[offset:offset + limit]), len(rows), limit, offset)

    async def bookings_csv(self, purpose: str, *, day: date | None, area_id: str | None,
                           status: str | None) -> bytes:
        self.calls.append(("csv", (purpose, day, area_id, status)))
        return b"\xef\xbb\xbfnumber\r\n"

    async def mark_collected(self, number: str) -> StaffBooking:
        self.calls.append(("collected", number))
        found = next(b for b in self.bookings_rows if b.number == number)
        if found.status != "booked":
            raise BackendRejected(409, "not_booked: …", "not_booked", {"status": found.status})
        return booking(number, "collected")


def new_state(source: FakeSource, saved: list[tuple[str, bytes]] | None = None
              ) -> BulkyStaffState:
    async def save(name: str, data: bytes) -> None:
        if saved is not None:
            saved.append((name, data))

    return BulkyStaffState(source, lambda: TODAY, save)


async def test_slots_load_once_per_period_and_a_resize_below_bookings_is_refused() -> None:
    source = FakeSource({("area-a", DAY): (5, 3), ("area-b", DAY): (4, 0)})
    state = new_state(source)
    assert state.claim_slots_load() and not state.claim_slots_load()
    await state.load_slots()
    assert not state.claim_slots_load()  # read for this period already
    assert [(s.area_id, s.capacity, s.booked) for _, slots in state.slots_by_day()
            for s in slots] == [("area-a", 5, 3), ("area-b", 4, 0)]

    state.set_capacity_text("area-a", DAY, "2")
    await state.save_capacity("area-a", DAY)
    refusal = state.slot_refusal
    assert refusal is not None and refusal.code == "capacity_below_booked"
    assert (refusal.booked, refusal.capacity, refusal.area_id) == (3, 2, "area-a")
    assert source.slot_rows[("area-a", DAY)] == (5, 3)  # nothing changed

    state.set_capacity_text("area-a", DAY, "８")  # full-width digits are fine
    await state.save_capacity("area-a", DAY)
    assert state.slot_refusal is None and state.slot_saved == "area-a:2026-12-15"
    assert state.slot_outcome_at == "area-a:2026-12-15"
    assert next(s for s in state.slots if s.area_id == "area-a").capacity == 8

    state.set_capacity_text("area-b", DAY, "many")
    await state.save_capacity("area-b", DAY)
    assert state.slot_refusal is not None and state.slot_refusal.code == "invalid_capacity"

    state.shift_period(14)
    assert state.claim_slots_load()
    await state.load_slots()
    assert state.slots == [] and source.calls[-1] == (
        "slots", (TODAY + timedelta(14), TODAY + timedelta(27)))


async def test_a_new_slot_needs_a_district_a_day_and_a_capacity() -> None:
    source = FakeSource()
    state = new_state(source)
    await state.load_slots()
    await state.create_slot()
    assert state.slot_refusal is not None and state.slot_refusal.code == "no_area"
    state.set_new_slot(area_id="area-b", day_text="15 Dec", capacity_text="3")
    await state.create_slot()
    assert state.slot_refusal is not None and state.slot_refusal.code == "invalid_day"
    revision = state.revision
    state.set_new_slot(day_text=DAY.isoformat())
    await state.create_slot()
    assert state.slot_refusal is None and source.slot_rows[("area-b", DAY)] == (3, 0)
    assert state.new_day_text == "" and state.revision > revision  # the fields empty


async def test_offline_is_said_and_keeps_nothing_stale() -> None:
    state = new_state(FakeSource(fail=BackendUnavailable("down")))
    await state.load_slots()
    assert state.slots_load is Load.FAILED
    assert state.slot_refusal is not None and state.slot_refusal.code == "offline"


async def test_bookings_are_paged_filtered_and_read_with_a_purpose() -> None:
    rows = [booking(f"S2612-{i:04d}") for i in range(1, PAGE_SIZE + 6)]
    rows.append(booking("S2612-9999", "collected"))
    source = FakeSource(bookings_rows=rows)
    state = new_state(source)
    assert state.claim_bookings_load()
    await state.load_bookings()
    assert state.page is not None and state.page.total == PAGE_SIZE + 5  # "booked" first
    assert source.calls[-1] == ("bookings", (PURPOSE, None, None, "booked", PAGE_SIZE, 0))
    assert state.has_next_page and not state.has_previous_page
    state.next_page()
    assert state.claim_bookings_load()
    await state.load_bookings()
    assert len(state.page.bookings) == 5 and state.has_previous_page
    state.set_status_filter(None)
    assert state.offset == 0 and state.claim_bookings_load()
    await state.load_bookings()
    assert state.page.total == PAGE_SIZE + 6
    assert not state.set_day_filter("2026/12/15")  # not a day: nothing changes
    assert state.bookings_refusal is not None and state.bookings_refusal.code == "invalid_day"
    assert state.set_day_filter("2026-12-15") and state.day_filter == DAY
    state.set_area_filter("area-a")
    assert state.claim_bookings_load()
    await state.load_bookings()
    assert source.calls[-1] == ("bookings", (PURPOSE, DAY, "area-a", None, PAGE_SIZE, 0))


async def test_mark_collected_and_download_the_csv() -> None:
    source = FakeSource(bookings_rows=[booking("S2612-0001"),
                                       booking("S2612-0002", "collected")])
    saved: list[tuple[str, bytes]] = []
    state = new_state(source, saved)
    state.set_status_filter(None)
    await state.load_bookings()
    await state.mark_collected("S2612-0001")
    assert state.collected_last == "S2612-0001"
    assert [b.status for b in state.page.bookings] == ["collected", "collected"]
    await state.mark_collected("S2612-0002")
    assert state.bookings_refusal is not None and state.bookings_refusal.code == "not_booked"
    state.set_day_filter(DAY.isoformat())
    await state.download_csv()
    assert saved == [("bulky-bookings-2026-12-15.csv", b"\xef\xbb\xbfnumber\r\n")]
    assert source.calls[-1] == ("csv", (PURPOSE, DAY, None, None))


# --- views -------------------------------------------------------------------------------


def _view_ctx() -> ViewContext:
    return ViewContext.for_state(ShellState(REGISTRY, Mode.RESIDENT, Settings()),
                                 navigate=lambda r: None, run_task=lambda *a: None)


async def test_the_slots_screen_shows_places_and_the_refusal_clearly() -> None:
    source = FakeSource({("area-a", DAY): (5, 3)})
    state = new_state(source)
    await state.load_slots()
    state.set_capacity_text("area-a", DAY, "2")
    await state.save_capacity("area-a", DAY)
    controls = slots_body(_view_ctx(), state)
    shown = texts(controls)
    assert "予約 3 件 / 定員 5 件" in shown
    assert any("の定員を 2 にできません。すでに 3 件の予約があります。" in s for s in shown)
    assert "中央 12月15日(火) の定員" in shown  # the field's accessible name
    keys = [c.key for c in controls if isinstance(c, ft.Control) and c.key is not None]
    assert "slot-area-a:2026-12-15" in keys
    assert len(keys) == len(set(keys))
    # The refusal is in the slot's own card, beside its 保存 button (a long list scrolled
    # the top of the page out of sight), not at the top.
    row = next(c for c in controls if getattr(c, "key", None) == "slot-area-a:2026-12-15")
    assert any("すでに 3 件の予約があります" in s for s in texts([row]))
    assert not any("すでに" in s for c in controls if getattr(c, "key", None) != row.key
                   for s in texts([c]))

    state.set_capacity_text("area-a", DAY, "6")
    await state.save_capacity("area-a", DAY)
    controls = slots_body(_view_ctx(), state)
    row = next(c for c in controls if getattr(c, "key", None) == "slot-area-a:2026-12-15")
    assert any(s.startswith("保存しました。") for s in texts([row]))
    assert sum(s.startswith("保存しました。") for s in texts(controls)) == 1

    await state.create_slot()  # no district chosen: said under the add form
    controls = slots_body(_view_ctx(), state)
    after_form = controls[[getattr(c, "key", None) for c in controls].index("new-slot") + 1]
    assert texts([after_form]) == ["地区を選んでください。"]


async def test_the_bookings_screen_shows_rows_and_actions() -> None:
    state = new_state(FakeSource(bookings_rows=[booking("S2612-0001")]))
    await state.load_bookings()
    shown = texts(bookings_body(_view_ctx(), state))
    assert "受付番号 S2612-0001" in shown
    assert "S2612-0001 を収集済みにする" in shown
    assert "CSVをダウンロード" in shown
    assert any(PURPOSE in s for s in shown)
