"""Failed token requests and upstream callbacks, counted for rate limiting."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index
from sqlmodel import Field, SQLModel

from backend.models.utc_datetime import UTCDateTime

FAILURE_KEY_IP = "ip"
# Before issue 10 failures were also counted per device id alone, which let anyone who knew
# a device id lock it out; rows of that kind are no longer written or read.
FAILURE_KEY_DEVICE = "device"
# Per (device id, client IP): `backend.identity.rate_limit.device_at_ip`.
FAILURE_KEY_DEVICE_AT_IP = "device_ip"


class AuthFailure(SQLModel, table=True):
    __tablename__ = "auth_failure"
    __table_args__ = (Index("ix_auth_failure_key_time", "key_kind", "key_value", "occurred_at"),)

    id: int | None = Field(default=None, primary_key=True)
    key_kind: str = Field(max_length=16)  # FAILURE_KEY_IP or FAILURE_KEY_DEVICE_AT_IP
    key_value: str = Field(max_length=128)
    endpoint: str = Field(max_length=32)
    occurred_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
