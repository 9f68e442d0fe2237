"""`/me/consents`: the consent ledger of the caller, or of a minor child they are parent of."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, status
from pydantic import BaseModel, Field
from sqlmodel import Session

from backend.api.dependencies import EngineDep
from backend.api.params import MAX_TEXT_VERSION
from backend.db import write_engine
from backend.identity.dependencies import CurrentPerson
from backend.models.person import Person
from backend.services.access_log import record_delegate_read
from backend.services.consent_catalog import DELEGATION_PURPOSE
from backend.services.consents import (
    ConsentRefused,
    append_record,
    check_decision,
    consents_json,
)
from backend.services.delegation import is_parent_of_minor, may_act_for

router = APIRouter(tags=["consent"])

OnBehalfOf = Annotated[
    str | None,
    Query(max_length=64,
          description="Common ID of a minor child of the caller (parents act for them)"),
]


def _subject(
    session: Session, caller: Person, on_behalf_of: str | None, *, recording: bool
) -> Person:
    """The person whose ledger is read or written; 404 unless the caller may act for them.

    Reading: self or anyone `may_act_for` allows. Recording a decision: self, or a parent
    for a minor child (a delegate may not consent in someone else's name).
    """
    if on_behalf_of is None or on_behalf_of == caller.id:
        return caller
    subject = session.get(Person, on_behalf_of)
    allowed = subject is not None and (
        is_parent_of_minor(session, caller, subject)
        if recording
        else may_act_for(session, caller, subject)
    )
    if not allowed or subject is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such person you may act for")
    return subject


@router.get("/me/consents")
def my_consents(
    person: CurrentPerson, engine: EngineDep, on_behalf_of: OnBehalfOf = None
) -> dict[str, Any]:
    # A read for someone else is logged (a write after the reads).
    reader = engine if on_behalf_of in (None, person.id) else write_engine(engine)
    with Session(reader, expire_on_commit=False) as session:
        subject = _subject(session, person, on_behalf_of, recording=False)
        purposes = consents_json(session, subject.municipality_code, subject.id)
        record_delegate_read(session, person, subject, "view consents on their behalf",
                             "consents")
    return {"common_id": subject.id, "purposes": purposes}


class ConsentDecisionIn(BaseModel):
    purpose: str = Field(max_length=64)
    version: int = Field(ge=0, le=MAX_TEXT_VERSION)
    granted: bool
    text_sha256: str = Field(min_length=64, max_length=64, pattern="^[0-9a-fA-F]{64}$")
    channel: str = Field(default="app", max_length=16)


@router.post("/me/consents", status_code=status.HTTP_201_CREATED)
def record_my_consent(
    body: ConsentDecisionIn,
    person: CurrentPerson,
    engine: EngineDep,
    on_behalf_of: OnBehalfOf = None,
) -> dict[str, Any]:
    """Append a grant or withdrawal of the current text of a purpose to the ledger."""
    with Session(write_engine(engine), expire_on_commit=False) as session:
        subject = _subject(session, person, on_behalf_of, recording=True)
        if body.purpose == DELEGATION_PURPOSE:
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT,
                "consent to a delegation is given by accepting it: "
                "POST /me/delegations/{id}/accept",
            )
        try:
            check_decision(body.purpose, body.version, body.text_sha256, body.channel)
        except ConsentRefused as exc:
            raise HTTPException(exc.status, exc.message) from exc
        append_record(
            session,
            municipality_code=subject.municipality_code,
            person_id=subject.id,
            actor_person_id=person.id,
            purpose=body.purpose,
            version=body.version,
            text_sha256=body.text_sha256,
            granted=body.granted,
            channel=body.channel,
        )
        session.commit()
        purposes = consents_json(session, subject.municipality_code, subject.id)
    state = next(item for item in purposes if item["purpose"] == body.purpose)
    return {"common_id": subject.id, **state}
