"""Delivering collection reminders: a notification on phones and computers (plyer), and on
every device a note on the home screen from the evening before until the collection.

Runs in the background for the session (`FeatureSpec.background`); each reminder is notified
once per device (ids kept in the device's settings), whatever the number of restarts.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from datetime import datetime

from app.device.notifications import Notifier
from app.features.waste.reminders import Reminder, ready, reminder_id
from app.features.waste.state import Status, WasteState
from app.shell.settings import SettingsStore

log = logging.getLogger(__name__)

CHECK_EVERY_S = 60.0
KEEP_DELIVERED = 200



class ReminderDelivery:
    def __init__(self, state: WasteState, delivered_store: SettingsStore,
                 notifier: Notifier | None, now: Callable[[], datetime],
                 translate: Callable[..., str]) -> None:
        self._state = state
        self._store = delivered_store
        self._notifier = notifier
        self._now = now
        self._t = translate
        self._delivered: list[str] | None = None
        self.notes: list[Reminder] = []  # due now: shown on the home screen
        self.reloaded = False  # the last tick read the tile's data again
        self.notes_changed = False  # the last tick changed the home-screen notes

    async def tick(self, language: str) -> list[Reminder]:
        """Reads the data if needed, sends what is due; returns the reminders notified."""
        self.reloaded = self._state.claim_load(language)
        if self.reloaded:
            await self._state.load(language)  # the tile's screen shows it: re-render
        if self._state.status is not Status.LOADED:
            return []
        now = self._now()
        upcoming = self._state.upcoming_reminders(horizon_days=2)
        self.notes = [r for r in upcoming if r.at <= now]
        delivered = await self._delivered_ids()
        due = ready(upcoming, now, set(delivered))
        if not due:
            return []
        if self._notifier is not None:
            for reminder in due:
                try:
                    self._notifier(self._t("Waste collection"), self.message(reminder))
                except Exception:  # a platform without notifications: the home note remains
                    log.warning("a reminder could not be notified", exc_info=True)
        delivered.extend(reminder_id(r) for r in due)
        self._delivered = delivered[-KEEP_DELIVERED:]
        await self._store.save(json.dumps(self._delivered))
        return due

    def message(self, reminder: Reminder) -> str:
        return self._t("Tomorrow is collection day for {kind}. Put it out by 8:30.",
                       kind=reminder.kind)

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
                log.exception("waste reminders failed")
            self.notes_changed = self.notes != before
            if self.notes_changed or self.reloaded:
                on_change()
            await asyncio.sleep(CHECK_EVERY_S)

