"""Kiosk devices: city-hall tablets that hand out waiting numbers without a login (their
keys stored as SHA-256 only), and the kiosk that issued a queue ticket. See
docs/reservations.md §3.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "kiosk_device",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("municipality_code", sa.String(length=6), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("counters", sa.Text(), nullable=False),
        sa.Column("key_sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key_sha256", name="uq_kiosk_device_key"),
    )
    with op.batch_alter_table("queue_ticket", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kiosk_id", sa.String(length=36), nullable=True))
        batch_op.create_index("ix_queue_ticket_kiosk", ["kiosk_id", "issued_at"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("queue_ticket", schema=None) as batch_op:
        batch_op.drop_index("ix_queue_ticket_kiosk")
        batch_op.drop_column("kiosk_id")

    op.drop_table("kiosk_device")
