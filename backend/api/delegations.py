"""`/me/delegations`: ask to act for someone, accept, decline, revoke, list both directions;
`/me/delegation-invitations`: the grantor's single-use code and its use (ADR 0031)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, HTTPException, Request, status
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
from backend.services.delegation_invitation import (
    CodeRefused,
    InvitationLimited,
    InvitationLimits,
    accept_invitation,
    cancel_invitation,
    create_invitation,
    invitation_json,
    open_invitations,
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


# --- invitations (ADR 0031): the grantor makes a code, the other person enters it ---------
class InvitationIn(BaseModel):
    version: int = Field(ge=0, le=MAX_TEXT_VERSION)
    text_sha256: str = Field(min_length=64, max_length=64, pattern="^[0-9a-fA-F]{64}$")
    channel: str = Field(default="app", max_length=16)
    scope: str = Field(default="all", max_length=16)


class InvitationCodeIn(BaseModel):
    # 8 characters; room for what people add when typing or scanning (spaces, a dash).
    code: str = Field(min_length=1, max_length=32)


def invitation_limits(request: Request) -> InvitationLimits:
    """The app's per-person invitation counters, made on first use."""
    found = getattr(request.app.state, "invitation_limits", None)
    if found is None:
        found = InvitationLimits(request.app.state.settings.rate_limit_storage_uri)
        request.app.state.invitation_limits = found
    return found


def _too_many(exc: InvitationLimited) -> HTTPException:
    return HTTPException(status.HTTP_429_TOO_MANY_REQUESTS, str(exc),
                         headers={"Retry-After": str(exc.retry_after_seconds)})


@router.get("/me/delegation-invitations")
def my_invitations(person: CurrentPerson, engine: EngineDep) -> dict[str, Any]:
    """The caller's invitations still open (codes are never shown again)."""
    with Session(engine) as session:
        return {"invitations": [invitation_json(row)
                                for row in open_invitations(session, person)]}


@router.post("/me/delegation-invitations", status_code=status.HTTP_201_CREATED)
def invite(body: InvitationIn, person: CardVerifiedPerson, engine: EngineDep,
           request: Request) -> dict[str, Any]:
    """The caller (the grantor, card-verified) agrees to the shown "delegation" text and gets a
    single-use code, valid 24 hours, for the person who will act for them."""
    try:
        invitation_limits(request).count_creation(person.id)
    except InvitationLimited as exc:
        raise _too_many(exc) from exc
    with Session(write_engine(engine)) as session:
        try:
            invitation, code = create_invitation(session, person, body.version,
                                                 body.text_sha256, body.channel, body.scope)
        except DelegationRefused as exc:
            raise HTTPException(exc.status, exc.message) from exc
        session.commit()
        return invitation_json(invitation, code)


@router.post("/me/delegation-invitations/{invitation_id}/cancel")
def cancel_invite(invitation_id: PathId, person: CurrentPerson,
                  engine: EngineDep) -> dict[str, Any]:
    with Session(write_engine(engine)) as session:
        try:
            invitation = cancel_invitation(session, person, invitation_id)
        except DelegationRefused as exc:
            raise HTTPException(exc.status, exc.message) from exc
        session.commit()
        return invitation_json(invitation)


@router.post("/me/delegation-invitations/accept", status_code=status.HTTP_201_CREATED)
def accept_invite(body: InvitationCodeIn, person: CardVerifiedPerson, engine: EngineDep,
                  request: Request) -> dict[str, Any]:
    """The caller enters a code: they may act for its grantor from now on. Wrong, expired and
    used codes count against the caller (10 an hour), so codes cannot be searched."""
    counters = invitation_limits(request)
    try:
        counters.check_code_tries(person.id)
    except InvitationLimited as exc:
        raise _too_many(exc) from exc
    with Session(write_engine(engine)) as session:
        try:
            delegation = accept_invitation(session, person, body.code)
        except CodeRefused as exc:
            counters.failed_code(person.id)
            raise HTTPException(exc.status, exc.message) from exc
        except DelegationRefused as exc:
            raise HTTPException(exc.status, exc.message) from exc
        session.commit()
        return _with_other_name(session, delegation, person)
