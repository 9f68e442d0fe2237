"""The points ledger's tables (migration 0013, docs/points.md "Ledger", ADR 0032).

Every change of points is an immutable `PointsTransfer` between two accounts, posted twice
(`PointsPosting`, one signed amount per side, summing to 0). `PointsAccount.balance` and
`PointsLot.remaining` are the only values ever updated, and only under the account's row
lock. A resident's balance never goes below zero: the ledger checks it, and so does a CHECK.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel

from backend.models.utc_datetime import UTCDateTime

# Account kinds.
RESIDENT = "resident"
SHOP = "shop"
ISSUER = "issuer"  # the city: earned points come from it, city fees paid go back to it
EXPIRY = "expiry"  # the sink expired points go to
ACCOUNT_KINDS = (RESIDENT, SHOP, ISSUER, EXPIRY)

# Transfer kinds.
EARN = "earn"
PAY = "pay"
REFUND = "refund"
EXPIRE = "expire"
CORRECTION = "correction"
TRANSFER_KINDS = (EARN, PAY, REFUND, EXPIRE, CORRECTION)

# Purposes the ledger itself writes; earning rules and payments bring their own codes
# (`recycling`, `health_check`, `event`, `stamp_rally`, `district_goal`, `shop_payment`,
# `bulky_waste_fee`, `staff_grant`, ...): a lowercase code of at most 32 characters.
PURPOSE_EXPIRY = "expiry"
PURPOSE_CORRECTION = "correction"

MERCHANT_ID_LENGTH = 13


def _sql_list(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{value}'" for value in values)


class PointsShop(SQLModel, table=True):
    """A registered local shop that takes points (地域ポイント加盟店)."""

    __tablename__ = "points_shop"
    __table_args__ = (
        UniqueConstraint("municipality_code", "merchant_id", name="uq_points_shop_merchant"),
    )

    id: str = Field(sa_column=Column(String(36), primary_key=True))
    municipality_code: str = Field(sa_column=Column(String(6), nullable=False))
    name: str = Field(sa_column=Column(String(200), nullable=False))
    # The JPQR 統一店舗識別コード's first part: 13 digits.
    merchant_id: str = Field(sa_column=Column(String(MERCHANT_ID_LENGTH), nullable=False))
    category: str = Field(sa_column=Column(String(32), nullable=False))
    postal_code: str = Field(sa_column=Column(String(8), nullable=False))
    active: bool = Field(default=True, sa_column=Column(Boolean(), nullable=False))
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class PointsAccount(SQLModel, table=True):
    """One account per resident, shop, and per municipality one issuer and one expiry sink.

    `owner_key` ("person:<id>", "shop:<id>", "issuer", "expiry") is unique per municipality,
    so an account is created lazily with INSERT ... ON CONFLICT DO NOTHING.
    """

    __tablename__ = "points_account"
    __table_args__ = (
        UniqueConstraint("municipality_code", "owner_key", name="uq_points_account_owner"),
        CheckConstraint(f"kind IN ({_sql_list(ACCOUNT_KINDS)})", name="ck_points_account_kind"),
        CheckConstraint(f"kind <> '{RESIDENT}' OR balance >= 0",
                        name="ck_points_account_resident_balance"),
        CheckConstraint(f"(kind = '{RESIDENT}') = (person_id IS NOT NULL)",
                        name="ck_points_account_person"),
        CheckConstraint(f"(kind = '{SHOP}') = (shop_id IS NOT NULL)",
                        name="ck_points_account_shop"),
        Index("ix_points_account_person", "person_id"),
        Index("ix_points_account_shop", "shop_id"),
    )

    id: str = Field(sa_column=Column(String(36), primary_key=True))
    municipality_code: str = Field(sa_column=Column(String(6), nullable=False))
    kind: str = Field(sa_column=Column(String(16), nullable=False))
    owner_key: str = Field(sa_column=Column(String(48), nullable=False))
    person_id: str | None = Field(
        default=None, sa_column=Column(String(36), ForeignKey("person.id"), nullable=True))
    shop_id: str | None = Field(
        default=None, sa_column=Column(String(36), ForeignKey("points_shop.id"), nullable=True))
    balance: int = Field(default=0, sa_column=Column(Integer(), nullable=False))
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class PointsTransfer(SQLModel, table=True):
    """An immutable movement of `amount` points from one account to another."""

    __tablename__ = "points_transfer"
    __table_args__ = (
        CheckConstraint("amount > 0", name="ck_points_transfer_amount"),
        CheckConstraint(f"kind IN ({_sql_list(TRANSFER_KINDS)})",
                        name="ck_points_transfer_kind"),
        CheckConstraint("from_account_id <> to_account_id", name="ck_points_transfer_accounts"),
        # A transfer is corrected at most once (NULLs are distinct in a unique index).
        UniqueConstraint("corrects", name="uq_points_transfer_corrects"),
        Index("ix_points_transfer_from", "from_account_id", "created_at"),
        Index("ix_points_transfer_to", "to_account_id", "created_at"),
        Index("ix_points_transfer_reference", "purpose", "reference"),
        Index("ix_points_transfer_refund_of", "refund_of"),
        Index("ix_points_transfer_kind", "municipality_code", "kind", "created_at"),
    )

    id: str = Field(sa_column=Column(String(36), primary_key=True))
    municipality_code: str = Field(sa_column=Column(String(6), nullable=False))
    kind: str = Field(sa_column=Column(String(16), nullable=False))
    from_account_id: str = Field(
        sa_column=Column(String(36), ForeignKey("points_account.id"), nullable=False))
    to_account_id: str = Field(
        sa_column=Column(String(36), ForeignKey("points_account.id"), nullable=False))
    amount: int = Field(sa_column=Column(Integer(), nullable=False))
    purpose: str = Field(sa_column=Column(String(32), nullable=False))
    reference: str | None = Field(default=None, sa_column=Column(String(128), nullable=True))
    reason: str | None = Field(default=None, sa_column=Column(Text(), nullable=True))
    refund_of: str | None = Field(
        default=None,
        sa_column=Column(String(36), ForeignKey("points_transfer.id"), nullable=True))
    corrects: str | None = Field(
        default=None,
        sa_column=Column(String(36), ForeignKey("points_transfer.id"), nullable=True))
    actor_person_id: str | None = Field(
        default=None, sa_column=Column(String(36), ForeignKey("person.id"), nullable=True))
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class PointsPosting(SQLModel, table=True):
    """One side of a transfer: the account's signed change and its balance after it."""

    __tablename__ = "points_posting"
    __table_args__ = (
        CheckConstraint("amount <> 0", name="ck_points_posting_amount"),
        Index("ix_points_posting_account", "account_id"),
    )

    transfer_id: str = Field(sa_column=Column(
        String(36), ForeignKey("points_transfer.id"), primary_key=True))
    account_id: str = Field(sa_column=Column(
        String(36), ForeignKey("points_account.id"), primary_key=True))
    amount: int = Field(sa_column=Column(Integer(), nullable=False))
    balance_after: int = Field(sa_column=Column(Integer(), nullable=False))


