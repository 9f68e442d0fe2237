"""What the portal keeps for a person from their devices and tiles, as plain JSON for the
"My data" export.

The portal's own collection (preferences) is here; every tile's rows come from its spec's
`export` parts (`backend/tiles/spec.py`, ADR 0022), so the export always holds everything
the portal keeps without this file naming a tile.
"""

from __future__ import annotations

import json
from typing import Any

from sqlmodel import Session, col, select

from backend.models import Person, Preference, as_utc
from backend.tiles.registry import tile_specs


def preferences_json(session: Session, person_id: str) -> list[dict[str, Any]]:
    rows = session.exec(
        select(Preference).where(Preference.person_id == person_id).order_by(col(Preference.key))
    )
    return [
        {"key": row.key, "value": json.loads(row.value),
         "updated_at": as_utc(row.updated_at).isoformat()}
        for row in rows
    ]


def synced_data_json(session: Session, person: Person) -> dict[str, Any]:
    """Preferences and every tile's `section="synced_data"` export parts."""
    document: dict[str, Any] = {"preferences": preferences_json(session, person.id)}
    for spec in tile_specs():
        for part in spec.export:
            if part.section == "synced_data":
                document[part.key] = part.rows(session, person)
    return document


def tiles_json(session: Session, person: Person) -> dict[str, dict[str, Any]]:
    """Every tile's `section="tiles"` export parts, by tile id (tiles without any left out)."""
    document: dict[str, dict[str, Any]] = {}
    for spec in tile_specs():
        for part in spec.export:
            if part.section == "tiles":
                document.setdefault(spec.id, {})[part.key] = part.rows(session, person)
    return document
