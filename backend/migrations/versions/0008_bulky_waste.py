"""Bulky-waste booking (粗大ごみ): slots per area and day, bookings, booking-number counters.

See docs/sync.md ("bulky_waste") and ADR 0015.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "bulky_slot",
        sa.Column("municipality_code", sa.String(length=6), primary_key=True),
        sa.Column("area_id", sa.String(length=64), primary_key=True),
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("booked", sa.Integer(), nullable=False),
        sa.CheckConstraint("booked >= 0 AND booked <= capacity", name="ck_bulky_slot_booked"),
    )
    op.create_table(
        "bulky_booking",
        sa.Column("person_id", sa.String(length=36), sa.ForeignKey("person.id"),
                  primary_key=True),
        sa.Column("id", sa.String(length=64), primary_key=True),
        sa.Column("municipality_code", sa.String(length=6), nullable=False),
        sa.Column("number", sa.String(length=16), nullable=False),
        sa.Column("area_id", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("items", sa.Text(), nullable=False),
        sa.Column("total_fee", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("collected_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("municipality_code", "number", name="uq_bulky_booking_number"),
    )
    op.create_index("ix_bulky_booking_day", "bulky_booking",
                    ["municipality_code", "day", "area_id"])
    op.create_table(
        "bulky_number_counter",
        sa.Column("municipality_code", sa.String(length=6), primary_key=True),
        sa.Column("month", sa.String(length=4), primary_key=True),
        sa.Column("value", sa.Integer(), nullable=False),
    )


def downgrade() -> None:
    bind = op.get_bind()
    bind.execute(sa.text("DELETE FROM sync_change WHERE collection IN ('bulky_waste', "
                         "'bulky_slots', 'holidays')"))
    op.drop_table("bulky_number_counter")
    op.drop_index("ix_bulky_booking_day", table_name="bulky_booking")
    op.drop_table("bulky_booking")
    op.drop_table("bulky_slot")
