"""Delegations (代理): one person may act for another, with the other's recorded consent."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, String
from sqlmodel import Field, SQLModel

from backend.models.utc_datetime import UTCDateTime

DELEGATION_SCOPES = ("all", "procedures", "health")

STATUS_PENDING = "pending"
STATUS_ACTIVE = "active"
STATUS_DECLINED = "declined"
STATUS_REVOKED = "revoked"
DELEGATION_STATUSES = (STATUS_PENDING, STATUS_ACTIVE, STATUS_DECLINED, STATUS_REVOKED)


class Delegation(SQLModel, table=True):
    __tablename__ = "delegation"

    id: str = Field(primary_key=True, max_length=36)  # a UUID, so ids cannot be guessed
    municipality_code: str = Field(max_length=6, index=True)
    # The person acted for: only they can accept or decline.
    grantor_person_id: str = Field(
        sa_column=Column(String(36), ForeignKey("person.id"), nullable=False, index=True)
    )
    # The person who acts.
    grantee_person_id: str = Field(
        sa_column=Column(String(36), ForeignKey("person.id"), nullable=False, index=True)
    )
    scope: str = Field(max_length=16)
    status: str = Field(default=STATUS_PENDING, max_length=16)
    requested_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    decided_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(),
                                                                       nullable=True))
    # The version of the "delegation" consent text the grantor accepted (None until then).
    consent_text_version: int | None = Field(default=None)
