"""Delivering collection reminders: a notification on phones and computers (plyer), and on
every device a note on the home screen from the evening before until the collection.

Runs in the background for the session (`FeatureSpec.background`); each reminder is notified
once per device (ids kept in the device's settings, app/shell/reminder_delivery.py), whatever
the number of restarts.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from app.device.notifications import Notifier
from app.features.waste.reminders import Reminder, reminder_id
from app.features.waste.state import Status, WasteState
from app.shell.reminder_delivery import ReminderDeliveryBase
from app.shell.settings import SettingsStore


class ReminderDelivery(ReminderDeliveryBase[Reminder]):
    name = "waste"

    def __init__(self, state: WasteState, delivered_store: SettingsStore,
                 notifier: Notifier | None, now: Callable[[], datetime],
                 translate: Callable[..., str]) -> None:
        super().__init__(delivered_store, notifier, now, translate)
        self._state = state

    async def read(self, language: str) -> bool:
        if not self._state.claim_load(language):
            return False
        await self._state.load(language)  # the tile's screen shows it: re-render
        return True

    def readable(self) -> bool:
        return self._state.status is Status.LOADED

    def upcoming(self, now: datetime) -> list[Reminder]:
        return self._state.upcoming_reminders(horizon_days=2)

    def reminder_id(self, reminder: Reminder) -> str:
        return reminder_id(reminder)

    def title(self) -> str:
        return self._t("Waste collection")

    def message(self, reminder: Reminder) -> str:
        return self._t("Tomorrow is collection day for {kind}. Put it out by 8:30.",
                       kind=reminder.kind)
