"""Points payments: shop clerks, the wallet PIN, customer-presented codes and the one-time
references of dynamic JPQR codes (docs/points.md "Payments", ADR 0033).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _when() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def _person(name: str, nullable: bool, primary_key: bool = False) -> sa.Column[str]:
    return sa.Column(name, sa.String(length=36), sa.ForeignKey("person.id"),
                     nullable=nullable, primary_key=primary_key)


def _shop(name: str, nullable: bool, primary_key: bool = False) -> sa.Column[str]:
    return sa.Column(name, sa.String(length=36), sa.ForeignKey("points_shop.id"),
                     nullable=nullable, primary_key=primary_key)


def upgrade() -> None:
    op.create_table(
        "points_shop_clerk",
        _shop("shop_id", False, primary_key=True),
        _person("person_id", False, primary_key=True),
        sa.Column("municipality_code", sa.String(length=6), nullable=False),
        sa.Column("created_at", _when(), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=True),
    )
    op.create_index("ix_points_shop_clerk_person", "points_shop_clerk", ["person_id"])
    op.create_table(
        "points_wallet_pin",
        _person("person_id", False, primary_key=True),
        sa.Column("municipality_code", sa.String(length=6), nullable=False),
        sa.Column("pin_hash", sa.String(length=200), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("lockouts", sa.Integer(), nullable=False),
        sa.Column("locked_until", _when(), nullable=True),
        sa.Column("updated_at", _when(), nullable=False),
        sa.CheckConstraint("failures >= 0", name="ck_points_wallet_pin_failures"),
        sa.CheckConstraint("lockouts >= 0", name="ck_points_wallet_pin_lockouts"),
    )
    op.create_table(
        "points_customer_code",
        sa.Column("token_sha256", sa.String(length=64), primary_key=True),
        sa.Column("municipality_code", sa.String(length=6), nullable=False),
        _person("person_id", False),
        sa.Column("created_at", _when(), nullable=False),
        sa.Column("expires_at", _when(), nullable=False),
        sa.Column("used_at", _when(), nullable=True),
        _shop("shop_id", True),
        sa.Column("charge_key", sa.String(length=64), nullable=True),
    )
    op.create_index("ix_points_customer_code_person", "points_customer_code",
                    ["person_id", "created_at"])
    op.create_index("ix_points_customer_code_expires", "points_customer_code", ["expires_at"])
    op.create_table(
        "points_shop_payment_ref",
        sa.Column("reference", sa.String(length=25), primary_key=True),
        _shop("shop_id", False),
        sa.Column("municipality_code", sa.String(length=6), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("created_at", _when(), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=False),
        _person("paid_by", True),
        sa.Column("paid_key", sa.String(length=64), nullable=True),
        sa.Column("paid_at", _when(), nullable=True),
        sa.CheckConstraint("amount > 0", name="ck_points_shop_payment_ref_amount"),
    )
    op.create_index("ix_points_shop_payment_ref_shop", "points_shop_payment_ref",
                    ["shop_id", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_points_shop_payment_ref_shop", table_name="points_shop_payment_ref")
    op.drop_table("points_shop_payment_ref")
    op.drop_index("ix_points_customer_code_expires", table_name="points_customer_code")
    op.drop_index("ix_points_customer_code_person", table_name="points_customer_code")
    op.drop_table("points_customer_code")
    op.drop_table("points_wallet_pin")
    op.drop_index("ix_points_shop_clerk_person", table_name="points_shop_clerk")
    op.drop_table("points_shop_clerk")
