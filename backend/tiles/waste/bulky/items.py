"""What a booking lists: waste items of the municipality that are bulky, with their fees.

An item is bulky when its category is 粗大ごみ (any spelling starting with 粗大) or a fee is set
(`waste_item.fee` > 0, e.g. 粗大ごみ処理券 500円). The fee is the one published at booking
time and stays with the booking.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from backend.sync.args import BadArgs
from backend.tiles.waste.bulky.errors import FEE_UNKNOWN, NOT_BULKY, UNKNOWN_ITEM, Refused
from backend.tiles.waste.models import WasteItemRow

MAX_LINES = 10
MAX_QUANTITY = 10
BULKY_CATEGORY_PREFIX = "粗大"


@dataclass(frozen=True)
class BookedItem:
    item_id: str
    name: str
    fee: int  # yen per piece
    quantity: int

    def data(self) -> dict[str, Any]:
        return {"item_id": self.item_id, "name": self.name, "fee": self.fee,
                "quantity": self.quantity}


def parse_lines(raw: Any) -> list[tuple[str, int]]:
    """`[{item_id, quantity}]` (1..10 lines, quantity 1..10, each item once); BadArgs if not."""
    if not isinstance(raw, list) or not 1 <= len(raw) <= MAX_LINES:
        raise BadArgs(f"items must be a list of 1 to {MAX_LINES} lines")
    lines: list[tuple[str, int]] = []
    for line in raw:
        if not isinstance(line, dict):
            raise BadArgs("each item must be an object {item_id, quantity}")
        item_id, quantity = line.get("item_id"), line.get("quantity")
        if not isinstance(item_id, str) or not item_id.strip() or len(item_id) > 64:
            raise BadArgs("item_id must be a string of 1 to 64 characters")
        if (not isinstance(quantity, int) or isinstance(quantity, bool)
                or not 1 <= quantity <= MAX_QUANTITY):
            raise BadArgs(f"quantity of {item_id} must be a whole number from 1 to "
                          f"{MAX_QUANTITY}")
        if any(item_id == seen for seen, _ in lines):
            raise BadArgs(f"item {item_id} is listed twice; give one line with its quantity")
        lines.append((item_id, quantity))
    return lines


def is_bulky(category: str, fee: int | None) -> bool:
    text = unicodedata.normalize("NFKC", category).strip()
    return text.startswith(BULKY_CATEGORY_PREFIX) or (fee is not None and fee > 0)


def resolve_items(session: Session, code: str, lines: list[tuple[str, int]]
                  ) -> list[BookedItem]:
    """The lines as booked items with names and fees; `Refused` for an unknown item, one that
    is not bulky, or one without a fee."""
    ids = [item_id for item_id, _ in lines]
    rows = {row.id: row for row in session.scalars(
        select(WasteItemRow).where(col(WasteItemRow.municipality_code) == code,
                                   col(WasteItemRow.id).in_(ids)))}
    booked: list[BookedItem] = []
    for item_id, quantity in lines:
        row = rows.get(item_id)
        if row is None:
            raise Refused(UNKNOWN_ITEM, f"no waste item {item_id} in this city's list")
        if not is_bulky(row.category, row.fee):
            raise Refused(NOT_BULKY, f"{row.name} is not bulky waste ({row.category}); put it "
                                     f"out on its collection day instead"
                                     f"（{row.name}は粗大ごみではありません: {row.category}）")
        if row.fee is None:
            raise Refused(FEE_UNKNOWN, f"no fee is published for {row.name}; please ask "
                                       "the city office"
                                       "（料金が未登録です。市役所にお問い合わせください）")
        booked.append(BookedItem(row.id, row.name, row.fee, quantity))
    return booked


def total_fee(items: list[BookedItem]) -> int:
    return sum(item.fee * item.quantity for item in items)
