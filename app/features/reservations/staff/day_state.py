"""The day's list of a resource in plain Python (testable with a fake source): the
department's resources, the chosen one and day (previous / next day), its slots with their
bookings, and what a clerk does there: check in, no-show, change a slot's capacity, close a
slot with a reason (the view asks to confirm first), add a slot.

Each action's outcome is kept with where it was done (`outcome_at`: a booking id, a slot's
start, "new" for the add form, "" the top) so the view shows it by the button pressed."""

from __future__ import annotations

import itertools
import logging
import re
from collections.abc import Awaitable, Callable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from app.features.reservations.staff.state import (
    DayList,
    Load,
    Refusal,
    ReservationsStaffSource,
    StaffResource,
    StaffSlotRow,
    refusal_of,
)
from app.observable import Observable
from backend_client import BackendError

log = logging.getLogger(__name__)

CITY_TIME_ZONE = ZoneInfo("Asia/Tokyo")
MAX_CAPACITY = 1000
MAX_REASON = 500
_TIME = re.compile(r"([01]?[0-9]|2[0-3]):([0-5][0-9])")
_DIGITS = str.maketrans("０１２３４５６７８９：", "0123456789:")
_REVISIONS = itertools.count(1)


def slot_key(start: datetime) -> str:
    return start.isoformat()


def parse_capacity(text: str) -> int | None:
    try:
        value = int(text.strip().translate(_DIGITS))
    except ValueError:
        return None
    return value if 0 <= value <= MAX_CAPACITY else None


def parse_start(day: date, text: str) -> datetime | None:
    """`HH:MM` on `day` in Tokyo, else None."""
    match = _TIME.fullmatch(text.strip().translate(_DIGITS))
    if match is None:
        return None
    return datetime.combine(day, time(int(match[1]), int(match[2])), CITY_TIME_ZONE)


