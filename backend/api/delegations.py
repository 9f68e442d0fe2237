"""`/me/delegations`: ask to act for someone, accept, decline, revoke, list both directions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, HTTPException, status
from pydantic import BaseModel, Field
from sqlmodel import Session

from backend.api.dependencies import EngineDep
from backend.api.params import MAX_TEXT_VERSION, PathId
from backend.db import write_engine
from backend.identity.dependencies import CardVerifiedPerson, CurrentPerson
from backend.models.delegation import STATUS_ACTIVE, Delegation
from backend.models.person import Person
from backend.services.delegation import (
    DelegationRefused,
    accept_delegation,
    decline_delegation,
    delegation_json,
    delegations_of,
    request_delegation,
    revoke_delegation,
)

router = APIRouter(tags=["delegation"])


class DelegationRequestIn(BaseModel):
    grantor_common_id: str = Field(min_length=1, max_length=36)
    scope: str = Field(default="all", max_length=16)


class AcceptIn(BaseModel):
    version: int = Field(ge=0, le=MAX_TEXT_VERSION)
    text_sha256: str = Field(min_length=64, max_length=64, pattern="^[0-9a-fA-F]{64}$")
    channel: str = Field(default="app", max_length=16)


class ChannelIn(BaseModel):
    channel: str = Field(default="app", max_length=16)


def _with_other_name(session: Session, delegation: Delegation, viewer: Person) -> dict[str, Any]:
    """The delegation as the viewer sees it, with the other party's name where the viewer may
    know it: a grantor always learns who asks to act for them; a grantee learns the grantor's
    name only once the grantor has accepted (a common ID alone must not reveal a name)."""
    data = delegation_json(delegation, viewer.id)
    viewer_is_grantor = delegation.grantor_person_id == viewer.id
    other_id = delegation.grantee_person_id if viewer_is_grantor else delegation.grantor_person_id
    name = ""
    if viewer_is_grantor or delegation.status == STATUS_ACTIVE:
        other = session.get(Person, other_id)
        name = other.name if other is not None and other.active else ""
    data["other_name"] = name
    return data


def _run(
    engine: Any, person: Person, action: Callable[[Session], Delegation]
) -> dict[str, Any]:
    with Session(write_engine(engine)) as session:  # checks, then writes
        try:
            delegation = action(session)
        except DelegationRefused as exc:
            raise HTTPException(exc.status, exc.message) from exc
        session.commit()
        return _with_other_name(session, delegation, person)


@router.get("/me/delegations")
def my_delegations(person: CurrentPerson, engine: EngineDep) -> dict[str, Any]:
    """Delegations where the caller is the grantor or the grantee, newest first."""
    with Session(engine) as session:
        rows = delegations_of(session, person)
        return {"delegations": [_with_other_name(session, row, person) for row in rows]}


@router.post("/me/delegations", status_code=status.HTTP_201_CREATED)
def ask_for_delegation(
    body: DelegationRequestIn, person: CardVerifiedPerson, engine: EngineDep
) -> dict[str, Any]:
    """The caller (grantee) asks to act for the grantor; pending until the grantor decides.
    Both must be card-verified (an email-only grantor is "not found")."""
    return _run(
        engine,
        person,
        lambda session: request_delegation(session, person, body.grantor_common_id, body.scope),
    )


@router.post("/me/delegations/{delegation_id}/accept")
def accept(
    delegation_id: PathId, body: AcceptIn, person: CardVerifiedPerson, engine: EngineDep
) -> dict[str, Any]:
    """Only the grantor (card-verified) accepts, sending the version and hash of the text
    they were shown."""
    return _run(
        engine,
        person,
        lambda session: accept_delegation(
            session, person, delegation_id, body.version, body.text_sha256, body.channel
        ),
    )


@router.post("/me/delegations/{delegation_id}/decline")
def decline(
    delegation_id: PathId, person: CurrentPerson, engine: EngineDep, body: ChannelIn | None = None
) -> dict[str, Any]:
    channel = body.channel if body else "app"
    return _run(
        engine, person, lambda session: decline_delegation(session, person, delegation_id, channel)
    )


@router.post("/me/delegations/{delegation_id}/revoke")
def revoke(
    delegation_id: PathId, person: CurrentPerson, engine: EngineDep, body: ChannelIn | None = None
) -> dict[str, Any]:
    channel = body.channel if body else "app"
    return _run(
        engine, person, lambda session: revoke_delegation(session, person, delegation_id, channel)
    )
