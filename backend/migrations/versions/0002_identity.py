"""Identity: the person table (common ID).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "person",
        sa.Column("id", sa.String(length=36), primary_key=True),
        sa.Column("municipality_code", sa.String(length=6), nullable=False),
        sa.Column("upstream_issuer", sa.String(length=255), nullable=False),
        sa.Column("upstream_subject", sa.String(length=255), nullable=False),
        sa.Column("assurance_level", sa.String(length=16), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False, server_default="resident"),
        sa.Column("name", sa.String(length=200), nullable=False, server_default=""),
        sa.Column("address", sa.String(length=500), nullable=True),
        sa.Column("birthdate", sa.Date(), nullable=True),
        sa.Column("gender", sa.String(length=16), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("upstream_issuer", "upstream_subject", name="uq_person_upstream"),
    )
    op.create_index("ix_person_municipality_code", "person", ["municipality_code"])


def downgrade() -> None:
    op.drop_index("ix_person_municipality_code", table_name="person")
    op.drop_table("person")
