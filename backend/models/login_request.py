"""A login in progress: the app's /authorize request while the resident is upstream, or
while a visitor proves an email address with a one-time code (`method` "email")."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Integer
from sqlmodel import Field, SQLModel

from backend.models.utc_datetime import UTCDateTime

LOGIN_METHOD_UPSTREAM = "upstream"  # the upstream provider (My Number card / dev IdP)
LOGIN_METHOD_EMAIL = "email"  # the backend's own email sign-in page (visitors)


class LoginRequest(SQLModel, table=True):
    __tablename__ = "login_request"

    id: str = Field(primary_key=True, max_length=36)
    # SHA-256 (hex) of the state the backend sent upstream; the state itself is not stored.
    upstream_state_hash: str = Field(max_length=64, unique=True)
    upstream_nonce: str = Field(max_length=64)
    upstream_code_verifier: str = Field(max_length=128)
    # What the app asked for at /authorize.
    client_id: str = Field(max_length=64)
    redirect_uri: str = Field(max_length=500)
    app_state: str = Field(max_length=500)
    app_nonce: str = Field(max_length=255)
    code_challenge: str = Field(max_length=128)
    scope: str = Field(max_length=255)
    device_id: str | None = Field(default=None, max_length=128)
    ui_locales: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    expires_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    consumed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(),
                                                                        nullable=True))
    method: str = Field(default=LOGIN_METHOD_UPSTREAM, max_length=16)
    # Email logins only: the normalized address the code went to, and the code itself as
    # SHA-256 (hex) salted with the login id; expiry, failed and total checks, codes sent.
    email: str | None = Field(default=None, max_length=254)
    email_code_hash: str | None = Field(default=None, max_length=64)
    email_code_expires_at: datetime | None = Field(default=None, sa_column=Column(
        UTCDateTime(), nullable=True))
    email_code_attempts: int = Field(default=0, sa_column=Column(Integer(), nullable=False,
                                                                 server_default="0"))
    email_codes_sent: int = Field(default=0, sa_column=Column(Integer(), nullable=False,
                                                              server_default="0"))
