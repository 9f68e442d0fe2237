"""The resident's `wallet` change-log rows (docs/points.md, "Ledger"): written in the
posting's transaction, so the device shows the balance and the history offline.

Keys: `balance` (`{"balance", "expiring", "updated_at"}`) and `transfer:<id>` (the
transfer as the resident sees it: `transfer_item`, also what `GET /points/history` lists).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from backend.models import as_utc
from backend.sync.change_log import append_changes
from backend.sync.collections import Collection, Policy
from backend.sync.types import ChangeRow
from backend.tiles.points import lots
from backend.tiles.points.models import ISSUER, SHOP

COLLECTION = "wallet"
WALLET = Collection(COLLECTION, Policy.READ_ONLY)  # the device only pulls it


def counterparty(kind: str, shop_id: str | None = None,
                 shop_name: str | None = None) -> dict[str, Any]:
    """The other side of a resident's transfer: a shop, the city, or expiry."""
    if kind == SHOP:
        return {"kind": "shop", "id": shop_id, "name": shop_name}
    if kind == ISSUER:
        return {"kind": "city", "id": None, "name": None}
    return {"kind": kind, "id": None, "name": None}


def transfer_item(*, transfer_id: str, kind: str, purpose: str, amount: int,
                  other: dict[str, Any], reference: str | None, created_at: datetime,
                  refund_of: str | None, corrects: str | None,
                  balance_after: int) -> dict[str, Any]:
    """A transfer from the resident's side; `amount` is signed (+ received, - spent)."""
    return {"id": transfer_id, "kind": kind, "purpose": purpose, "amount": amount,
            "counterparty": other, "reference": reference,
            "created_at": as_utc(created_at).isoformat(), "refund_of": refund_of,
            "corrects": corrects, "balance_after": balance_after}


def write_rows(session: Session, *, municipality_code: str, person_id: str, account_id: str,
               balance: int, item: dict[str, Any], now: datetime) -> None:
    """The resident's `balance` and `transfer:<id>` rows, in this transaction."""
    expiring = [entry.to_json() for entry in lots.expiring(session, account_id)]
    rows = [
        ChangeRow(COLLECTION, f"transfer:{item['id']}", "upsert", item),
        ChangeRow(COLLECTION, "balance", "upsert", {
            "balance": balance, "expiring": expiring, "updated_at": now.isoformat()}),
    ]
    append_changes(session.connection(), municipality_code, person_id, rows, now)
