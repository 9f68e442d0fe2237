"""Delivering a tile's reminders on this device: a notification on phones and computers
(plyer, `AppServices.notifier`), and on every device a note on the home screen while the
reminder is due (`notes`).

A tile subclasses `ReminderDeliveryBase` with where its reminders come from (reading its
data, the reminders still to show, a stable id, the words) and runs it for the session
(`FeatureSpec.background`). Each reminder is notified once per device: the ids delivered are
kept in the device's settings, whatever the number of restarts.
"""

from __future__ import annotations

import asyncio
import json
import logging
from abc import ABC, abstractmethod
from collections.abc import Callable
from datetime import datetime
from typing import Generic, Protocol, TypeVar

from app.device.notifications import Notifier
from app.shell.settings import SettingsStore

log = logging.getLogger(__name__)

CHECK_EVERY_S = 60.0
KEEP_DELIVERED = 200


class TimedReminder(Protocol):
    @property
    def at(self) -> datetime: ...  # aware: from when it is due


R = TypeVar("R", bound=TimedReminder)


class ReminderDeliveryBase(ABC, Generic[R]):
    name = "tile"  # in the log

    def __init__(self, delivered_store: SettingsStore, notifier: Notifier | None,
                 now: Callable[[], datetime], translate: Callable[..., str]) -> None:
        self._store = delivered_store
        self._notifier = notifier
        self._now = now
        self._t = translate
        self._delivered: list[str] | None = None
        self.language = "ja"  # of the last tick
        self.notes: list[R] = []  # due now: shown on the home screen
        self.reloaded = False  # the last tick read the tile's data again
        self.notes_changed = False  # the last tick changed the home-screen notes

    # --- what a tile says --------------------------------------------------------------
    @abstractmethod
    async def read(self, language: str) -> bool:
        """Reads the tile's data when it changed; whether it did."""

    @abstractmethod
    def readable(self) -> bool:
        """Whether the tile's data is read (else nothing is due yet)."""

    @abstractmethod
    def upcoming(self, now: datetime) -> list[R]:
        """The reminders still to show (due or not yet), in the order shown."""

    @abstractmethod
    def reminder_id(self, reminder: R) -> str:
        """A stable id for de-duplication, with the tile's name first."""

    @abstractmethod
    def title(self) -> str:
        """The notification's title, translated."""

    @abstractmethod
    def message(self, reminder: R) -> str:
        """The notification's and the home note's text, translated."""

    # --- delivering ----------------------------------------------------------------------
    async def tick(self, language: str) -> list[R]:
        """Reads the data if needed, sends what is due; returns the reminders notified."""
        self.language = language
        self.reloaded = await self.read(language)
        if not self.readable():
            return []
        now = self._now()
        upcoming = self.upcoming(now)
        self.notes = [r for r in upcoming if r.at <= now]
        delivered = await self._delivered_ids()
        done = set(delivered)
        due = [r for r in self.notes if self.reminder_id(r) not in done]
        if not due:
            return []
        if self._notifier is not None:
            for reminder in due:
                try:
                    self._notifier(self.title(), self.message(reminder))
                except Exception:  # a platform without notifications: the home note remains
                    log.warning("a %s reminder could not be notified", self.name,
                                exc_info=True)
        delivered.extend(self.reminder_id(r) for r in due)
        self._delivered = delivered[-KEEP_DELIVERED:]
        await self._store.save(json.dumps(self._delivered))
        return due

    async def _delivered_ids(self) -> list[str]:
        if self._delivered is None:
            raw = await self._store.load()
            try:
                data = json.loads(raw) if raw else []
            except ValueError:
                data = []
            self._delivered = [x for x in data if isinstance(x, str)] if isinstance(
                data, list) else []
        return self._delivered

    async def run(self, language: Callable[[], str], on_change: Callable[[], None]) -> None:
        while True:
            before = list(self.notes)
            try:
                await self.tick(language())
            except Exception:  # never let the reminder loop take the session down
                log.exception("%s reminders failed", self.name)
            self.notes_changed = self.notes != before
            if self.notes_changed or self.reloaded:
                on_change()
            await asyncio.sleep(CHECK_EVERY_S)
