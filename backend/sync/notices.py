"""`notices`: read-only public content. Devices pull it; every write is rejected.

The change-log rows are written where notices are created (the demo loader) and backfilled
by migration 0005. Only untargeted notices (no `audience`) are public rows: targeted ones
stay behind `GET /notices`, which checks the caller's household.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from backend.models import Notice, as_utc
from backend.sync.change_log import append_changes
from backend.sync.collections import Collection, Policy, register
from backend.sync.types import ChangeRow

COLLECTION = "notices"


def notice_data(notice: Notice) -> dict[str, Any]:
    return {
        "id": notice.id,
        "category": notice.category,
        "published_at": as_utc(notice.published_at).isoformat(),
        "title_ja": notice.title_ja,
        "title_en": notice.title_en,
        "body_ja": notice.body_ja,
        "body_en": notice.body_en,
        "is_demo": notice.is_demo,
    }


def log_notices(connection: Connection, municipality_code: str, notices: list[Notice]) -> None:
    """Write public upsert rows for the untargeted `notices` (ids assigned) in this transaction."""
    changes = [
        ChangeRow(COLLECTION, str(notice.id), "upsert", notice_data(notice), public=True)
        for notice in notices
        if notice.audience is None
    ]
    append_changes(connection, municipality_code, None, changes)


# No handlers: the push engine rejects every write with "read_only".
register(Collection(COLLECTION, Policy.READ_ONLY))
