"""Imported procedure definitions: every version of every procedure stays (a submission
names the version it was made with); the latest one not withdrawn is published."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Column, Integer, String, Text
from sqlmodel import Field, SQLModel

from backend.models.utc_datetime import UTCDateTime


class ProcedureDefinitionRow(SQLModel, table=True):
    __tablename__ = "procedure_definition"

    municipality_code: str = Field(sa_column=Column(String(6), primary_key=True))
    id: str = Field(sa_column=Column(String(64), primary_key=True))
    version: int = Field(sa_column=Column(Integer(), primary_key=True, autoincrement=False))
    body: str = Field(sa_column=Column(Text(), nullable=False))  # the file's JSON, canonical
    sha256: str = Field(sa_column=Column(String(64), nullable=False))  # of `body`
    is_demo: bool = Field(sa_column=Column(Boolean(), nullable=False))
    imported_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    # Set on the latest version when an import of the city's folder retired a demo
    # definition it does not have (docs/procedure-definitions.md); None: offered.
    withdrawn_at: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime(), nullable=True))
