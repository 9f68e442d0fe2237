"""The points a person has, in "My data" (`GET /me/export`, section `tiles.points`).

Deletion keeps the rows: transfers are the city's financial records (points are money-like;
issued, spent and expired totals must still add up, and a shop's takings are its records
too), so the account, its transfers, postings and lots stay, pointing to the tombstone.
Nothing in them names the person but the tombstone's id; the `wallet` change-log rows go
with the person's other synced rows.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from backend.models import Person, as_utc
from backend.tiles.points.models import RESIDENT, PointsAccount, PointsLot
from backend.tiles.points.queries import account_transfers

DELETION_REASON = (
    "points transfers are the city's financial records (issued, spent, refunded and "
    "expired points must still add up, and a shop's takings are its records): the account, "
    "its transfers and lots stay, pointing to the tombstone; the wallet change-log rows go "
    "with the person's other synced rows")


def points_export(session: Session, person: Person) -> dict[str, Any]:
    """The person's account, every transfer of it (as in the history) and every lot."""
    account = session.execute(
        select(col(PointsAccount.id), col(PointsAccount.balance),
               col(PointsAccount.created_at))
        .where(col(PointsAccount.kind) == RESIDENT, col(PointsAccount.person_id) == person.id)
    ).first()
    if account is None:
        return {"account": None, "transfers": [], "lots": []}
    lots = session.execute(
        select(col(PointsLot.id), col(PointsLot.transfer_id), col(PointsLot.amount),
               col(PointsLot.remaining), col(PointsLot.created_at), col(PointsLot.expires_at))
        .where(col(PointsLot.account_id) == account.id)
        .order_by(col(PointsLot.created_at), col(PointsLot.id))
    )
    return {
        "account": {"id": account.id, "balance": account.balance,
                    "created_at": as_utc(account.created_at).isoformat()},
        "transfers": account_transfers(session, str(account.id)),
        "lots": [{"id": lot.id, "transfer_id": lot.transfer_id, "amount": lot.amount,
                  "remaining": lot.remaining,
                  "created_at": as_utc(lot.created_at).isoformat(),
                  "expires_at": as_utc(lot.expires_at).isoformat()} for lot in lots],
    }
