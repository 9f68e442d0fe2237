"""Reservations (予約): what can be booked, its slots, the bookings with their history, the
booking-number counter and the waiting-number queue (整理券). docs/reservations.md.

A slot's `booked` is moved only by single conditional UPDATEs (`booked < capacity`, ADR
0015's rule for bulky-waste slots), so concurrent requests never overbook. Migration 0020
creates these tables.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel

from backend.models.utc_datetime import UTCDateTime

# Booking statuses (docs/reservations.md §2).
BOOKED = "booked"
WAITING = "waiting"
OFFERED = "offered"
CANCELLED = "cancelled"
CHECKED_IN = "checked_in"
NO_SHOW = "no_show"
CLOSED = "closed"  # the city closed the slot
DECLINED = "declined"  # a waiter declined (or let pass) an offered place
BOOKING_STATUSES = (BOOKED, WAITING, OFFERED, CANCELLED, CHECKED_IN, NO_SHOW, CLOSED,
                    DECLINED)
HOLDS_A_PLACE = (BOOKED, OFFERED, CHECKED_IN)  # counted in the slot's `booked`
OPEN_STATUSES = (BOOKED, WAITING, OFFERED)  # counted against a resident's limits

# Queue ticket statuses (docs/reservations.md §3).
TICKET_WAITING = "waiting"
TICKET_CALLED = "called"
TICKET_DONE = "done"
TICKET_SKIPPED = "skipped"


class ReservationResource(SQLModel, table=True):
    """The latest imported definition of one bookable resource (the JSON file's content)."""

    __tablename__ = "reservation_resource"

    municipality_code: str = Field(sa_column=Column(String(6), primary_key=True))
    id: str = Field(sa_column=Column(String(64), primary_key=True))
    version: int = Field(sa_column=Column(Integer(), nullable=False))
    kind: str = Field(sa_column=Column(String(16), nullable=False))  # counter|facility|course
    department: str = Field(sa_column=Column(String(64), nullable=False))
    definition: str = Field(sa_column=Column(Text(), nullable=False))  # JSON, as imported
    is_demo: bool = Field(sa_column=Column(Boolean(), nullable=False))
    withdrawn: bool = Field(default=False, sa_column=Column(Boolean(), nullable=False))
    imported_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class ReservationSlot(SQLModel, table=True):
    """One bookable time of a resource: its capacity, the places taken, the waiters."""

    __tablename__ = "reservation_slot"
    __table_args__ = (
        CheckConstraint("booked >= 0 AND booked <= capacity", name="ck_reservation_slot_booked"),
        Index("ix_reservation_slot_day", "municipality_code", "resource_id", "day"),
    )

    municipality_code: str = Field(sa_column=Column(String(6), primary_key=True))
    resource_id: str = Field(sa_column=Column(String(64), primary_key=True))
    start: datetime = Field(sa_column=Column(UTCDateTime(), primary_key=True))
    end: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    day: date = Field(sa_column=Column(Date(), nullable=False))  # the start's day in Tokyo
    capacity: int = Field(sa_column=Column(Integer(), nullable=False))
    booked: int = Field(default=0, sa_column=Column(Integer(), nullable=False))
    waiting: int = Field(default=0, sa_column=Column(Integer(), nullable=False))
    closed_at: datetime | None = Field(default=None,
                                       sa_column=Column(UTCDateTime(), nullable=True))
    closed_reason: str | None = Field(default=None, sa_column=Column(Text(), nullable=True))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class ReservationBooking(SQLModel, table=True):
    """A booking (or a place on a slot's waiting list); `id` is the device's UUID."""

    __tablename__ = "reservation_booking"
    __table_args__ = (
        UniqueConstraint("municipality_code", "number", name="uq_reservation_booking_number"),
        Index("ix_reservation_booking_slot", "municipality_code", "resource_id", "slot_start",
              "status", "waiting_seq"),
        Index("ix_reservation_booking_booker", "booker_person_id"),
        Index("ix_reservation_booking_subject", "subject_person_id", "status"),
    )

    id: str = Field(sa_column=Column(String(36), primary_key=True))
    municipality_code: str = Field(sa_column=Column(String(6), nullable=False))
    number: str = Field(sa_column=Column(String(24), nullable=False))  # "予-2026-000123"
    resource_id: str = Field(sa_column=Column(String(64), nullable=False))
    slot_start: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    slot_end: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    booker_person_id: str = Field(
        sa_column=Column(String(36), ForeignKey("person.id"), nullable=False))
    subject_person_id: str = Field(  # for whom (the booker, or someone they act for)
        sa_column=Column(String(36), ForeignKey("person.id"), nullable=False))
    household_id: str | None = Field(default=None,
                                     sa_column=Column(String(36), nullable=True))
    status: str = Field(sa_column=Column(String(16), nullable=False))
    waiting_seq: int | None = Field(default=None,  # order on the waiting list
                                    sa_column=Column(Integer(), nullable=True))
    offered_until: datetime | None = Field(default=None,
                                           sa_column=Column(UTCDateTime(), nullable=True))
    answers: str = Field(default="{}", sa_column=Column(Text(), nullable=False))  # JSON
    fee_amount_yen: int = Field(default=0, sa_column=Column(Integer(), nullable=False))
    fee_method: str | None = Field(default=None, sa_column=Column(String(16), nullable=True))
    fee_paid_at: datetime | None = Field(default=None,
                                         sa_column=Column(UTCDateTime(), nullable=True))
    ics_sequence: int = Field(default=0, sa_column=Column(Integer(), nullable=False))
    reason: str | None = Field(default=None, sa_column=Column(Text(), nullable=True))
    checked_in_at: datetime | None = Field(default=None,
                                           sa_column=Column(UTCDateTime(), nullable=True))
    # When the reminder the day before was sent (reminders.py): claimed by a conditional
    # UPDATE, so it goes once whatever the number of backends.
    reminded_at: datetime | None = Field(default=None,
                                         sa_column=Column(UTCDateTime(), nullable=True))
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class ReservationBookingEvent(SQLModel, table=True):
    """One move of a booking: who (resident, staff, system), when, from, to, why."""

    __tablename__ = "reservation_booking_event"
    __table_args__ = (
        Index("ix_reservation_booking_event_booking", "booking_id", "id"),
    )

    id: int | None = Field(default=None, sa_column=Column(Integer(), primary_key=True,
                                                          autoincrement=True))
    booking_id: str = Field(sa_column=Column(
        String(36), ForeignKey("reservation_booking.id"), nullable=False))
    at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    actor_kind: str = Field(sa_column=Column(String(16), nullable=False))  # resident|staff|system
    actor_person_id: str | None = Field(
        default=None, sa_column=Column(String(36), ForeignKey("person.id"), nullable=True))
    action: str = Field(sa_column=Column(String(16), nullable=False))
    from_status: str | None = Field(default=None,
                                    sa_column=Column(String(16), nullable=True))
    to_status: str = Field(sa_column=Column(String(16), nullable=False))
    detail: str = Field(default="{}", sa_column=Column(Text(), nullable=False))  # JSON


class ReservationCounter(SQLModel, table=True):
    """Sequences of the tile (backend/services/counters.py): booking numbers per year
    ("number:2026") and waiting-list order ("waiting")."""

    __tablename__ = "reservation_counter"

    municipality_code: str = Field(sa_column=Column(String(6), primary_key=True))
    name: str = Field(sa_column=Column(String(32), primary_key=True))
    value: int = Field(sa_column=Column(Integer(), nullable=False))


class QueueTicket(SQLModel, table=True):
    """A waiting number (整理券) of one counter on one day; numbers restart each day."""

    __tablename__ = "queue_ticket"
    __table_args__ = (
        UniqueConstraint("municipality_code", "counter", "day", "number",
                         name="uq_queue_ticket_number"),
        Index("ix_queue_ticket_status", "municipality_code", "counter", "day", "status"),
        Index("ix_queue_ticket_kiosk", "kiosk_id", "issued_at"),
    )

    id: int | None = Field(default=None, sa_column=Column(Integer(), primary_key=True,
                                                          autoincrement=True))
    municipality_code: str = Field(sa_column=Column(String(6), nullable=False))
    counter: str = Field(sa_column=Column(String(64), nullable=False))
    day: date = Field(sa_column=Column(Date(), nullable=False))
    number: int = Field(sa_column=Column(Integer(), nullable=False))
    person_id: str | None = Field(  # None for a walk-in's ticket from the kiosk
        default=None, sa_column=Column(String(36), ForeignKey("person.id"), nullable=True))
    booking_id: str | None = Field(default=None,  # an appointment checked in by its QR
                                   sa_column=Column(String(36), nullable=True))
    channel: str = Field(sa_column=Column(String(16), nullable=False))  # app|kiosk|counter
    status: str = Field(sa_column=Column(String(16), nullable=False))
    issued_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    called_at: datetime | None = Field(default=None,
                                       sa_column=Column(UTCDateTime(), nullable=True))
    done_at: datetime | None = Field(default=None,
                                     sa_column=Column(UTCDateTime(), nullable=True))
    called_by: str | None = Field(
        default=None, sa_column=Column(String(36), ForeignKey("person.id"), nullable=True))
    # The kiosk device that issued it (kiosks/models.py; migration 0021): counted for the
    # kiosk's rate limit, shown to staff. No foreign key: devices are revoked, never deleted.
    kiosk_id: str | None = Field(default=None, sa_column=Column(String(36), nullable=True))


class QueueCounterDay(SQLModel, table=True):
    """The last number handed out on a counter's day (the numbers' sequence)."""

    __tablename__ = "queue_counter_day"

    municipality_code: str = Field(sa_column=Column(String(6), primary_key=True))
    counter: str = Field(sa_column=Column(String(64), primary_key=True))
    day: date = Field(sa_column=Column(Date(), primary_key=True))
    value: int = Field(sa_column=Column(Integer(), nullable=False))
