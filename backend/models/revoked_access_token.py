"""Access tokens revoked before their expiry (logout); rows can go once the token expires."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column
from sqlmodel import Field, SQLModel

from backend.models.utc_datetime import UTCDateTime


class RevokedAccessToken(SQLModel, table=True):
    __tablename__ = "revoked_access_token"

    jti: str = Field(primary_key=True, max_length=64)
    expires_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))
    revoked_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
