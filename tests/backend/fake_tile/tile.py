"""The `fake_tile` tile: a route, a staff route, a synced collection with a handler, a
settings section, a start-up loader, two export parts, a deletion policy and a command.

Nothing outside this folder names it: `test_tile_registration.py` adds this module to
`backend.tiles.registry.TILE_MODULES` (the one line a real tile adds) and checks that the
central code serves it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from backend.models import Person, SyncChange
from backend.settings import Settings
from backend.sync.args import text_arg
from backend.sync.collections import Collection, Policy
from backend.sync.types import ChangeRow, Mutation, MutationOutcome
from backend.tiles.spec import (
    Deletion,
    DeletionPolicy,
    ExportPart,
    HomeHint,
    ServerPart,
    TileSpec,
)

TILE_ID = "fake_tile"
COLLECTION = "fake_tile_notes"

# What the start-up loader, the deletion and the command saw (the test reads them).
seen: dict[str, list[Any]] = {"startup": [], "deleted": [], "command": []}


@dataclass(frozen=True)
class FakeTileSettings:
    greeting: str = "こんにちは"

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> FakeTileSettings:
        return cls(greeting=environ.get("TSUYAMA_FAKE_TILE_GREETING", cls.greeting))


router = APIRouter()
staff_router = APIRouter()


@router.get("/fake-tile/greeting")
def greeting(request: Request) -> dict[str, str]:
    settings: Settings = request.app.state.settings
    return {"greeting": TILE.settings_of(settings, FakeTileSettings).greeting}


@staff_router.get("/staff/fake-tile/ping")
def staff_ping() -> dict[str, str]:
    return {"staff": "pong"}


def add_note(session: Session, person: Person, mutation: Mutation) -> MutationOutcome:
    note_id = text_arg(mutation.args, "id", 64)
    text = text_arg(mutation.args, "text", 200)
    return MutationOutcome.applied(
        {"id": note_id}, [ChangeRow(COLLECTION, note_id, "upsert", {"text": text})])


def notes_export(session: Session, person: Person) -> list[dict[str, Any]]:
    rows = session.exec(select(SyncChange).where(
        SyncChange.person_id == person.id, SyncChange.collection == COLLECTION,
    ).order_by(col(SyncChange.position)))
    return [{"id": row.key, **json.loads(row.data or "{}")} for row in rows]


def profile_export(session: Session, person: Person) -> dict[str, str]:
    return {"favourite": "津山城"}


def record_startup(engine: Engine, settings: Settings) -> None:
    seen["startup"].append(settings.municipality_code)


def forget_person(session: Session, person: Person) -> None:
    seen["deleted"].append(person.id)


def hello_command(arguments: list[str]) -> int:
    seen["command"].append(arguments)
    return 0


TILE = TileSpec(
    id=TILE_ID,
    server=ServerPart.BUILT,
    summary="A made-up tile for the registration test.",
    routers=(router,),
    staff_routers=(staff_router,),
    sync_collections=(Collection(COLLECTION, Policy.SERVER_DECIDED, {"add": add_note}),),
    startup=(record_startup,),
    settings=FakeTileSettings,
    export=(ExportPart(COLLECTION, notes_export),
            ExportPart("profile", profile_export, section="tiles")),
    deletion=DeletionPolicy(Deletion.DELETE, "made-up rows", delete=forget_person),
    home=HomeHint(order=75),
    commands={"hello": hello_command},
)
