"""The points ledger for other backend tiles and this tile's routes (docs/points.md).

Each function here owns its transaction: it opens a write session (`BEGIN IMMEDIATE` on
SQLite), locks the accounts in id order, posts, commits, and retries a deadlock or a lost
race (`backend.db_errors.classify`). Code already inside a transaction (a sync handler in
the push engine's session) calls the same operations in `ledger` with its session.

Idempotency: every write takes `idempotency_key` (8-64 of `[A-Za-z0-9._:-]`) within a
`scope`, the caller: "person:<id>" by default for `earn` and `pay` (the resident's own
request), "person:<actor>" for `refund` and `correct`; a tile passes its own
("tile:waste"), a shop clerk's route "shop:<id>". The same key with the same request
answers the first result again (`replayed=True`); with a different request it raises
`IdempotencyConflict` (409 `idempotency_key_reused`). A refused request (e.g.
`InsufficientPoints`) leaves no trace: the same key may be tried again.
"""

from __future__ import annotations

import logging
import os
import random
import time
import weakref
from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from sqlalchemy import Engine
from sqlmodel import Session

from backend.db import write_engine
from backend.db_errors import Kind, classify
from backend.models import Person
from backend.tiles.points import ledger, ledger_sql
from backend.tiles.points.claims import grant_by_staff
from backend.tiles.points.errors import (
    IdempotencyConflict,
    InsufficientPoints,
    InvalidRequest,
    NotCorrectable,
    NotRefundable,
    PointsError,
    RefundTooLarge,
    UnknownAccount,
    UnknownTransfer,
)
from backend.tiles.points.pin import PinProblem
from backend.tiles.points.results import Balance, Expiring, Payee, TransferResult
from backend.tiles.points.settings import PointsSettings

__all__ = [
    "Balance",
    "Expiring",
    "IdempotencyConflict",
    "InsufficientPoints",
    "InvalidRequest",
    "NotCorrectable",
    "NotRefundable",
    "Payee",
    "PinProblem",
    "PointsError",
    "RefundTooLarge",
    "TransferResult",
    "UnknownAccount",
    "UnknownTransfer",
    "balance",
    "correct",
    "earn",
    "find_payment",
    "pay",
    "refund",
    "verify_pin",
]

logger = logging.getLogger(__name__)

T = TypeVar("T")

ATTEMPTS = 12  # a deadlock or a lost insert race is retried this many times in all


def _settings(settings: PointsSettings | None) -> PointsSettings:
    return settings if settings is not None else PointsSettings.from_env(os.environ)


_AUTOCOMMIT: weakref.WeakKeyDictionary[Engine, Engine] = weakref.WeakKeyDictionary()


def _autocommit(engine: Engine) -> Engine:
    bound = _AUTOCOMMIT.get(engine)
    if bound is None:
        bound = _AUTOCOMMIT[engine] = engine.execution_options(isolation_level="AUTOCOMMIT")
    return bound


def in_write_transaction(engine: Engine, work: Callable[[Session], T], *,
                         one_statement: bool = False) -> T:
    """Run `work(session)` in a write transaction and commit; retry a race (deadlock,
    serialization failure, a concurrent insert of the same key). A `PointsError` is raised
    at once (the transaction rolled back).

    `one_statement`: `work` is a single earn or pay, which on PostgreSQL is one call of its
    posting function (ADR 0037); that statement is then its own transaction (autocommit),
    so no BEGIN and COMMIT round trips, and the locks it takes are released by the server
    the moment it is done instead of after another round trip to this process."""
    bind = (_autocommit(engine) if one_statement and ledger_sql.usable(engine)
            else write_engine(engine))
    for attempt in range(1, ATTEMPTS + 1):
        with Session(bind, expire_on_commit=False) as session:
            try:
                result = work(session)
                session.commit()
                return result
            except PointsError:
                raise
            except Exception as exc:
                failure = classify(exc)
                if failure is None or failure.kind is not Kind.RETRY or attempt == ATTEMPTS:
                    raise
                logger.debug("points: retrying after %s (attempt %d)", failure.code, attempt)
        # A short random pause, so the transactions that collided do not collide again.
        time.sleep(random.uniform(0, 0.002 * attempt))
    raise AssertionError("not reached")


def earn(engine: Engine, *, person_id: str, amount: int, purpose: str, idempotency_key: str,
         reference: str | None = None, actor_person_id: str | None = None,
         scope: str | None = None, settings: PointsSettings | None = None) -> TransferResult:
    """Give a resident `amount` points from the city (a lot valid `expiry_days`)."""
    days = _settings(settings).expiry_days
    return in_write_transaction(engine, lambda session: ledger.earn(
        session, person_id=person_id, amount=amount, purpose=purpose,
        idempotency_key=idempotency_key, reference=reference,
        actor_person_id=actor_person_id, scope=scope, expiry_days=days), one_statement=True)


