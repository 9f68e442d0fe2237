"""The stored resource definitions (`reservation_resource`, one row per id: the latest
imported definition): reading them as `Resource`s, storing a new version, withdrawing.

The version rule (docs/reservations.md §1): the same body again changes nothing; a changed
body needs a higher `version` than the stored one (the importer reports it otherwise).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlmodel import Session, col, select

from backend.tiles.reservations.models import ReservationResource
from backend.tiles.reservations.resource import Resource, parse_resource


def canonical_json(body: Mapping[str, Any]) -> str:
    """The stored text of a definition: the same content gives the same text."""
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def lock_resources(session: Session, municipality_code: str) -> None:
    """Serialise imports and slot creation of the municipality until the transaction ends.
    PostgreSQL: an advisory lock; SQLite: the write lock `write_engine` takes at BEGIN."""
    if session.get_bind().dialect.name == "postgresql":
        key = int.from_bytes(hashlib.sha256(
            f"reservations:{municipality_code}".encode()).digest()[:8], "big", signed=True)
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def stored_rows(session: Session, municipality_code: str) -> dict[str, ReservationResource]:
    """id -> the stored row of every resource, withdrawn ones included."""
    rows = session.exec(select(ReservationResource).where(
        col(ReservationResource.municipality_code) == municipality_code)).all()
    return {row.id: row for row in rows}


def body_of(row: ReservationResource) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(row.definition)
    return body


def get_resource(session: Session, municipality_code: str, resource_id: str, *,
                 withdrawn_too: bool = False) -> Resource | None:
    """The resource as the rules read it; None when there is none or it was withdrawn
    (unless `withdrawn_too`: a booking of a withdrawn resource still shows its place)."""
    row = session.get(ReservationResource, (municipality_code, resource_id))
    if row is None or (row.withdrawn and not withdrawn_too):
        return None
    return parse_resource(body_of(row))


def active_resources(session: Session, municipality_code: str) -> list[Resource]:
    """Every resource the city offers (not withdrawn), by id."""
    rows = stored_rows(session, municipality_code)
    return [parse_resource(body_of(row)) for _, row in sorted(rows.items())
            if not row.withdrawn]


def save_resource(session: Session, municipality_code: str, body: Mapping[str, Any],
                  now: datetime) -> None:
    """Insert or replace the resource's row with `body` (checked already), not withdrawn."""
    row = session.get(ReservationResource, (municipality_code, str(body["id"])))
    if row is None:
        row = ReservationResource(municipality_code=municipality_code, id=str(body["id"]),
                                  version=0, kind="", department="", definition="",
                                  is_demo=False, imported_at=now)
    row.version = int(body["version"])
    row.kind = str(body["kind"])
    row.department = str(body["department"])
    row.definition = canonical_json(body)
    row.is_demo = bool(body.get("demo", False))
    row.withdrawn = False
    row.imported_at = now
    session.add(row)


def withdraw_resource(session: Session, municipality_code: str, resource_id: str) -> None:
    row = session.get(ReservationResource, (municipality_code, resource_id))
    if row is not None:
        row.withdrawn = True
        session.add(row)
