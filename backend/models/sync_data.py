"""Synced personal data: preferences (last writer wins) and health records (append-only)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, String, Text
from sqlmodel import Field, SQLModel

from backend.models.utc_datetime import UTCDateTime


class Preference(SQLModel, table=True):
    """One setting of a person; the write the server applied last wins."""

    __tablename__ = "preference"

    person_id: str = Field(
        sa_column=Column(String(36), ForeignKey("person.id"), primary_key=True)
    )
    key: str = Field(primary_key=True, max_length=128)
    municipality_code: str = Field(max_length=6)
    value: str = Field(sa_column=Column(Text(), nullable=False))  # JSON
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class HealthRecord(SQLModel, table=True):
    """A health record the device made (client-made id); never updated, only tombstoned."""

    __tablename__ = "health_record"

    person_id: str = Field(
        sa_column=Column(String(36), ForeignKey("person.id"), primary_key=True)
    )
    id: str = Field(primary_key=True, max_length=64)
    municipality_code: str = Field(max_length=6)
    kind: str = Field(max_length=32)
    body: str = Field(sa_column=Column(Text(), nullable=False))  # JSON
    recorded_at: str | None = Field(default=None, max_length=40)  # the device's word for it
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    deleted_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(),
                                                                       nullable=True))
