"""Posting transfers inside a caller's transaction (docs/points.md "Ledger", ADR 0032).

Each operation: check the idempotency key (a replay answers the first result), lock the
accounts in id order, check the balance, insert the transfer and its two postings, move
the balances and the lots, write the resident's `wallet` change-log rows and remember the
key, all in the session's transaction; the caller commits (`api.py` does, with retries; a
sync handler's push engine does). Nothing is updated afterwards except `balance` and
`remaining`; a mistake is put right by a new transfer (`correct`).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Table, func, insert, select
from sqlmodel import Session, col

from backend.services.clock import utc_now
from backend.tiles.points import ledger_sql, lots
from backend.tiles.points.accounts import (
    Account,
    Owner,
    lock_account_ids,
    lock_accounts,
    resident_municipality,
    set_balances,
    shop_info,
)
from backend.tiles.points.errors import (
    InsufficientPoints,
    InvalidRequest,
    NotCorrectable,
    NotRefundable,
    RefundTooLarge,
    UnknownAccount,
    UnknownTransfer,
)
from backend.tiles.points.idempotency import check_key, remember, replay, request_hash
from backend.tiles.points.models import (
    CORRECTION,
    EARN,
    EXPIRE,
    PAY,
    PURPOSE_CORRECTION,
    PURPOSE_EXPIRY,
    REFUND,
    RESIDENT,
    SHOP,
    PointsAccount,
    PointsLot,
    PointsPosting,
    PointsTransfer,
)
from backend.tiles.points.results import Balance, Payee, TransferResult
from backend.tiles.points.wallet_rows import counterparty, transfer_item, write_rows

TRANSFER: Table = PointsTransfer.__table__  # type: ignore[attr-defined]
POSTING: Table = PointsPosting.__table__  # type: ignore[attr-defined]

MAX_AMOUNT = 10_000_000  # points in one transfer: far above any fee or reward
MAX_REFERENCE = 128
MAX_REASON = 500
PURPOSE_PATTERN = re.compile(r"[a-z][a-z0-9_]{0,31}")


# -- arguments ----------------------------------------------------------------------------

def _amount(amount: object) -> int:
    if isinstance(amount, bool) or not isinstance(amount, int) or not 0 < amount <= MAX_AMOUNT:
        raise InvalidRequest(f"amount must be a whole number of points, 1 to {MAX_AMOUNT:,}",
                             field="amount")
    return amount


def _purpose(purpose: str) -> str:
    if not isinstance(purpose, str) or not PURPOSE_PATTERN.fullmatch(purpose):
        raise InvalidRequest("purpose must be a lowercase code of at most 32 characters "
                             "(a-z, 0-9, _)", field="purpose")
    return purpose


def _reference(reference: str | None) -> str | None:
    if reference is not None and (not isinstance(reference, str)
                                  or not 0 < len(reference) <= MAX_REFERENCE):
        raise InvalidRequest(f"reference must be 1 to {MAX_REFERENCE} characters",
                             field="reference")
    return reference


def _reason(reason: str) -> str:
    if not isinstance(reason, str) or not reason.strip() or len(reason) > MAX_REASON:
        raise InvalidRequest(f"say why in reason (1 to {MAX_REASON} characters)",
                             field="reason")
    return reason.strip()


def _scope(scope: str | None, person_id: str | None) -> str:
    if scope is not None:
        return scope
    if person_id is None:
        raise InvalidRequest("an idempotency scope is needed when no person acts",
                             field="scope")
    return f"person:{person_id}"


# -- posting ------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Transfer:
    """A stored transfer, as the refund and correction code reads it."""

    id: str
    municipality_code: str
    kind: str
    from_account_id: str
    to_account_id: str
    amount: int
    purpose: str
    reference: str | None


def _post(session: Session, *, code: str, kind: str, purpose: str, amount: int,
          source: Account, target: Account, now: datetime, reference: str | None = None,
          reason: str | None = None, refund_of: str | None = None,
          corrects: str | None = None, actor_person_id: str | None = None) -> str:
    """Insert the transfer and its postings and move the (locked) balances."""
    if source.kind == RESIDENT and source.balance < amount:
        raise InsufficientPoints(f"not enough points: {source.balance:,} of {amount:,}",
                                 balance=source.balance, amount=amount)
    transfer_id = str(uuid.uuid4())
    source.balance -= amount
    target.balance += amount
    session.execute(insert(TRANSFER).values(
        id=transfer_id, municipality_code=code, kind=kind, from_account_id=source.id,
        to_account_id=target.id, amount=amount, purpose=purpose, reference=reference,
        reason=reason, refund_of=refund_of, corrects=corrects,
        actor_person_id=actor_person_id, created_at=now))
    session.execute(insert(POSTING), [
        {"transfer_id": transfer_id, "account_id": source.id, "amount": -amount,
         "balance_after": source.balance},
        {"transfer_id": transfer_id, "account_id": target.id, "amount": amount,
         "balance_after": target.balance},
    ])
    set_balances(session, [source, target], now)
    return transfer_id


def _wallet(session: Session, code: str, resident: Account, other: Account, *,
            transfer_id: str, kind: str, purpose: str, signed: int, reference: str | None,
            now: datetime, refund_of: str | None = None, corrects: str | None = None,
            shop_name: str | None = None) -> None:
    if resident.person_id is None:
        return
    if other.kind == SHOP and shop_name is None and other.shop_id is not None:
        shop = shop_info(session, other.shop_id)
        shop_name = None if shop is None else shop.name
    item = transfer_item(
        transfer_id=transfer_id, kind=kind, purpose=purpose, amount=signed,
        other=counterparty(other.kind, other.shop_id, shop_name), reference=reference,
        created_at=now, refund_of=refund_of, corrects=corrects,
        balance_after=resident.balance)
    write_rows(session, municipality_code=code, person_id=resident.person_id,
               account_id=resident.id, balance=resident.balance, item=item, now=now)


def _result(transfer_id: str, kind: str, purpose: str, amount: int, balance_after: int,
            now: datetime, reference: str | None, person_id: str | None) -> TransferResult:
    return TransferResult(transfer_id=transfer_id, kind=kind, purpose=purpose, amount=amount,
                          balance_after=balance_after, created_at=now, reference=reference,
                          person_id=person_id)


def _load_transfer(session: Session, transfer_id: str) -> _Transfer:
    row = session.execute(
        select(col(PointsTransfer.id), col(PointsTransfer.municipality_code),
               col(PointsTransfer.kind), col(PointsTransfer.from_account_id),
               col(PointsTransfer.to_account_id), col(PointsTransfer.amount),
               col(PointsTransfer.purpose), col(PointsTransfer.reference))
        .where(col(PointsTransfer.id) == transfer_id)
    ).first()
    if row is None:
        raise UnknownTransfer("no such transfer", transfer_id=transfer_id)
    return _Transfer(*row)


def _reversed(session: Session, transfer_id: str) -> int:
    """How much of a transfer its refunds and correction have given back so far."""
    total = session.execute(
        select(func.coalesce(func.sum(col(PointsTransfer.amount)), 0))
        .where((col(PointsTransfer.refund_of) == transfer_id)
               | (col(PointsTransfer.corrects) == transfer_id))
    ).scalar_one()
    return int(total)


# -- operations ---------------------------------------------------------------------------

def earn(session: Session, *, person_id: str, amount: int, purpose: str,
         idempotency_key: str, reference: str | None = None,
         actor_person_id: str | None = None, scope: str | None = None,
         expiry_days: int, now: datetime | None = None) -> TransferResult:
    """The city gives a resident points: a new lot valid `expiry_days`."""
    scope = _scope(scope, person_id)
    check_key(scope, idempotency_key)
    request = {"op": EARN, "person_id": person_id, "amount": _amount(amount),
               "purpose": _purpose(purpose), "reference": _reference(reference),
               "actor_person_id": actor_person_id}
    digest = request_hash(request)
    if ledger_sql.enabled(session):
        return ledger_sql.earn(session, scope=scope, key=idempotency_key, digest=digest,
                               person_id=person_id, amount=amount, purpose=purpose,
                               reference=reference, actor_person_id=actor_person_id,
                               expiry_days=expiry_days, moment=now or utc_now())
    if (first := replay(session, scope, idempotency_key, digest)) is not None:
        return first
    moment = now or utc_now()
    code = resident_municipality(session, person_id)
    accounts = lock_accounts(session, code, [Owner.resident(person_id), Owner.issuer()], moment)
    resident, issuer = accounts[Owner.resident(person_id).key], accounts[Owner.issuer().key]
    transfer_id = _post(session, code=code, kind=EARN, purpose=purpose, amount=amount,
                        source=issuer, target=resident, now=moment, reference=reference,
                        actor_person_id=actor_person_id)
    lots.add_lot(session, account_id=resident.id, transfer_id=transfer_id, amount=amount,
                 now=moment, expiry_days=expiry_days)
    result = _result(transfer_id, EARN, purpose, amount, resident.balance, moment, reference,
                     person_id)
    remember(session, scope, idempotency_key, digest, result, moment)
    # The wallet rows last: their change-log counter is locked until commit.
    _wallet(session, code, resident, issuer, transfer_id=transfer_id, kind=EARN,
            purpose=purpose, signed=amount, reference=reference, now=moment)
    return result


def pay(session: Session, *, person_id: str, payee: Payee, amount: int, purpose: str,
        idempotency_key: str, reference: str | None = None, scope: str | None = None,
        now: datetime | None = None) -> TransferResult:
    """A resident pays the city or a shop; the lots that expire soonest go first."""
    scope = _scope(scope, person_id)
    check_key(scope, idempotency_key)
    request = {"op": PAY, "person_id": person_id, "payee": payee.kind,
               "shop_id": payee.shop_id, "amount": _amount(amount),
               "purpose": _purpose(purpose), "reference": _reference(reference)}
    digest = request_hash(request)
    if ledger_sql.enabled(session):
        return ledger_sql.pay(session, scope=scope, key=idempotency_key, digest=digest,
                              person_id=person_id, payee=payee, amount=amount,
                              purpose=purpose, reference=reference, moment=now or utc_now())
    if (first := replay(session, scope, idempotency_key, digest)) is not None:
        return first
    moment = now or utc_now()
    code = resident_municipality(session, person_id)
    shop_name: str | None = None
    if payee.shop_id is not None:
        shop = shop_info(session, payee.shop_id)
        if shop is None or not shop.active or shop.municipality_code != code:
            raise UnknownAccount("no such shop (or it no longer takes points)",
                                 shop_id=payee.shop_id)
        other_owner, shop_name = Owner.shop(payee.shop_id), shop.name
    else:
        other_owner = Owner.issuer()
    accounts = lock_accounts(session, code, [Owner.resident(person_id), other_owner], moment)
    resident, other = accounts[Owner.resident(person_id).key], accounts[other_owner.key]
    transfer_id = _post(session, code=code, kind=PAY, purpose=purpose, amount=amount,
                        source=resident, target=other, now=moment, reference=reference,
                        actor_person_id=person_id)
    lots.take(session, account_id=resident.id, transfer_id=transfer_id, amount=amount)
    result = _result(transfer_id, PAY, purpose, amount, resident.balance, moment, reference,
                     person_id)
    remember(session, scope, idempotency_key, digest, result, moment)
    # The wallet rows last: their change-log counter is locked until commit.
    _wallet(session, code, resident, other, transfer_id=transfer_id, kind=PAY,
            purpose=purpose, signed=-amount, reference=reference, now=moment,
            shop_name=shop_name)
    return result


def refund(session: Session, *, transfer_id: str, idempotency_key: str,
           amount: int | None = None, reason: str, actor_person_id: str | None,
           scope: str | None = None, expiry_days: int = 365,
           now: datetime | None = None) -> TransferResult:
    """Give (part of) a payment back to the payer's lots; `amount=None`: all that is left."""
    scope = _scope(scope, actor_person_id)
    check_key(scope, idempotency_key)
    why = _reason(reason)
    request = {"op": REFUND, "transfer_id": transfer_id,
               "amount": None if amount is None else _amount(amount),
               "reason": why, "actor_person_id": actor_person_id}
    digest = request_hash(request)
    if (first := replay(session, scope, idempotency_key, digest)) is not None:
        return first
    moment = now or utc_now()
    original = _load_transfer(session, transfer_id)
    if original.kind != PAY:
        raise NotRefundable("only a payment can be refunded", transfer_id=transfer_id)
    accounts = lock_account_ids(session, [original.from_account_id, original.to_account_id])
    payer, payee = accounts[original.from_account_id], accounts[original.to_account_id]
    refundable = original.amount - _reversed(session, transfer_id)
    wanted = refundable if amount is None else amount
    if wanted <= 0 or wanted > refundable:
        raise RefundTooLarge(f"at most {refundable:,} points of this payment can be refunded",
                             refundable=refundable)
    new_id = _post(session, code=original.municipality_code, kind=REFUND,
                   purpose=original.purpose, amount=wanted, source=payee, target=payer,
                   now=moment, reference=original.reference, reason=why,
                   refund_of=transfer_id, actor_person_id=actor_person_id)
    _return_to_lots(session, payer, original.id, new_id, wanted, moment, expiry_days)
    result = _result(new_id, REFUND, original.purpose, wanted, payer.balance, moment,
                     original.reference, payer.person_id)
    remember(session, scope, idempotency_key, digest, result, moment)
    # The wallet rows last: their change-log counter is locked until commit.
    _wallet(session, original.municipality_code, payer, payee, transfer_id=new_id,
            kind=REFUND, purpose=original.purpose, signed=wanted,
            reference=original.reference, now=moment, refund_of=transfer_id)
    return result


