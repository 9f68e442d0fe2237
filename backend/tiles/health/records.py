"""`health_records`: append-only. `add {id, kind, data, recorded_at?}` with a client-made id;
records are never edited; `delete {id}` leaves a tombstone (and the id stays taken)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session

from backend.models import HealthRecord, Person
from backend.sync.args import BadArgs, text_arg
from backend.sync.collections import Collection, Policy
from backend.sync.types import ALREADY_EXISTS, NOT_FOUND, ChangeRow, Mutation, MutationOutcome

COLLECTION = "health_records"


def record_json(row: HealthRecord) -> dict[str, Any]:
    return {"id": row.id, "kind": row.kind, "data": json.loads(row.body),
            "recorded_at": row.recorded_at, "created_at": row.created_at.isoformat()}


def add_record(session: Session, person: Person, mutation: Mutation) -> MutationOutcome:
    record_id = text_arg(mutation.args, "id", 64)
    kind = text_arg(mutation.args, "kind", 32)
    body = mutation.args.get("data", {})
    if not isinstance(body, dict):
        raise BadArgs("data must be an object")
    recorded_at = mutation.args.get("recorded_at")
    if recorded_at is not None and (not isinstance(recorded_at, str) or len(recorded_at) > 40):
        raise BadArgs("recorded_at must be an ISO-8601 string")
    if session.get(HealthRecord, (person.id, record_id)) is not None:
        return MutationOutcome.rejected(ALREADY_EXISTS, f"record {record_id} already exists")
    row = HealthRecord(person_id=person.id, id=record_id,
                       municipality_code=person.municipality_code, kind=kind,
                       body=json.dumps(body, ensure_ascii=False),
                       recorded_at=recorded_at, created_at=datetime.now(UTC))
    session.add(row)
    data = record_json(row)
    return MutationOutcome.applied(data, [ChangeRow(COLLECTION, record_id, "upsert", data)])


def delete_record(session: Session, person: Person, mutation: Mutation) -> MutationOutcome:
    record_id = text_arg(mutation.args, "id", 64)
    row = session.get(HealthRecord, (person.id, record_id))
    if row is None:
        return MutationOutcome.rejected(NOT_FOUND, f"no record {record_id}")
    if row.deleted_at is not None:
        return MutationOutcome.applied({"id": record_id, "already_deleted": True})
    row.deleted_at = datetime.now(UTC)
    row.body = "{}"  # the content goes; the tombstone keeps the id taken
    session.add(row)
    return MutationOutcome.applied({"id": record_id, "already_deleted": False},
                                   [ChangeRow(COLLECTION, record_id, "delete")])


# Declared in the health tile's spec (backend/tiles/health/tile.py).
HEALTH_RECORDS = Collection(COLLECTION, Policy.APPEND_ONLY,
                            {"add": add_record, "delete": delete_record})
