"""Building sync pushes and reading pulls in the sync tests."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from fastapi import FastAPI

from backend.models import Person
from tests.backend.people import bearer


def mutation(seq: int, collection: str, name: str, args: Any,
             clock_offset: timedelta = timedelta(), mutation_id: str | None = None
             ) -> dict[str, Any]:
    """A pushed mutation; `clock_offset` plays a device whose clock is off."""
    return {"seq": seq, "mutation_id": mutation_id or str(uuid.uuid4()),
            "collection": collection, "name": name, "args": args,
            "created_at": (datetime.now(UTC) + clock_offset).isoformat()}


def set_pref(seq: int, key: str, value: Any, **kw: Any) -> dict[str, Any]:
    return mutation(seq, "preferences", "set", {"key": key, "value": value}, **kw)


def add_record(seq: int, record_id: str, **kw: Any) -> dict[str, Any]:
    return mutation(seq, "health_records", "add",
                    {"id": record_id, "kind": "blood_pressure", "data": {"sys": 120}}, **kw)


async def push(client: httpx.AsyncClient, app: FastAPI, person: Person, client_id: str,
               mutations: list[dict[str, Any]]) -> httpx.Response:
    return await client.post("/sync/push", headers=bearer(app, person),
                             json={"client_id": client_id, "mutations": mutations})


async def pull_all(client: httpx.AsyncClient, app: FastAPI, person: Person, cursor: int = 0,
                   limit: int = 1000) -> tuple[list[dict[str, Any]], int]:
    """Every change after `cursor`, page by page; the changes and the final cursor."""
    changes: list[dict[str, Any]] = []
    while True:
        response = await client.get("/sync/pull", params={"cursor": cursor, "limit": limit},
                                    headers=bearer(app, person))
        assert response.status_code == 200, response.text
        page = response.json()
        changes += page["changes"]
        cursor = page["next_cursor"]
        if not page["has_more"]:
            return changes, cursor
