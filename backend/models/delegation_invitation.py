"""Invitations to act for someone (代理の招待): the grantor's short-lived, single-use code.

The person to be acted for creates the invitation, agreeing to the "delegation" consent text
then; whoever enters the code within 24 hours becomes their delegate (ADR 0031). Only the
code's SHA-256 is stored: the database never holds a code that could be used.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, String
from sqlmodel import Field, SQLModel

from backend.models.utc_datetime import UTCDateTime


class DelegationInvitation(SQLModel, table=True):
    __tablename__ = "delegation_invitation"

    id: str = Field(primary_key=True, max_length=36)  # a UUID
    municipality_code: str = Field(max_length=6, index=True)
    code_sha256: str = Field(max_length=64, unique=True)
    grantor_person_id: str = Field(
        sa_column=Column(String(36), ForeignKey("person.id"), nullable=False, index=True)
    )
    scope: str = Field(max_length=16)
    consent_text_version: int
    consent_text_sha256: str = Field(max_length=64)
    channel: str = Field(max_length=16)
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    expires_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    # Set once: when the code was used (and by whom, for which delegation) or cancelled.
    used_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(),
                                                                    nullable=True))
    used_by_person_id: str | None = Field(
        default=None, sa_column=Column(String(36), ForeignKey("person.id"), nullable=True)
    )
    delegation_id: str | None = Field(
        default=None, sa_column=Column(String(36), ForeignKey("delegation.id"), nullable=True)
    )
    cancelled_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(),
                                                                         nullable=True))