def _return_to_lots(session: Session, resident: Account, original_id: str, new_id: str,
                    amount: int, now: datetime, expiry_days: int) -> None:
    back = lots.give_back(session, original_id=original_id, transfer_id=new_id, amount=amount)
    if back < amount:  # not taken from lots (never for a payment): a new lot
        lots.add_lot(session, account_id=resident.id, transfer_id=new_id,
                     amount=amount - back, now=now, expiry_days=expiry_days)


def correct(session: Session, *, transfer_id: str, reason: str,
            actor_person_id: str | None, idempotency_key: str, scope: str | None = None,
            expiry_days: int, now: datetime | None = None) -> TransferResult:
    """Reverse an earn, a payment (what its refunds left) or an expiry with a correction
    transfer. An expiry given back makes a new lot valid `expiry_days`."""
    scope = _scope(scope, actor_person_id)
    check_key(scope, idempotency_key)
    why = _reason(reason)
    request = {"op": CORRECTION, "transfer_id": transfer_id, "reason": why,
               "actor_person_id": actor_person_id}
    digest = request_hash(request)
    if (first := replay(session, scope, idempotency_key, digest)) is not None:
        return first
    moment = now or utc_now()
    original = _load_transfer(session, transfer_id)
    if original.kind in (REFUND, CORRECTION):
        raise NotCorrectable(f"a {original.kind} is not corrected; correct the transfer "
                             "it belongs to", transfer_id=transfer_id)
    accounts = lock_account_ids(session, [original.from_account_id, original.to_account_id])
    source, target = accounts[original.to_account_id], accounts[original.from_account_id]
    already = session.execute(select(col(PointsTransfer.id)).where(
        col(PointsTransfer.corrects) == transfer_id)).first()
    if already is not None:
        raise NotCorrectable("this transfer was already corrected", transfer_id=transfer_id,
                             correction_id=already[0])
    amount = original.amount - _reversed(session, transfer_id)
    if amount <= 0:
        raise NotCorrectable("nothing is left to correct: it was refunded in full",
                             transfer_id=transfer_id)
    new_id = _post(session, code=original.municipality_code, kind=CORRECTION,
                   purpose=PURPOSE_CORRECTION, amount=amount, source=source, target=target,
                   now=moment, reference=original.reference, reason=why,
                   corrects=transfer_id, actor_person_id=actor_person_id)
    if source.kind == RESIDENT:  # an earn taken back: its own lot first
        own_lots = tuple(str(lot_id) for lot_id in session.execute(
            select(col(PointsLot.id)).where(col(PointsLot.transfer_id) == original.id)
        ).scalars())
        lots.take(session, account_id=source.id, transfer_id=new_id, amount=amount,
                  prefer=own_lots)
    if target.kind == RESIDENT:
        if original.kind == EXPIRE:
            lots.add_lot(session, account_id=target.id, transfer_id=new_id, amount=amount,
                         now=moment, expiry_days=expiry_days)
        else:
            _return_to_lots(session, target, original.id, new_id, amount, moment, expiry_days)
    resident, other, signed = ((source, target, -amount) if source.kind == RESIDENT
                               else (target, source, amount))
    result = _result(new_id, CORRECTION, PURPOSE_CORRECTION, amount, resident.balance, moment,
                     original.reference, resident.person_id)
    remember(session, scope, idempotency_key, digest, result, moment)
    # The wallet rows last: their change-log counter is locked until commit.
    _wallet(session, original.municipality_code, resident, other, transfer_id=new_id,
            kind=CORRECTION, purpose=PURPOSE_CORRECTION, signed=signed,
            reference=original.reference, now=moment, corrects=transfer_id)
    return result


