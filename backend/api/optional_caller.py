"""The caller if a valid bearer token came with the request, else None (public routes)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request

from backend.api.dependencies import EngineDep, SettingsDep
from backend.identity.dependencies import SigningKeyDep, access_claims, current_person
from backend.models.person import Person


def optional_person(
    request: Request, key: SigningKeyDep, engine: EngineDep, settings: SettingsDep
) -> Person | None:
    """Anonymous without an Authorization header.

    A token that is expired, revoked or otherwise refused also counts as anonymous: public
    content must not fail because the app holds a stale token.
    """
    if not request.headers.get("Authorization"):
        return None
    try:
        claims = access_claims(request, key, settings)
        return current_person(claims, engine, settings)
    except HTTPException:
        return None


OptionalPerson = Annotated[Person | None, Depends(optional_person)]
