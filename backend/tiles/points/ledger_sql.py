"""Earn and pay on PostgreSQL as one call of a database function each (ADR 0037).

`ledger.earn` and `ledger.pay` check the arguments and the idempotency key's form and hash
the request in Python, then, on PostgreSQL, hand the posting to `points_earn` /
`points_pay` (migration 0016): the key's first answer or a refusal, the resident and the
shop, both accounts made if missing and locked in id order, the balance check, the transfer
and its postings, the balances, the lots, the key's answer and the resident's `wallet`
change-log rows, in that order, in the caller's transaction. The same steps the Python
posting takes, so both write the same rows (tests/backend/test_points_ledger_sql.py
compares them); SQLite keeps the Python posting, and so do refunds, corrections and expiry
(rarer, and with more cases).

Every value that does not come from the database is made here: ids, times and their
ISO texts, the city's time zone, so the two postings cannot differ in them.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, text
from sqlmodel import Session

from backend.models import as_utc
from backend.services.clock import CITY_TIME_ZONE
from backend.tiles.points.errors import IdempotencyConflict, InsufficientPoints, UnknownAccount
from backend.tiles.points.lots import EXPIRING_SHOWN
from backend.tiles.points.results import Payee, TransferResult

# Off in a test that compares the two postings (and a switch if a database cannot have
# functions); `enabled` also needs PostgreSQL.
ENABLED = True

_EARN = text(
    "SELECT points_earn(:scope, :key, :digest, :person, :amount, :purpose, :reference, "
    ":actor, :transfer_id, :lot_id, :new_ids, :now, :expires_at, :answer_time, "
    ":item_time, :now_iso, :time_zone, :expiring_shown)")
_PAY = text(
    "SELECT points_pay(:scope, :key, :digest, :person, :shop, :amount, :purpose, "
    ":reference, :transfer_id, :new_ids, :now, :answer_time, :item_time, :now_iso, "
    ":time_zone, :expiring_shown)")


def enabled(session: Session) -> bool:
    return ENABLED and session.get_bind().dialect.name == "postgresql"


def usable(engine: Engine) -> bool:
    return ENABLED and engine.dialect.name == "postgresql"


def _times(moment: datetime) -> dict[str, Any]:
    return {"now": moment, "answer_time": moment.isoformat(),
            "item_time": as_utc(moment).isoformat(), "now_iso": moment.isoformat(),
            "time_zone": CITY_TIME_ZONE.key, "expiring_shown": EXPIRING_SHOWN,
            "new_ids": [str(uuid.uuid4()), str(uuid.uuid4())]}


def _outcome(answer: dict[str, Any], *, key: str, person_id: str, amount: int,
             shop_id: str | None = None) -> TransferResult:
    status = answer.get("status")
    if status == "ok":
        return TransferResult.from_json(answer["answer"], replayed=False)
    if status == "replay":
        return TransferResult.from_json(answer["answer"], replayed=True)
    if status == "conflict":
        raise IdempotencyConflict(
            "this idempotency_key was already used for a different request; "
            "use a new key for a new request", idempotency_key=key)
    if status == "unknown_resident":
        raise UnknownAccount("no such resident", person_id=person_id)
    if status == "unknown_shop":
        raise UnknownAccount("no such shop (or it no longer takes points)", shop_id=shop_id)
    if status == "insufficient":
        balance = int(answer["balance"])
        raise InsufficientPoints(f"not enough points: {balance:,} of {amount:,}",
                                 balance=balance, amount=amount)
    raise AssertionError(f"points posting answered {answer!r}")


def earn(session: Session, *, scope: str, key: str, digest: str, person_id: str,
         amount: int, purpose: str, reference: str | None, actor_person_id: str | None,
         expiry_days: int, moment: datetime) -> TransferResult:
    answer = session.execute(_EARN, {
        "scope": scope, "key": key, "digest": digest, "person": person_id,
        "amount": amount, "purpose": purpose, "reference": reference,
        "actor": actor_person_id, "transfer_id": str(uuid.uuid4()),
        "lot_id": str(uuid.uuid4()), "expires_at": moment + timedelta(days=expiry_days),
        **_times(moment)}).scalar_one()
    return _outcome(answer, key=key, person_id=person_id, amount=amount)


def pay(session: Session, *, scope: str, key: str, digest: str, person_id: str,
        payee: Payee, amount: int, purpose: str, reference: str | None,
        moment: datetime) -> TransferResult:
    answer = session.execute(_PAY, {
        "scope": scope, "key": key, "digest": digest, "person": person_id,
        "shop": payee.shop_id, "amount": amount, "purpose": purpose,
        "reference": reference, "transfer_id": str(uuid.uuid4()), **_times(moment)}
    ).scalar_one()
    return _outcome(answer, key=key, person_id=person_id, amount=amount,
                    shop_id=payee.shop_id)
