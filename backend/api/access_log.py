"""`GET /me/access-log`: who read the caller's data, newest first."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from sqlmodel import Session

from backend.api.dependencies import EngineDep
from backend.api.params import Offset
from backend.identity.dependencies import CurrentPerson
from backend.services.access_log import entries_about, entry_json

router = APIRouter(tags=["my data"])


@router.get("/me/access-log")
def my_access_log(
    person: CurrentPerson,
    engine: EngineDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Offset = 0,
    include_self: Annotated[
        bool, Query(description="Also list the caller's own reads, if any were logged")
    ] = False,
) -> dict[str, Any]:
    with Session(engine) as session:
        entries, total = entries_about(
            session,
            person.municipality_code,
            person.id,
            include_self=include_self,
            limit=limit,
            offset=offset,
        )
    return {
        "entries": [entry_json(entry) for entry in entries],
        "total": total,
        "limit": limit,
        "offset": offset,
    }
