"""The app's authorization codes: single use, short-lived, stored hashed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column
from sqlmodel import Field, SQLModel

from backend.models.utc_datetime import UTCDateTime


class AuthorizationCode(SQLModel, table=True):
    __tablename__ = "authorization_code"

    id: str = Field(primary_key=True, max_length=36)
    code_hash: str = Field(max_length=64, unique=True)  # SHA-256 (hex) of the code
    person_id: str = Field(foreign_key="person.id", max_length=36)
    client_id: str = Field(max_length=64)
    redirect_uri: str = Field(max_length=500)
    scope: str = Field(max_length=255)
    nonce: str = Field(max_length=255)
    code_challenge: str = Field(max_length=128)
    device_id: str | None = Field(default=None, max_length=128)
    acr: str = Field(max_length=16)  # the person's assurance level at this login
    auth_time: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    expires_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    consumed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(),
                                                                        nullable=True))
