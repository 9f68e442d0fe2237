"""Tables of points earning (migration 0015; docs/points.md "Earning", ADR 0034).

- `points_rule`, `points_district`: the city's earning rules and recycling districts, as
  published from `rules.json` / `districts.json` (`rules.py`); a rule that leaves the file
  is kept inactive, so old claims still name it.
- `points_code_key`: the HMAC key that signs earn codes (`earn_codes.py`), one or more per
  municipality (the newest signs, all verify).
- `points_earn_code`: every earn code staff issued (who, for what, valid when): the audit
  trail; a claim needs only the signature.
- `points_claim`: one row per points earned by rule (a scanned code or a staff grant),
  unique per person and code nonce and per idempotency key; `points_claim_tally`: claims per
  person, rule and day or fiscal year, raised by one conditional UPDATE each (the caps).
- `points_district_weight`, `points_district_optin`, `points_district_grant`: a district's
  sorted-recyclables weight per month, the households taking part, and the grant each
  household got for a month (unique: once per period).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel

from backend.models.utc_datetime import UTCDateTime

CLAIM_BY_CODE = "code"
CLAIM_BY_STAFF = "staff"
CLAIM_SOURCES = (CLAIM_BY_CODE, CLAIM_BY_STAFF)


class PointsRuleRow(SQLModel, table=True):
    __tablename__ = "points_rule"

    municipality_code: str = Field(sa_column=Column(String(6), primary_key=True))
    id: str = Field(sa_column=Column(String(64), primary_key=True))
    purpose: str = Field(sa_column=Column(String(32), nullable=False))
    data: str = Field(sa_column=Column(Text(), nullable=False))  # JSON of the rule
    active: bool = Field(sa_column=Column(Boolean(), nullable=False))
    is_demo: bool = Field(sa_column=Column(Boolean(), nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class PointsDistrictRow(SQLModel, table=True):
    __tablename__ = "points_district"

    municipality_code: str = Field(sa_column=Column(String(6), primary_key=True))
    id: str = Field(sa_column=Column(String(64), primary_key=True))  # the waste area id
    name: str = Field(sa_column=Column(Text(), nullable=False))
    goal_grams: int = Field(sa_column=Column(Integer(), nullable=False))
    points: int = Field(sa_column=Column(Integer(), nullable=False))  # per household
    data: str = Field(sa_column=Column(Text(), nullable=False))  # JSON of the district
    active: bool = Field(sa_column=Column(Boolean(), nullable=False))
    is_demo: bool = Field(sa_column=Column(Boolean(), nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class PointsCodeKey(SQLModel, table=True):
    __tablename__ = "points_code_key"

    municipality_code: str = Field(sa_column=Column(String(6), primary_key=True))
    kid: str = Field(sa_column=Column(String(16), primary_key=True))
    secret: str = Field(sa_column=Column(String(64), nullable=False))  # base64url, 32 bytes
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class PointsEarnCode(SQLModel, table=True):
    __tablename__ = "points_earn_code"

    nonce: str = Field(sa_column=Column(String(32), primary_key=True))
    municipality_code: str = Field(sa_column=Column(String(6), nullable=False, index=True))
    rule_id: str = Field(sa_column=Column(String(64), nullable=False))
    label: str = Field(sa_column=Column(Text(), nullable=False))
    valid_from: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    valid_until: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    issued_by: str = Field(sa_column=Column(String(36), ForeignKey("person.id"),
                                            nullable=False))
    issued_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class PointsClaim(SQLModel, table=True):
    """Points one person earned by one rule; the transfer is the ledger's record of them."""

    __tablename__ = "points_claim"
    __table_args__ = (
        UniqueConstraint("person_id", "nonce", name="uq_points_claim_nonce"),
        UniqueConstraint("idem_scope", "idempotency_key", name="uq_points_claim_key"),
        Index("ix_points_claim_person", "person_id", "rule_id", "city_day"),
    )

    id: str = Field(sa_column=Column(String(36), primary_key=True))
    municipality_code: str = Field(sa_column=Column(String(6), nullable=False))
    person_id: str = Field(sa_column=Column(String(36), ForeignKey("person.id"),
                                            nullable=False))
    rule_id: str = Field(sa_column=Column(String(64), nullable=False))
    source: str = Field(sa_column=Column(String(8), nullable=False))  # code / staff
    nonce: str | None = Field(default=None, sa_column=Column(String(32), nullable=True))
    label: str | None = Field(default=None, sa_column=Column(Text(), nullable=True))
    idem_scope: str = Field(sa_column=Column(String(64), nullable=False))
    idempotency_key: str = Field(sa_column=Column(String(64), nullable=False))
    request_hash: str = Field(sa_column=Column(String(64), nullable=False))
    transfer_id: str = Field(sa_column=Column(String(36), nullable=False))
    amount: int = Field(sa_column=Column(Integer(), nullable=False))
    city_day: date = Field(sa_column=Column(Date(), nullable=False))
    actor_person_id: str | None = Field(default=None,
                                        sa_column=Column(String(36), nullable=True))
    reason: str | None = Field(default=None, sa_column=Column(Text(), nullable=True))
    claimed_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class PointsClaimTally(SQLModel, table=True):
    """How many times a person earned by a rule in a period ("2026-06-01" or "FY2026")."""

    __tablename__ = "points_claim_tally"
    __table_args__ = (CheckConstraint("count >= 0", name="ck_points_claim_tally_count"),)

    person_id: str = Field(sa_column=Column(String(36), primary_key=True))
    rule_id: str = Field(sa_column=Column(String(64), primary_key=True))
    period: str = Field(sa_column=Column(String(16), primary_key=True))
    count: int = Field(sa_column=Column(Integer(), nullable=False))


