"""Bulky-waste booking (粗大ごみ): collection slots, bookings and the booking-number counter.

A slot is one area's collection day with a capacity counted in bookings; `booked` is moved
only by single conditional UPDATEs (ADR 0015). See docs/sync.md ("bulky_waste").
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
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

BOOKING_BOOKED = "booked"
BOOKING_CANCELLED = "cancelled"
BOOKING_COLLECTED = "collected"
BOOKING_STATUSES = (BOOKING_BOOKED, BOOKING_CANCELLED, BOOKING_COLLECTED)


class BulkySlot(SQLModel, table=True):
    """One area's bulky-waste collection day: how many bookings it takes, how many it has."""

    __tablename__ = "bulky_slot"
    __table_args__ = (
        CheckConstraint("booked >= 0 AND booked <= capacity", name="ck_bulky_slot_booked"),
    )

    municipality_code: str = Field(sa_column=Column(String(6), primary_key=True))
    area_id: str = Field(sa_column=Column(String(64), primary_key=True))
    day: date = Field(sa_column=Column(Date(), primary_key=True))
    capacity: int = Field(sa_column=Column(Integer(), nullable=False))
    booked: int = Field(default=0, sa_column=Column(Integer(), nullable=False))


class BulkyBooking(SQLModel, table=True):
    """A resident's booking; `id` is made by the device and scoped to the person."""

    __tablename__ = "bulky_booking"
    __table_args__ = (
        UniqueConstraint("municipality_code", "number", name="uq_bulky_booking_number"),
        Index("ix_bulky_booking_day", "municipality_code", "day", "area_id"),
    )

    person_id: str = Field(
        sa_column=Column(String(36), ForeignKey("person.id"), primary_key=True)
    )
    id: str = Field(sa_column=Column(String(64), primary_key=True))
    municipality_code: str = Field(sa_column=Column(String(6), nullable=False))
    number: str = Field(sa_column=Column(String(16), nullable=False))  # "S2612-0042"
    area_id: str = Field(sa_column=Column(String(64), nullable=False))
    day: date = Field(sa_column=Column(Date(), nullable=False))
    items: str = Field(sa_column=Column(Text(), nullable=False))  # JSON [{item_id, name, ...}]
    total_fee: int = Field(sa_column=Column(Integer(), nullable=False))  # yen
    status: str = Field(sa_column=Column(String(16), nullable=False))
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    cancelled_at: datetime | None = Field(default=None,
                                          sa_column=Column(UTCDateTime(), nullable=True))
    collected_at: datetime | None = Field(default=None,
                                          sa_column=Column(UTCDateTime(), nullable=True))


class BulkyNumberCounter(SQLModel, table=True):
    """The last booking number handed out per municipality and collection month ("2612").

    Bumped with `UPDATE ... RETURNING` inside the booking's transaction: the row lock makes
    concurrent bookings of one month take turns, so no number is handed out twice.
    """

    __tablename__ = "bulky_number_counter"

    municipality_code: str = Field(sa_column=Column(String(6), primary_key=True))
    month: str = Field(sa_column=Column(String(4), primary_key=True))  # YYMM
    value: int = Field(sa_column=Column(Integer(), nullable=False))
