"""The change log: positions handed out in commit order, and reading a page of it.

Positions come from `sync_counter`, bumped with `UPDATE ... RETURNING` inside the writing
transaction. The row lock that UPDATE takes is held until commit or rollback, so a second
writer of the same municipality waits, and a position can only become visible after every
smaller one has committed (or been rolled back, leaving a harmless gap). A reader that has
seen position N can therefore ask for `position > N` without ever skipping a row. SQLite
gets the same guarantee from its single writer lock. See ADR 0011.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from backend.models import SyncChange, SyncCounter, as_utc
from backend.sync.types import ChangeRow

MAX_PAGE = 1000


def _ensure_counter(connection: Connection, municipality_code: str) -> None:
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    connection.execute(
        dialect.insert(SyncCounter)
        .values(municipality_code=municipality_code, value=0)
        .on_conflict_do_nothing(index_elements=["municipality_code"])
    )


def allocate_positions(connection: Connection, municipality_code: str, count: int) -> list[int]:
    """Reserve `count` consecutive positions; locks the municipality's counter until commit.

    Call it as late as possible in the transaction: other writers wait from here on.
    """
    if count < 1:
        return []
    statement = (
        update(SyncCounter)
        .where(SyncCounter.municipality_code == municipality_code)  # type: ignore[arg-type]
        .values(value=SyncCounter.value + count)
        .returning(SyncCounter.value)
    )
    last = connection.execute(statement).scalar_one_or_none()
    if last is None:
        _ensure_counter(connection, municipality_code)
        last = connection.execute(statement).scalar_one()
    return list(range(last - count + 1, last + 1))


def append_changes(
    connection: Connection,
    municipality_code: str,
    person_id: str | None,
    changes: Sequence[ChangeRow],
    now: datetime | None = None,
) -> list[int]:
    """Write `changes` (the caller's rows, or public ones) in the current transaction."""
    if not changes:
        return []
    moment = now or datetime.now(UTC)
    positions = allocate_positions(connection, municipality_code, len(changes))
    connection.execute(
        insert(SyncChange),
        [
            {
                "municipality_code": municipality_code,
                "position": position,
                "person_id": None if change.public else person_id,
                "collection": change.collection,
                "key": change.key,
                "op": change.op,
                "data": None if change.data is None else json.dumps(change.data,
                                                                    ensure_ascii=False),
                "changed_at": moment,
            }
            for position, change in zip(positions, changes, strict=True)
        ],
    )
    return positions


@dataclass(frozen=True)
class ChangePage:
    changes: list[dict[str, Any]]
    next_cursor: int
    has_more: bool


def read_changes(
    connection: Connection, municipality_code: str, person_id: str, cursor: int, limit: int
) -> ChangePage:
    """The caller's own and the public rows after `cursor`, ascending, at most `limit`."""
    limit = max(1, min(limit, MAX_PAGE))
    rows = connection.execute(
        select(SyncChange)
        .where(
            SyncChange.municipality_code == municipality_code,  # type: ignore[arg-type]
            SyncChange.position > cursor,  # type: ignore[arg-type]
            or_(
                SyncChange.person_id == person_id,  # type: ignore[arg-type]
                SyncChange.person_id.is_(None),  # type: ignore[union-attr]
            ),
        )
        .order_by(SyncChange.position)  # type: ignore[arg-type]
        .limit(limit + 1)
    ).all()
    has_more = len(rows) > limit
    rows = rows[:limit]
    changes = [
        {
            "position": row.position,
            "collection": row.collection,
            "key": row.key,
            "op": row.op,
            "data": None if row.data is None else json.loads(row.data),
            "changed_at": as_utc(row.changed_at).isoformat(),
        }
        for row in rows
    ]
    return ChangePage(changes, rows[-1].position if rows else cursor, has_more)
