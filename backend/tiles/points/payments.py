"""Paying a shop in points (docs/points.md "Payments", ADR 0033).

Two ways, both confirmed by the resident's PIN and both posted by the ledger (`api.pay`):

- the resident scans the shop's JPQR (`preview`, then `pay_by_qr`): a static code asks for
  the amount, a dynamic one carries it with a one-time reference the shop made
  (`points_shop_payment_ref`), taken once;
- the shop scans the resident's customer code (`charge`), made after a PIN check.

A shop refunds its own payments (`refund_for_shop`) and reads a day's takings (`takings`).
Refusals are `PaymentRefused` (a code and an HTTP status), the PIN's `PinProblem`s, the
customer codes' `CustomerCodeRefused` and the ledger's `PointsError`s.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Engine, and_, func, or_, select, update
from sqlmodel import Session, col

from backend.db import write_engine
from backend.db_results import affected_rows
from backend.models import Person, as_utc
from backend.services.clock import CITY_TIME_ZONE
from backend.tiles.points import api
from backend.tiles.points.customer_codes import release_code, use_code
from backend.tiles.points.emv_qr import Jpqr, QrRefused, build_jpqr, read_jpqr
from backend.tiles.points.models import PAY, REFUND, PointsAccount, PointsShop, PointsTransfer
from backend.tiles.points.payment_models import ShopPaymentRef
from backend.tiles.points.pin import verify_pin
from backend.tiles.points.shops import jpqr_merchant, shop_by_merchant, shop_json

PURPOSE = "shop_payment"
UNKNOWN_MERCHANT = "unknown_merchant"
AMOUNT_MISMATCH = "amount_mismatch"
AMOUNT_REQUIRED = "amount_required"
UNKNOWN_REFERENCE = "unknown_reference"
REFERENCE_USED = "reference_used"
MAX_AMOUNT = 1_000_000  # points in one payment
REFERENCE_BYTES = 9  # 12 base64url characters (62-05 allows 25)


class PaymentRefused(Exception):
    def __init__(self, code: str, message: str, status: int = 422, **details: Any) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.details = details

    def detail(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, **self.details}


@dataclass(frozen=True)
class Preview:
    shop: PointsShop
    code: Jpqr

    def to_json(self) -> dict[str, Any]:
        return {"shop": shop_json(self.shop), "dynamic": self.code.dynamic,
                "amount": self.code.amount, "currency": "JPY"}


def preview(engine: Engine, municipality_code: str, payload: str) -> Preview:
    """The shop and the amount of a scanned JPQR; `QrRefused` / `PaymentRefused`."""
    code = read_jpqr(payload)
    with Session(engine) as session:
        shop = shop_by_merchant(session, municipality_code, code.merchant_id)
        if shop is None:
            raise PaymentRefused(UNKNOWN_MERCHANT, "this shop does not take Tsuyama points")
        if code.dynamic:
            _check_reference(session, shop, code)
    return Preview(shop, code)


def _check_reference(session: Session, shop: PointsShop, code: Jpqr) -> None:
    """A dynamic code must be one this shop made here, for the amount it states."""
    ref = None if code.reference is None else session.get(ShopPaymentRef, code.reference)
    if ref is None or ref.shop_id != shop.id:
        raise PaymentRefused(UNKNOWN_REFERENCE, "this payment code was not made by the shop "
                                                "for Tsuyama points: ask for a new one")
    if code.amount != ref.amount:
        raise PaymentRefused(AMOUNT_MISMATCH, "the amount in the code was altered",
                             amount=ref.amount)


def _amount(code: Jpqr, asked: int | None) -> int:
    if code.amount is not None:
        if asked is not None and asked != code.amount:
            raise PaymentRefused(AMOUNT_MISMATCH, "the code asks for another amount",
                                 amount=code.amount)
        return code.amount
    if asked is None:
        raise PaymentRefused(AMOUNT_REQUIRED, "enter the amount to pay")
    return asked


def receipt(result: api.TransferResult, shop: PointsShop | None, *,
            for_shop: bool = False, refund_of: str | None = None) -> dict[str, Any]:
    """The 201 answer of a payment or refund (docs/points.md's receipt). A shop's copy
    leaves out the resident's balance."""
    return {
        "id": result.transfer_id,
        "kind": result.kind,
        "amount": result.amount,
        "shop": None if shop is None else {"id": shop.id, "name": shop.name},
        "purpose": result.purpose,
        "created_at": as_utc(result.created_at).isoformat(),
        "balance_after": None if for_shop else result.balance_after,
        "reference": result.reference,
        "refund_of": refund_of,
        "refunds": [],
        "replayed": result.replayed,
    }


def _take_reference(engine: Engine, reference: str, person_id: str, key: str,
                    now: datetime) -> None:
    """Mark the dynamic code's reference paid by this resident's request, once."""
    with Session(write_engine(engine)) as session:
        taken = affected_rows(session.execute(
            update(ShopPaymentRef)
            .where(col(ShopPaymentRef.reference) == reference,
                   or_(col(ShopPaymentRef.paid_by).is_(None),
                       and_(col(ShopPaymentRef.paid_by) == person_id,
                            col(ShopPaymentRef.paid_key) == key)))
            .values(paid_by=person_id, paid_key=key, paid_at=now)))
        session.commit()
    if taken != 1:
        raise PaymentRefused(REFERENCE_USED, "this payment code was paid already",
                             status=409)


def _release_reference(engine: Engine, reference: str, person_id: str, key: str) -> None:
    with Session(engine) as session:
        session.execute(
            update(ShopPaymentRef)
            .where(col(ShopPaymentRef.reference) == reference,
                   col(ShopPaymentRef.paid_by) == person_id,
                   col(ShopPaymentRef.paid_key) == key)
            .values(paid_by=None, paid_key=None, paid_at=None))
        session.commit()


def pay_by_qr(engine: Engine, person: Person, *, payload: str, amount: int | None, pin: str,
              idempotency_key: str, now: datetime) -> dict[str, Any]:
    """Pay the shop of a scanned JPQR after checking the PIN; the receipt."""
    seen = preview(engine, person.municipality_code, payload)
    to_pay = _amount(seen.code, amount)
    verify_pin(engine, person.id, pin, now)
    reference = seen.code.reference if seen.code.dynamic else None
    if reference is not None:
        _take_reference(engine, reference, person.id, idempotency_key, now)
    try:
        result = api.pay(engine, person_id=person.id, payee=api.Payee.shop(seen.shop.id),
                         amount=to_pay, purpose=PURPOSE, idempotency_key=idempotency_key,
                         reference=reference)
    except api.PointsError:
        if reference is not None:
            _release_reference(engine, reference, person.id, idempotency_key)
        raise
    return receipt(result, seen.shop)


def charge(engine: Engine, shop: PointsShop, *, key: bytes, token: str, amount: int,
           idempotency_key: str, now: datetime) -> dict[str, Any]:
    """Charge the resident whose customer code the shop scanned; the shop's receipt."""
    used = use_code(engine, key, token, shop_id=shop.id, charge_key=idempotency_key, now=now)
    try:
        result = api.pay(engine, person_id=used.person_id, payee=api.Payee.shop(shop.id),
                         amount=amount, purpose=PURPOSE, idempotency_key=idempotency_key,
                         reference=f"C-{used.token_sha256[:16]}", scope=f"shop:{shop.id}")
    except api.PointsError:
        release_code(engine, used, shop_id=shop.id, charge_key=idempotency_key)
        raise
    return receipt(result, shop, for_shop=True)


def shop_payload(engine: Engine, shop: PointsShop, clerk_id: str, amount: int | None,
                 now: datetime) -> dict[str, Any]:
    """The shop's static JPQR, or a dynamic one for `amount` with a new one-time reference."""
    merchant = jpqr_merchant(shop)
    if amount is None:
        return {"payload": build_jpqr(merchant), "dynamic": False, "amount": None,
                "reference": None}
    reference = "R" + secrets.token_urlsafe(REFERENCE_BYTES)
    with Session(engine) as session:
        session.add(ShopPaymentRef(reference=reference, shop_id=shop.id,
                                   municipality_code=shop.municipality_code, amount=amount,
                                   created_at=now, created_by=clerk_id))
        session.commit()
    return {"payload": build_jpqr(merchant, amount=amount, reference=reference),
            "dynamic": True, "amount": amount, "reference": reference}


def _shop_account_id(session: Session, shop: PointsShop) -> str | None:
    return session.scalars(select(col(PointsAccount.id)).where(
        col(PointsAccount.shop_id) == shop.id)).first()


def refund_for_shop(engine: Engine, shop: PointsShop, clerk_id: str, *, transfer_id: str,
                    amount: int | None, reason: str, idempotency_key: str) -> dict[str, Any]:
    """Refund (part of) one of the shop's own payments; `UnknownTransfer` for any other."""
    with Session(engine) as session:
        account_id = _shop_account_id(session, shop)
        paid = session.get(PointsTransfer, transfer_id)
    if paid is None or account_id is None or paid.to_account_id != account_id:
        raise api.UnknownTransfer("no such payment to this shop")
    if paid.kind != PAY:
        raise api.NotRefundable("only a payment can be refunded")
    result = api.refund(engine, transfer_id=transfer_id, idempotency_key=idempotency_key,
                        amount=amount, reason=reason, actor_person_id=clerk_id,
                        scope=f"shop:{shop.id}")
    return receipt(result, shop, for_shop=True, refund_of=transfer_id)


def city_day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), tzinfo=CITY_TIME_ZONE)
    return start, start + timedelta(days=1)


