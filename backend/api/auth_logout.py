"""`POST /logout`: end the caller's login on this device.

Revokes every refresh token family of the person on the access token's device and lists the
access token itself as revoked until it expires.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from sqlmodel import Session

from backend.identity.clock import utc_now
from backend.identity.dependencies import AccessClaimsDep
from backend.identity.oauth_errors import NO_STORE
from backend.identity.refresh_tokens import REVOKED_LOGOUT, revoke_families_of_device, revoke_family
from backend.identity.revocation import revoke_access_token

router = APIRouter(tags=["identity"])


@router.post("/logout", status_code=204)
def logout(request: Request, claims: AccessClaimsDep) -> Response:
    engine, now = request.app.state.engine, utc_now(request.app)
    with Session(engine) as session:
        revoke_families_of_device(session, claims.subject, claims.device_id, now)
        if claims.session_id is not None:
            revoke_family(session, claims.session_id, REVOKED_LOGOUT, now)
        session.commit()
    revoke_access_token(engine, claims, now)
    return Response(status_code=204, headers=NO_STORE)