def grant_rule_within(session: Session, *, staff_id: str, person: Person, rule_id: str,
                      reason: str, idempotency_key: str, now: datetime) -> TransferResult:
    """Inside the caller's transaction: staff grant `person` the points of the earning rule
    `rule_id` (a health check-up attended: the reservations tile, when a clerk checks in a
    booking of a resource that `earns` it). The rule's eligibility and caps apply, and the
    idempotency key makes a repeat a replay; refusals are `PointsError`s."""
    return grant_by_staff(session, staff_id, person, rule_id, reason, idempotency_key,
                          now).transfer


def pay(engine: Engine, *, person_id: str, payee: Payee, amount: int, purpose: str,
        idempotency_key: str, reference: str | None = None,
        scope: str | None = None) -> TransferResult:
    """Take `amount` points from a resident (oldest lots first) for the city or a shop."""
    return in_write_transaction(engine, lambda session: ledger.pay(
        session, person_id=person_id, payee=payee, amount=amount, purpose=purpose,
        idempotency_key=idempotency_key, reference=reference, scope=scope),
        one_statement=True)


def refund(engine: Engine, *, transfer_id: str, idempotency_key: str, amount: int | None = None,
           reason: str, actor_person_id: str | None, scope: str | None = None,
           settings: PointsSettings | None = None) -> TransferResult:
    """Give (part of) a payment back to the payer, into the lots it was taken from.
    `amount=None`: all that is left to refund."""
    days = _settings(settings).expiry_days
    return in_write_transaction(engine, lambda session: ledger.refund(
        session, transfer_id=transfer_id, idempotency_key=idempotency_key, amount=amount,
        reason=reason, actor_person_id=actor_person_id, scope=scope, expiry_days=days))


def correct(engine: Engine, *, transfer_id: str, reason: str, actor_person_id: str | None,
            idempotency_key: str, scope: str | None = None,
            settings: PointsSettings | None = None) -> TransferResult:
    """A correction transfer that reverses `transfer_id` (an earn, a payment net of its
    refunds, or an expiry); a transfer is corrected at most once."""
    days = _settings(settings).expiry_days
    return in_write_transaction(engine, lambda session: ledger.correct(
        session, transfer_id=transfer_id, reason=reason, actor_person_id=actor_person_id,
        idempotency_key=idempotency_key, scope=scope, expiry_days=days))


def balance(engine: Engine, person_id: str) -> Balance:
    """The resident's points and what expires soonest (0 for a resident who never earned)."""
    with Session(engine) as session:
        return ledger.balance(session, person_id)


def find_payment(engine: Engine, *, purpose: str, reference: str) -> TransferResult | None:
    """The payment made for `purpose` and `reference` (e.g. a bulky-waste booking number),
    if any: how another tile learns whether its fee was paid in points."""
    with Session(engine) as session:
        return ledger.find_payment(session, purpose=purpose, reference=reference)


def refund_payment_within(session: Session, *, purpose: str, reference: str,
                          idempotency_key: str, reason: str, actor_person_id: str | None,
                          scope: str | None = None) -> TransferResult | None:
    """Inside the caller's own write transaction (a sync handler's): give back all that is
    left of the payment made for `purpose` and `reference` (a cancelled booking's fee).
    None when there was no such payment or it is already refunded in full. Idempotent by
    key; the caller's rollback takes the refund back with its own writes."""
    paid = ledger.find_payment(session, purpose=purpose, reference=reference)
    if paid is None:
        return None
    try:
        return ledger.refund(session, transfer_id=paid.transfer_id,
                             idempotency_key=idempotency_key, reason=reason,
                             actor_person_id=actor_person_id, scope=scope)
    except RefundTooLarge:  # nothing left to give back
        return None


def find_payment_within(session: Session, *, purpose: str, reference: str
                        ) -> TransferResult | None:
    """`find_payment` inside the caller's transaction."""
    return ledger.find_payment(session, purpose=purpose, reference=reference)


def verify_pin(engine: Engine, person_id: str, pin: str) -> None:
    """Pass if `pin` is the resident's payment PIN; otherwise raise a `PinProblem`
    (`pin_not_set` 409, `pin_wrong` 403 with `attempts_left`, `pin_locked` 423 with
    `locked_until`; each has `status` and `detail()`). A wrong PIN counts towards the
    server-side lockout (ADR 0033)."""
    from backend.services.clock import utc_now
    from backend.tiles.points import pin as wallet_pin

    wallet_pin.verify_pin(engine, person_id, pin, utc_now())
