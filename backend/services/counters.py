"""Sequences kept in a counter table (booking numbers, 受付番号): one row per key, bumped with
`UPDATE ... RETURNING` in the caller's transaction. The row lock makes concurrent callers take
turns; a rolled-back caller leaves at most a gap, never a number handed out twice. The first
use of a key inserts its row (`ON CONFLICT DO NOTHING`, so two first callers do not clash)."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import Table, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session


def next_in_sequence(session: Session, table: Table, key: Mapping[str, object]) -> int:
    """The next value of `table`'s sequence for `key` (its key columns and values); the table
    has those columns and an integer `value`. Holds the row until the caller commits."""
    where = [table.c[name] == value for name, value in key.items()]
    bump = (update(table).where(*where).values(value=table.c.value + 1)
            .returning(table.c.value))
    value = session.execute(bump).scalar_one_or_none()
    if value is None:
        insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        session.execute(insert(table).values(**key, value=0)
                        .on_conflict_do_nothing(index_elements=list(key)))
        value = session.execute(bump).scalar_one()
    return int(value)
