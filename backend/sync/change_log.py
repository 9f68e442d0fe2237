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
from json.encoder import encode_basestring as _json_str  # C: a str as a JSON string
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Label,
    and_,
    insert,
    select,
    type_coerce,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.types import NullType
from sqlmodel import col

from backend.models import SyncChange, SyncCounter, as_utc
from backend.sync.types import ChangeRow

# A page is one request and one device transaction: 5000 rows of health records are about
# 1.5 MB of JSON. Larger pages cost a first sync less per row (docs/benchmarks.md).
MAX_PAGE = 5000


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
        .where(col(SyncCounter.municipality_code) == municipality_code)
        .values(value=col(SyncCounter.value) + count)
        .returning(col(SyncCounter.value))
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
    """Write `changes` (the caller's rows, or public/audience ones) in this transaction."""
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
                "audience": change.audience if change.public else None,
                "collection": change.collection,
                "key": change.key,
                "op": change.op,
                # Strict JSON: the pull splices this text into its answer as it is.
                "data": None if change.data is None else json.dumps(
                    change.data, ensure_ascii=False, allow_nan=False),
                "changed_at": moment,
            }
            for position, change in zip(positions, changes, strict=True)
        ],
    )
    return positions


@dataclass(frozen=True)
class ChangePage:
    """A page of the change log, each change already as its JSON object text (see
    `change_json`): the pull answers it as it is (`page_json`), without building and then
    re-encoding a dict per row."""

    encoded_changes: list[str]
    next_cursor: int
    has_more: bool

    @property
    def changes(self) -> list[dict[str, Any]]:
        """The changes as dicts (tests, tools); the pull itself never decodes them."""
        return [json.loads(change) for change in self.encoded_changes]


def change_json(position: int, collection: str, key: str, op: str, data: str | None,
                changed_at: str) -> str:
    """One change as a JSON object: `{"position", "collection", "key", "op", "data",
    "changed_at"}` (docs/sync.md). `data` is the stored JSON text of the value, spliced in as
    it is: every writer of `sync_change.data` stores `json.dumps` output (append_changes, the
    0005 backfill), so it is one complete JSON value and needs no parse and re-encode."""
    return (f'{{"position":{int(position)},"collection":{_json_str(collection)},'
            f'"key":{_json_str(key)},"op":{_json_str(op)},'
            f'"data":{"null" if data is None else data},'
            f'"changed_at":{_json_str(changed_at)}}}')


def page_json(page: ChangePage, **extra: Any) -> bytes:
    """The body of a pull answer: `{"changes": [...], "next_cursor", "has_more", **extra}`
    as UTF-8 JSON, the changes spliced in from their encoded text."""
    tail = {"next_cursor": page.next_cursor, "has_more": page.has_more, **extra}
    return "".join((
        '{"changes":[', ",".join(page.encoded_changes), "],",
        json.dumps(tail, ensure_ascii=False, separators=(",", ":"))[1:],
    )).encode("utf-8")


def stream_filter(person_id: str | None, audience: str | None = None) -> ColumnElement[bool]:
    """Which log rows a stream is: one person's own rows (`person_id`), or the municipality's
    rows of `audience` (None: the public rows). Streams are filters over one log."""
    if person_id is not None:
        if audience is not None:
            raise ValueError("a person's stream has no audience")
        return col(SyncChange.person_id) == person_id
    return and_(
        col(SyncChange.person_id).is_(None),
        col(SyncChange.audience).is_(None) if audience is None
        else col(SyncChange.audience) == audience,
    )


def read_changes(
    connection: Connection, municipality_code: str, person_id: str | None, cursor: int,
    limit: int, *, audience: str | None = None,
) -> ChangePage:
    """One stream's rows after `cursor`, ascending, at most `limit`: the person's own rows,
    or (`person_id` None) the municipality's public rows or those of `audience`."""
    limit = max(1, min(limit, MAX_PAGE))
    visible = stream_filter(person_id, audience)
    rows = connection.execute(
        select(*_PAGE_COLUMNS)
        .where(
            col(SyncChange.municipality_code) == municipality_code,
            col(SyncChange.position) > cursor,
            visible,
        )
        .order_by(col(SyncChange.position))
        .limit(limit + 1)
    ).all()
    has_more = len(rows) > limit
    rows = rows[:limit]
    moments: dict[datetime | str, str] = {}  # rows written together share their changed_at
    encoded = []
    for position, collection, key, op, data, changed_at in rows:
        moment = moments.get(changed_at)
        if moment is None:
            moment = moments[changed_at] = _iso_utc(changed_at)
        encoded.append(change_json(position, collection, key, op, data, moment))
    return ChangePage(encoded, rows[-1][0] if rows else cursor, has_more)


# What a page reads, in this order. `changed_at` as the driver returns it (SQLite: the stored
# UTC text, PostgreSQL: an aware datetime), converted by `_iso_utc` once per distinct value
# instead of by the column type for every row.
_CHANGED_AT_AS_STORED: Label[Any] = type_coerce(SyncChange.changed_at, NullType()).label(
    "changed_at")
_PAGE_COLUMNS = (
    col(SyncChange.position), col(SyncChange.collection), col(SyncChange.key),
    col(SyncChange.op), col(SyncChange.data), _CHANGED_AT_AS_STORED,
)


def _iso_utc(value: datetime | str) -> str:
    if isinstance(value, str):  # SQLite keeps the UTC wall-clock time as text
        value = datetime.fromisoformat(value)
    return as_utc(value).isoformat()