def _refunded(session: Session, payment_ids: list[str]) -> dict[str, int]:
    """Points refunded so far of each payment (on any day)."""
    if not payment_ids:
        return {}
    rows = session.execute(
        select(col(PointsTransfer.refund_of), func.sum(col(PointsTransfer.amount)))
        .where(col(PointsTransfer.refund_of).in_(payment_ids),
               col(PointsTransfer.kind) == REFUND)
        .group_by(col(PointsTransfer.refund_of)))
    return {str(payment_id): int(total) for payment_id, total in rows}


def takings(engine: Engine, shop: PointsShop, day: date) -> dict[str, Any]:
    """The shop's payments and refunds of a city day (JST), net total first."""
    start, end = city_day_bounds(day)
    with Session(engine) as session:
        account_id = _shop_account_id(session, shop)
        rows = [] if account_id is None else list(session.scalars(
            select(PointsTransfer)
            .where(or_(and_(col(PointsTransfer.to_account_id) == account_id,
                            col(PointsTransfer.kind) == PAY),
                       and_(col(PointsTransfer.from_account_id) == account_id,
                            col(PointsTransfer.kind) == REFUND)),
                   col(PointsTransfer.created_at) >= start,
                   col(PointsTransfer.created_at) < end)
            .order_by(col(PointsTransfer.created_at), col(PointsTransfer.id))))
        refunded = _refunded(session, [row.id for row in rows if row.kind == PAY])
    items = [{
        "id": row.id,
        "kind": row.kind,
        "amount": row.amount if row.kind == PAY else -row.amount,
        "refunded": refunded.get(row.id, 0) if row.kind == PAY else None,
        "reference": row.reference,
        "refund_of": row.refund_of,
        "created_at": as_utc(row.created_at).isoformat(),
    } for row in rows]
    return {"day": day.isoformat(), "total": sum(item["amount"] for item in items),
            "count": sum(1 for row in rows if row.kind == PAY), "items": items}


__all__ = [
    "PaymentRefused",
    "Preview",
    "QrRefused",
    "charge",
    "pay_by_qr",
    "preview",
    "refund_for_shop",
    "shop_payload",
    "takings",
]
