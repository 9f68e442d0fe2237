"""What the devices synced for a person, as plain JSON for the "My data" export.

One function per synced collection with personal rows; a tile that adds such a collection
adds its rows here, so the export always holds everything the portal keeps.
"""

from __future__ import annotations

import json
from typing import Any

from sqlmodel import Session, col, select

from backend.bulky_waste.bookings import area_names, booking_json
from backend.models import BulkyBooking, HealthRecord, Preference, as_utc


def preferences_json(session: Session, person_id: str) -> list[dict[str, Any]]:
    rows = session.exec(
        select(Preference).where(Preference.person_id == person_id).order_by(col(Preference.key))
    )
    return [
        {"key": row.key, "value": json.loads(row.value),
         "updated_at": as_utc(row.updated_at).isoformat()}
        for row in rows
    ]


def health_records_json(session: Session, person_id: str) -> list[dict[str, Any]]:
    """Every record, deleted ones too (with `deleted_at`): the id stays taken after a delete,
    so the resident sees why a device cannot reuse it."""
    rows = session.exec(
        select(HealthRecord)
        .where(HealthRecord.person_id == person_id)
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


def bulky_waste_json(session: Session, person_id: str) -> list[dict[str, Any]]:
    """Bulky-waste bookings as the devices see them (cancelled and collected ones too)."""
    rows = list(session.exec(
        select(BulkyBooking).where(BulkyBooking.person_id == person_id)
        .order_by(col(BulkyBooking.created_at), col(BulkyBooking.id))
    ))
    names: dict[str, str] = {}
    for code in {row.municipality_code for row in rows}:
        names |= area_names(session, code, {r.area_id for r in rows
                                            if r.municipality_code == code})
    return [booking_json(row, names.get(row.area_id)) for row in rows]


def synced_data_json(session: Session, person_id: str) -> dict[str, list[dict[str, Any]]]:
    return {
        "preferences": preferences_json(session, person_id),
        "health_records": health_records_json(session, person_id),
        "bulky_waste": bulky_waste_json(session, person_id),
    }
