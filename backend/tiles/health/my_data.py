"""The health tile in "My data": its records in the export, and their deletion."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import delete
from sqlmodel import Session, col, select

from backend.models import HealthRecord, Person, as_utc


def records_export(session: Session, person: Person) -> list[dict[str, Any]]:
    """Every record, deleted ones too (with `deleted_at`): the id stays taken after a delete,
    so the resident sees why a device cannot reuse it."""
    rows = session.exec(
        select(HealthRecord)
        .where(HealthRecord.person_id == person.id)
        .order_by(col(HealthRecord.created_at), col(HealthRecord.id))
    )
    return [
        {
            "id": row.id,
            "kind": row.kind,
            "data": None if row.deleted_at is not None else json.loads(row.body),
            "recorded_at": row.recorded_at,
            "created_at": as_utc(row.created_at).isoformat(),
            "deleted_at": as_utc(row.deleted_at).isoformat() if row.deleted_at else None,
        }
        for row in rows
    ]


def delete_records_of(session: Session, person: Person) -> None:
    """Account deletion: the person's records and tombstones go."""
    session.execute(delete(HealthRecord).where(col(HealthRecord.person_id) == person.id))
