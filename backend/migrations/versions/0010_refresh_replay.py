"""Refresh token grace replay: the retired token's successor and its sealed token response.

See docs/identity.md ("Rotation and reuse") and ADR 0016.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("refresh_token") as batch:
        batch.add_column(sa.Column("successor_id", sa.String(length=36), nullable=True))
        batch.add_column(sa.Column("replay_sealed", sa.LargeBinary(), nullable=True))
        batch.add_column(sa.Column("replay_expires_at", sa.DateTime(timezone=True),
                                   nullable=True))
    op.create_index("ix_refresh_token_replay_expires", "refresh_token", ["replay_expires_at"])


def downgrade() -> None:
    op.drop_index("ix_refresh_token_replay_expires", table_name="refresh_token")
    with op.batch_alter_table("refresh_token") as batch:
        for column in ("replay_expires_at", "replay_sealed", "successor_id"):
            batch.drop_column(column)
