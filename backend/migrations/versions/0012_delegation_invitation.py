"""Delegation invitations: the grantor's short-lived, single-use code (ADR 0031).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "delegation_invitation",
        sa.Column("id", sa.String(length=36), primary_key=True),
        sa.Column("municipality_code", sa.String(length=6), nullable=False),
        sa.Column("code_sha256", sa.String(length=64), nullable=False, unique=True),
        sa.Column("grantor_person_id", sa.String(length=36), sa.ForeignKey("person.id"),
                  nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("consent_text_version", sa.Integer(), nullable=False),
        sa.Column("consent_text_sha256", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("used_by_person_id", sa.String(length=36), sa.ForeignKey("person.id"),
                  nullable=True),
        sa.Column("delegation_id", sa.String(length=36), sa.ForeignKey("delegation.id"),
                  nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_delegation_invitation_municipality_code", "delegation_invitation",
                    ["municipality_code"])
    op.create_index("ix_delegation_invitation_grantor_person_id", "delegation_invitation",
                    ["grantor_person_id"])


def downgrade() -> None:
    op.drop_index("ix_delegation_invitation_grantor_person_id",
                  table_name="delegation_invitation")
    op.drop_index("ix_delegation_invitation_municipality_code",
                  table_name="delegation_invitation")
    op.drop_table("delegation_invitation")
