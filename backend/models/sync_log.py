"""The sync change log, its position counter and the push receipts (see docs/sync.md)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, ForeignKey, Index, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from backend.models.utc_datetime import UTCDateTime

CHANGE_OPS = ("upsert", "delete")
RECEIPT_STATUSES = ("applied", "rejected")


class SyncCounter(SQLModel, table=True):
    """One row per municipality: the last change-log position handed out.

    Writers bump it inside their own transaction (`UPDATE ... RETURNING`), which row-locks
    it until commit, so positions commit in order (ADR 0011).
    """

    __tablename__ = "sync_counter"

    municipality_code: str = Field(primary_key=True, max_length=6)
    value: int = Field(sa_column=Column(BigInteger(), nullable=False))


class SyncChange(SQLModel, table=True):
    """A row of the change log: `person_id` set means one person's row; `person_id` None is
    content of the municipality, public when `audience` is None, otherwise only for the
    residents in that audience ("parents", "age75plus"). See docs/sync.md, "Streams"."""

    __tablename__ = "sync_change"
    __table_args__ = (
        Index("ix_sync_change_person_position", "municipality_code", "person_id", "position"),
        Index("ix_sync_change_audience_position", "municipality_code", "audience", "position"),
    )

    municipality_code: str = Field(primary_key=True, max_length=6)
    position: int = Field(sa_column=Column(BigInteger(), primary_key=True, autoincrement=False))
    person_id: str | None = Field(
        default=None, sa_column=Column(String(36), ForeignKey("person.id"), nullable=True)
    )
    audience: str | None = Field(default=None, max_length=32)  # only with person_id None
    collection: str = Field(max_length=64)
    key: str = Field(max_length=200)
    op: str = Field(max_length=8)
    data: str | None = Field(default=None, sa_column=Column(Text(), nullable=True))  # JSON
    changed_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class SyncReceipt(SQLModel, table=True):
    """The stored outcome of one pushed mutation: what a replay gets back."""

    __tablename__ = "sync_receipt"
    __table_args__ = (
        # A mutation is answered once per person, whichever store of theirs sends it (a
        # re-created store re-sends what it recovered under a new client id; migration 0009).
        UniqueConstraint("person_id", "mutation_id", name="uq_sync_receipt_person_mutation"),
        UniqueConstraint("person_id", "client_id", "seq", name="uq_sync_receipt_seq"),
    )

    id: int | None = Field(default=None, primary_key=True)
    municipality_code: str = Field(max_length=6)
    person_id: str = Field(sa_column=Column(String(36), ForeignKey("person.id"), nullable=False))
    client_id: str = Field(max_length=128)
    seq: int = Field(sa_column=Column(BigInteger(), nullable=False))
    mutation_id: str = Field(max_length=64)
    collection: str = Field(max_length=64)
    name: str = Field(max_length=64)
    status: str = Field(max_length=16)
    result: str | None = Field(default=None, sa_column=Column(Text(), nullable=True))  # JSON
    error_code: str | None = Field(default=None, max_length=64)
    error_message: str | None = Field(default=None, max_length=500)
    processed_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    # SHA-256 of the mutation as first received (collection, name, args): a mutation id
    # presented again with another payload is refused, never answered "duplicate".
    payload_sha256: str | None = Field(default=None, max_length=64)
