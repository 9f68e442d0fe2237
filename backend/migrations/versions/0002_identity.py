"""Identity: the person table (common ID) and the OAuth/OIDC server's state.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "person",
        sa.Column("id", sa.String(length=36), primary_key=True),
        sa.Column("municipality_code", sa.String(length=6), nullable=False),
        sa.Column("upstream_issuer", sa.String(length=255), nullable=False),
        sa.Column("upstream_subject", sa.String(length=255), nullable=False),
        sa.Column("assurance_level", sa.String(length=16), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False, server_default="resident"),
        sa.Column("name", sa.String(length=200), nullable=False, server_default=""),
        sa.Column("address", sa.String(length=500), nullable=True),
        sa.Column("birthdate", sa.Date(), nullable=True),
        sa.Column("gender", sa.String(length=16), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("upstream_issuer", "upstream_subject", name="uq_person_upstream"),
    )
    op.create_index("ix_person_municipality_code", "person", ["municipality_code"])
    _create_oauth_tables()


def _utc(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _create_oauth_tables() -> None:
    op.create_table(
        "login_request",
        sa.Column("id", sa.String(length=36), primary_key=True),
        sa.Column("upstream_state_hash", sa.String(length=64), nullable=False, unique=True),
        sa.Column("upstream_nonce", sa.String(length=64), nullable=False),
        sa.Column("upstream_code_verifier", sa.String(length=128), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("redirect_uri", sa.String(length=500), nullable=False),
        sa.Column("app_state", sa.String(length=500), nullable=False),
        sa.Column("app_nonce", sa.String(length=255), nullable=False),
        sa.Column("code_challenge", sa.String(length=128), nullable=False),
        sa.Column("scope", sa.String(length=255), nullable=False),
        sa.Column("device_id", sa.String(length=128), nullable=True),
        sa.Column("ui_locales", sa.String(length=64), nullable=True),
        _utc("created_at"),
        _utc("expires_at"),
        _utc("consumed_at", nullable=True),
    )
    op.create_table(
        "authorization_code",
        sa.Column("id", sa.String(length=36), primary_key=True),
        sa.Column("code_hash", sa.String(length=64), nullable=False, unique=True),
        sa.Column("person_id", sa.String(length=36), sa.ForeignKey("person.id"), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("redirect_uri", sa.String(length=500), nullable=False),
        sa.Column("scope", sa.String(length=255), nullable=False),
        sa.Column("nonce", sa.String(length=255), nullable=False),
        sa.Column("code_challenge", sa.String(length=128), nullable=False),
        sa.Column("device_id", sa.String(length=128), nullable=True),
        sa.Column("acr", sa.String(length=16), nullable=False),
        _utc("auth_time"),
        _utc("created_at"),
        _utc("expires_at"),
        _utc("consumed_at", nullable=True),
    )
    op.create_table(
        "refresh_token_family",
        sa.Column("id", sa.String(length=36), primary_key=True),
        sa.Column("person_id", sa.String(length=36), sa.ForeignKey("person.id"), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("device_id", sa.String(length=128), nullable=True),
        sa.Column("authorization_code_id", sa.String(length=36), nullable=False),
        sa.Column("scope", sa.String(length=255), nullable=False),
        sa.Column("acr", sa.String(length=16), nullable=False),
        _utc("auth_time"),
        _utc("created_at"),
        _utc("expires_at"),
        _utc("revoked_at", nullable=True),
        sa.Column("revoked_reason", sa.String(length=32), nullable=True),
    )
    op.create_index(
        "ix_refresh_token_family_person_device",
        "refresh_token_family",
        ["person_id", "device_id"],
    )
    op.create_index(
        "ix_refresh_token_family_code", "refresh_token_family", ["authorization_code_id"]
    )
    op.create_table(
        "refresh_token",
        sa.Column("id", sa.String(length=36), primary_key=True),
        sa.Column(
            "family_id",
            sa.String(length=36),
            sa.ForeignKey("refresh_token_family.id"),
            nullable=False,
        ),
        sa.Column("token_hash", sa.String(length=64), nullable=False, unique=True),
        _utc("created_at"),
        _utc("expires_at"),
        _utc("retired_at", nullable=True),
    )
    op.create_index("ix_refresh_token_family", "refresh_token", ["family_id"])
    op.create_table(
        "revoked_access_token",
        sa.Column("jti", sa.String(length=64), primary_key=True),
        _utc("expires_at"),
        _utc("revoked_at"),
    )
    op.create_index(
        "ix_revoked_access_token_expires_at", "revoked_access_token", ["expires_at"]
    )
    op.create_table(
        "auth_failure",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("key_kind", sa.String(length=16), nullable=False),
        sa.Column("key_value", sa.String(length=128), nullable=False),
        sa.Column("endpoint", sa.String(length=32), nullable=False),
        _utc("occurred_at"),
    )
    op.create_index(
        "ix_auth_failure_key_time", "auth_failure", ["key_kind", "key_value", "occurred_at"]
    )


def _drop_oauth_tables() -> None:
    op.drop_index("ix_auth_failure_key_time", table_name="auth_failure")
    op.drop_table("auth_failure")
    op.drop_index("ix_revoked_access_token_expires_at", table_name="revoked_access_token")
    op.drop_table("revoked_access_token")
    op.drop_index("ix_refresh_token_family", table_name="refresh_token")
    op.drop_table("refresh_token")
    op.drop_index("ix_refresh_token_family_code", table_name="refresh_token_family")
    op.drop_index("ix_refresh_token_family_person_device", table_name="refresh_token_family")
    op.drop_table("refresh_token_family")
    op.drop_table("authorization_code")
    op.drop_table("login_request")


def downgrade() -> None:
    _drop_oauth_tables()
    op.drop_index("ix_person_municipality_code", table_name="person")
    op.drop_table("person")
