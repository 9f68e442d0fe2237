"""The waste tile's content (docs/waste-data.md): items, areas, and the other collections.

Each row keeps `data`, the JSON of its public change-log row, so an import can tell what
changed; items keep the columns a bulky-waste booking needs server-side (fee, fee_kind).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Integer, String, Text
from sqlmodel import Field, SQLModel

from backend.models.utc_datetime import UTCDateTime


class WasteItemRow(SQLModel, table=True):
    __tablename__ = "waste_item"
    __table_args__ = (Index("ix_waste_item_category", "municipality_code", "category"),)

    municipality_code: str = Field(sa_column=Column(String(6), primary_key=True))
    id: str = Field(sa_column=Column(String(64), primary_key=True))
    source: str = Field(sa_column=Column(String(64), nullable=False))
    name: str = Field(sa_column=Column(Text(), nullable=False))
    reading: str | None = Field(default=None, sa_column=Column(Text(), nullable=True))
    category: str = Field(sa_column=Column(String(100), nullable=False))
    fee: int | None = Field(default=None, sa_column=Column(Integer(), nullable=True))  # yen
    fee_kind: str | None = Field(default=None, sa_column=Column(Text(), nullable=True))
    data: str = Field(sa_column=Column(Text(), nullable=False))  # JSON of the public row
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class WasteAreaRow(SQLModel, table=True):
    __tablename__ = "waste_area"

    municipality_code: str = Field(sa_column=Column(String(6), primary_key=True))
    id: str = Field(sa_column=Column(String(64), primary_key=True))
    source: str = Field(sa_column=Column(String(64), nullable=False))
    name: str = Field(sa_column=Column(Text(), nullable=False))
    center: str | None = Field(default=None, sa_column=Column(Text(), nullable=True))
    data: str = Field(sa_column=Column(Text(), nullable=False))  # JSON of the public row
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class WasteRecordRow(SQLModel, table=True):
    """A row of `waste_kinds`, `waste_centers`, `waste_remarks` or `waste_sources`."""

    __tablename__ = "waste_record"

    municipality_code: str = Field(sa_column=Column(String(6), primary_key=True))
    collection: str = Field(sa_column=Column(String(64), primary_key=True))
    key: str = Field(sa_column=Column(String(200), primary_key=True))
    source: str = Field(sa_column=Column(String(64), nullable=False))
    data: str = Field(sa_column=Column(Text(), nullable=False))  # JSON of the public row
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
