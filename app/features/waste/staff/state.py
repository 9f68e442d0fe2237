"""The bulky-waste staff screens' state and actions in plain Python (testable with a fake
source): slots per district and day (view, create, resize), the bookings list (filtered,
paged), marking a booking collected and the CSV download.

Every read of residents' bookings states its purpose (the backend logs it in each resident's
access log). A change the city refuses is kept as a `Refusal` the view shows as it is.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from app.features.waste.staff.repository import BulkyStaffSource
from app.observable import Observable
from backend_client import (
    BackendError,
    BackendRejected,
    BackendUnavailable,
    StaffBooking,
    StaffBookingPage,
    StaffSlot,
)

__all__ = ["BulkyStaffState", "Load", "Refusal", "StaffBooking", "StaffSlot", "slot_key"]

log = logging.getLogger(__name__)

PURPOSE = "粗大ごみの収集（bulky waste collection）"
PAGE_SIZE = 20
PERIOD_DAYS = 14
MAX_CAPACITY = 1000
STATUSES = ("booked", "collected", "cancelled")
CSV_NAME = "bulky-bookings-{what}.csv"


class Load(StrEnum):
    IDLE = "idle"
    LOADING = "loading"
    LOADED = "loaded"
    FAILED = "failed"


@dataclass(frozen=True)
class Refusal:
    """Why something was not done. `code`: "capacity_below_booked" (with `booked`),
    "not_booked", "invalid_capacity", "invalid_day", "no_area", "outside_staff_scope",
    "offline", "failed"."""

    code: str
    area_id: str = ""
    day: date | None = None
    capacity: int | None = None
    booked: int | None = None
    detail: str = ""


def slot_key(area_id: str, day: date) -> str:
    return f"{area_id}:{day.isoformat()}"


def _refusal(exc: Exception, **about: object) -> Refusal:
    if isinstance(exc, BackendRejected):
        info = exc.info
        booked = info.get("booked")
        return Refusal(exc.code or "failed", detail=exc.detail,
                       booked=booked if isinstance(booked, int) else None,
                       **about)  # type: ignore[arg-type]
    if isinstance(exc, BackendUnavailable):
        return Refusal("offline", detail=str(exc), **about)  # type: ignore[arg-type]
    return Refusal("failed", detail=str(exc), **about)  # type: ignore[arg-type]


def parse_capacity(text: str) -> int | None:
    try:
        value = int(text.strip().translate(str.maketrans("０１２３４５６７８９", "0123456789")))
    except ValueError:
        return None
    return value if 0 <= value <= MAX_CAPACITY else None


def parse_day(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


class BulkyStaffState(Observable):
    def __init__(self, source: BulkyStaffSource, today: Callable[[], date],
                 save_file: Callable[[str, bytes], Awaitable[None]] | None = None) -> None:
        super().__init__()
        self._source = source
        self._save_file = save_file
        self.purpose = PURPOSE
        # --- slots
        self.first_day = today()
        self.slots: list[StaffSlot] = []
        self.areas: list[tuple[str, str]] = []
        self.slots_load = Load.IDLE
        self.slots_for: date | None = None  # the first day the slots shown were read for
        self.capacity_text: dict[str, str] = {}  # what was typed per slot key
        self.revision = 0  # bumped when the state itself resets the typed texts
        self.new_area = ""
        self.new_day_text = ""
        self.new_capacity_text = ""
        self.slot_saved = ""  # key of the slot saved last ("new" for a created one)
        self.slot_refusal: Refusal | None = None
        # Where the last outcome is shown: a slot's key (its own row, where the staff member
        # pressed 保存, however far down the list), "new" (the add form) or "" (the top).
        self.slot_outcome_at = ""
        # --- bookings
        self.day_filter: date | None = None
        self.area_filter: str | None = None
        self.status_filter: str | None = "booked"
        self.offset = 0
        self.page: StaffBookingPage | None = None
        self.bookings_load = Load.IDLE
        self.bookings_for: tuple[object, ...] | None = None
        self.bookings_refusal: Refusal | None = None
        self.collected_last = ""  # number of the booking marked collected last

    # --- slots -------------------------------------------------------------------------
    @property
    def last_day(self) -> date:
        return self.first_day + timedelta(days=PERIOD_DAYS - 1)

    def area_name(self, area_id: str) -> str:
        names = dict(self.areas)
        for slot in self.slots:
            if slot.area_id == area_id and slot.area_name:
                return slot.area_name
        return names.get(area_id, area_id)

    def slots_by_day(self) -> list[tuple[date, list[StaffSlot]]]:
        days: dict[date, list[StaffSlot]] = {}
        for slot in sorted(self.slots, key=lambda s: (s.day, self.area_name(s.area_id))):
            days.setdefault(slot.day, []).append(slot)
        return list(days.items())

    def claim_slots_load(self) -> bool:
        if self.slots_load is Load.LOADING or self.slots_for == self.first_day:
            return False
        self.slots_load = Load.LOADING
        return True

    async def load_slots(self) -> None:
        first = self.first_day
        self.slots_load = Load.LOADING
        try:
            if not self.areas:
                self.areas = await self._source.areas()
            self.slots = await self._source.slots(first, first + timedelta(PERIOD_DAYS - 1))
            self.slots_load = Load.LOADED
            self.slot_refusal = None
        except BackendError as exc:
            log.warning("bulky slots could not be read: %s", exc)
            self.slots_load = Load.FAILED
            self.slot_refusal, self.slot_outcome_at = _refusal(exc), ""
        except Exception as exc:  # a login that ended meanwhile, a damaged store
            log.warning("bulky slots could not be read: %s", exc)
            self.slots_load = Load.FAILED
            self.slot_refusal, self.slot_outcome_at = Refusal("failed", detail=str(exc)), ""
        self.slots_for = first
        self._changed()

    def shift_period(self, days: int) -> None:
        """Earlier or later days; the shell then reads them (`claim_slots_load`)."""
        self.first_day += timedelta(days=days)
        self.slot_saved = ""
        self.slot_refusal = None
        self._changed()

    def capacity_shown(self, slot: StaffSlot) -> str:
        return self.capacity_text.get(slot_key(slot.area_id, slot.day), str(slot.capacity))

    def set_capacity_text(self, area_id: str, day: date, text: str) -> None:
        self.capacity_text[slot_key(area_id, day)] = text

    async def save_capacity(self, area_id: str, day: date) -> None:
        key = slot_key(area_id, day)
        slot = next((s for s in self.slots if slot_key(s.area_id, s.day) == key), None)
        text = self.capacity_text.get(key, str(slot.capacity) if slot else "")
        await self._put(area_id, day, text, key)

    def set_new_slot(self, *, area_id: str | None = None, day_text: str | None = None,
                     capacity_text: str | None = None) -> None:
        if area_id is not None:
            self.new_area = area_id
        if day_text is not None:
            self.new_day_text = day_text
        if capacity_text is not None:
            self.new_capacity_text = capacity_text

    async def create_slot(self) -> None:
        day = parse_day(self.new_day_text)
        if not self.new_area:
            self._refuse(Refusal("no_area"), "new")
        elif day is None:
            self._refuse(Refusal("invalid_day"), "new")
        elif await self._put(self.new_area, day, self.new_capacity_text, "new"):
            self.new_day_text = self.new_capacity_text = ""
            self.revision += 1
            self._changed()

    async def _put(self, area_id: str, day: date, text: str, saved_key: str) -> bool:
        capacity = parse_capacity(text)
        if capacity is None:
            self._refuse(Refusal("invalid_capacity", area_id, day), saved_key)
            return False
        try:
            changed = await self._source.put_slots([(area_id, day, capacity)])
        except BackendError as exc:
            self._refuse(_refusal(exc, area_id=area_id, day=day, capacity=capacity), saved_key)
            return False
        by_key = {slot_key(s.area_id, s.day): s for s in self.slots}
        for slot in changed:
            known = by_key.get(slot_key(slot.area_id, slot.day))
            name = slot.area_name or (known.area_name if known else None)
            by_key[slot_key(slot.area_id, slot.day)] = StaffSlot(
                slot.area_id, slot.day, slot.capacity, slot.booked,
                name or dict(self.areas).get(slot.area_id))
            self.capacity_text.pop(slot_key(slot.area_id, slot.day), None)
        self.slots = [s for s in by_key.values()
                      if self.first_day <= s.day <= self.last_day]
        self.slot_saved, self.slot_refusal, self.slot_outcome_at = saved_key, None, saved_key
        self.revision += 1
        self._changed()
        return True

    def _refuse(self, refusal: Refusal, at: str) -> None:
        self.slot_saved, self.slot_refusal, self.slot_outcome_at = "", refusal, at
        self._changed()

    # --- bookings ----------------------------------------------------------------------
    def _query(self) -> tuple[object, ...]:
        return (self.day_filter, self.area_filter, self.status_filter, self.offset)

    def claim_bookings_load(self) -> bool:
        if self.bookings_load is Load.LOADING or self.bookings_for == self._query():
            return False
        self.bookings_load = Load.LOADING
        return True

    async def load_bookings(self) -> None:
        query = self._query()
        self.bookings_load = Load.LOADING
        try:
            if not self.areas:
                self.areas = await self._source.areas()
            self.page = await self._source.bookings(
                self.purpose, day=self.day_filter, area_id=self.area_filter,
                status=self.status_filter, limit=PAGE_SIZE, offset=self.offset)
            self.bookings_load = Load.LOADED
            self.bookings_refusal = None
        except BackendError as exc:
            log.warning("bulky bookings could not be read: %s", exc)
            self.bookings_load = Load.FAILED
            self.bookings_refusal = _refusal(exc)
        except Exception as exc:
            log.warning("bulky bookings could not be read: %s", exc)
            self.bookings_load = Load.FAILED
            self.bookings_refusal = Refusal("failed", detail=str(exc))
        self.bookings_for = query
        self._changed()

    def set_day_filter(self, text: str) -> bool:
        """A day typed as YYYY-MM-DD, or "" for every day; False (nothing changes) for text
        that is not a day."""
        day = parse_day(text) if text.strip() else None
        if text.strip() and day is None:
            self.bookings_refusal = Refusal("invalid_day")
            self._changed()
            return False
        self.day_filter = day
        self._filters_changed()
        return True

    def set_area_filter(self, area_id: str | None) -> None:
        self.area_filter = area_id or None
        self._filters_changed()

    def set_status_filter(self, status: str | None) -> None:
        self.status_filter = status if status in STATUSES else None
        self._filters_changed()

    def _filters_changed(self) -> None:
        """Back to the first page; the shell then reads it (`claim_bookings_load`)."""
        self.offset = 0
        self.collected_last = ""
        self.bookings_refusal = None
        self._changed()

    @property
    def has_next_page(self) -> bool:
        return self.page is not None and self.offset + PAGE_SIZE < self.page.total

    @property
    def has_previous_page(self) -> bool:
        return self.offset > 0

    def next_page(self) -> None:
        if self.has_next_page:
            self.offset += PAGE_SIZE
            self._changed()

    def previous_page(self) -> None:
        if self.has_previous_page:
            self.offset = max(0, self.offset - PAGE_SIZE)
            self._changed()

    async def mark_collected(self, number: str) -> None:
        try:
            done = await self._source.mark_collected(number)
        except BackendError as exc:
            self.bookings_refusal = _refusal(exc)
            self._changed()
            return
        if self.page is not None:
            rows = tuple(
                StaffBooking(b.number, b.day, b.area_id, b.area_name, b.items, b.total_fee,
                             done.status, b.common_id) if b.number == number else b
                for b in self.page.bookings)
            self.page = StaffBookingPage(rows, self.page.total, self.page.limit,
                                         self.page.offset)
        self.collected_last, self.bookings_refusal = number, None
        self._changed()

    def csv_name(self) -> str:
        return CSV_NAME.format(what=self.day_filter.isoformat() if self.day_filter else "all")

    async def download_csv(self) -> None:
        """Every booking the filters match (all pages), handed to the staff member as a file."""
        try:
            data = await self._source.bookings_csv(
                self.purpose, day=self.day_filter, area_id=self.area_filter,
                status=self.status_filter)
        except BackendError as exc:
            self.bookings_refusal = _refusal(exc)
            self._changed()
            return
        if self._save_file is not None:
            await self._save_file(self.csv_name(), data)