class PointsLot(SQLModel, table=True):
    """Points a resident received in one go, with when they expire and what is left."""

    __tablename__ = "points_lot"
    __table_args__ = (
        CheckConstraint("amount > 0", name="ck_points_lot_amount"),
        CheckConstraint("remaining >= 0 AND remaining <= amount", name="ck_points_lot_remaining"),
        Index("ix_points_lot_account", "account_id", "expires_at"),
        Index("ix_points_lot_expires", "expires_at"),
    )

    id: str = Field(sa_column=Column(String(36), primary_key=True))
    account_id: str = Field(sa_column=Column(
        String(36), ForeignKey("points_account.id"), nullable=False))
    transfer_id: str = Field(sa_column=Column(
        String(36), ForeignKey("points_transfer.id"), nullable=False))
    amount: int = Field(sa_column=Column(Integer(), nullable=False))
    remaining: int = Field(sa_column=Column(Integer(), nullable=False))
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    expires_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class PointsLotUse(SQLModel, table=True):
    """Which lot a transfer took points from (`amount` > 0) or gave them back to (< 0)."""

    __tablename__ = "points_lot_use"
    __table_args__ = (
        CheckConstraint("amount <> 0", name="ck_points_lot_use_amount"),
        Index("ix_points_lot_use_lot", "lot_id"),
    )

    transfer_id: str = Field(sa_column=Column(
        String(36), ForeignKey("points_transfer.id"), primary_key=True))
    lot_id: str = Field(sa_column=Column(
        String(36), ForeignKey("points_lot.id"), primary_key=True))
    amount: int = Field(sa_column=Column(Integer(), nullable=False))


class PointsIdempotency(SQLModel, table=True):
    """A write's idempotency key in its scope ("person:<id>", "shop:<id>", "tile:waste"):
    the SHA-256 of the request and the answer it gave."""

    __tablename__ = "points_idempotency"

    scope: str = Field(sa_column=Column(String(64), primary_key=True))
    key: str = Field(sa_column=Column(String(64), primary_key=True))
    request_sha256: str = Field(sa_column=Column(String(64), nullable=False))
    transfer_id: str | None = Field(default=None, sa_column=Column(
        String(36), ForeignKey("points_transfer.id"), nullable=True))
    answer: str = Field(sa_column=Column(Text(), nullable=False))  # the result as JSON
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


POINTS_MODELS: tuple[type[SQLModel], ...] = (
    PointsShop, PointsAccount, PointsTransfer, PointsPosting, PointsLot, PointsLotUse,
    PointsIdempotency,
)
