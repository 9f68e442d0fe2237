"""A staff member's department memberships: the scope each staff route checks (ADR 0023)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, String
from sqlmodel import Field, SQLModel

from backend.models.utc_datetime import UTCDateTime

SOURCE_IDP = "idp"  # from the identity provider's claims at login (replaced at each login)
SOURCE_ADMIN = "admin"  # granted with `python -m backend staff grant` (kept across logins)
MEMBERSHIP_SOURCES = (SOURCE_IDP, SOURCE_ADMIN)


class StaffMembership(SQLModel, table=True):
    __tablename__ = "staff_membership"

    person_id: str = Field(
        sa_column=Column(String(36), ForeignKey("person.id"), primary_key=True)
    )
    department: str = Field(primary_key=True, max_length=32)
    # "" for the whole department; a school's id (later) for one unit of it.
    unit: str = Field(default="", primary_key=True, max_length=64)
    municipality_code: str = Field(max_length=6, index=True)
    source: str = Field(max_length=16)
    granted_by: str | None = Field(default=None, max_length=200)
    granted_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
