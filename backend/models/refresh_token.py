"""Refresh tokens: rotating, device-bound, grouped in families (one family per login)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, LargeBinary
from sqlmodel import Field, SQLModel

from backend.models.utc_datetime import UTCDateTime


class RefreshTokenFamily(SQLModel, table=True):
    """One login on one device: every refresh token rotated from it, and its access tokens
    (their `sid` claim is the family id)."""

    __tablename__ = "refresh_token_family"
    __table_args__ = (
        Index("ix_refresh_token_family_person_device", "person_id", "device_id"),
        Index("ix_refresh_token_family_code", "authorization_code_id"),
    )

    id: str = Field(primary_key=True, max_length=36)
    person_id: str = Field(foreign_key="person.id", max_length=36)
    client_id: str = Field(max_length=64)
    device_id: str | None = Field(default=None, max_length=128)
    authorization_code_id: str = Field(max_length=36)
    scope: str = Field(max_length=255)
    acr: str = Field(max_length=16)
    auth_time: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    # The absolute end of the family, however often it is refreshed.
    expires_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    revoked_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(),
                                                                       nullable=True))
    revoked_reason: str | None = Field(default=None, max_length=32)


class RefreshToken(SQLModel, table=True):
    __tablename__ = "refresh_token"
    __table_args__ = (
        Index("ix_refresh_token_family", "family_id"),
        Index("ix_refresh_token_replay_expires", "replay_expires_at"),
    )

    id: str = Field(primary_key=True, max_length=36)
    family_id: str = Field(foreign_key="refresh_token_family.id", max_length=36)
    token_hash: str = Field(max_length=64, unique=True)  # SHA-256 (hex) of the token
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    expires_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    # Set when the token was used (rotated); presenting it again is reuse.
    retired_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(),
                                                                       nullable=True))
    # The token issued when this one was retired (its immediate successor in the family).
    successor_id: str | None = Field(default=None, max_length=36)
    # The token response of that rotation, sealed with AES-GCM under a key derived from this
    # (retired) token, which the database does not hold: for a short grace period the device
    # whose answer was lost gets the same answer again (docs/identity.md, ADR 0016). Cleared
    # when the successor is used and once `replay_expires_at` has passed.
    replay_sealed: bytes | None = Field(default=None, sa_column=Column(LargeBinary(),
                                                                       nullable=True))
    replay_expires_at: datetime | None = Field(default=None,
                                               sa_column=Column(UTCDateTime(), nullable=True))
