"""Points earning: the city's rules and districts, earn-code keys and issued codes, claims
with their cap tallies, and the district recycling goals (docs/points.md "Earning",
ADR 0034).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _when() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def _person(name: str, nullable: bool = False) -> sa.Column[str]:
    return sa.Column(name, sa.String(length=36), sa.ForeignKey("person.id"), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "points_rule",
        sa.Column("municipality_code", sa.String(length=6), primary_key=True),
        sa.Column("id", sa.String(length=64), primary_key=True),
        sa.Column("purpose", sa.String(length=32), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("is_demo", sa.Boolean(), nullable=False),
        sa.Column("updated_at", _when(), nullable=False),
    )
    op.create_table(
        "points_district",
        sa.Column("municipality_code", sa.String(length=6), primary_key=True),
        sa.Column("id", sa.String(length=64), primary_key=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("goal_grams", sa.Integer(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("is_demo", sa.Boolean(), nullable=False),
        sa.Column("updated_at", _when(), nullable=False),
    )
    op.create_table(
        "points_code_key",
        sa.Column("municipality_code", sa.String(length=6), primary_key=True),
        sa.Column("kid", sa.String(length=16), primary_key=True),
        sa.Column("secret", sa.String(length=64), nullable=False),
        sa.Column("created_at", _when(), nullable=False),
    )
    op.create_table(
        "points_earn_code",
        sa.Column("nonce", sa.String(length=32), primary_key=True),
        sa.Column("municipality_code", sa.String(length=6), nullable=False),
        sa.Column("rule_id", sa.String(length=64), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("valid_from", _when(), nullable=False),
        sa.Column("valid_until", _when(), nullable=False),
        _person("issued_by"),
        sa.Column("issued_at", _when(), nullable=False),
    )
    op.create_index("ix_points_earn_code_municipality_code", "points_earn_code",
                    ["municipality_code"])
    op.create_table(
        "points_claim",
        sa.Column("id", sa.String(length=36), primary_key=True),
        sa.Column("municipality_code", sa.String(length=6), nullable=False),
        _person("person_id"),
        sa.Column("rule_id", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=8), nullable=False),
        sa.Column("nonce", sa.String(length=32), nullable=True),
        sa.Column("label", sa.Text(), nullable=True),
        sa.Column("idem_scope", sa.String(length=64), nullable=False),
        sa.Column("idempotency_key", sa.String(length=64), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("transfer_id", sa.String(length=36), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("city_day", sa.Date(), nullable=False),
        sa.Column("actor_person_id", sa.String(length=36), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("claimed_at", _when(), nullable=False),
        sa.UniqueConstraint("person_id", "nonce", name="uq_points_claim_nonce"),
        sa.UniqueConstraint("idem_scope", "idempotency_key", name="uq_points_claim_key"),
    )
    op.create_index("ix_points_claim_person", "points_claim",
                    ["person_id", "rule_id", "city_day"])
    op.create_table(
        "points_claim_tally",
        sa.Column("person_id", sa.String(length=36), primary_key=True),
        sa.Column("rule_id", sa.String(length=64), primary_key=True),
        sa.Column("period", sa.String(length=16), primary_key=True),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.CheckConstraint("count >= 0", name="ck_points_claim_tally_count"),
    )
    op.create_table(
        "points_district_weight",
        sa.Column("municipality_code", sa.String(length=6), primary_key=True),
        sa.Column("district_id", sa.String(length=64), primary_key=True),
        sa.Column("period", sa.String(length=7), primary_key=True),
        sa.Column("grams", sa.Integer(), nullable=False),
        sa.Column("goal_grams", sa.Integer(), nullable=False),
        sa.Column("recorded_by", sa.String(length=36), nullable=False),
        sa.Column("recorded_at", _when(), nullable=False),
        sa.CheckConstraint("grams >= 0", name="ck_points_district_weight_grams"),
    )
    op.create_table(
        "points_district_optin",
        sa.Column("household_id", sa.String(length=36),
                  sa.ForeignKey("household.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("municipality_code", sa.String(length=6), nullable=False),
        sa.Column("district_id", sa.String(length=64), nullable=False),
        sa.Column("opted_in", sa.Boolean(), nullable=False),
        _person("person_id"),
        sa.Column("updated_at", _when(), nullable=False),
    )
    op.create_index("ix_points_district_optin_district", "points_district_optin",
                    ["municipality_code", "district_id", "opted_in"])
    op.create_table(
        "points_district_grant",
        sa.Column("municipality_code", sa.String(length=6), primary_key=True),
        sa.Column("period", sa.String(length=7), primary_key=True),
        sa.Column("household_id", sa.String(length=36), primary_key=True),
        sa.Column("district_id", sa.String(length=64), nullable=False),
        _person("person_id"),
        sa.Column("transfer_id", sa.String(length=36), nullable=False),
        sa.Column("granted_at", _when(), nullable=False),
    )


def downgrade() -> None:
    bind = op.get_bind()
    bind.execute(sa.text("DELETE FROM sync_change WHERE collection = 'points_claims'"))
    op.drop_table("points_district_grant")
    op.drop_index("ix_points_district_optin_district", table_name="points_district_optin")
    op.drop_table("points_district_optin")
    op.drop_table("points_district_weight")
    op.drop_table("points_claim_tally")
    op.drop_index("ix_points_claim_person", table_name="points_claim")
    op.drop_table("points_claim")
    op.drop_index("ix_points_earn_code_municipality_code", table_name="points_earn_code")
    op.drop_table("points_earn_code")
    op.drop_table("points_code_key")
    op.drop_table("points_district")
    op.drop_table("points_rule")
