"""Transit: compiled timetable versions per feed, import attempts with their reports, the
latest realtime snapshot per feed (docs/transit-timetable.md).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _when() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "transit_feed_version",
        sa.Column("municipality_code", sa.String(length=6), primary_key=True),
        sa.Column("feed_id", sa.String(length=64), primary_key=True),
        sa.Column("sha256", sa.String(length=64), primary_key=True),
        sa.Column("current", sa.Boolean(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("licence", sa.Text(), nullable=False),
        sa.Column("attribution", sa.Text(), nullable=False),
        sa.Column("is_demo", sa.Boolean(), nullable=False),
        sa.Column("feed_version", sa.Text(), nullable=False),
        sa.Column("service_start", sa.String(length=10), nullable=False),
        sa.Column("service_end", sa.String(length=10), nullable=False),
        sa.Column("stops", sa.Integer(), nullable=False),
        sa.Column("trips", sa.Integer(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("compiled", sa.LargeBinary(), nullable=False),
        sa.Column("imported_at", _when(), nullable=False),
    )
    op.create_index("ix_transit_feed_version_current", "transit_feed_version",
                    ["municipality_code", "feed_id", "current"])
    op.create_table(
        "transit_import",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("municipality_code", sa.String(length=6), nullable=False),
        sa.Column("feed_id", sa.String(length=64), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("report", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("at", _when(), nullable=False),
    )
    op.create_index("ix_transit_import_municipality_code", "transit_import",
                    ["municipality_code"])
    op.create_table(
        "transit_realtime",
        sa.Column("municipality_code", sa.String(length=6), primary_key=True),
        sa.Column("feed_id", sa.String(length=64), primary_key=True),
        sa.Column("fetched_at", _when(), nullable=True),
        sa.Column("checked_at", _when(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("transit_realtime")
    op.drop_index("ix_transit_import_municipality_code", table_name="transit_import")
    op.drop_table("transit_import")
    op.drop_index("ix_transit_feed_version_current", table_name="transit_feed_version")
    op.drop_table("transit_feed_version")
