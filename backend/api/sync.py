"""`POST /sync/push` and `GET /sync/pull`: the device's outbox in, the change log out.

The wire format is described in docs/sync.md.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, status
from pydantic import BaseModel, Field
from sqlalchemy.exc import DBAPIError

from backend.api.dependencies import EngineDep
from backend.identity.dependencies import CurrentPerson
from backend.sync.change_log import MAX_PAGE, read_changes
from backend.sync.push import SyncUnavailable, process_push
from backend.sync.types import Mutation

router = APIRouter(prefix="/sync", tags=["sync"])

MAX_MUTATIONS = 500
DEFAULT_PAGE = 500
RETRY_AFTER_SECONDS = "5"


class MutationIn(BaseModel):
    seq: int = Field(ge=1, le=2**62)
    mutation_id: str = Field(min_length=1, max_length=64)
    collection: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=64)
    args: Any = None  # checked per mutation: not an object -> rejected "invalid_args"
    created_at: str = Field(max_length=64)  # the device's clock: recorded nowhere, decides nothing


class PushIn(BaseModel):
    client_id: str = Field(min_length=1, max_length=128)
    mutations: list[MutationIn] = Field(max_length=MAX_MUTATIONS)


def _unavailable(detail: str) -> HTTPException:
    return HTTPException(
        status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
        detail=f"sync is unavailable for a moment ({detail}); push again: what was applied "
        "already is answered as duplicate",
        headers={"Retry-After": RETRY_AFTER_SECONDS},
    )


@router.post("/push")
def push(body: PushIn, person: CurrentPerson, engine: EngineDep) -> dict[str, Any]:
    """Apply the caller's mutations in seq order, each once (see docs/sync.md)."""
    mutations = [Mutation(m.seq, m.mutation_id, m.collection, m.name, m.args, m.created_at)
                 for m in body.mutations]
    try:
        outcome = process_push(engine, person, body.client_id, mutations)
    except SyncUnavailable as exc:
        raise _unavailable(type(exc).__name__) from exc
    return {"results": outcome.results, "last_seq": outcome.last_seq}


@router.get("/pull")
def pull(
    person: CurrentPerson,
    engine: EngineDep,
    cursor: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = DEFAULT_PAGE,
) -> dict[str, Any]:
    """The caller's and the public change-log rows after `cursor`, ascending."""
    try:
        with engine.connect() as connection:
            page = read_changes(connection, person.municipality_code, person.id, cursor, limit)
    except DBAPIError as exc:
        raise _unavailable(type(exc).__name__) from exc
    return {"changes": page.changes, "next_cursor": page.next_cursor, "has_more": page.has_more}
