"""The transit tile's tables (migration 0017): every compiled timetable version of each
feed (the app downloads the current one), each import attempt with its report, and the
latest realtime snapshot per feed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, LargeBinary, Text
from sqlmodel import Field, SQLModel

from backend.models.utc_datetime import UTCDateTime

# Import outcomes.
IMPORTED = "imported"  # a new version, now current
UNCHANGED = "unchanged"  # the same timetable as the current version
REFUSED = "refused"  # the feed is broken: the report names file, line and field
UNREACHABLE = "unreachable"  # the feed's address did not answer with a feed


class TransitFeedVersion(SQLModel, table=True):
    __tablename__ = "transit_feed_version"
    __table_args__ = (Index("ix_transit_feed_version_current", "municipality_code",
                            "feed_id", "current"),)

    municipality_code: str = Field(primary_key=True, max_length=6)
    feed_id: str = Field(primary_key=True, max_length=64)
    # The version id: of the feed's files and the city's settings for it (name, licence,
    # attribution, IC fare), so importing the same feed again finds the same version.
    sha256: str = Field(primary_key=True, max_length=64)
    current: bool = False
    name: str = Field(sa_column=Column(Text, nullable=False))
    source: str = Field(sa_column=Column(Text, nullable=False))  # URL, path or "demo"
    licence: str = Field(sa_column=Column(Text, nullable=False))
    attribution: str = Field(sa_column=Column(Text, nullable=False))
    is_demo: bool = False
    feed_version: str = Field(default="", sa_column=Column(Text, nullable=False))
    service_start: str = Field(default="", max_length=10)  # ISO date, "" if none
    service_end: str = Field(default="", max_length=10)
    stops: int = 0
    trips: int = 0
    size: int = 0
    compiled: bytes = Field(sa_column=Column(LargeBinary(), nullable=False))
    imported_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class TransitImport(SQLModel, table=True):
    __tablename__ = "transit_import"

    id: int | None = Field(default=None, primary_key=True)
    municipality_code: str = Field(max_length=6, index=True)
    feed_id: str = Field(max_length=64)
    outcome: str = Field(max_length=16)
    report: str = Field(default="", sa_column=Column(Text, nullable=False))
    sha256: str = Field(default="", max_length=64)
    at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class TransitRealtime(SQLModel, table=True):
    __tablename__ = "transit_realtime"

    municipality_code: str = Field(primary_key=True, max_length=6)
    feed_id: str = Field(primary_key=True, max_length=64)
    # When `payload` was fetched (None: never yet); when the producer was last asked.
    fetched_at: datetime | None = Field(default=None,
                                        sa_column=Column(UTCDateTime(), nullable=True))
    checked_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    status: str = Field(max_length=16)  # "live" or "unreachable"
    error: str = Field(default="", sa_column=Column(Text, nullable=False))  # why unreachable
    payload: str = Field(sa_column=Column(Text, nullable=False))  # JSON for the app
