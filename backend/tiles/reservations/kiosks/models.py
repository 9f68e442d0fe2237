"""A kiosk device (a city-hall tablet) and its key (docs/reservations.md §3). Migration 0021
creates the table (and `queue_ticket.kiosk_id`).

The key itself is never stored: only its SHA-256 (hex), by which a request's key is looked
up (a high-entropy random key needs no slow hash). A device is never deleted, only revoked,
so the tickets it issued keep naming it.
"""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import Column, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from backend.models.utc_datetime import UTCDateTime


class KioskDevice(SQLModel, table=True):
    """One kiosk: its name, the counters it may issue numbers for, its key's hash."""

    __tablename__ = "kiosk_device"
    __table_args__ = (UniqueConstraint("key_sha256", name="uq_kiosk_device_key"),)

    id: str = Field(sa_column=Column(String(36), primary_key=True))  # a uuid4
    municipality_code: str = Field(sa_column=Column(String(6), nullable=False))
    name: str = Field(sa_column=Column(String(100), nullable=False))
    # JSON list of counter ids; empty: every active counter of the municipality.
    counters: str = Field(default="[]", sa_column=Column(Text(), nullable=False))
    key_sha256: str = Field(sa_column=Column(String(64), nullable=False))
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    revoked_at: datetime | None = Field(default=None,
                                        sa_column=Column(UTCDateTime(), nullable=True))
    last_seen_at: datetime | None = Field(default=None,
                                          sa_column=Column(UTCDateTime(), nullable=True))

    def counter_ids(self) -> tuple[str, ...]:
        """The counters it may issue for (empty: all of its municipality's)."""
        raw = json.loads(self.counters or "[]")
        return tuple(str(c) for c in raw) if isinstance(raw, list) else ()
