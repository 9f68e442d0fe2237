"""The caller's own account: `/me` (also the OIDC userinfo endpoint), household, export, delete."""

from __future__ import annotations

import json
from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Request, Response, status
from pydantic import BaseModel
from sqlmodel import Session

from backend.api.dependencies import EngineDep
from backend.db import write_engine
from backend.identity.dependencies import CurrentPerson
from backend.identity.staff_departments import scopes_of
from backend.models.person import ROLE_STAFF
from backend.services.account_deletion import delete_account, run_deletion_hooks
from backend.services.clock import city_today
from backend.services.households import (
    household_json,
    household_of,
    household_summary,
    profile_for,
)
from backend.services.my_data import export_document, profile_json

router = APIRouter(tags=["me"])

EXPORT_FILENAME = "tsuyama-portal-my-data.json"


@router.get("/me")
def me(person: CurrentPerson, engine: EngineDep) -> dict[str, Any]:
    """The caller's profile with a household summary and the fitted home screen; for staff,
    their scopes (`"waste"`, `"school:<id>"`: which staff screens the app offers)."""
    with Session(engine) as session:
        view = household_of(session, person)
        scopes = scopes_of(session, person.id) if person.role == ROLE_STAFF else ()
    return {
        "sub": person.id,  # OIDC userinfo
        **profile_json(person),
        "household": household_summary(view),
        "home_profile": profile_for(person, view, city_today()).as_json(),
        "staff_scopes": [scope.text for scope in scopes],
    }


@router.get("/me/household")
def my_household(person: CurrentPerson, engine: EngineDep) -> dict[str, Any]:
    """The caller's household (members with ages) and the home profile it implies."""
    today = city_today()
    with Session(engine) as session:
        view = household_of(session, person)
    return {
        "household": household_json(view, today) if view else None,
        "home_profile": profile_for(person, view, today).as_json(),
    }


@router.get("/me/export")
def export_my_data(person: CurrentPerson, engine: EngineDep) -> Response:
    """Everything about the caller as a JSON download."""
    with Session(engine) as session:
        document = export_document(session, person)
    return Response(
        content=json.dumps(document, ensure_ascii=False, indent=2),
        media_type="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="{EXPORT_FILENAME}"',
            "Cache-Control": "no-store",
        },
    )


class DeleteConfirmation(BaseModel):
    confirm: Literal["DELETE"]


@router.delete("/me", status_code=status.HTTP_204_NO_CONTENT)
def delete_me(
    body: DeleteConfirmation, person: CurrentPerson, engine: EngineDep, request: Request
) -> Response:
    """Delete the caller's account (body `{"confirm": "DELETE"}`); see account_deletion.py."""
    if body.confirm != "DELETE":  # pragma: no cover - the Literal already refuses it
        raise HTTPException(status_code=422, detail='send {"confirm": "DELETE"}')
    with Session(write_engine(engine)) as session:  # reads the delegations, then writes
        delete_account(session, person)
        session.commit()
    run_deletion_hooks(request.app.state, person.id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
