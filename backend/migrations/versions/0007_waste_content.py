"""Waste content: items (with the fee columns a booking needs), areas, and the other public
collections of the waste tile (kinds, centers, remarks, sources). See docs/waste-data.md.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _common() -> list[sa.Column[Any]]:
    return [
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "waste_item",
        sa.Column("municipality_code", sa.String(length=6), primary_key=True),
        sa.Column("id", sa.String(length=64), primary_key=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("reading", sa.Text(), nullable=True),
        sa.Column("category", sa.String(length=100), nullable=False),
        sa.Column("fee", sa.Integer(), nullable=True),
        sa.Column("fee_kind", sa.Text(), nullable=True),
        *_common(),
    )
    op.create_index("ix_waste_item_category", "waste_item", ["municipality_code", "category"])
    op.create_table(
        "waste_area",
        sa.Column("municipality_code", sa.String(length=6), primary_key=True),
        sa.Column("id", sa.String(length=64), primary_key=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("center", sa.Text(), nullable=True),
        *_common(),
    )
    op.create_table(
        "waste_record",
        sa.Column("municipality_code", sa.String(length=6), primary_key=True),
        sa.Column("collection", sa.String(length=64), primary_key=True),
        sa.Column("key", sa.String(length=200), primary_key=True),
        *_common(),
    )


def downgrade() -> None:
    bind = op.get_bind()
    bind.execute(sa.text("DELETE FROM sync_change WHERE collection IN ('waste_items', "
                         "'waste_areas', 'waste_kinds', 'waste_centers', 'waste_remarks', "
                         "'waste_sources')"))
    op.drop_table("waste_record")
    op.drop_table("waste_area")
    op.drop_index("ix_waste_item_category", table_name="waste_item")
    op.drop_table("waste_item")
