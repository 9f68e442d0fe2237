"""A booking as JSON (the mutation result and the `bulky_waste` row), and reading bookings."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from backend.models import as_utc
from backend.sync.types import ChangeRow
from backend.tiles.waste.bulky import deadline
from backend.tiles.waste.bulky.items import BookedItem
from backend.tiles.waste.bulky.models import BOOKING_BOOKED, BulkyBooking
from backend.tiles.waste.models import WasteAreaRow

COLLECTION = "bulky_waste"


def payment(total: int, number: str) -> dict[str, Any]:
    """How the resident pays: 粗大ごみ処理券 stickers for now (the points wallet comes later)."""
    return {
        "method": "sticker",
        "amount": total,
        "text_ja": (f"合計{total:,}円分の粗大ごみ処理券をコンビニエンスストアまたは市役所で購入し、"
                    f"受付番号 {number} を記入して、品目ごとに貼って出してください。"),
        "text_en": (f"Buy bulky-waste stickers (粗大ごみ処理券) for ¥{total:,} in total at a "
                    f"convenience store or the city hall, write your booking number {number} "
                    "on them and stick them on the items."),
    }


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else as_utc(moment).isoformat()


def stored_items(booking: BulkyBooking) -> list[dict[str, Any]]:
    return list(json.loads(booking.items))


def encode_items(items: list[BookedItem]) -> str:
    return json.dumps([item.data() for item in items], ensure_ascii=False)


def booking_json(booking: BulkyBooking, area_name: str | None) -> dict[str, Any]:
    """The booking as the device sees it: the mutation result and its `bulky_waste` row."""
    open_ = booking.status == BOOKING_BOOKED
    return {
        "booking_id": booking.id,
        "number": booking.number,
        "area_id": booking.area_id,
        "area_name": area_name,
        "day": booking.day.isoformat(),
        "items": stored_items(booking),
        "total_fee": booking.total_fee,
        "status": booking.status,
        "changeable_until": (deadline.changeable_until(booking.day).isoformat()
                             if open_ else None),
        "payment": payment(booking.total_fee, booking.number),
        "created_at": _iso(booking.created_at),
        "updated_at": _iso(booking.updated_at),
        "cancelled_at": _iso(booking.cancelled_at),
        "collected_at": _iso(booking.collected_at),
    }


def booking_change(data: dict[str, Any]) -> ChangeRow:
    """The owner's personal row of the booking (key: the device's booking id)."""
    return ChangeRow(COLLECTION, data["booking_id"], "upsert", data)


def area_names(session: Session, code: str, area_ids: set[str]) -> dict[str, str]:
    if not area_ids:
        return {}
    rows = session.execute(
        select(col(WasteAreaRow.id), col(WasteAreaRow.name)).where(
            col(WasteAreaRow.municipality_code) == code,
            col(WasteAreaRow.id).in_(sorted(area_ids)),
        ))
    return {area_id: name for area_id, name in rows}


def area_name(session: Session, code: str, area_id: str) -> str | None:
    return area_names(session, code, {area_id}).get(area_id)


def own_booking(session: Session, person_id: str, booking_id: str) -> BulkyBooking | None:
    """The caller's booking, row-locked until commit (two devices of one person changing one
    booking take turns; SQLite's writer lock does the same)."""
    return session.scalars(
        select(BulkyBooking)
        .where(col(BulkyBooking.person_id) == person_id, col(BulkyBooking.id) == booking_id)
        .with_for_update()
    ).first()
