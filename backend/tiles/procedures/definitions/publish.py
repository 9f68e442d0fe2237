"""The public `procedures` collection (READ_ONLY, public stream; docs/procedures.md §3): one
row per procedure id, its latest definition (the file's JSON plus "imported_at"); a
withdrawn definition is a tombstone."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from backend.models import as_utc
from backend.sync.change_log import append_changes
from backend.sync.collections import Collection, Policy
from backend.sync.types import ChangeRow

COLLECTION = "procedures"

# No handlers: the push engine rejects every write with "read_only". Listed by
# backend/tiles/procedures/tile.py.
PROCEDURES = Collection(COLLECTION, Policy.READ_ONLY)


def published_data(body: Mapping[str, Any], imported_at: datetime) -> dict[str, Any]:
    """The row's data: the definition plus when this version was imported."""
    return {**body, "imported_at": as_utc(imported_at).isoformat()}


def publish(connection: Connection, municipality_code: str,
            latest: Sequence[tuple[Mapping[str, Any], datetime]], withdrawn: Sequence[str],
            now: datetime) -> list[int]:
    """Write the public rows in this transaction: an upsert per (body, imported_at) and a
    tombstone per withdrawn id; their change-log positions."""
    changes = [ChangeRow(COLLECTION, str(body["id"]), "upsert", published_data(body, at),
                         public=True) for body, at in latest]
    changes += [ChangeRow(COLLECTION, procedure_id, "delete", None, public=True)
                for procedure_id in withdrawn]
    return append_changes(connection, municipality_code, None, changes, now)
