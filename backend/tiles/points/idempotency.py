"""Idempotency keys of ledger writes: (scope, key) -> the request's hash and its answer.

The key row is inserted in the same transaction as the transfer. Two requests with one key
at the same moment: the second's insert waits for the first's commit and then fails as a
unique violation, which the caller retries (`classify`: a race); the retry finds the row
and answers the first result. A refused request writes nothing, so its key stays free.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime
from typing import Any

from sqlalchemy import Table, insert, select
from sqlmodel import Session

from backend.tiles.points.errors import IdempotencyConflict, InvalidRequest
from backend.tiles.points.models import PointsIdempotency
from backend.tiles.points.results import TransferResult

KEY_PATTERN = re.compile(r"[A-Za-z0-9._:-]{8,64}")
SCOPE_PATTERN = re.compile(r"[a-z_]+:[A-Za-z0-9._-]{1,56}")
KEYS: Table = PointsIdempotency.__table__  # type: ignore[attr-defined]


def check_key(scope: str, key: str) -> None:
    if not isinstance(key, str) or not KEY_PATTERN.fullmatch(key):
        raise InvalidRequest("idempotency_key must be 8-64 of A-Z a-z 0-9 . _ : -",
                             field="idempotency_key")
    if not SCOPE_PATTERN.fullmatch(scope):
        raise InvalidRequest(f"bad idempotency scope {scope!r}", field="scope")


def request_hash(request: dict[str, Any]) -> str:
    """SHA-256 of the request as canonical JSON (sorted keys, no spaces, UTF-8)."""
    text = json.dumps(request, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def replay(session: Session, scope: str, key: str, digest: str) -> TransferResult | None:
    """The first answer for this key and request; `IdempotencyConflict` for another request."""
    row = session.execute(
        select(KEYS.c.request_sha256, KEYS.c.answer)
        .where(KEYS.c.scope == scope, KEYS.c.key == key)
    ).first()
    if row is None:
        return None
    if row.request_sha256 != digest:
        raise IdempotencyConflict(
            "this idempotency_key was already used for a different request; "
            "use a new key for a new request", idempotency_key=key)
    return TransferResult.from_json(json.loads(row.answer), replayed=True)


def remember(session: Session, scope: str, key: str, digest: str, result: TransferResult,
             now: datetime) -> None:
    session.execute(insert(KEYS).values(
        scope=scope, key=key, request_sha256=digest, transfer_id=result.transfer_id,
        answer=json.dumps(result.to_json(), ensure_ascii=False), created_at=now))
