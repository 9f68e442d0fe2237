"""Email-only logins for visitors: the pending one-time code lives with the login request.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("login_request") as batch:
        batch.add_column(sa.Column("method", sa.String(length=16), nullable=False,
                                   server_default="upstream"))
        batch.add_column(sa.Column("email", sa.String(length=254), nullable=True))
        batch.add_column(sa.Column("email_code_hash", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("email_code_expires_at", sa.DateTime(timezone=True),
                                   nullable=True))
        batch.add_column(sa.Column("email_code_attempts", sa.Integer(), nullable=False,
                                   server_default="0"))
        batch.add_column(sa.Column("email_codes_sent", sa.Integer(), nullable=False,
                                   server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("login_request") as batch:
        for column in ("email_codes_sent", "email_code_attempts", "email_code_expires_at",
                       "email_code_hash", "email", "method"):
            batch.drop_column(column)