def expire_account(session: Session, account_id: str, now: datetime) -> TransferResult | None:
    """Move the points of a resident's lots past expiry to the expiry sink, as one transfer;
    None when nothing has expired (the job may run any number of times)."""
    row = session.execute(
        select(col(PointsAccount.municipality_code), col(PointsAccount.person_id))
        .where(col(PointsAccount.id) == account_id, col(PointsAccount.kind) == RESIDENT)
    ).first()
    if row is None or row.person_id is None:
        return None
    code, person_id = str(row.municipality_code), str(row.person_id)
    owners = [Owner.resident(person_id), Owner.expiry()]
    accounts = lock_accounts(session, code, owners, now)
    resident, sink = accounts[owners[0].key], accounts[owners[1].key]
    expired = lots.expired_lots(session, resident.id, now)
    total = sum(remaining for _lot_id, remaining in expired)
    if total == 0:
        return None
    transfer_id = _post(session, code=code, kind=EXPIRE, purpose=PURPOSE_EXPIRY, amount=total,
                        source=resident, target=sink, now=now)
    lots.take_lots(session, transfer_id, expired)
    _wallet(session, code, resident, sink, transfer_id=transfer_id, kind=EXPIRE,
            purpose=PURPOSE_EXPIRY, signed=-total, reference=None, now=now)
    return _result(transfer_id, EXPIRE, PURPOSE_EXPIRY, total, resident.balance, now, None,
                   person_id)


