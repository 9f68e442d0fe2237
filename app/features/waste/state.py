"""The waste tile's state and actions in plain Python: the sorting dictionary, the district
and its collection calendar, reminders, and (see bulky.py) bulky-waste bookings."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from app.features.waste.calendar import (
    DayCell,
    collection_days,
    month_view,
    next_collections,
    put_out_time,
)
from app.features.waste.kana_order import by_reading
from app.features.waste.reminders import Reminder, due_reminders
from app.features.waste.repository import WasteChoice, WasteContent, district_for_address
from app.features.waste.search import SearchHit, WasteIndex
from app.i18n.formatting import CITY_TIMEZONE, city_today
from offline_store import OfflineStoreError

if TYPE_CHECKING:
    from app.features.waste.ports import WasteSource

log = logging.getLogger(__name__)

RESULTS_SHOWN = 20


class Section(StrEnum):
    SEARCH = "search"
    CALENDAR = "calendar"
    BULKY = "bulky"


class Status(StrEnum):
    IDLE = "idle"
    LOADING = "loading"
    LOADED = "loaded"
    FAILED = "failed"


class WasteState:
    def __init__(self, repository: WasteSource,
                 household_address: Callable[[], str | None],
                 now: Callable[[], datetime]) -> None:
        self._repo = repository
        self._household_address = household_address
        self._now = now
        self.status = Status.IDLE
        self.error = ""
        self.stamp: object = None
        self.language: str | None = None
        self.content = WasteContent()
        self._index: WasteIndex | None = None
        self._indexed_items: list[dict[str, Any]] | None = None
        self._indexed_language: str | None = None
        self.section = Section.SEARCH
        self.query = ""
        self.hits: list[SearchHit] = []
        self.choice = WasteChoice()
        self.district_guessed = False  # taken from the household's address, not chosen yet
        self.choosing_district = False  # the resident asked to change it
        today = city_today(now())
        self.month = (today.year, today.month)
        self.selected_day: date | None = None  # a calendar day tapped (None: today)

    # --- loading ---------------------------------------------------------------------------
    @property
    def never_received(self) -> bool:
        return self.content.synced_at is None and not self.content.items

    def claim_load(self, language: str) -> bool:
        if self.status is Status.LOADING:
            return False
        if (self.status is not Status.IDLE and self.language == language
                and self.stamp == self._repo.stamp()):
            return False
        self.status = Status.LOADING
        return True

    async def load(self, language: str) -> None:
        stamp = self._repo.stamp()
        try:
            content = await self._repo.content(language)
            choice = await self._repo.choice()
        except OfflineStoreError as exc:
            log.warning("waste data could not be read: %s", exc)
            self.status, self.error, self.stamp, self.language = (
                Status.FAILED, str(exc), stamp, language)
            return
        if content.items == self.content.items:  # keep the list the index was built from
            content = replace(content, items=self.content.items)
        self.content, self.choice = content, choice
        self.district_guessed = False
        # The stored district stays while the device holds no districts yet (the public
        # store not open yet, or never synced: an offline start); dropping it here would
        # let the next save (a reminder switch) write "no district" over it.
        if choice.district is None or (content.areas
                                       and content.area(choice.district) is None):
            guess = district_for_address(self._household_address(), content.areas)
            self.choice = WasteChoice(guess, choice.reminders_off)
            self.district_guessed = guess is not None
        self.stamp, self.language, self.status, self.error = stamp, language, Status.LOADED, ""
        if self.query:
            self.set_query(self.query)

    # --- sorting dictionary ----------------------------------------------------------------
    def set_query(self, query: str) -> None:
        self.query = query
        self.hits = self.search(query, RESULTS_SHOWN)

    def search(self, query: str, limit: int) -> list[SearchHit]:
        """The index is built on the first search, not at load: the reminder loop loads the
        tile's data in every session, and most sessions never search."""
        if not query.strip():
            return []
        if (self._index is None or self._indexed_items is not self.content.items
                or self._indexed_language != self.language):
            # the items' names and keywords in the UI language are keys too (ADR 0028)
            self._index = WasteIndex.build(self.content.items, language=self.language)
            self._indexed_items = self.content.items
            self._indexed_language = self.language
        return self._index.search(query, limit)

    # --- district and calendar ---------------------------------------------------------
    @property
    def area(self) -> dict[str, Any] | None:
        return self.content.area(self.choice.district)

    def districts(self) -> list[dict[str, Any]]:
        """The districts in 五十音 order, by the reading the city gives (`reading`)."""
        return by_reading(self.content.areas)

    async def choose_district(self, area_id: str) -> None:
        if self.content.area(area_id) is None:
            raise ValueError(f"unknown district {area_id!r}")
        # A guessed district was never saved: compare with "none" so the choice is stored.
        before = (WasteChoice(None, self.choice.reminders_off) if self.district_guessed
                  else self.choice)
        self.choice = WasteChoice(area_id, self.choice.reminders_off)
        self.district_guessed = False
        await self._repo.save_choice(self.choice, before)

    async def confirm_guessed_district(self) -> None:
        """Keeps the district taken from the household's address as the resident's choice."""
        if self.choice.district is not None and self.district_guessed:
            self.district_guessed = False
            await self._repo.save_choice(self.choice, WasteChoice(None,
                                                                  self.choice.reminders_off))

    def kinds(self) -> list[str]:
        """The kinds collected in the chosen district, in the city's order."""
        area = self.area
        if area is None:
            return []
        order = {k.get("label"): i for i, k in enumerate(self.content.kinds)}
        found = [str(s.get("kind")) for s in area.get("schedules") or [] if s.get("kind")]
        return sorted(dict.fromkeys(found), key=lambda k: (order.get(k, len(order)), k))

    def kind_info(self, kind: str) -> dict[str, Any]:
        return next((k for k in self.content.kinds if k.get("label") == kind), {})

    def today(self) -> date:
        """Today in the city (Asia/Tokyo), whatever the device's own time zone."""
        return city_today(self._now())

    def put_out_by(self) -> time | None:
        """The city's put-out time for the district (dataset field `put_out_by`)."""
        area = self.area
        return put_out_time(area) if area is not None else None

    def finished_today(self) -> list[str]:
        """The kinds collected today whose put-out time has passed by the city's clock:
        too late to put them out, so the next collection is the one to show."""
        area, deadline = self.area, self.put_out_by()
        if area is None or deadline is None:
            return []
        now = self._now().astimezone(ZoneInfo(CITY_TIMEZONE))
        if now.time() < deadline:
            return []
        today = now.date()
        return collection_days(area, today, today, self.content.centers,
                               bool(area.get("week_shift")),
                               kinds=self.content.kinds).get(today, [])

    def next_collections(self) -> list[tuple[str, date]]:
        """The next collection of each kind: today's while it can still be put out, after
        the put-out time the one after it (`finished_today` names those kinds)."""
        area = self.area
        if area is None:
            return []
        today = self.today()
        found = next_collections(area, today, self.content.centers,
                                 week_shift=bool(area.get("week_shift")),
                                 kinds=self.content.kinds)
        finished = set(self.finished_today())
        if not finished:
            return found
        later = dict(next_collections(area, today + timedelta(days=1), self.content.centers,
                                      week_shift=bool(area.get("week_shift")),
                                      kinds=self.content.kinds))
        moved = [(kind, later[kind]) if kind in finished else (kind, day)
                 for kind, day in found if kind not in finished or kind in later]
        order = {kind: i for i, (kind, _) in enumerate(later.items())}
        return sorted(moved, key=lambda pair: (pair[1], order.get(pair[0], 0)))

    def select_day(self, day: date | None) -> None:
        """A calendar day tapped: its collections are listed in full under the month."""
        self.selected_day = day

    @property
    def shown_day(self) -> date:
        """The day the calendar details: the one tapped, else today."""
        return self.selected_day or self.today()

    def month_cells(self) -> list[DayCell]:
        area = self.area
        if area is None:
            return []
        year, month = self.month
        return month_view(area, year, month, self.content.centers,
                          week_shift=bool(area.get("week_shift")), kinds=self.content.kinds,
                          holidays=self.content.holidays)

    def shift_month(self, delta: int) -> None:
        year, month = self.month
        index = year * 12 + (month - 1) + delta
        self.month = (index // 12, index % 12 + 1)

    # --- reminders ---------------------------------------------------------------------
    def reminder_on(self, kind: str) -> bool:
        return kind not in self.choice.reminders_off

    async def set_reminder(self, kind: str, on: bool) -> None:
        before = self.choice
        off = set(before.reminders_off)
        (off.discard if on else off.add)(kind)
        self.choice = WasteChoice(before.district, frozenset(off))
        await self._repo.save_choice(self.choice, before)

    def upcoming_reminders(self, horizon_days: int = 14) -> list[Reminder]:
        area = self.area
        if area is None:
            return []
        enabled = {k for k in self.kinds() if self.reminder_on(k)}
        return due_reminders(area, self._now(), enabled, horizon_days=horizon_days,
                             centers=self.content.centers,
                             week_shift=bool(area.get("week_shift")),
                             kinds=self.content.kinds)
