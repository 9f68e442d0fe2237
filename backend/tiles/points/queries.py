"""Reading the ledger for the routes: a resident's history, a receipt, the city's totals
and a shop's takings of a day. Read-only; callers check who may see what."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlmodel import Session, col

from backend.models import as_utc
from backend.services.clock import CITY_TIME_ZONE
from backend.tiles.points.errors import InvalidRequest
from backend.tiles.points.models import (
    CORRECTION,
    EARN,
    EXPIRE,
    PAY,
    REFUND,
    RESIDENT,
    SHOP,
    TRANSFER_KINDS,
    PointsAccount,
    PointsPosting,
    PointsShop,
    PointsTransfer,
)
from backend.tiles.points.wallet_rows import counterparty, transfer_item

MAX_LIMIT = 200
DEFAULT_LIMIT = 50
_MONTH = re.compile(r"(\d{4})-(\d{2})")

_OTHER = PointsAccount.__table__.alias("other_account")  # type: ignore[attr-defined]


@dataclass(frozen=True)
class HistoryPage:
    items: list[dict[str, Any]]
    next_offset: int | None

    def to_json(self) -> dict[str, Any]:
        return {"items": self.items, "next_offset": self.next_offset}


@dataclass(frozen=True)
class Receipt:
    """A transfer's receipt; `person_id` / `shop_id`: the resident and the shop on it (the
    routes check them: own transfers only, the shop's own payments only)."""

    person_id: str | None
    shop_id: str | None
    data: dict[str, Any]


