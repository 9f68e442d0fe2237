"""Tables of points payments (migration 0014; docs/points.md "Payments", ADR 0033).

- `points_shop_clerk`: who may use a shop's screen (show its codes, charge, refund).
- `points_wallet_pin`: a resident's app PIN as an scrypt hash, with the failure counter and
  the lockout (5 wrong: locked 15 minutes, doubling each time).
- `points_customer_code`: a customer-presented code: only the SHA-256 of its random id is
  kept; `used_at` is set once by a conditional UPDATE (one use).
- `points_shop_payment_ref`: the one-time reference of a dynamic JPQR a shop showed, with
  its amount; taken once by a conditional UPDATE when a resident pays it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, Integer, String
from sqlmodel import Field, SQLModel

from backend.models.utc_datetime import UTCDateTime


class ShopClerk(SQLModel, table=True):
    """A person's membership of a shop's staff (店員)."""

    __tablename__ = "points_shop_clerk"
    __table_args__ = (Index("ix_points_shop_clerk_person", "person_id"),)

    shop_id: str = Field(sa_column=Column(
        String(36), ForeignKey("points_shop.id"), primary_key=True))
    person_id: str = Field(sa_column=Column(
        String(36), ForeignKey("person.id"), primary_key=True))
    municipality_code: str = Field(sa_column=Column(String(6), nullable=False))
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    created_by: str | None = Field(default=None, sa_column=Column(String(36), nullable=True))


class WalletPin(SQLModel, table=True):
    """A resident's payment PIN. `pin_hash`: "scrypt$<n>$<r>$<p>$<salt>$<hash>" (base64)."""

    __tablename__ = "points_wallet_pin"
    __table_args__ = (
        CheckConstraint("failures >= 0", name="ck_points_wallet_pin_failures"),
        CheckConstraint("lockouts >= 0", name="ck_points_wallet_pin_lockouts"),
    )

    person_id: str = Field(sa_column=Column(
        String(36), ForeignKey("person.id"), primary_key=True))
    municipality_code: str = Field(sa_column=Column(String(6), nullable=False))
    pin_hash: str = Field(sa_column=Column(String(200), nullable=False))
    failures: int = Field(default=0, sa_column=Column(Integer(), nullable=False))
    lockouts: int = Field(default=0, sa_column=Column(Integer(), nullable=False))
    locked_until: datetime | None = Field(default=None,
                                          sa_column=Column(UTCDateTime(), nullable=True))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class CustomerCode(SQLModel, table=True):
    """A customer-presented code: valid until `expires_at`, used at most once."""

    __tablename__ = "points_customer_code"
    __table_args__ = (
        Index("ix_points_customer_code_person", "person_id", "created_at"),
        Index("ix_points_customer_code_expires", "expires_at"),
    )

    token_sha256: str = Field(sa_column=Column(String(64), primary_key=True))
    municipality_code: str = Field(sa_column=Column(String(6), nullable=False))
    person_id: str = Field(sa_column=Column(
        String(36), ForeignKey("person.id"), nullable=False))
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    expires_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    used_at: datetime | None = Field(default=None,
                                     sa_column=Column(UTCDateTime(), nullable=True))
    # Who used it: the shop and the shop's idempotency key (a retried charge is the same).
    shop_id: str | None = Field(default=None, sa_column=Column(
        String(36), ForeignKey("points_shop.id"), nullable=True))
    charge_key: str | None = Field(default=None, sa_column=Column(String(64), nullable=True))


class ShopPaymentRef(SQLModel, table=True):
    """The one-time reference of a dynamic JPQR and the amount it asks for."""

    __tablename__ = "points_shop_payment_ref"
    __table_args__ = (
        CheckConstraint("amount > 0", name="ck_points_shop_payment_ref_amount"),
        Index("ix_points_shop_payment_ref_shop", "shop_id", "created_at"),
    )

    reference: str = Field(sa_column=Column(String(25), primary_key=True))
    shop_id: str = Field(sa_column=Column(
        String(36), ForeignKey("points_shop.id"), nullable=False))
    municipality_code: str = Field(sa_column=Column(String(6), nullable=False))
    amount: int = Field(sa_column=Column(Integer(), nullable=False))
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    created_by: str = Field(sa_column=Column(String(36), nullable=False))
    # Who paid it, with which idempotency key (a retried payment is the same one).
    paid_by: str | None = Field(default=None, sa_column=Column(
        String(36), ForeignKey("person.id"), nullable=True))
    paid_key: str | None = Field(default=None, sa_column=Column(String(64), nullable=True))
    paid_at: datetime | None = Field(default=None,
                                     sa_column=Column(UTCDateTime(), nullable=True))


PAYMENT_MODELS: tuple[type[SQLModel], ...] = (ShopClerk, WalletPin, CustomerCode,
                                              ShopPaymentRef)
