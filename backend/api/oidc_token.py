"""`POST /token` (authorization_code and refresh_token grants) and `POST /revoke` (RFC 7009).

Every answer carries `Cache-Control: no-store`. Failed token requests are counted per client
IP and per device; over the limit the endpoint answers 429 with `Retry-After`.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import JSONResponse, Response
from sqlmodel import Session

from backend.db import write_engine
from backend.identity.access_tokens import InvalidToken, verify_access_token
from backend.identity.clock import utc_now
from backend.identity.oauth_errors import (
    NO_STORE,
    OAuthError,
    error_json,
    invalid_client,
    token_json,
)
from backend.identity.rate_limit import (
    ENDPOINT_TOKEN,
    FailureKeys,
    RateLimited,
    check_not_limited,
    rate_limited_response,
    record_failure,
)
from backend.identity.refresh_tokens import REVOKED_BY_CLIENT, find_refresh_token, revoke_family
from backend.identity.revocation import revoke_access_token
from backend.identity.runtime import identity_runtime
from backend.identity.token_grants import (
    GrantContext,
    exchange_authorization_code,
    refresh_tokens,
)

router = APIRouter(tags=["identity"])

FormText = Annotated[str, Form()]


def _known_client(request: Request, client_id: str) -> str:
    if client_id not in identity_runtime(request.app).clients:
        raise invalid_client("unknown client_id (public clients send it in the form)")
    return client_id


@router.post("/token")
def token(
    request: Request,
    grant_type: FormText = "",
    client_id: FormText = "",
    code: FormText = "",
    redirect_uri: FormText = "",
    code_verifier: FormText = "",
    refresh_token: FormText = "",
    device_id: FormText = "",
) -> JSONResponse:
    app = request.app
    settings, engine = app.state.settings, app.state.engine
    now = utc_now(app)
    keys = FailureKeys(request.client.host if request.client else None, device_id or None)
    try:
        check_not_limited(engine, settings, keys, now)
    except RateLimited as exc:
        return rate_limited_response(exc)
    form = {"code": code, "redirect_uri": redirect_uri, "code_verifier": code_verifier,
            "refresh_token": refresh_token, "device_id": device_id}
    context = GrantContext(engine=engine, key=app.state.signing_key, issuer=settings.issuer,
                           municipality_code=settings.municipality_code, now=now,
                           refresh_reuse_grace=timedelta(
                               seconds=settings.refresh_reuse_grace_seconds))
    try:
        client = _known_client(request, client_id)
        if grant_type == "authorization_code":
            body = exchange_authorization_code(context, client, form)
        elif grant_type == "refresh_token":
            body = refresh_tokens(context, client, form)
        else:
            raise OAuthError("unsupported_grant_type",
                             "grant_type must be authorization_code or refresh_token")
    except OAuthError as exc:
        record_failure(engine, settings, keys, ENDPOINT_TOKEN, now)
        return error_json(exc)
    return token_json(body)


@router.post("/revoke")
def revoke(
    request: Request,
    token: FormText = "",
    token_type_hint: FormText = "",  # accepted; both kinds are looked up anyway
    client_id: FormText = "",
) -> Response:
    """Revoke a refresh token (its whole family) or an access token; 200 even when the
    token is unknown (RFC 7009 §2.2)."""
    app = request.app
    try:
        client = _known_client(request, client_id)
    except OAuthError as exc:
        return error_json(exc)
    now = utc_now(app)
    if not token:
        return Response(status_code=200, headers=NO_STORE)
    # The hint only orders the search (RFC 7009 §2.1): look for a refresh token first.
    with Session(write_engine(app.state.engine)) as session:  # finds, then revokes
        found = find_refresh_token(session, token)
        if found is not None and found.family.client_id == client:
            revoke_family(session, found.family.id, REVOKED_BY_CLIENT, now)
            session.commit()
            return Response(status_code=200, headers=NO_STORE)
    try:
        claims = verify_access_token(app.state.signing_key, app.state.settings.issuer, token)
    except InvalidToken:
        pass
    else:
        revoke_access_token(app.state.engine, claims, now)
    return Response(status_code=200, headers=NO_STORE)
    if token:
        try:
            claims = verify_access_token(app.state.signing_key, app.state.settings.issuer, token)
        except InvalidToken:
            pass
        else:
            revoke_access_token(app.state.engine, claims, now)
    return Response(status_code=200, headers=NO_STORE)