class DayState(Observable):
    def __init__(self, source: ReservationsStaffSource, department: str,
                 today: Callable[[], date]) -> None:
        super().__init__()
        self._source = source
        self.department = department
        self._today = today
        self.day = today()
        self.resources: list[StaffResource] = []
        self.resources_load = Load.IDLE
        self.resource_id = ""
        self.day_list: DayList | None = None
        self.day_load = Load.IDLE
        self.loaded_for: tuple[str, date] | None = None
        self.busy = ""  # "<action>:<where>"
        self.outcome_at = ""
        self.outcome = ""  # what was done ("check_in", "no_show", "capacity", ...)
        self.refusal: Refusal | None = None
        self.capacity_text: dict[str, str] = {}
        self.reason_text: dict[str, str] = {}
        self.new_time_text = ""
        self.new_capacity_text = ""
        # What the text fields show (`controlled_text_field`): a field keeps what the clerk
        # typed until this changes. Drawn from one counter for every state, so another
        # clerk's or department's list never shares a revision with this one; new when the
        # resource changes and whenever the city's values are read again (a capacity
        # changed elsewhere is shown, not the value on the screen before).
        self.revision = next(_REVISIONS)

    # --- resources ----------------------------------------------------------------------
    @property
    def own_resources(self) -> list[StaffResource]:
        """The resources of this screen's department (a clerk of two sees each on its
        own screen)."""
        return [r for r in self.resources if r.department == self.department]

    @property
    def resource(self) -> StaffResource | None:
        return next((r for r in self.own_resources if r.id == self.resource_id), None)

    def claim_resources_load(self) -> bool:
        if self.resources_load is not Load.IDLE:
            return False
        self.resources_load = Load.LOADING
        return True

    async def load_resources(self) -> None:
        try:
            self.resources = await self._source.resources()
        except BackendError as exc:
            log.warning("reservation resources not read: %s", exc)
            self.resources_load = Load.FAILED
            self._refused("", "resources", refusal_of(exc))
            return
        self.resources_load = Load.LOADED
        if self.resource is None:
            choices = [r for r in self.own_resources if not r.withdrawn] or self.own_resources
            self.resource_id = choices[0].id if choices else ""
        self._changed()

    def choose_resource(self, resource_id: str) -> None:
        if any(r.id == resource_id for r in self.own_resources):
            if resource_id != self.resource_id:
                # Texts typed for another resource's slots are not this one's.
                self.capacity_text.clear()
                self.reason_text.clear()
                self.new_time_text = self.new_capacity_text = ""
                self.revision = next(_REVISIONS)
            self.resource_id = resource_id
            self._reset_outcome()
            self._changed()

    # --- the day ------------------------------------------------------------------------
    def shift_day(self, days: int) -> None:
        self.day += timedelta(days=days)
        self._reset_outcome()
        self._changed()

    def set_day(self, day: date) -> None:
        self.day = day
        self._reset_outcome()
        self._changed()

    @property
    def checks_in(self) -> bool:
        """A booking is checked in on its day only (the city refuses `not_today`)."""
        return self.day == self._today()

    @property
    def records_no_shows(self) -> bool:
        """No-shows are recorded once the slot has begun: never on a day still to come."""
        return self.day <= self._today()

    def claim_day_load(self) -> bool:
        if (not self.resource_id or self.day_load is Load.LOADING
                or self.loaded_for == (self.resource_id, self.day)):
            return False
        self.day_load = Load.LOADING
        return True

    async def load_day(self) -> None:
        wanted = (self.resource_id, self.day)
        self.day_load = Load.LOADING
        try:
            listed = await self._source.day(*wanted)
        except BackendError as exc:
            log.warning("day list %s not read: %s", wanted, exc)
            self.day_load = Load.FAILED
            self.loaded_for = wanted
            self._refused("", "day", refusal_of(exc))
            return
        self.day_list = listed
        self.day_load = Load.LOADED
        self.loaded_for = wanted
        self.revision = next(_REVISIONS)  # the capacities just read (or what was typed)
        self._changed()

    @property
    def slots(self) -> tuple[StaffSlotRow, ...]:
        listed = self.day_list
        if listed is None or (listed.resource.id, listed.day) != (self.resource_id, self.day):
            return ()
        return listed.slots

    def reload(self) -> None:
        """Read the day again on the next render (after a change)."""
        self.loaded_for = None

    # --- outcomes -----------------------------------------------------------------------
    def _reset_outcome(self) -> None:
        self.outcome_at, self.outcome, self.refusal = "", "", None

    def _refused(self, where: str, action: str, refusal: Refusal) -> bool:
        self.outcome_at, self.outcome, self.refusal = where, action, refusal
        self._changed()
        return False

    def _done(self, where: str, action: str) -> bool:
        self.outcome_at, self.outcome, self.refusal = where, action, None
        self.reload()
        self._changed()
        return True

    async def _run(self, where: str, action: str, call: Callable[[], Awaitable[object]]) -> bool:
        if self.busy:
            return False
        self.busy = f"{action}:{where}"
        self._changed()
        try:
            await call()
        except BackendError as exc:
            log.info("%s at %s refused: %s", action, where, exc)
            return self._refused(where, action, refusal_of(exc))
        finally:
            self.busy = ""
        return self._done(where, action)

    # --- bookings -----------------------------------------------------------------------
    async def check_in(self, booking_id: str) -> bool:
        return await self._run(booking_id, "check_in",
                               lambda: self._source.check_in(booking_id))

    async def no_show(self, booking_id: str) -> bool:
        return await self._run(booking_id, "no_show", lambda: self._source.no_show(booking_id))

    # --- slots --------------------------------------------------------------------------
    def set_capacity_text(self, start: datetime, text: str) -> None:
        self.capacity_text[slot_key(start)] = text

    def set_reason_text(self, start: datetime, text: str) -> None:
        self.reason_text[slot_key(start)] = text

    async def save_capacity(self, start: datetime) -> bool:
        key = slot_key(start)
        slot = next((s for s in self.slots if s.start == start), None)
        capacity = parse_capacity(self.capacity_text.get(
            key, str(slot.capacity) if slot is not None else ""))
        if capacity is None:
            return self._refused(key, "capacity", Refusal("invalid_capacity"))
        saved = await self._run(key, "capacity", lambda: self._source.set_capacity(
            self.resource_id, start, capacity))
        if saved:
            self.capacity_text.pop(key, None)
        return saved

    def close_refusal(self, start: datetime) -> Refusal | None:
        """Why the slot cannot be closed with the reason typed (asked before the confirm
        dialog)."""
        reason = self.reason_text.get(slot_key(start), "").strip()
        if not reason:
            return Refusal("no_reason")
        if len(reason) > MAX_REASON:
            return Refusal("reason_too_long")
        return None

    def refuse_close(self, start: datetime, refusal: Refusal) -> None:
        self._refused(slot_key(start), "close", refusal)

    async def close_slot(self, start: datetime) -> bool:
        key = slot_key(start)
        refusal = self.close_refusal(start)
        if refusal is not None:
            return self._refused(key, "close", refusal)
        reason = self.reason_text[key].strip()
        closed = await self._run(key, "close", lambda: self._source.close_slot(
            self.resource_id, start, reason))
        if closed:
            self.reason_text.pop(key, None)
            self.revision = next(_REVISIONS)
        return closed

    def set_new_slot(self, *, time_text: str | None = None,
                     capacity_text: str | None = None) -> None:
        if time_text is not None:
            self.new_time_text = time_text
        if capacity_text is not None:
            self.new_capacity_text = capacity_text

    async def add_slot(self) -> bool:
        start = parse_start(self.day, self.new_time_text)
        if start is None:
            return self._refused("new", "add", Refusal("invalid_time"))
        capacity: int | None = None
        if self.new_capacity_text.strip():
            capacity = parse_capacity(self.new_capacity_text)
            if capacity is None or capacity < 1:
                return self._refused("new", "add", Refusal("invalid_capacity"))
        added = await self._run("new", "add", lambda: self._source.add_slot(
            self.resource_id, start, capacity))
        if added:
            self.new_time_text = self.new_capacity_text = ""
            self.revision = next(_REVISIONS)
        return added
