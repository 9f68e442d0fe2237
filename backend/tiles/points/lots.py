"""Lots: what a resident received in one go, with its expiry and what is left of it.

A resident's balance is always the sum of their lots' `remaining` (the tests check it).
Spending takes the lots that expire soonest first; a refund or a correction of a payment
gives the points back to the lots they were taken from, those that expire last first.
Every take and give-back is a `points_lot_use` row of the transfer. Lots are only changed
under their account's row lock.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import date, datetime, timedelta

from sqlalchemy import Table, bindparam, func, insert, select, update
from sqlmodel import Session

from backend.models import as_utc
from backend.services.clock import CITY_TIME_ZONE
from backend.tiles.points.models import PointsLot, PointsLotUse, PointsTransfer
from backend.tiles.points.results import Expiring

LOT: Table = PointsLot.__table__  # type: ignore[attr-defined]
LOT_USE: Table = PointsLotUse.__table__  # type: ignore[attr-defined]
TRANSFER: Table = PointsTransfer.__table__  # type: ignore[attr-defined]

# How many of the soonest expiry dates a balance shows.
EXPIRING_SHOWN = 5


def add_lot(session: Session, *, account_id: str, transfer_id: str, amount: int,
            now: datetime, expiry_days: int) -> str:
    lot_id = str(uuid.uuid4())
    session.execute(insert(LOT).values(
        id=lot_id, account_id=account_id, transfer_id=transfer_id, amount=amount,
        remaining=amount, created_at=now, expires_at=now + timedelta(days=expiry_days)))
    return lot_id


def _write(session: Session, transfer_id: str, changes: dict[str, tuple[int, int]]) -> None:
    """`changes`: lot id -> (new remaining, amount used (> 0) or given back (< 0))."""
    if not changes:
        return
    session.execute(
        update(LOT).where(LOT.c.id == bindparam("lot_id"))
        .values(remaining=bindparam("new_remaining")),
        [{"lot_id": lot_id, "new_remaining": remaining}
         for lot_id, (remaining, _used) in changes.items()],
    )
    session.execute(insert(LOT_USE), [
        {"transfer_id": transfer_id, "lot_id": lot_id, "amount": used}
        for lot_id, (_remaining, used) in changes.items()
    ])


def take(session: Session, *, account_id: str, transfer_id: str, amount: int,
         prefer: tuple[str, ...] = ()) -> None:
    """Take `amount` from the account's lots: the `prefer`red ones first, then those that
    expire soonest. The caller has checked the balance (= the lots' sum)."""
    rows = list(session.execute(
        select(LOT.c.id, LOT.c.remaining)
        .where(LOT.c.account_id == account_id, LOT.c.remaining > 0)
        .order_by(LOT.c.expires_at, LOT.c.id)
    ))
    rows.sort(key=lambda row: row.id not in prefer)  # stable: keeps the expiry order
    left = amount
    changes: dict[str, tuple[int, int]] = {}
    for row in rows:
        if left == 0:
            break
        used = min(left, int(row.remaining))
        changes[row.id] = (int(row.remaining) - used, used)
        left -= used
    if left:
        raise AssertionError(f"account {account_id}: lots hold {amount - left} of {amount}")
    _write(session, transfer_id, changes)


def give_back(session: Session, *, original_id: str, transfer_id: str, amount: int) -> int:
    """Give up to `amount` back to the lots `original_id` (and what reversed part of it
    since: refunds, a correction) still holds taken; the lots that expire last first.
    Answers how much went back (less than `amount` when lots were not used)."""
    related = select(TRANSFER.c.id).where(
        (TRANSFER.c.refund_of == original_id)
        | (TRANSFER.c.corrects == original_id))
    net: dict[str, int] = defaultdict(int)
    for lot_id, used in session.execute(
        select(LOT_USE.c.lot_id, LOT_USE.c.amount)
        .where((LOT_USE.c.transfer_id == original_id)
               | LOT_USE.c.transfer_id.in_(related))
    ):
        net[str(lot_id)] += int(used)
    held = [lot_id for lot_id, used in net.items() if used > 0]
    if not held:
        return 0
    lots = list(session.execute(
        select(LOT.c.id, LOT.c.remaining, LOT.c.expires_at)
        .where(LOT.c.id.in_(held))
        .order_by(LOT.c.expires_at.desc(), LOT.c.id)
    ))
    left = amount
    changes: dict[str, tuple[int, int]] = {}
    for row in lots:
        if left == 0:
            break
        back = min(left, net[row.id])
        changes[row.id] = (int(row.remaining) + back, -back)
        left -= back
    _write(session, transfer_id, changes)
    return amount - left


def expired_lots(session: Session, account_id: str, now: datetime) -> list[tuple[str, int]]:
    """(lot id, remaining) of the account's lots past their expiry with points left."""
    return [(str(lot_id), int(remaining)) for lot_id, remaining in session.execute(
        select(LOT.c.id, LOT.c.remaining)
        .where(LOT.c.account_id == account_id, LOT.c.remaining > 0,
               LOT.c.expires_at <= now)
        .order_by(LOT.c.expires_at, LOT.c.id)
    )]


def take_lots(session: Session, transfer_id: str, lots: list[tuple[str, int]]) -> None:
    """Empty the given lots (lot id, remaining) into `transfer_id` (the expiry job)."""
    _write(session, transfer_id, {lot_id: (0, remaining) for lot_id, remaining in lots})


def expiring(session: Session, account_id: str) -> tuple[Expiring, ...]:
    """The account's points by the city date they expire on, the soonest first."""
    rows = session.execute(
        select(LOT.c.expires_at, func.sum(LOT.c.remaining))
        .where(LOT.c.account_id == account_id, LOT.c.remaining > 0)
        .group_by(LOT.c.expires_at)
        .order_by(LOT.c.expires_at)
    )
    by_day: dict[date, int] = {}
    for expires_at, remaining in rows:
        day = as_utc(expires_at).astimezone(CITY_TIME_ZONE).date()
        if day not in by_day and len(by_day) == EXPIRING_SHOWN:
            break
        by_day[day] = by_day.get(day, 0) + int(remaining)
    return tuple(Expiring(amount, day) for day, amount in by_day.items())