def _city_day_bounds(first: date, last_exclusive: date) -> tuple[datetime, datetime]:
    start = datetime.combine(first, time(), CITY_TIME_ZONE)
    end = datetime.combine(last_exclusive, time(), CITY_TIME_ZONE)
    return start, end


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """The instants a city month "YYYY-MM" starts and ends (Asia/Tokyo)."""
    match = _MONTH.fullmatch(month)
    if match is None or not 1 <= int(match[2]) <= 12 or not 2000 <= int(match[1]) <= 2999:
        raise InvalidRequest("month must be YYYY-MM", field="month")
    year, number = int(match[1]), int(match[2])
    following = date(year + number // 12, number % 12 + 1, 1)
    return _city_day_bounds(date(year, number, 1), following)


def _page_args(offset: int, limit: int) -> None:
    if offset < 0:
        raise InvalidRequest("offset must be 0 or more", field="offset")
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidRequest(f"limit must be 1 to {MAX_LIMIT}", field="limit")


def _account_items(session: Session, account_id: str, conditions: list[ColumnElement[bool]],
                   offset: int, limit: int | None) -> list[dict[str, Any]]:
    other_id = case((col(PointsTransfer.from_account_id) == account_id,
                     col(PointsTransfer.to_account_id)),
                    else_=col(PointsTransfer.from_account_id))
    statement = (
        select(col(PointsTransfer.id), col(PointsTransfer.kind), col(PointsTransfer.purpose),
               col(PointsPosting.amount), col(PointsPosting.balance_after),
               col(PointsTransfer.reference), col(PointsTransfer.created_at),
               col(PointsTransfer.refund_of), col(PointsTransfer.corrects),
               _OTHER.c.kind.label("other_kind"), _OTHER.c.shop_id.label("other_shop"),
               col(PointsShop.name).label("shop_name"))
        .select_from(PointsPosting)
        .join(PointsTransfer, col(PointsTransfer.id) == col(PointsPosting.transfer_id))
        .join(_OTHER, _OTHER.c.id == other_id)
        .outerjoin(PointsShop, col(PointsShop.id) == _OTHER.c.shop_id)
        .where(col(PointsPosting.account_id) == account_id, *conditions)
        .order_by(col(PointsTransfer.created_at).desc(), col(PointsTransfer.id).desc())
        .offset(offset)
    )
    if limit is not None:
        statement = statement.limit(limit)
    return [
        transfer_item(transfer_id=row.id, kind=row.kind, purpose=row.purpose,
                      amount=int(row.amount),
                      other=counterparty(row.other_kind, row.other_shop, row.shop_name),
                      reference=row.reference, created_at=row.created_at,
                      refund_of=row.refund_of, corrects=row.corrects,
                      balance_after=int(row.balance_after))
        for row in session.execute(statement)
    ]


def _resident_account(session: Session, person_id: str) -> str | None:
    found = session.execute(
        select(col(PointsAccount.id))
        .where(col(PointsAccount.kind) == RESIDENT, col(PointsAccount.person_id) == person_id)
    ).scalar_one_or_none()
    return None if found is None else str(found)


def history(session: Session, person_id: str, kind: str | None = None,
            month: str | None = None, offset: int = 0, limit: int = DEFAULT_LIMIT, *,
            purpose: str | None = None) -> HistoryPage:
    """The resident's transfers, newest first, as in the `wallet` rows (`transfer_item`)."""
    _page_args(offset, limit)
    conditions: list[ColumnElement[bool]] = []
    if kind is not None:
        if kind not in TRANSFER_KINDS:
            raise InvalidRequest(f"kind must be one of {', '.join(TRANSFER_KINDS)}",
                                 field="kind")
        conditions.append(col(PointsTransfer.kind) == kind)
    if purpose is not None:
        conditions.append(col(PointsTransfer.purpose) == purpose)
    if month is not None:
        start, end = month_bounds(month)
        conditions.append(and_(col(PointsTransfer.created_at) >= start,
                               col(PointsTransfer.created_at) < end))
    account_id = _resident_account(session, person_id)
    if account_id is None:
        return HistoryPage([], None)
    items = _account_items(session, account_id, conditions, offset, limit + 1)
    more = len(items) > limit
    return HistoryPage(items[:limit], offset + limit if more else None)


def account_transfers(session: Session, account_id: str) -> list[dict[str, Any]]:
    """Every transfer of an account, newest first (My data)."""
    return _account_items(session, account_id, [], 0, None)


def receipt(session: Session, transfer_id: str) -> Receipt | None:
    """The transfer's receipt from the resident's side (balance after, refunds so far)."""
    transfer = session.get(PointsTransfer, transfer_id)
    if transfer is None:
        return None
    accounts = {account.id: account for account in session.execute(
        select(PointsAccount).where(col(PointsAccount.id).in_(
            [transfer.from_account_id, transfer.to_account_id]))).scalars()}
    resident = next((a for a in accounts.values() if a.kind == RESIDENT), None)
    shop_account = next((a for a in accounts.values() if a.kind == SHOP), None)
    shop = None if shop_account is None or shop_account.shop_id is None else session.get(
        PointsShop, shop_account.shop_id)
    balance_after = None
    if resident is not None:
        balance_after = session.execute(
            select(col(PointsPosting.balance_after)).where(
                col(PointsPosting.transfer_id) == transfer_id,
                col(PointsPosting.account_id) == resident.id)).scalar_one()
    refunds = [
        {"id": row.id, "amount": row.amount, "created_at": as_utc(row.created_at).isoformat(),
         "reason": row.reason}
        for row in session.execute(
            select(col(PointsTransfer.id), col(PointsTransfer.amount),
                   col(PointsTransfer.created_at), col(PointsTransfer.reason))
            .where(col(PointsTransfer.refund_of) == transfer_id)
            .order_by(col(PointsTransfer.created_at), col(PointsTransfer.id)))
    ]
    data = {
        "id": transfer.id, "kind": transfer.kind, "amount": transfer.amount,
        "shop": None if shop is None else {"id": shop.id, "name": shop.name},
        "purpose": transfer.purpose, "created_at": as_utc(transfer.created_at).isoformat(),
        "balance_after": balance_after, "reference": transfer.reference,
        "refund_of": transfer.refund_of, "corrects": transfer.corrects, "refunds": refunds,
    }
    return Receipt(None if resident is None else resident.person_id,
                   None if shop is None else shop.id, data)


def totals(session: Session, municipality_code: str) -> dict[str, int]:
    """The city's figures: points issued, spent, expired, refunded, corrected; what residents
    hold now; how many residents have an account and how many shops take points."""
    by_kind: dict[str, int] = {str(kind): int(total) for kind, total in session.execute(
        select(col(PointsTransfer.kind), func.coalesce(func.sum(col(PointsTransfer.amount)), 0))
        .where(col(PointsTransfer.municipality_code) == municipality_code)
        .group_by(col(PointsTransfer.kind))
    )}
    outstanding, residents = session.execute(
        select(func.coalesce(func.sum(col(PointsAccount.balance)), 0), func.count())
        .where(col(PointsAccount.municipality_code) == municipality_code,
               col(PointsAccount.kind) == RESIDENT)
    ).one()
    shops = session.execute(
        select(func.count()).select_from(PointsShop)
        .where(col(PointsShop.municipality_code) == municipality_code,
               col(PointsShop.active).is_(True))
    ).scalar_one()
    return {"issued": int(by_kind.get(EARN, 0)), "spent": int(by_kind.get(PAY, 0)),
            "expired": int(by_kind.get(EXPIRE, 0)), "refunded": int(by_kind.get(REFUND, 0)),
            "corrected": int(by_kind.get(CORRECTION, 0)), "outstanding": int(outstanding),
            "residents": int(residents), "shops": int(shops)}


def shop_takings(session: Session, shop_id: str, day: date) -> dict[str, Any]:
    """A shop's payments and refunds of a city day; `total` is payments minus refunds."""
    account_id = session.execute(
        select(col(PointsAccount.id))
        .where(col(PointsAccount.kind) == SHOP, col(PointsAccount.shop_id) == shop_id)
    ).scalar_one_or_none()
    if account_id is None:
        return {"day": day.isoformat(), "total": 0, "count": 0, "items": []}
    start, end = _city_day_bounds(day, day + timedelta(days=1))
    rows = session.execute(
        select(col(PointsTransfer.id), col(PointsTransfer.kind), col(PointsPosting.amount),
               col(PointsTransfer.purpose), col(PointsTransfer.reference),
               col(PointsTransfer.created_at), col(PointsTransfer.refund_of))
        .select_from(PointsPosting)
        .join(PointsTransfer, col(PointsTransfer.id) == col(PointsPosting.transfer_id))
        .where(col(PointsPosting.account_id) == account_id,
               col(PointsTransfer.created_at) >= start, col(PointsTransfer.created_at) < end)
        .order_by(col(PointsTransfer.created_at), col(PointsTransfer.id))
    )
    items = [{"id": row.id, "kind": row.kind, "amount": int(row.amount),
              "purpose": row.purpose, "reference": row.reference,
              "created_at": as_utc(row.created_at).isoformat(), "refund_of": row.refund_of}
             for row in rows]
    return {"day": day.isoformat(), "total": sum(item["amount"] for item in items),
            "count": len(items), "items": items}
