"""`GET /people/{common_id}`: the profile of someone the caller may act for.

Self, a minor child of the caller in their household, or a grantor of an active delegation
(`may_act_for`). Reads for someone else are written to that person's access log.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, status
from sqlmodel import Session

from backend.api.dependencies import EngineDep
from backend.api.params import PathId
from backend.db import write_engine
from backend.identity.dependencies import CurrentPerson
from backend.models.person import Person
from backend.services.access_log import record_delegate_read
from backend.services.delegation import may_act_for
from backend.services.my_data import profile_json

router = APIRouter(tags=["delegation"])


@router.get("/people/{common_id}")
def person_profile(common_id: PathId, person: CurrentPerson, engine: EngineDep) -> dict[str, Any]:
    # A read for someone else is logged (a write after the reads).
    reader = engine if common_id == person.id else write_engine(engine)
    with Session(reader, expire_on_commit=False) as session:
        subject = session.get(Person, common_id)
        if subject is None or not may_act_for(session, person, subject):
            raise HTTPException(status.HTTP_404_NOT_FOUND, "no such person you may act for")
        record_delegate_read(session, person, subject, "view profile on their behalf",
                             "profile")
        return profile_json(subject)
