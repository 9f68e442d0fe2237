"""`preferences`: last writer wins, by the order the server applies the writes.

`set {key, value}` upserts, `delete {key}` removes (a tombstone in the change log). The
device's `created_at` is ignored: a device whose clock is a day off cannot win or lose by it.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlmodel import Session

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
    row = session.get(Preference, (person.id, key))
    if row is None:
        row = Preference(person_id=person.id, key=key, municipality_code=person.municipality_code,
                         value="null", updated_at=now)
    row.value = json.dumps(value, ensure_ascii=False)
    row.updated_at = now
    session.add(row)
    data = {"key": key, "value": value, "updated_at": now.isoformat()}
    return MutationOutcome.applied(data, [ChangeRow(COLLECTION, key, "upsert", data)])


def delete_preference(session: Session, person: Person, mutation: Mutation) -> MutationOutcome:
    key = text_arg(mutation.args, "key", MAX_KEY)
    row = session.get(Preference, (person.id, key))
    if row is not None:
        session.delete(row)
    # Deleting a missing key still wins over older writes: the tombstone is the last word.
    return MutationOutcome.applied({"key": key, "existed": row is not None},
                                   [ChangeRow(COLLECTION, key, "delete")])


register(Collection(COLLECTION, Policy.LAST_WRITER_WINS,
                    {"set": set_preference, "delete": delete_preference}))
