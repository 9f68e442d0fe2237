"""Sync receipts deduplicate a mutation per person, whatever device store sent it; each
receipt keeps a hash of the mutation it answered.

A device store that is re-created (logout with discard, reinstall, a damaged or lost file)
gets a new sync client id, and the unsent changes it recovered keep their mutation ids: the
server must recognise them as the same mutations, so the receipt's mutation id is unique per
person, not per (person, client id). Numbering (`seq`) stays per client id. The payload hash
lets the server refuse a mutation id reused with a different payload (docs/sync.md).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("sync_receipt") as batch:
        batch.drop_constraint("uq_sync_receipt_mutation", type_="unique")
        batch.create_unique_constraint("uq_sync_receipt_person_mutation",
                                       ["person_id", "mutation_id"])
        batch.add_column(sa.Column("payload_sha256", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sync_receipt") as batch:
        batch.drop_column("payload_sha256")
        batch.drop_constraint("uq_sync_receipt_person_mutation", type_="unique")
        batch.create_unique_constraint("uq_sync_receipt_mutation",
                                       ["person_id", "client_id", "mutation_id"])