class PointsDistrictWeight(SQLModel, table=True):
    __tablename__ = "points_district_weight"
    __table_args__ = (CheckConstraint("grams >= 0", name="ck_points_district_weight_grams"),)

    municipality_code: str = Field(sa_column=Column(String(6), primary_key=True))
    district_id: str = Field(sa_column=Column(String(64), primary_key=True))
    period: str = Field(sa_column=Column(String(7), primary_key=True))  # YYYY-MM
    grams: int = Field(sa_column=Column(Integer(), nullable=False))
    goal_grams: int = Field(sa_column=Column(Integer(), nullable=False))  # the goal then
    recorded_by: str = Field(sa_column=Column(String(36), nullable=False))
    recorded_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class PointsDistrictOptIn(SQLModel, table=True):
    """A household taking part in its district's goal; `person_id` turned it on last and
    receives the household's grant (docs/points.md, "District goals")."""

    __tablename__ = "points_district_optin"
    __table_args__ = (Index("ix_points_district_optin_district", "municipality_code",
                            "district_id", "opted_in"),)

    household_id: str = Field(sa_column=Column(String(36), ForeignKey(
        "household.id", ondelete="CASCADE"), primary_key=True))
    municipality_code: str = Field(sa_column=Column(String(6), nullable=False))
    district_id: str = Field(sa_column=Column(String(64), nullable=False))
    opted_in: bool = Field(sa_column=Column(Boolean(), nullable=False))
    person_id: str = Field(sa_column=Column(String(36), ForeignKey("person.id"),
                                            nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class PointsDistrictGrant(SQLModel, table=True):
    """The one grant of a household for a period: the unique key makes it once."""

    __tablename__ = "points_district_grant"

    municipality_code: str = Field(sa_column=Column(String(6), primary_key=True))
    period: str = Field(sa_column=Column(String(7), primary_key=True))
    household_id: str = Field(sa_column=Column(String(36), primary_key=True))
    district_id: str = Field(sa_column=Column(String(64), nullable=False))
    person_id: str = Field(sa_column=Column(String(36), ForeignKey("person.id"),
                                            nullable=False))
    transfer_id: str = Field(sa_column=Column(String(36), nullable=False))
    granted_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


EARNING_MODELS: tuple[type[SQLModel], ...] = (
    PointsRuleRow, PointsDistrictRow, PointsCodeKey, PointsEarnCode, PointsClaim,
    PointsClaimTally, PointsDistrictWeight, PointsDistrictOptIn, PointsDistrictGrant)
