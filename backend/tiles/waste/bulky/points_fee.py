"""How a bulky-waste fee paid with points is named in the points ledger: the purpose of the
payment (its reference is the booking number) and the waste tile's idempotency scope."""

from __future__ import annotations

from typing import Any

from backend.tiles.points import api as points_api

FEE_PURPOSE = "bulky_waste_fee"
LEDGER_SCOPE = "tile:waste"


def points_payment_json(result: points_api.TransferResult, number: str) -> dict[str, Any]:
    """How the booking was paid, as its `payment` field (replaces the sticker text)."""
    paid = f"{result.amount:,}"
    return {
        "method": "points",
        "amount": result.amount,
        "transfer_id": result.transfer_id,
        "paid_at": result.created_at.isoformat(),
        "text_ja": (f"手数料 {paid} ポイントをポイントで支払い済みです（受付番号 {number}）。"
                    "処理券を貼る必要はありません。"),
        "text_en": (f"The fee is paid with {paid} points (booking {number}). No stickers are "
                    "needed."),
    }
