"""Shared helpers of the reservation tests: a valid resource definition (the demo
子育て支援課 counter, with overrides), storing one with its slots, and the public rows the
tile wrote."""

from __future__ import annotations

import copy
import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from backend.models import SyncChange
from backend.services.clock import utc_now
from backend.tiles.reservations.resource import Resource, parse_resource
from backend.tiles.reservations.resources.publish import publish_resources
from backend.tiles.reservations.resources.store import save_resource
from backend.tiles.reservations.settings import DEMO_DIR
from backend.tiles.reservations.slots import ensure_slots

CODE = "332038"
KOSODATE = "kosodate-counter"
DEMO_IDS = ["course-kaigo-yobo", "course-smartphone", "gym-arena", "health-check-group",
            "kosodate-counter", "meeting-room", "shimin-counter"]


def demo_body(resource_id: str) -> dict[str, Any]:
    """The demo definition `resource_id` as its file has it."""
    body: dict[str, Any] = json.loads((DEMO_DIR / f"{resource_id}.json").read_text("utf-8"))
    return body


def demo_resource(**overrides: Any) -> dict[str, Any]:
    """A valid definition body: the demo 子育て支援課 counter with the top-level keys in
    `overrides` replaced (e.g. `id="test-room", slots={...}`)."""
    body = copy.deepcopy(demo_body(KOSODATE))
    body.update(overrides)
    return body


def import_resource(engine: Engine, body: dict[str, Any], *, today: date,
                    code: str = CODE, now: datetime | None = None) -> Resource:
    """Store `body` (not format-checked here) as the resource, publish it and create its
    slots of the window starting `today`; its `Resource`."""
    resource = parse_resource(body)
    with Session(engine) as session:
        save_resource(session, code, body, now or utc_now())
        session.flush()
        publish_resources(session, code, [body], [])
        ensure_slots(session, code, resource, today, now)
        session.commit()
    return resource


def write_folder(folder: Path, bodies: list[dict[str, Any]]) -> Path:
    """`folder` with one `<id>.json` per body (created when missing)."""
    folder.mkdir(parents=True, exist_ok=True)
    for body in bodies:
        (folder / f"{body['id']}.json").write_text(
            json.dumps(body, ensure_ascii=False, indent=2), "utf-8")
    return folder


def public_rows(engine: Engine, collection: str, code: str = CODE
                ) -> dict[str, dict[str, Any] | None]:
    """key -> the latest public data of `collection` (None for a tombstone)."""
    with Session(engine) as session:
        rows = session.exec(select(SyncChange).where(
            col(SyncChange.municipality_code) == code, col(SyncChange.collection) == collection,
            col(SyncChange.person_id).is_(None)).order_by(col(SyncChange.position))).all()
    latest: dict[str, dict[str, Any] | None] = {}
    for row in rows:
        latest[row.key] = json.loads(row.data) if row.op == "upsert" and row.data else None
    return latest
