"""Staff departments: which department (and later which school) a staff member works for.

See docs/identity.md ("Staff roles and department scope") and ADR 0023.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "staff_membership",
        sa.Column("person_id", sa.String(length=36), sa.ForeignKey("person.id"),
                  primary_key=True),
        sa.Column("department", sa.String(length=32), primary_key=True),
        sa.Column("unit", sa.String(length=64), primary_key=True),
        sa.Column("municipality_code", sa.String(length=6), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("granted_by", sa.String(length=200), nullable=True),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_staff_membership_municipality_code", "staff_membership",
                    ["municipality_code"])


def downgrade() -> None:
    op.drop_index("ix_staff_membership_municipality_code", table_name="staff_membership")
    op.drop_table("staff_membership")
