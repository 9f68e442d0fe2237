"""Sync streams: targeted content in the change log (`sync_change.audience`).

Existing targeted notices (with an `audience`) are backfilled as change-log rows of their
audience, at positions after the municipality's current counter.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_NOTICE_FIELDS = ("id", "municipality_code", "category", "published_at", "title_ja",
                  "title_en", "body_ja", "body_en", "is_demo", "audience")
_CHANGE_FIELDS = ("municipality_code", "position", "person_id", "audience", "collection",
                  "key", "op", "data")


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _backfill_targeted_notices() -> None:
    """Upsert rows of their audience for the targeted notices, per municipality, by id."""
    notice = sa.table("notice", *(sa.column(name) for name in _NOTICE_FIELDS[:3]),
                      sa.column("published_at", sa.DateTime(timezone=True)),
                      *(sa.column(name) for name in _NOTICE_FIELDS[4:]))
    change_table = sa.table("sync_change", *(sa.column(name) for name in _CHANGE_FIELDS),
                            sa.column("changed_at", sa.DateTime(timezone=True)))
    counter_table = sa.table("sync_counter", sa.column("municipality_code"), sa.column("value"))
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(notice).where(notice.c.audience.is_not(None))
        .order_by(notice.c.municipality_code, notice.c.id)
    ).mappings().all()
    if not rows:
        return
    counters: dict[str, int] = {
        code: int(value) for code, value in bind.execute(
            sa.select(counter_table.c.municipality_code, counter_table.c.value))
    }
    existing = set(counters)
    now = datetime.now(UTC)
    changes: list[dict[str, Any]] = []
    for row in rows:
        code = row["municipality_code"]
        counters[code] = counters.get(code, 0) + 1
        data = {key: row[key] for key in _NOTICE_FIELDS[:9] if key != "municipality_code"}
        data["published_at"] = _utc(row["published_at"]).isoformat()
        data["is_demo"] = bool(row["is_demo"])
        data["audience"] = row["audience"]
        changes.append({"municipality_code": code, "position": counters[code],
                        "person_id": None, "audience": row["audience"],
                        "collection": "notices", "key": str(row["id"]), "op": "upsert",
                        "data": json.dumps(data, ensure_ascii=False), "changed_at": now})
    bind.execute(sa.insert(change_table), changes)
    for code, value in counters.items():
        if code in existing:
            bind.execute(sa.update(counter_table)
                         .where(counter_table.c.municipality_code == code)
                         .values(value=value))
        else:
            bind.execute(sa.insert(counter_table).values(municipality_code=code, value=value))


def upgrade() -> None:
    with op.batch_alter_table("sync_change") as batch:
        batch.add_column(sa.Column("audience", sa.String(length=32), nullable=True))
    op.create_index("ix_sync_change_audience_position", "sync_change",
                    ["municipality_code", "audience", "position"])
    _backfill_targeted_notices()


def downgrade() -> None:
    bind = op.get_bind()
    bind.execute(sa.text("DELETE FROM sync_change WHERE audience IS NOT NULL"))
    op.drop_index("ix_sync_change_audience_position", table_name="sync_change")
    with op.batch_alter_table("sync_change") as batch:
        batch.drop_column("audience")
