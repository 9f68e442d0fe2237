"""Bulky-waste test fixtures: a small waste dataset, slots, pushes, a fixed "today"."""

from __future__ import annotations

import itertools
import json
import uuid
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Engine, insert, select
from sqlmodel import Session

from backend.models import Person
from backend.sync.push import process_push
from backend.sync.types import Mutation
from backend.tiles.waste.bulky.models import BulkySlot
from backend.tiles.waste.models import WasteAreaRow, WasteItemRow

CODE = "332038"
AREA_A = "area-test-a"
AREA_B = "area-test-b"
AREAS = {AREA_A: "中央", AREA_B: "林田"}
# id -> (name, category, fee)
ITEMS: dict[str, tuple[str, str, int | None]] = {
    "futon": ("布団", "粗大ごみ", 300),
    "microwave": ("電子レンジ", "粗大ごみ", 500),
    "sofa": ("ソファー", "粗大ゴミ", 1000),
    "heater": ("石油ストーブ", "有料", 500),  # not 粗大ごみ, but a fee is set: bookable
    "namagomi": ("生ごみ", "燃やせるごみ", 0),
    "no-fee": ("謎の家具", "粗大ごみ", None),
}
TODAY = date(2026, 11, 16)  # a Monday; collection days below are after the deadline rules
_seq = itertools.count(1)


def seed_waste(engine: Engine, code: str = CODE) -> None:
    now = datetime.now(UTC)
    with engine.begin() as connection:
        connection.execute(insert(WasteAreaRow), [
            {"municipality_code": code, "id": area_id, "source": "test", "name": name,
             "center": None, "data": json.dumps({"id": area_id, "name": name}),
             "updated_at": now}
            for area_id, name in AREAS.items()])
        connection.execute(insert(WasteItemRow), [
            {"municipality_code": code, "id": item_id, "source": "test", "name": name,
             "reading": None, "category": category, "fee": fee, "fee_kind": None,
             "data": json.dumps({"id": item_id}), "updated_at": now}
            for item_id, (name, category, fee) in ITEMS.items()])


def add_slot(engine: Engine, area_id: str, day: date, capacity: int, booked: int = 0,
             code: str = CODE) -> None:
    with engine.begin() as connection:
        connection.execute(insert(BulkySlot), {"municipality_code": code, "area_id": area_id,
                                               "day": day, "capacity": capacity,
                                               "booked": booked})


def slot_state(engine: Engine, area_id: str, day: date) -> tuple[int, int]:
    """(capacity, booked)."""
    with Session(engine) as session:
        slot = session.get(BulkySlot, (CODE, area_id, day))
        assert slot is not None
        return slot.capacity, slot.booked


def book_args(booking_id: str, area_id: str, day: date,
              items: list[tuple[str, int]] | None = None) -> dict[str, Any]:
    lines = items if items is not None else [("futon", 1)]
    return {"id": booking_id, "area_id": area_id, "day": day.isoformat(),
            "items": [{"item_id": item_id, "quantity": quantity} for item_id, quantity in lines]}


def bulky_mutation(name: str, args: dict[str, Any], mutation_id: str | None = None
                   ) -> Mutation:
    return Mutation(seq=next(_seq), mutation_id=mutation_id or str(uuid.uuid4()),
                    collection="bulky_waste", name=name, args=args,
                    created_at=datetime.now(UTC).isoformat())


def push(engine: Engine, person: Person, name: str, args: dict[str, Any],
         client_id: str = "phone", mutation: Mutation | None = None) -> dict[str, Any]:
    """Push one bulky_waste mutation; its result entry."""
    pushed = mutation or bulky_mutation(name, args)
    return process_push(engine, person, client_id, [pushed]).results[0]


def error_code(result: dict[str, Any]) -> str | None:
    return result["error"] and result["error"]["code"]


def log_rows(engine: Engine, collection: str, person_id: str | None = None
             ) -> list[tuple[str | None, str, dict[str, Any] | None]]:
    """(person_id, key, data) of the change log's rows of `collection`, in order."""
    from backend.models import SyncChange

    with Session(engine) as session:
        rows = session.execute(
            select(SyncChange.person_id, SyncChange.key, SyncChange.data)
            .where(SyncChange.collection == collection)
            .order_by(SyncChange.position)).all()  # type: ignore[arg-type]
    return [(p, k, json.loads(d) if d else None) for p, k, d in rows
            if person_id is None or p == person_id]
