"""`holidays`: read-only public rows of Japan's national holidays, so devices can show them
and count working days offline. Key "YYYY-MM-DD", data `{date, name_ja, name_en}`.

Written at backend start-up for this year and the next two (`publish_holidays`), only the
rows that changed since the last start (the log is read back), in one locked transaction so
two backends starting together write them once. The days come from the `holidays` library
through backend/services/japanese_holidays.py.
"""

from __future__ import annotations

import json
import logging
from datetime import date
from typing import Any

from sqlalchemy import Engine, select, text
from sqlmodel import col

from backend.db import SQLITE_BEGIN_OPTION
from backend.models import SyncChange
from backend.services.clock import city_today
from backend.services.japanese_holidays import holidays_in_year
from backend.sync.change_log import append_changes
from backend.sync.collections import Collection, Policy, register
from backend.sync.types import ChangeRow

logger = logging.getLogger(__name__)

COLLECTION = "holidays"
YEARS = 3  # this year and the next two
_PG_HOLIDAYS_LOCK_ID = 332038_0005


def holiday_rows(first_year: int, years: int = YEARS) -> dict[str, dict[str, Any]]:
    """key -> data of every holiday from `first_year` on, for `years` years."""
    return {
        h.day.isoformat(): {"date": h.day.isoformat(), "name_ja": h.name_ja,
                            "name_en": h.name_en}
        for year in range(first_year, first_year + years)
        for h in holidays_in_year(year)
    }


def publish_holidays(engine: Engine, municipality_code: str, today: date | None = None) -> int:
    """Write the holiday rows that are new or changed (and tombstones for days in the window
    that are no longer holidays); return how many rows were written."""
    first_year = (today or city_today()).year
    wanted = holiday_rows(first_year)
    window = (date(first_year, 1, 1).isoformat(), date(first_year + YEARS - 1, 12, 31).isoformat())
    with engine.connect() as connection:
        connection.execution_options(**{SQLITE_BEGIN_OPTION: "IMMEDIATE"})
        with connection.begin():
            if connection.dialect.name == "postgresql":
                connection.execute(text("SELECT pg_advisory_xact_lock(:lock_id)"),
                                   {"lock_id": _PG_HOLIDAYS_LOCK_ID})
            published: dict[str, Any] = {}
            for key, op, data in connection.execute(
                select(col(SyncChange.key), col(SyncChange.op), col(SyncChange.data))
                .where(col(SyncChange.municipality_code) == municipality_code,
                       col(SyncChange.collection) == COLLECTION,
                       col(SyncChange.person_id).is_(None),
                       col(SyncChange.audience).is_(None))
                .order_by(col(SyncChange.position))
            ):
                published[key] = json.loads(data) if op == "upsert" and data else None
            changes = [ChangeRow(COLLECTION, key, "upsert", data, public=True)
                       for key, data in wanted.items() if published.get(key) != data]
            changes += [ChangeRow(COLLECTION, key, "delete", None, public=True)
                        for key, data in sorted(published.items())
                        if data is not None and window[0] <= key <= window[1]
                        and key not in wanted]
            append_changes(connection, municipality_code, None, changes)
    if changes:
        logger.info("Holidays %d-%d: %d rows published", first_year, first_year + YEARS - 1,
                    len(changes))
    return len(changes)


# No handlers: the push engine rejects every write with "read_only".
register(Collection(COLLECTION, Policy.READ_ONLY))