# -- reading ------------------------------------------------------------------------------

def balance(session: Session, person_id: str) -> Balance:
    row = session.execute(
        select(col(PointsAccount.id), col(PointsAccount.balance))
        .where(col(PointsAccount.kind) == RESIDENT, col(PointsAccount.person_id) == person_id)
    ).first()
    if row is None:
        return Balance(person_id, 0, ())
    return Balance(person_id, int(row.balance), lots.expiring(session, str(row.id)))


def find_payment(session: Session, *, purpose: str, reference: str) -> TransferResult | None:
    row = session.execute(
        select(col(PointsTransfer.id), col(PointsTransfer.amount),
               col(PointsTransfer.created_at), col(PointsPosting.balance_after),
               col(PointsAccount.person_id))
        .join(PointsPosting, (col(PointsPosting.transfer_id) == col(PointsTransfer.id))
              & (col(PointsPosting.account_id) == col(PointsTransfer.from_account_id)))
        .join(PointsAccount, col(PointsAccount.id) == col(PointsTransfer.from_account_id))
        .where(col(PointsTransfer.kind) == PAY, col(PointsTransfer.purpose) == purpose,
               col(PointsTransfer.reference) == reference)
        .order_by(col(PointsTransfer.created_at).desc(), col(PointsTransfer.id))
    ).first()
    if row is None:
        return None
    return TransferResult(transfer_id=str(row.id), kind=PAY, purpose=purpose,
                          amount=int(row.amount), balance_after=int(row.balance_after),
                          created_at=row.created_at, reference=reference,
                          person_id=row.person_id)

