"""The access log: who read a resident's data, when and why."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, String
from sqlmodel import Field, SQLModel

from backend.models.utc_datetime import UTCDateTime

ACTOR_SELF = "self"
ACTOR_SERVICE = "service"
ACTOR_STAFF = "staff"
ACTOR_DELEGATE = "delegate"  # a delegate, or a parent acting for a minor child
ACTOR_KINDS = (ACTOR_SELF, ACTOR_SERVICE, ACTOR_STAFF, ACTOR_DELEGATE)


class AccessLogEntry(SQLModel, table=True):
    __tablename__ = "access_log_entry"
    __table_args__ = (
        Index("ix_access_log_entry_subject_at", "municipality_code", "subject_person_id", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    municipality_code: str = Field(max_length=6)
    # Whose data was read.
    subject_person_id: str = Field(
        sa_column=Column(String(36), ForeignKey("person.id"), nullable=False)
    )
    # Who read it: a person (self, staff, delegate) or a named service.
    actor_person_id: str | None = Field(
        default=None, sa_column=Column(String(36), ForeignKey("person.id"), nullable=True)
    )
    actor_service: str | None = Field(default=None, max_length=64)
    actor_kind: str = Field(max_length=16)
    purpose: str = Field(max_length=200)
    resource: str = Field(max_length=200)
    at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
