"""The reservations staff screens' states with a fake source: the day list by resource and
day, check-in and no-show with their outcomes, capacity and closing checks, check-in by a
typed code, and the queue caller (call, done, walk-in, queue empty)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from app.features.reservations.staff.caller_state import CallerState, counters_of
from app.features.reservations.staff.checkin_state import CheckInState
from app.features.reservations.staff.day_state import DayState, parse_start
from app.features.reservations.staff.state import normalise_code
from backend_client import BackendRejected
from backend_client.reservations_queue import QueueTicket
from backend_client.reservations_staff import (
    Called,
    CallerScreen,
    CheckedIn,
    DayList,
    StaffBookingRow,
    StaffResource,
    StaffSlotRow,
)

pytestmark = pytest.mark.anyio
DAY = date(2026, 12, 15)
START = datetime(2026, 12, 15, 1, 0, tzinfo=UTC)
CODE = "TRS1.UABCDEFGHIJKLMNOPQRSTUVWXYZ.29000000.ABCDEFGHIJKLMNOP"

RESOURCE = StaffResource("kosodate-counter", ("子育て", "Children"), "counter", "children",
                         False, "kosodate", ("子育て支援課", "Children"), 30, 2)
OTHER = StaffResource("shimin-counter", ("市民", "Citizens"), "counter", "citizens", False,
                      "shimin", ("市民課", "Citizens"), 30, 2)


def booking(status: str = "booked") -> StaffBookingRow:
    return StaffBookingRow("b1", "予-1", status, "津山 花子", "", START, None, 0, "", False,
                           "", None)


def slot(bookings: tuple[StaffBookingRow, ...] = ()) -> StaffSlotRow:
    return StaffSlotRow(START, START.replace(hour=1, minute=30), DAY, 2, len(bookings), 0,
                        False, "", bookings)


class FakeStaff:
    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []
        self.refuse: dict[str, Exception] = {}

    def _log(self, *call: Any) -> None:
        self.calls.append(call)
        if call[0] in self.refuse:
            raise self.refuse[call[0]]

    async def resources(self) -> list[StaffResource]:
        self._log("resources")
        return [OTHER, RESOURCE]

    async def day(self, resource_id: str, day: date) -> DayList:
        self._log("day", resource_id, day)
        return DayList(RESOURCE, day, (slot((booking(),)),))

    async def add_slot(self, resource_id: str, start: datetime,
                       capacity: int | None) -> StaffSlotRow:
        self._log("add_slot", resource_id, start, capacity)
        return slot()

    async def set_capacity(self, resource_id: str, start: datetime,
                           capacity: int) -> StaffSlotRow:
        self._log("set_capacity", resource_id, start, capacity)
        return slot()

    async def close_slot(self, resource_id: str, start: datetime,
                         reason: str) -> tuple[StaffSlotRow, list[str]]:
        self._log("close_slot", resource_id, start, reason)
        return slot(), ["予-1"]

    async def check_in(self, booking_id: str) -> CheckedIn:
        self._log("check_in", booking_id)
        return CheckedIn(booking("checked_in"), None)

    async def check_in_by_code(self, code: str) -> CheckedIn:
        self._log("check_in_by_code", code)
        return CheckedIn(booking("checked_in"), QueueTicket("kosodate", DAY, 3, "waiting"))

    async def no_show(self, booking_id: str) -> StaffBookingRow:
        self._log("no_show", booking_id)
        return booking("no_show")

    async def caller_screen(self, counter: str) -> CallerScreen:
        self._log("caller_screen", counter)
        tickets = (QueueTicket(counter, DAY, 1, "called"), QueueTicket(counter, DAY, 2,
                                                                       "waiting"))
        return CallerScreen(counter, ("子育て支援課", "Children"), DAY, 1, 1, (2,), tickets,
                            START)

    async def call_next(self, counter: str) -> Called:
        self._log("call_next", counter)
        return Called(QueueTicket(counter, DAY, 2, "called"), 0)

    async def skip(self, counter: str, number: int) -> QueueTicket:
        self._log("skip", counter, number)
        return QueueTicket(counter, DAY, number, "skipped")

    async def done(self, counter: str, number: int) -> QueueTicket:
        self._log("done", counter, number)
        return QueueTicket(counter, DAY, number, "done")

    async def walk_in(self, counter: str) -> QueueTicket:
        self._log("walk_in", counter)
        return QueueTicket(counter, DAY, 9, "waiting", channel="counter")


async def test_the_day_list_of_the_departments_resource_and_day() -> None:
    source = FakeStaff()
    state = DayState(source, "children", lambda: DAY)
    assert state.claim_resources_load()
    await state.load_resources()
    assert state.resource_id == "kosodate-counter"  # not the citizens' one
    assert state.claim_day_load()
    await state.load_day()
    assert [b.number for b in state.slots[0].bookings] == ["予-1"]
    assert not state.claim_day_load()  # read already
    state.shift_day(1)
    assert state.slots == () and state.claim_day_load()
    await state.load_day()
    assert source.calls[-1] == ("day", "kosodate-counter", date(2026, 12, 16))


def test_check_in_is_offered_today_and_no_show_from_today_back() -> None:
    state = DayState(FakeStaff(), "children", lambda: DAY)
    assert state.checks_in and state.records_no_shows
    state.shift_day(1)
    assert not state.checks_in and not state.records_no_shows
    state.shift_day(-2)
    assert not state.checks_in and state.records_no_shows


async def test_check_in_and_no_show_keep_their_outcome_by_the_booking() -> None:
    source = FakeStaff()
    state = DayState(source, "children", lambda: DAY)
    await state.load_resources()
    assert await state.check_in("b1")
    assert (state.outcome_at, state.outcome, state.refusal) == ("b1", "check_in", None)
    assert state.loaded_for is None  # read again
    source.refuse["no_show"] = BackendRejected(409, "not begun", "not_begun")
    assert not await state.no_show("b1")
    assert state.refusal is not None and state.refusal.code == "not_begun"


async def test_capacity_close_and_add_are_checked_first() -> None:
    source = FakeStaff()
    state = DayState(source, "children", lambda: DAY)
    await state.load_resources()
    await state.load_day()
    state.set_capacity_text(START, "many")
    assert not await state.save_capacity(START)
    assert state.refusal is not None and state.refusal.code == "invalid_capacity"
    state.set_capacity_text(START, "５")
    assert await state.save_capacity(START)
    assert source.calls[-1] == ("set_capacity", "kosodate-counter", START, 5)
    assert not await state.close_slot(START)
    assert state.refusal is not None and state.refusal.code == "no_reason"
    state.set_reason_text(START, " 職員研修のため ")
    assert await state.close_slot(START)
    assert source.calls[-1] == ("close_slot", "kosodate-counter", START, "職員研修のため")
    state.set_new_slot(time_text="25:00")
    assert not await state.add_slot()
    assert state.refusal is not None and state.refusal.code == "invalid_time"
    state.set_new_slot(time_text="１４：３０", capacity_text="")
    assert await state.add_slot()
    added = source.calls[-1]
    assert added[0] == "add_slot" and added[2] == parse_start(DAY, "14:30")
    assert added[3] is None and state.new_time_text == ""


async def test_typed_texts_and_fields_belong_to_one_state_and_resource() -> None:
    """A text field shows what was typed until `revision` changes: never another
    clerk's (another state) or another resource's text, nor a capacity read before."""
    source = FakeStaff()
    state = DayState(source, "children", lambda: DAY)
    other_clerk = DayState(source, "children", lambda: DAY)
    await state.load_resources()
    await other_clerk.load_resources()
    assert state.revision != other_clerk.revision
    before = state.revision
    await state.load_day()
    assert state.revision != before  # the city's capacities are shown again
    state.resources = [RESOURCE, StaffResource("kosodate-room", ("部屋", "Room"), "facility",
                                               "children", False, None, None, 60, 1)]
    state.set_capacity_text(START, "5")
    state.set_reason_text(START, "研修")
    state.set_new_slot(time_text="14:30", capacity_text="3")
    shown = state.revision
    state.choose_resource("kosodate-room")
    assert state.revision != shown
    assert (state.capacity_text, state.reason_text) == ({}, {})
    assert (state.new_time_text, state.new_capacity_text) == ("", "")


async def test_a_check_in_by_code_has_the_day_list_read_again() -> None:
    source = FakeStaff()
    day = DayState(source, "children", lambda: DAY)
    await day.load_resources()
    await day.load_day()
    assert not day.claim_day_load()
    state = CheckInState(source, "children", day.reload)
    source.refuse["check_in_by_code"] = BackendRejected(409, "not today", "not_today")
    assert not await state.scan(CODE)
    assert not day.claim_day_load()  # nothing changed
    del source.refuse["check_in_by_code"]
    assert await state.scan(CODE)
    assert day.claim_day_load()  # 受付済み once the clerk is back on the list


async def test_check_in_by_a_typed_code() -> None:
    source = FakeStaff()
    state = CheckInState(source, "children")
    state.set_code_text("nonsense")
    assert not await state.scan_typed()
    assert state.refusal is not None and state.refusal.code == "malformed_code"
    assert normalise_code(" " + CODE.lower() + "\n") == CODE
    state.set_code_text(CODE.lower())
    assert await state.scan_typed()
    assert state.checked_in is not None and state.checked_in.ticket is not None
    assert state.code_text == "" and source.calls[-1] == ("check_in_by_code", CODE)
    source.refuse["check_in_by_code"] = BackendRejected(409, "not today", "not_today")
    assert not await state.scan(CODE)
    assert state.refusal is not None and state.refusal.code == "not_today"
    assert state.checked_in is None


async def test_the_caller_calls_serves_and_issues_walk_ins() -> None:
    source = FakeStaff()
    state = CallerState(source, "children", lambda: START)
    assert counters_of([OTHER, RESOURCE], "children") == [("kosodate",
                                                           ("子育て支援課", "Children"))]
    await state.load_counters()
    assert state.counter == "kosodate" and state.due()
    await state.load_screen()
    assert [t.number for t in state.waiting] == [2] and not state.due()
    assert await state.call_next()
    assert state.called is not None and state.called.number == 2
    assert await state.done(2)
    assert state.called is None and source.calls[-2] == ("done", "kosodate", 2)
    assert await state.issue_walk_in()
    assert state.walk_in is not None and state.walk_in.number == 9
    source.refuse["call_next"] = BackendRejected(409, "nobody", "queue_empty")
    assert not await state.call_next()
    assert state.refusal is not None and state.refusal.code == "queue_empty"
