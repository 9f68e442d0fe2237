"""The consent ledger: one append-only row per decision (ADR 0009).

Rows are never updated. They are deleted only when the person's account is deleted.
No row for a purpose means "not granted" (opt-in).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, ForeignKey, Index, String, event
from sqlmodel import Field, SQLModel

from backend.models.utc_datetime import UTCDateTime

CHANNELS = ("app", "kiosk", "counter")


class ConsentRecord(SQLModel, table=True):
    __tablename__ = "consent_record"
    __table_args__ = (
        Index("ix_consent_record_person_purpose", "municipality_code", "person_id", "purpose"),
    )

    id: int | None = Field(default=None, primary_key=True)
    municipality_code: str = Field(max_length=6)
    # Whose consent this is.
    person_id: str = Field(sa_column=Column(String(36), ForeignKey("person.id"), nullable=False))
    purpose: str = Field(max_length=64)
    version: int
    # SHA-256 (hex) of the exact text shown, in the language shown.
    text_sha256: str = Field(max_length=64)
    granted: bool
    recorded_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    # Who clicked: the person, or a parent for a minor child.
    actor_person_id: str = Field(
        sa_column=Column(String(36), ForeignKey("person.id"), nullable=False)
    )
    channel: str = Field(default="app", max_length=16)
    # For purpose "delegation": the delegation the decision was about.
    delegation_id: str | None = Field(
        default=None, sa_column=Column(String(36), ForeignKey("delegation.id"), nullable=True)
    )


@event.listens_for(ConsentRecord, "before_update")
def _refuse_update(_mapper: Any, _connection: Any, target: ConsentRecord) -> None:
    """Append-only: a decision is changed by appending a new row, never by editing one."""
    raise ValueError(f"consent record {target.id} is append-only and cannot be updated")
