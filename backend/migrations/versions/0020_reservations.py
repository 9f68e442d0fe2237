"""Reservations (予約): bookable resources (imported definitions), their slots, bookings with
their history, the tile's sequences, and the waiting-number queue (整理券). See
docs/reservations.md.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "queue_counter_day",
        sa.Column("municipality_code", sa.String(length=6), nullable=False),
        sa.Column("counter", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("municipality_code", "counter", "day"),
    )
    op.create_table(
        "reservation_counter",
        sa.Column("municipality_code", sa.String(length=6), nullable=False),
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("municipality_code", "name"),
    )
    op.create_table(
        "reservation_resource",
        sa.Column("municipality_code", sa.String(length=6), nullable=False),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("department", sa.String(length=64), nullable=False),
        sa.Column("definition", sa.Text(), nullable=False),
        sa.Column("is_demo", sa.Boolean(), nullable=False),
        sa.Column("withdrawn", sa.Boolean(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("municipality_code", "id"),
    )
    op.create_table(
        "reservation_slot",
        sa.Column("municipality_code", sa.String(length=6), nullable=False),
        sa.Column("resource_id", sa.String(length=64), nullable=False),
        sa.Column("start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("booked", sa.Integer(), nullable=False),
        sa.Column("waiting", sa.Integer(), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_reason", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("booked >= 0 AND booked <= capacity", name="ck_reservation_slot_booked"),
        sa.PrimaryKeyConstraint("municipality_code", "resource_id", "start"),
    )
    with op.batch_alter_table("reservation_slot", schema=None) as batch_op:
        batch_op.create_index(
            "ix_reservation_slot_day", ["municipality_code", "resource_id", "day"], unique=False
        )

    op.create_table(
        "queue_ticket",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("municipality_code", sa.String(length=6), nullable=False),
        sa.Column("counter", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=True),
        sa.Column("booking_id", sa.String(length=36), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("called_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("called_by", sa.String(length=36), nullable=True),
        sa.ForeignKeyConstraint(
            ["called_by"],
            ["person.id"],
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "municipality_code", "counter", "day", "number", name="uq_queue_ticket_number"
        ),
    )
    with op.batch_alter_table("queue_ticket", schema=None) as batch_op:
        batch_op.create_index(
            "ix_queue_ticket_status",
            ["municipality_code", "counter", "day", "status"],
            unique=False,
        )

    op.create_table(
        "reservation_booking",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("municipality_code", sa.String(length=6), nullable=False),
        sa.Column("number", sa.String(length=24), nullable=False),
        sa.Column("resource_id", sa.String(length=64), nullable=False),
        sa.Column("slot_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("slot_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("booker_person_id", sa.String(length=36), nullable=False),
        sa.Column("subject_person_id", sa.String(length=36), nullable=False),
        sa.Column("household_id", sa.String(length=36), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("waiting_seq", sa.Integer(), nullable=True),
        sa.Column("offered_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answers", sa.Text(), nullable=False),
        sa.Column("fee_amount_yen", sa.Integer(), nullable=False),
        sa.Column("fee_method", sa.String(length=16), nullable=True),
        sa.Column("fee_paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ics_sequence", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("checked_in_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["booker_person_id"],
            ["person.id"],
        ),
        sa.ForeignKeyConstraint(
            ["subject_person_id"],
            ["person.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("municipality_code", "number", name="uq_reservation_booking_number"),
    )
    with op.batch_alter_table("reservation_booking", schema=None) as batch_op:
        batch_op.create_index("ix_reservation_booking_booker", ["booker_person_id"], unique=False)
        batch_op.create_index(
            "ix_reservation_booking_slot",
            ["municipality_code", "resource_id", "slot_start", "status", "waiting_seq"],
            unique=False,
        )
        batch_op.create_index(
            "ix_reservation_booking_subject", ["subject_person_id", "status"], unique=False
        )

    op.create_table(
        "reservation_booking_event",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("booking_id", sa.String(length=36), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_kind", sa.String(length=16), nullable=False),
        sa.Column("actor_person_id", sa.String(length=36), nullable=True),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("from_status", sa.String(length=16), nullable=True),
        sa.Column("to_status", sa.String(length=16), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_person_id"],
            ["person.id"],
        ),
        sa.ForeignKeyConstraint(
            ["booking_id"],
            ["reservation_booking.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("reservation_booking_event", schema=None) as batch_op:
        batch_op.create_index(
            "ix_reservation_booking_event_booking", ["booking_id", "id"], unique=False
        )


def downgrade() -> None:

    with op.batch_alter_table("reservation_booking_event", schema=None) as batch_op:
        batch_op.drop_index("ix_reservation_booking_event_booking")

    op.drop_table("reservation_booking_event")
    with op.batch_alter_table("reservation_booking", schema=None) as batch_op:
        batch_op.drop_index("ix_reservation_booking_subject")
        batch_op.drop_index("ix_reservation_booking_slot")
        batch_op.drop_index("ix_reservation_booking_booker")

    op.drop_table("reservation_booking")
    with op.batch_alter_table("queue_ticket", schema=None) as batch_op:
        batch_op.drop_index("ix_queue_ticket_status")

    op.drop_table("queue_ticket")
    with op.batch_alter_table("reservation_slot", schema=None) as batch_op:
        batch_op.drop_index("ix_reservation_slot_day")

    op.drop_table("reservation_slot")
    op.drop_table("reservation_resource")
    op.drop_table("reservation_counter")
    op.drop_table("queue_counter_day")
