"""`points_claims`: earn codes claimed through sync (server-decided; docs/points.md).

`claim {"code"}` does what `POST /points/claims` does, with the mutation id as the
idempotency key, so a code scanned offline is granted exactly once however often the push
is retried. A code is accepted if the claim reaches the server up to
`earn_codes.OFFLINE_GRACE` (7 days) after the code's `exp`: the device scanned it while
offline, and its clock decides nothing. Both paths write the personal row
`points_claims/<idempotency key>` (what the device shows for its queued claim).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from backend.models import Person
from backend.services.clock import utc_now
from backend.sync.args import text_arg
from backend.sync.change_log import append_changes
from backend.sync.collections import Collection, Policy
from backend.sync.types import INVALID_ARGS, ChangeRow, Mutation, MutationOutcome
from backend.tiles.points import queries
from backend.tiles.points.claims import ClaimResult, claim_code, claim_json
from backend.tiles.points.earn_codes import MAX_CODE_LENGTH, OFFLINE_GRACE
from backend.tiles.points.errors import PointsError
from backend.tiles.points.idempotency import KEY_PATTERN

COLLECTION = "points_claims"


def claim_row(key: str, result: ClaimResult) -> ChangeRow:
    data = {"id": key, "status": "granted", "rule_id": result.rule.id,
            "rule_name_ja": result.rule.name_ja, "rule_name_en": result.rule.name_en,
            "label": result.label, "amount": result.transfer.amount,
            "transfer_id": result.transfer.transfer_id,
            "claimed_at": result.transfer.created_at.isoformat()}
    return ChangeRow(COLLECTION, key, "upsert", data)


def answer(session: Session, key: str, result: ClaimResult) -> dict[str, Any]:
    receipt = queries.receipt(session, result.transfer.transfer_id)
    assert receipt is not None  # the claim's own transfer, in this transaction
    return claim_json(result, receipt.data)


def write_claim_row(session: Session, person: Person, key: str, result: ClaimResult,
                    now: datetime) -> None:
    """The personal row for an HTTP claim (a sync claim returns it in its outcome)."""
    if not result.replayed:
        append_changes(session.connection(), person.municipality_code, person.id,
                       [claim_row(key, result)], now)


def claim(session: Session, person: Person, mutation: Mutation) -> MutationOutcome:
    """`claim {"code"}`: the mutation id is the idempotency key."""
    code = text_arg(mutation.args if isinstance(mutation.args, dict) else {}, "code",
                    MAX_CODE_LENGTH)
    key = mutation.mutation_id
    if not KEY_PATTERN.fullmatch(key):
        return MutationOutcome.rejected(INVALID_ARGS, "a claim's mutation id must be 8-64 of "
                                        "A-Z a-z 0-9 . _ : - (it is the idempotency key)")
    try:
        result = claim_code(session, person, code, key, utc_now(), grace=OFFLINE_GRACE)
    except PointsError as refused:
        return MutationOutcome.rejected(refused.code, refused.message)
    changes = [] if result.replayed else [claim_row(key, result)]
    return MutationOutcome.applied(answer(session, key, result), changes)


POINTS_CLAIMS = Collection(COLLECTION, Policy.SERVER_DECIDED, {"claim": claim})
