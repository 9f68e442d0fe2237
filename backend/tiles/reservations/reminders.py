"""Reminders the day before (docs/reservations.md §2): the `booking-reminders` job puts a
personal notice in the in-app inbox of each person a booked place concerns (the subject, and
the booker when booking for someone), once, from 18:00 Tokyo the day before the slot until
the slot starts (a backend that was down at 18:00 catches up, in the morning if need be).

"Once" is the booking's `reminded_at`, claimed with ONE conditional UPDATE before anything is
sent, in the same transaction as the notices: a second backend running the job at the same
moment finds it claimed (on PostgreSQL its UPDATE waits for the first to commit and then
matches no row), and a failure rolls the claim back for the next turn. A booking moved to
another day is reminded again for its new slot: the claim matches while `reminded_at` is
older than the new slot's reminder time. The device reminds with the same rule and words
(app/features/reservations/reminders.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Engine, Table, and_, or_, select, update
from sqlmodel import Session

from backend.db import write_engine
from backend.models import Person, as_utc
from backend.services import clock
from backend.services.clock import CITY_TIME_ZONE
from backend.settings import Settings
from backend.tiles.notices.api import notify_person
from backend.tiles.reservations.booking_records import concerned
from backend.tiles.reservations.models import BOOKED, ReservationBooking
from backend.tiles.reservations.resource import Resource
from backend.tiles.reservations.resources.store import get_resource

REMIND_FROM = time(18, 0)  # Tokyo, the day before the slot
BATCH = 500  # bookings claimed per turn at most; the next turn (15 minutes) takes the rest
BOOKING: Table = ReservationBooking.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Due:
    booking_id: str
    slot_start: datetime


def _utc(day: date, at: time) -> datetime:
    return datetime.combine(day, at, CITY_TIME_ZONE).astimezone(UTC)


def remind_at(slot_start: datetime) -> datetime:
    """18:00 Tokyo on the day before the slot's day (in Tokyo), in UTC."""
    day = as_utc(slot_start).astimezone(CITY_TIME_ZONE).date()
    return _utc(day - timedelta(days=1), REMIND_FROM)


def _days_due(now: datetime) -> list[tuple[datetime, datetime, datetime]]:
    """(start, end, reminder time) in UTC of each slot day whose reminders are due at
    `now`: today's, and tomorrow's from 18:00 Tokyo."""
    local = now.astimezone(CITY_TIME_ZONE)
    days = [local.date()]
    if local.time() >= REMIND_FROM:
        days.append(local.date() + timedelta(days=1))
    return [(_utc(day, time(0)), _utc(day + timedelta(days=1), time(0)),
             _utc(day - timedelta(days=1), REMIND_FROM)) for day in days]


def _not_reminded_since(moment: datetime) -> Any:
    return or_(BOOKING.c.reminded_at.is_(None), BOOKING.c.reminded_at < moment)


def due_reminders(session: Session, now: datetime, limit: int = BATCH) -> list[Due]:
    """Booked places whose reminder is due and not sent for their slot (nothing sent since
    the slot's reminder time), soonest first."""
    start = BOOKING.c.slot_start
    rows = session.execute(
        select(BOOKING.c.id, start)
        .where(BOOKING.c.status == BOOKED, start > now,
               or_(*(and_(start >= day_start, start < day_end, _not_reminded_since(at))
                     for day_start, day_end, at in _days_due(now))))
        .order_by(start, BOOKING.c.id)
        .limit(limit)).all()
    return [Due(booking_id, as_utc(slot_start)) for booking_id, slot_start in rows]


def claim(session: Session, due: Due, now: datetime) -> bool:
    """Mark the booking reminded for this slot; False when someone else did (or it was
    cancelled or moved since it was read)."""
    claimed = session.execute(
        update(BOOKING)
        .where(BOOKING.c.id == due.booking_id, BOOKING.c.status == BOOKED,
               BOOKING.c.slot_start == due.slot_start,
               _not_reminded_since(remind_at(due.slot_start)))
        .values(reminded_at=now))
    return bool(claimed.rowcount)  # type: ignore[attr-defined]


def _texts(booking: ReservationBooking, resource: Resource | None,
           now: datetime) -> tuple[str, str, str, str]:
    """(title ja, title en, body ja, body en): 「明日 10:00 子育て支援課 窓口予約（津山市役所
    1階）予約番号 予-2026-000001」, 「今日 …」 when the slot's day has come."""
    local = as_utc(booking.slot_start).astimezone(CITY_TIME_ZONE)
    today = local.date() <= now.astimezone(CITY_TIME_ZONE).date()
    hour = local.strftime("%H:%M")

    def text(field: str, language: str) -> str:
        if resource is None:
            return booking.resource_id if field == "title" else ""
        return resource.text(resource.title if field == "title" else resource.place,
                             language)

    return ("今日のご予約" if today else "明日のご予約",
            "Your booking today" if today else "Your booking tomorrow",
            f"{'今日' if today else '明日'} {hour} {text('title', 'ja')}"
            f"（{text('place', 'ja')}）予約番号 {booking.number}",
            f"{'Today' if today else 'Tomorrow'} {hour} {text('title', 'en')} "
            f"({text('place', 'en')}) booking number {booking.number}")


def tell(session: Session, booking: ReservationBooking, now: datetime) -> int:
    """The reminder in the inbox of each person the booking concerns; how many."""
    resource = get_resource(session, booking.municipality_code, booking.resource_id,
                            withdrawn_too=True)
    title_ja, title_en, body_ja, body_en = _texts(booking, resource, now)
    subject = session.get(Person, booking.subject_person_id)
    told = 0
    for person_id in concerned(booking):
        person = session.get(Person, person_id)
        if person is None or not person.active:
            continue
        ja, en = body_ja, body_en
        if person_id != booking.subject_person_id and subject is not None:
            ja, en = f"{subject.name} さんの予約：{ja}", f"Booking for {subject.name}: {en}"
        notify_person(session, person, title_ja, title_en, ja, en)
        told += 1
    return told


def send_reminders(engine: Engine, settings: Settings) -> int:
    """The job: each due reminder claimed and sent in its own transaction; how many
    bookings were reminded."""
    now = clock.utc_now()
    with Session(engine) as session:
        due = due_reminders(session, now)
    sent = 0
    for one in due:
        with Session(write_engine(engine)) as session:
            if not claim(session, one, now):
                continue
            booking = session.get(ReservationBooking, one.booking_id)
            if booking is not None:
                tell(session, booking, now)
            session.commit()
            sent += 1
    return sent
