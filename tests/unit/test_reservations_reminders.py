"""Booking reminders on the device (app/features/reservations/reminders.py and
reminder_delivery.py): due from 18:00 Tokyo the day before the slot until it starts, only
for confirmed bookings, notified once per device, shown as a note on the home screen."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from app.features.reservations.records import Booking
from app.features.reservations.reminder_delivery import BookingReminderDelivery
from app.features.reservations.reminders import (
    remind_at,
    reminder_id,
    reminder_text,
    upcoming_reminders,
)
from app.features.reservations.state import ReservationsState
from app.i18n import load_translator
from app.shell.settings import MemorySettingsStore
from tests.unit.test_reservations_app_state import FakeOnline, FakeRepo

pytestmark = pytest.mark.anyio

JA = load_translator("ja")
EN = load_translator("en")
SLOT = datetime(2026, 12, 8, 1, 0, tzinfo=UTC)  # Tuesday 8 December, 10:00 in Tokyo
EVE = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)  # Monday 7 December, 18:00 in Tokyo
TITLE = {"ja": "子育て支援課 窓口予約", "en": "Childcare counter"}
PLACE = {"ja": "市役所1階", "en": "City hall"}


def booking(booking_id: str = "b-1", status: str = "booked", start: datetime = SLOT,
            **fields: Any) -> Booking:
    return Booking(id=booking_id, resource_id="kosodate", status=status, slot_start=start,
                   slot_end=start + timedelta(minutes=30), number="予-2026-000001",
                   title=TITLE, place=PLACE, **fields)


def row(status: str = "booked", start: datetime = SLOT,
        number: str = "予-2026-000001") -> dict[str, Any]:
    return {"id": "b-1", "resource_id": "kosodate", "status": status,
            "slot_start": start.isoformat(),
            "slot_end": (start + timedelta(minutes=30)).isoformat(), "number": number,
            "title": TITLE, "place": PLACE, "history": []}


def test_due_from_18_00_tokyo_the_day_before_the_slot() -> None:
    assert remind_at(SLOT) == EVE
    # A slot at 00:30 in Tokyo is still on the previous day in UTC: its day is Tokyo's.
    after_midnight = datetime(2026, 12, 7, 15, 30, tzinfo=UTC)  # 8 December 00:30 Tokyo
    assert remind_at(after_midnight) == EVE
    # A slot late on Monday in Tokyo is reminded on Sunday evening.
    before_midnight = datetime(2026, 12, 7, 14, 30, tzinfo=UTC)  # 7 December 23:30 Tokyo
    assert remind_at(before_midnight) == EVE - timedelta(days=1)


def test_only_confirmed_bookings_still_to_come_are_reminded_soonest_first() -> None:
    later = booking("b-later", start=SLOT + timedelta(hours=2))
    found = upcoming_reminders([
        later, booking("b-1"),
        booking("b-cancelled", status="cancelled"), booking("b-waiting", status="waiting"),
        booking("b-offered", status="offered"), booking("b-pending", status="pending"),
        booking("b-checked", status="checked_in"),
        booking("b-unsent", waiting=True, sending="cancel"),  # cancelled here, not sent yet
        booking("b-refused", refusal="満員です"),
        booking("b-begun", start=EVE - timedelta(minutes=1))], EVE)
    assert [r.booking.id for r in found] == ["b-1", "b-later"]
    assert found[0].at == EVE
    assert upcoming_reminders([booking()], SLOT) == []  # the slot has started
    with pytest.raises(ValueError):
        upcoming_reminders([booking()], datetime(2026, 12, 7, 18, 0))


def test_the_text_says_tomorrow_then_today_after_midnight_in_japanese_and_english() -> None:
    reminder = upcoming_reminders([booking()], EVE)[0]
    assert reminder_text(reminder, EVE, "ja", JA) == \
        "明日 10:00 子育て支援課 窓口予約（市役所1階）予約番号 予-2026-000001"
    assert reminder_text(reminder, EVE, "en", EN) == \
        "Tomorrow 10:00 Childcare counter (City hall) booking number 予-2026-000001"
    just_before_midnight = datetime(2026, 12, 7, 14, 59, tzinfo=UTC)  # 23:59 Tokyo
    assert reminder_text(reminder, just_before_midnight, "ja", JA).startswith("明日 10:00 ")
    midnight = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)  # 00:00 Tokyo on the slot's day
    assert reminder_text(reminder, midnight, "ja", JA).startswith("今日 10:00 ")
    # Moving the booking to another slot makes a new reminder (its id has the start).
    moved = upcoming_reminders([booking(start=SLOT + timedelta(days=1))], EVE)[0]
    assert reminder_id(moved) != reminder_id(reminder)


def delivery_for(repo: FakeRepo, clock: list[datetime], store: MemorySettingsStore,
                 sent: list[tuple[str, str]]) -> tuple[BookingReminderDelivery,
                                                       ReservationsState]:
    state = ReservationsState(repo, FakeOnline(), lambda: clock[0])
    delivery = BookingReminderDelivery(lambda: state, store,
                                       lambda title, text: sent.append((title, text)),
                                       lambda: clock[0], JA)
    return delivery, state


async def test_notified_once_from_18_00_and_noted_on_home_until_the_slot_starts() -> None:
    repo = FakeRepo()
    repo.rows["b-1"] = row()
    clock = [EVE - timedelta(minutes=1)]  # 17:59 Tokyo
    store = MemorySettingsStore()
    sent: list[tuple[str, str]] = []
    delivery, _ = delivery_for(repo, clock, store, sent)

    assert await delivery.tick("ja") == []
    assert delivery.reloaded and delivery.home_notes("ja") == []
    assert sent == []

    clock[0] = EVE  # 18:00 Tokyo
    assert [r.booking.id for r in await delivery.tick("ja")] == ["b-1"]
    note = "明日 10:00 子育て支援課 窓口予約（市役所1階）予約番号 予-2026-000001"
    assert sent == [("予約のお知らせ", note)]
    assert delivery.home_notes("ja") == [note]
    assert await delivery.tick("ja") == [] and len(sent) == 1  # not twice
    assert json.loads(store.raw or "[]") == [f"reservations:b-1:{SLOT.isoformat()}"]

    again, _ = delivery_for(repo, clock, store, sent)  # the app started again
    clock[0] = SLOT - timedelta(minutes=1)  # 09:59 on the day
    assert await again.tick("ja") == [] and len(sent) == 1
    assert again.home_notes("ja") == [note.replace("明日", "今日")]
    clock[0] = SLOT  # the slot starts: the note goes
    await again.tick("ja")
    assert again.home_notes("ja") == [] and again.notes == []


async def test_a_phone_off_in_the_evening_reminds_in_the_morning() -> None:
    repo = FakeRepo()
    repo.rows["b-1"] = row()
    clock = [SLOT - timedelta(hours=3)]  # 07:00 on the day
    sent: list[tuple[str, str]] = []
    delivery, _ = delivery_for(repo, clock, MemorySettingsStore(), sent)
    assert len(await delivery.tick("ja")) == 1
    assert sent[0][1].startswith("今日 10:00 ")


async def test_cancelled_and_unconfirmed_bookings_are_not_reminded() -> None:
    repo = FakeRepo()
    repo.rows["b-1"] = row(status="cancelled")
    clock = [EVE + timedelta(hours=1)]
    sent: list[tuple[str, str]] = []
    delivery, state = delivery_for(repo, clock, MemorySettingsStore(), sent)
    assert await delivery.tick("ja") == []
    repo.rows["b-1"] = row(status="waiting")
    repo.version += 1
    assert await delivery.tick("ja") == []
    # Booked, then cancelled on this device (not sent yet): no reminder either.
    repo.rows["b-1"] = row()
    repo.version += 1
    await state.load()
    assert await state.cancel(state.bookings[0])
    assert await delivery.tick("ja") == [] and sent == []
    assert delivery.home_notes("ja") == []


async def test_a_booking_moved_to_another_day_is_reminded_again() -> None:
    repo = FakeRepo()
    repo.rows["b-1"] = row()
    clock = [EVE]
    sent: list[tuple[str, str]] = []
    delivery, _ = delivery_for(repo, clock, MemorySettingsStore(), sent)
    assert len(await delivery.tick("ja")) == 1
    repo.rows["b-1"] = row(start=SLOT + timedelta(days=1))  # the server's row after a change
    repo.version += 1
    assert await delivery.tick("ja") == []  # Wednesday's is due on Tuesday evening
    clock[0] = EVE + timedelta(days=1)
    assert len(await delivery.tick("ja")) == 1 and len(sent) == 2


async def test_nothing_is_read_or_shown_when_nobody_is_signed_in() -> None:
    repo = FakeRepo()
    repo.rows["b-1"] = row()
    clock = [EVE]
    sent: list[tuple[str, str]] = []
    delivery, _ = delivery_for(repo, clock, MemorySettingsStore(), sent)
    assert len(await delivery.tick("ja")) == 1
    repo.signed = False  # signed out (a kiosk's next person)
    assert delivery.home_notes("ja") == []
    assert await delivery.tick("ja") == [] and not delivery.reloaded


def test_a_booking_without_a_start_is_never_reminded() -> None:
    assert upcoming_reminders([replace(booking(), slot_start=None)], EVE) == []
