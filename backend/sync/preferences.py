"""`preferences`: last writer wins, by the order the server applies the writes.

`set {key, value}` upserts, `delete {key}` removes (a tombstone in the change log). The
device's `created_at` is ignored: a device whose clock is a day off cannot win or lose by it.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col

from backend.db_results import affected_rows
from backend.models import Person, Preference
from backend.sync.args import text_arg
from backend.sync.collections import Collection, Policy, register
from backend.sync.types import ChangeRow, Mutation, MutationOutcome

COLLECTION = "preferences"
MAX_KEY = 128


def set_preference(session: Session, person: Person, mutation: Mutation) -> MutationOutcome:
    key = text_arg(mutation.args, "key", MAX_KEY)
    if "value" not in mutation.args:
        return MutationOutcome.rejected("invalid_args", "value is required")
    value = mutation.args["value"]
    now = datetime.now(UTC)
    # One statement, no read-modify-write: two devices racing on the same key (one deleting
    # it) must not make the ORM find its row gone between reading and writing.
    row = {"person_id": person.id, "key": key, "municipality_code": person.municipality_code,
           "value": json.dumps(value, ensure_ascii=False), "updated_at": now}
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(Preference).values(**row)
    session.execute(statement.on_conflict_do_update(
        index_elements=["person_id", "key"],
        set_={"value": statement.excluded.value, "updated_at": statement.excluded.updated_at},
    ))
    data = {"key": key, "value": value, "updated_at": now.isoformat()}
    return MutationOutcome.applied(data, [ChangeRow(COLLECTION, key, "upsert", data)])


def delete_preference(session: Session, person: Person, mutation: Mutation) -> MutationOutcome:
    key = text_arg(mutation.args, "key", MAX_KEY)
    deleted = affected_rows(session.execute(
        delete(Preference).where(col(Preference.person_id) == person.id,
                                 col(Preference.key) == key)
    ))
    # Deleting a missing key still wins over older writes: the tombstone is the last word.
    return MutationOutcome.applied({"key": key, "existed": bool(deleted)},
                                   [ChangeRow(COLLECTION, key, "delete")])


register(Collection(COLLECTION, Policy.LAST_WRITER_WINS,
                    {"set": set_preference, "delete": delete_preference}))
