"""A person's common ID (共通ID): one row per resident, staff member or email-only visitor."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Date, UniqueConstraint
from sqlmodel import Field, SQLModel

from backend.models.utc_datetime import UTCDateTime

ASSURANCE_CARD = "card"  # verified with the My Number card through the national provider
ASSURANCE_EMAIL = "email"  # email only: visitors who want tickets or points
ASSURANCE_LEVELS = (ASSURANCE_CARD, ASSURANCE_EMAIL)

ROLE_RESIDENT = "resident"
ROLE_STAFF = "staff"
ROLES = (ROLE_RESIDENT, ROLE_STAFF)


class Person(SQLModel, table=True):
    __tablename__ = "person"
    __table_args__ = (
        # The common ID is keyed on the upstream subject, so it survives card renewal.
        UniqueConstraint("upstream_issuer", "upstream_subject", name="uq_person_upstream"),
    )

    id: str = Field(primary_key=True, max_length=36)  # the common ID: a UUID, never reused
    municipality_code: str = Field(max_length=6, index=True)
    upstream_issuer: str = Field(max_length=255)
    upstream_subject: str = Field(max_length=255)
    assurance_level: str = Field(max_length=16)
    role: str = Field(default=ROLE_RESIDENT, max_length=16)
    name: str = Field(default="", max_length=200)
    address: str | None = Field(default=None, max_length=500)
    birthdate: date | None = Field(default=None, sa_column=Column(Date(), nullable=True))
    gender: str | None = Field(default=None, max_length=16)
    email: str | None = Field(default=None, max_length=320)
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    deleted_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(),
                                                                       nullable=True))

    @property
    def active(self) -> bool:
        return self.deleted_at is None

    def age_on(self, day: date) -> int | None:
        if self.birthdate is None:
            return None
        b = self.birthdate
        return day.year - b.year - ((day.month, day.day) < (b.month, b.day))
