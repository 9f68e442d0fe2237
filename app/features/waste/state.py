"""The waste tile's state and actions in plain Python: the sorting dictionary, the district
and its collection calendar, reminders, and (see bulky.py) bulky-waste bookings."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from app.features.waste.calendar import DayCell, month_view, next_collections
from app.features.waste.reminders import Reminder, due_reminders
from app.features.waste.repository import WasteChoice, WasteContent, district_for_address
from app.features.waste.search import SearchHit, WasteIndex
from app.i18n.formatting import city_today
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
        self.section = Section.SEARCH
        self.query = ""
        self.hits: list[SearchHit] = []
        self.choice = WasteChoice()
        self.district_guessed = False  # taken from the household's address, not chosen yet
        self.choosing_district = False  # the resident asked to change it
        today = city_today(now())
        self.month = (today.year, today.month)

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
        if choice.district is None or content.area(choice.district) is None:
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
        if self._index is None or self._indexed_items is not self.content.items:
            self._index = WasteIndex.build(self.content.items)
            self._indexed_items = self.content.items
        return self._index.search(query, limit)

    # --- district and calendar ---------------------------------------------------------
    @property
    def area(self) -> dict[str, Any] | None:
        return self.content.area(self.choice.district)

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

    def next_collections(self) -> list[tuple[str, date]]:
        area = self.area
        if area is None:
            return []
        return next_collections(area, city_today(self._now()), self.content.centers,
                                week_shift=bool(area.get("week_shift")),
                                kinds=self.content.kinds)

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
