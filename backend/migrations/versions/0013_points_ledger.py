"""Points ledger: shops, accounts, immutable transfers with their postings, lots and their
uses, idempotency keys (docs/points.md "Ledger", ADR 0032).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ACCOUNT_KINDS = "'resident', 'shop', 'issuer', 'expiry'"
_TRANSFER_KINDS = "'earn', 'pay', 'refund', 'expire', 'correction'"


def _when() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "points_shop",
        sa.Column("id", sa.String(length=36), primary_key=True),
        sa.Column("municipality_code", sa.String(length=6), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("merchant_id", sa.String(length=13), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("postal_code", sa.String(length=8), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", _when(), nullable=False),
        sa.UniqueConstraint("municipality_code", "merchant_id", name="uq_points_shop_merchant"),
    )
    op.create_table(
        "points_account",
        sa.Column("id", sa.String(length=36), primary_key=True),
        sa.Column("municipality_code", sa.String(length=6), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("owner_key", sa.String(length=48), nullable=False),
        sa.Column("person_id", sa.String(length=36), sa.ForeignKey("person.id"), nullable=True),
        sa.Column("shop_id", sa.String(length=36), sa.ForeignKey("points_shop.id"),
                  nullable=True),
        sa.Column("balance", sa.Integer(), nullable=False),
        sa.Column("created_at", _when(), nullable=False),
        sa.Column("updated_at", _when(), nullable=False),
        sa.UniqueConstraint("municipality_code", "owner_key", name="uq_points_account_owner"),
        sa.CheckConstraint(f"kind IN ({_ACCOUNT_KINDS})", name="ck_points_account_kind"),
        sa.CheckConstraint("kind <> 'resident' OR balance >= 0",
                           name="ck_points_account_resident_balance"),
        sa.CheckConstraint("(kind = 'resident') = (person_id IS NOT NULL)",
                           name="ck_points_account_person"),
        sa.CheckConstraint("(kind = 'shop') = (shop_id IS NOT NULL)",
                           name="ck_points_account_shop"),
    )
    op.create_index("ix_points_account_person", "points_account", ["person_id"])
    op.create_index("ix_points_account_shop", "points_account", ["shop_id"])
    op.create_table(
        "points_transfer",
        sa.Column("id", sa.String(length=36), primary_key=True),
        sa.Column("municipality_code", sa.String(length=6), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("from_account_id", sa.String(length=36), sa.ForeignKey("points_account.id"),
                  nullable=False),
        sa.Column("to_account_id", sa.String(length=36), sa.ForeignKey("points_account.id"),
                  nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=32), nullable=False),
        sa.Column("reference", sa.String(length=128), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("refund_of", sa.String(length=36), sa.ForeignKey("points_transfer.id"),
                  nullable=True),
        sa.Column("corrects", sa.String(length=36), sa.ForeignKey("points_transfer.id"),
                  nullable=True),
        sa.Column("actor_person_id", sa.String(length=36), sa.ForeignKey("person.id"),
                  nullable=True),
        sa.Column("created_at", _when(), nullable=False),
        sa.CheckConstraint("amount > 0", name="ck_points_transfer_amount"),
        sa.CheckConstraint(f"kind IN ({_TRANSFER_KINDS})", name="ck_points_transfer_kind"),
        sa.CheckConstraint("from_account_id <> to_account_id",
                           name="ck_points_transfer_accounts"),
        sa.UniqueConstraint("corrects", name="uq_points_transfer_corrects"),
    )
    op.create_index("ix_points_transfer_from", "points_transfer",
                    ["from_account_id", "created_at"])
    op.create_index("ix_points_transfer_to", "points_transfer", ["to_account_id", "created_at"])
    op.create_index("ix_points_transfer_reference", "points_transfer", ["purpose", "reference"])
    op.create_index("ix_points_transfer_refund_of", "points_transfer", ["refund_of"])
    op.create_index("ix_points_transfer_kind", "points_transfer",
                    ["municipality_code", "kind", "created_at"])
    op.create_table(
        "points_posting",
        sa.Column("transfer_id", sa.String(length=36), sa.ForeignKey("points_transfer.id"),
                  primary_key=True),
        sa.Column("account_id", sa.String(length=36), sa.ForeignKey("points_account.id"),
                  primary_key=True),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("balance_after", sa.Integer(), nullable=False),
        sa.CheckConstraint("amount <> 0", name="ck_points_posting_amount"),
    )
    op.create_index("ix_points_posting_account", "points_posting", ["account_id"])
    op.create_table(
        "points_lot",
        sa.Column("id", sa.String(length=36), primary_key=True),
        sa.Column("account_id", sa.String(length=36), sa.ForeignKey("points_account.id"),
                  nullable=False),
        sa.Column("transfer_id", sa.String(length=36), sa.ForeignKey("points_transfer.id"),
                  nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("remaining", sa.Integer(), nullable=False),
        sa.Column("created_at", _when(), nullable=False),
        sa.Column("expires_at", _when(), nullable=False),
        sa.CheckConstraint("amount > 0", name="ck_points_lot_amount"),
        sa.CheckConstraint("remaining >= 0 AND remaining <= amount",
                           name="ck_points_lot_remaining"),
    )
    op.create_index("ix_points_lot_account", "points_lot", ["account_id", "expires_at"])
    op.create_index("ix_points_lot_expires", "points_lot", ["expires_at"])
    op.create_table(
        "points_lot_use",
        sa.Column("transfer_id", sa.String(length=36), sa.ForeignKey("points_transfer.id"),
                  primary_key=True),
        sa.Column("lot_id", sa.String(length=36), sa.ForeignKey("points_lot.id"),
                  primary_key=True),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.CheckConstraint("amount <> 0", name="ck_points_lot_use_amount"),
    )
    op.create_index("ix_points_lot_use_lot", "points_lot_use", ["lot_id"])
    op.create_table(
        "points_idempotency",
        sa.Column("scope", sa.String(length=64), primary_key=True),
        sa.Column("key", sa.String(length=64), primary_key=True),
        sa.Column("request_sha256", sa.String(length=64), nullable=False),
        sa.Column("transfer_id", sa.String(length=36), sa.ForeignKey("points_transfer.id"),
                  nullable=True),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("created_at", _when(), nullable=False),
    )


def downgrade() -> None:
    bind = op.get_bind()
    bind.execute(sa.text("DELETE FROM sync_change WHERE collection = 'wallet'"))
    op.drop_table("points_idempotency")
    op.drop_index("ix_points_lot_use_lot", table_name="points_lot_use")
    op.drop_table("points_lot_use")
    op.drop_index("ix_points_lot_expires", table_name="points_lot")
    op.drop_index("ix_points_lot_account", table_name="points_lot")
    op.drop_table("points_lot")
    op.drop_index("ix_points_posting_account", table_name="points_posting")
    op.drop_table("points_posting")
    for index in ("ix_points_transfer_kind", "ix_points_transfer_refund_of",
                  "ix_points_transfer_reference", "ix_points_transfer_to",
                  "ix_points_transfer_from"):
        op.drop_index(index, table_name="points_transfer")
    op.drop_table("points_transfer")
    op.drop_index("ix_points_account_shop", table_name="points_account")
    op.drop_index("ix_points_account_person", table_name="points_account")
    op.drop_table("points_account")
    op.drop_table("points_shop")
