"""`GET /staff/residents/{common_id}`: a city staff member looks a resident up, for a purpose.

Staff of 市民課 (the counter, department "citizens") only (ADR 0023). Every lookup is written
to the resident's access log with the stated purpose.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, status
from sqlalchemy import select
from sqlmodel import Session, col

from backend.api.dependencies import EngineDep
from backend.api.params import PathId, StaffPurpose
from backend.db import write_engine
from backend.identity.dependencies import CitizensStaff
from backend.models.access_log_entry import ACTOR_STAFF
from backend.models.person import Person
from backend.services.access_log import record_access
from backend.services.households import household_of, household_summary
from backend.services.my_data import profile_json

router = APIRouter(tags=["staff"])


@router.get("/staff/residents/{common_id}")
def look_up_resident(
    common_id: PathId,
    staff: CitizensStaff,
    engine: EngineDep,
    purpose: StaffPurpose,  # stripped; whitespace alone is a 422
) -> dict[str, Any]:
    with Session(write_engine(engine), expire_on_commit=False) as session:  # read, then log
        resident = session.scalars(
            select(Person).where(
                col(Person.municipality_code) == staff.municipality_code,
                col(Person.id) == common_id,
                col(Person.deleted_at).is_(None),
            )
        ).first()
        if resident is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "no resident with that common ID")
        view = household_of(session, resident)
        record_access(
            session,
            municipality_code=resident.municipality_code,
            subject_person_id=resident.id,
            actor_person_id=staff.id,
            actor_kind=ACTOR_STAFF,
            purpose=purpose,
            resource="profile",
        )
        session.commit()
        return {
            "profile": profile_json(resident),
            "household": household_summary(view),
            "logged_purpose": purpose,
        }
