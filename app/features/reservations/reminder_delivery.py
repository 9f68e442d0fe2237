"""Delivering booking reminders on this device (app/shell/reminder_delivery.py): a
notification on phones and computers once per booking, and the note on the home screen from
18:00 the day before until the slot starts (reminders.py says which and in what words).

The bookings are the signed-in resident's, read through the tile's state (`state_of` gives
the current person's, so signing out or a kiosk's next person never sees another's).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from app.device.notifications import Notifier
from app.features.reservations.reminders import (
    TITLE,
    BookingReminder,
    reminder_id,
    reminder_text,
    upcoming_reminders,
)
from app.features.reservations.state import Load, ReservationsState
from app.shell.reminder_delivery import ReminderDeliveryBase
from app.shell.settings import SettingsStore


class BookingReminderDelivery(ReminderDeliveryBase[BookingReminder]):
    name = "reservations"

    def __init__(self, state_of: Callable[[], ReservationsState],
                 delivered_store: SettingsStore, notifier: Notifier | None,
                 now: Callable[[], datetime], translate: Callable[..., str]) -> None:
        super().__init__(delivered_store, notifier, now, translate)
        self._state_of = state_of

    async def read(self, language: str) -> bool:
        state = self._state_of()
        if not state.signed_in:  # nobody's bookings to read (a kiosk between people)
            return False
        state.language = language
        if not state.claim_load():
            return False
        await state.load()  # the tile's screen shows it: re-render
        return True

    def readable(self) -> bool:
        state = self._state_of()
        return state.signed_in and state.load_state is Load.LOADED

    def upcoming(self, now: datetime) -> list[BookingReminder]:
        return upcoming_reminders(self._state_of().bookings, now)

    def reminder_id(self, reminder: BookingReminder) -> str:
        return reminder_id(reminder)

    def title(self) -> str:
        return self._t(TITLE)

    def message(self, reminder: BookingReminder) -> str:
        return reminder_text(reminder, self._now(), self.language, self._t)

    def home_notes(self, language: str) -> list[str]:
        """The notes due now for the current person, from their bookings as read (not the
        last tick's: another person may have signed in since)."""
        if not self.readable():
            return []
        now = self._now()
        return [reminder_text(r, now, language, self._t)
                for r in upcoming_reminders(self._state_of().bookings, now) if r.at <= now]
