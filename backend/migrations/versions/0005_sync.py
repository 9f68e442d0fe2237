"""Sync: the change log and its counter, push receipts, preferences, health records.

Existing untargeted notices are backfilled into the change log as public rows.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _create_tables() -> None:
    op.create_table(
        "sync_counter",
        sa.Column("municipality_code", sa.String(length=6), primary_key=True),
        sa.Column("value", sa.BigInteger(), nullable=False),
    )
    op.create_table(
        "sync_change",
        sa.Column("municipality_code", sa.String(length=6), primary_key=True),
        sa.Column("position", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("person_id", sa.String(length=36), sa.ForeignKey("person.id"), nullable=True),
        sa.Column("collection", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("op", sa.String(length=8), nullable=False),
        sa.Column("data", sa.Text(), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_sync_change_person_position", "sync_change",
                    ["municipality_code", "person_id", "position"])
    op.create_table(
        "sync_receipt",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("municipality_code", sa.String(length=6), nullable=False),
        sa.Column("person_id", sa.String(length=36), sa.ForeignKey("person.id"), nullable=False),
        sa.Column("client_id", sa.String(length=128), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("mutation_id", sa.String(length=64), nullable=False),
        sa.Column("collection", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("result", sa.Text(), nullable=True),
        sa.Column("error_code", sa.String(length=64), nullable=True),
        sa.Column("error_message", sa.String(length=500), nullable=True),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("person_id", "client_id", "mutation_id",
                            name="uq_sync_receipt_mutation"),
        sa.UniqueConstraint("person_id", "client_id", "seq", name="uq_sync_receipt_seq"),
    )
    op.create_table(
        "preference",
        sa.Column("person_id", sa.String(length=36), sa.ForeignKey("person.id"),
                  primary_key=True),
        sa.Column("key", sa.String(length=128), primary_key=True),
        sa.Column("municipality_code", sa.String(length=6), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "health_record",
        sa.Column("person_id", sa.String(length=36), sa.ForeignKey("person.id"),
                  primary_key=True),
        sa.Column("id", sa.String(length=64), primary_key=True),
        sa.Column("municipality_code", sa.String(length=6), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("recorded_at", sa.String(length=40), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
    )


_NOTICE_FIELDS = ("id", "municipality_code", "category", "published_at", "title_ja",
                  "title_en", "body_ja", "body_en", "is_demo", "audience")


def _backfill_notices() -> None:
    """Public change-log rows for the untargeted notices, per municipality, by id."""
    notice = sa.table("notice", *(sa.column(name) for name in _NOTICE_FIELDS[:3]),
                      sa.column("published_at", sa.DateTime(timezone=True)),
                      *(sa.column(name) for name in _NOTICE_FIELDS[4:]))
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(notice).where(notice.c.audience.is_(None))
        .order_by(notice.c.municipality_code, notice.c.id)
    ).mappings().all()
    now = datetime.now(UTC)
    counters: dict[str, int] = {}
    changes: list[dict[str, Any]] = []
    for row in rows:
        code = row["municipality_code"]
        counters[code] = counters.get(code, 0) + 1
        data = {key: row[key] for key in _NOTICE_FIELDS[:9] if key != "municipality_code"}
        data["published_at"] = _utc(row["published_at"]).isoformat()
        data["is_demo"] = bool(row["is_demo"])
        changes.append({"municipality_code": code, "position": counters[code],
                        "person_id": None, "collection": "notices", "key": str(row["id"]),
                        "op": "upsert", "data": json.dumps(data, ensure_ascii=False),
                        "changed_at": now})
    change_table = sa.table("sync_change", *(sa.column(name) for name in (
        "municipality_code", "position", "person_id", "collection", "key", "op", "data")),
        sa.column("changed_at", sa.DateTime(timezone=True)))
    counter_table = sa.table("sync_counter", sa.column("municipality_code"), sa.column("value"))
    if changes:
        bind.execute(sa.insert(change_table), changes)
        bind.execute(sa.insert(counter_table),
                     [{"municipality_code": code, "value": value}
                      for code, value in counters.items()])


def upgrade() -> None:
    _create_tables()
    _backfill_notices()


def downgrade() -> None:
    for table in ("health_record", "preference", "sync_receipt", "sync_change", "sync_counter"):
        op.drop_table(table)
