"""Households, delegations, the consent ledger, the access log; targeted notices.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("notice") as batch:
        batch.add_column(sa.Column("audience", sa.String(length=32), nullable=True))

    op.create_table(
        "household",
        sa.Column("id", sa.String(length=36), primary_key=True),
        sa.Column("municipality_code", sa.String(length=6), nullable=False),
        sa.Column("address", sa.String(length=500), nullable=False),
        sa.Column("is_demo", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.create_index("ix_household_municipality_code", "household", ["municipality_code"])

    op.create_table(
        "household_member",
        sa.Column("id", sa.String(length=36), primary_key=True),
        sa.Column("municipality_code", sa.String(length=6), nullable=False),
        sa.Column(
            "household_id",
            sa.String(length=36),
            sa.ForeignKey("household.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("person_id", sa.String(length=36), sa.ForeignKey("person.id"), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("relation", sa.String(length=16), nullable=False),
        sa.Column("birthdate", sa.Date(), nullable=True),
        sa.Column("school_name", sa.String(length=200), nullable=True),
        sa.Column("school_class", sa.String(length=32), nullable=True),
        sa.UniqueConstraint("person_id", name="uq_household_member_person"),
    )
    op.create_index(
        "ix_household_member_municipality_code", "household_member", ["municipality_code"]
    )
    op.create_index("ix_household_member_household_id", "household_member", ["household_id"])

    op.create_table(
        "delegation",
        sa.Column("id", sa.String(length=36), primary_key=True),
        sa.Column("municipality_code", sa.String(length=6), nullable=False),
        sa.Column(
            "grantor_person_id", sa.String(length=36), sa.ForeignKey("person.id"), nullable=False
        ),
        sa.Column(
            "grantee_person_id", sa.String(length=36), sa.ForeignKey("person.id"), nullable=False
        ),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("consent_text_version", sa.Integer(), nullable=True),
    )
    op.create_index("ix_delegation_municipality_code", "delegation", ["municipality_code"])
    op.create_index("ix_delegation_grantor_person_id", "delegation", ["grantor_person_id"])
    op.create_index("ix_delegation_grantee_person_id", "delegation", ["grantee_person_id"])

    op.create_table(
        "consent_record",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("municipality_code", sa.String(length=6), nullable=False),
        sa.Column("person_id", sa.String(length=36), sa.ForeignKey("person.id"), nullable=False),
        sa.Column("purpose", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("text_sha256", sa.String(length=64), nullable=False),
        sa.Column("granted", sa.Boolean(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "actor_person_id", sa.String(length=36), sa.ForeignKey("person.id"), nullable=False
        ),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column(
            "delegation_id", sa.String(length=36), sa.ForeignKey("delegation.id"), nullable=True
        ),
    )
    op.create_index(
        "ix_consent_record_person_purpose",
        "consent_record",
        ["municipality_code", "person_id", "purpose"],
    )

    op.create_table(
        "access_log_entry",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("municipality_code", sa.String(length=6), nullable=False),
        sa.Column(
            "subject_person_id", sa.String(length=36), sa.ForeignKey("person.id"), nullable=False
        ),
        sa.Column(
            "actor_person_id", sa.String(length=36), sa.ForeignKey("person.id"), nullable=True
        ),
        sa.Column("actor_service", sa.String(length=64), nullable=True),
        sa.Column("actor_kind", sa.String(length=16), nullable=False),
        sa.Column("purpose", sa.String(length=200), nullable=False),
        sa.Column("resource", sa.String(length=200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index(
        "ix_access_log_entry_subject_at",
        "access_log_entry",
        ["municipality_code", "subject_person_id", "at"],
    )


def downgrade() -> None:
    op.drop_index("ix_access_log_entry_subject_at", table_name="access_log_entry")
    op.drop_table("access_log_entry")
    op.drop_index("ix_consent_record_person_purpose", table_name="consent_record")
    op.drop_table("consent_record")
    op.drop_index("ix_delegation_grantee_person_id", table_name="delegation")
    op.drop_index("ix_delegation_grantor_person_id", table_name="delegation")
    op.drop_index("ix_delegation_municipality_code", table_name="delegation")
    op.drop_table("delegation")
    op.drop_index("ix_household_member_household_id", table_name="household_member")
    op.drop_index("ix_household_member_municipality_code", table_name="household_member")
    op.drop_table("household_member")
    op.drop_index("ix_household_municipality_code", table_name="household")
    op.drop_table("household")
    with op.batch_alter_table("notice") as batch:
        batch.drop_column("audience")
