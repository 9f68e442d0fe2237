"""`notices`: read-only content of the municipality. Devices pull it; every write is rejected.

The change-log rows are written where notices are created (the demo loader) and backfilled
by migrations 0005 (untargeted) and 0006 (targeted). Untargeted notices are rows of the
"public" stream; a targeted notice (`audience` "parents", "age75plus") is a row of the
stream "audience:<audience>", which only residents in that audience may pull (the same
household rule as `GET /notices`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from backend.models import as_utc
from backend.sync.change_log import append_changes
from backend.sync.collections import Collection, Policy
from backend.sync.types import ChangeRow
from backend.tiles.notices.models import Notice

COLLECTION = "notices"


def notice_data(notice: Notice) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": notice.id,
        "category": notice.category,
        "published_at": as_utc(notice.published_at).isoformat(),
        "title_ja": notice.title_ja,
        "title_en": notice.title_en,
        "body_ja": notice.body_ja,
        "body_en": notice.body_en,
        "is_demo": notice.is_demo,
    }
    if notice.audience is not None:
        data["audience"] = notice.audience
    if notice.person_id is not None:
        data["personal"] = True  # for this person alone (a procedure's status, ...)
    return data


def log_notices(connection: Connection, municipality_code: str, notices: list[Notice]) -> None:
    """Write upsert rows for `notices` (ids assigned) in this transaction: public rows for
    untargeted ones, rows of their audience for targeted ones."""
    changes = [
        ChangeRow(COLLECTION, str(notice.id), "upsert", notice_data(notice), public=True,
                  audience=notice.audience)
        for notice in notices
    ]
    append_changes(connection, municipality_code, None, changes)


# No handlers: the push engine rejects every write with "read_only".
NOTICES = Collection(COLLECTION, Policy.READ_ONLY)  # declared in backend/tiles/notices/tile.py
