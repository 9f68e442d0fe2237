"""HTTP endpoints of the development identity provider, under `/dev-idp` (development only).

Discovery, JWKS, the persona login page, the login form's target and the token endpoint,
which requires the backend's `private_key_jwt` assertion and checks PKCE.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import jwt
from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from httpx import URL

from backend.identity.clock import utc_now
from backend.identity.dev_idp.client_authentication import (
    ClientAuthenticationError,
    verify_client_assertion,
)
from backend.identity.dev_idp.login_page import error_page, persona_page
from backend.identity.dev_idp.personas import PERSONAS_BY_SUB
from backend.identity.dev_idp.provider_state import DEV_CODE_TTL, DevCode, dev_idp_state
from backend.identity.keys import ALGORITHM
from backend.identity.oauth_errors import NO_STORE
from backend.identity.opaque_tokens import new_opaque_token
from backend.identity.pkce import METHOD_S256, is_valid_challenge, verifier_matches
from backend.identity.runtime import identity_runtime
from backend.security.csrf import (
    PURPOSE_DEV_IDP_LOGIN,
    CsrfRefused,
    check_form_post,
    form_secret,
    refused_page,
)
from backend.settings import DEV_IDP_PATH, Settings

router = APIRouter(prefix=DEV_IDP_PATH, tags=["development identity provider"])

ID_TOKEN_TTL = timedelta(minutes=5)
# The request parameters the login page carries through its hidden fields.
_CARRIED = ("client_id", "redirect_uri", "state", "nonce", "code_challenge", "scope")


class _BadRequest(Exception):
    pass


def _settings(request: Request) -> Settings:
    return request.app.state.settings


def _expected_redirect_uri(settings: Settings) -> str:
    return f"{settings.issuer}/auth/upstream/callback"


def _check_request(settings: Settings, params: dict[str, str]) -> None:
    if params.get("client_id") != settings.upstream_client_id:
        raise _BadRequest("unknown client_id")
    if params.get("redirect_uri") != _expected_redirect_uri(settings):
        raise _BadRequest("redirect_uri is not registered for this client")
    if not params.get("state"):
        raise _BadRequest("state is required")
    if not params.get("nonce"):
        raise _BadRequest("nonce is required")
    if "openid" not in params.get("scope", "").split():
        raise _BadRequest("scope must include openid")
    if not is_valid_challenge(params.get("code_challenge", "")):
        raise _BadRequest("code_challenge (S256) is required")


@router.get("/.well-known/openid-configuration")
def discovery(request: Request) -> dict[str, Any]:
    issuer = _settings(request).dev_idp_issuer
    return {
        "issuer": issuer,
        "authorization_endpoint": f"{issuer}/authorize",
        "token_endpoint": f"{issuer}/token",
        "jwks_uri": f"{issuer}/jwks.json",
        "response_types_supported": ["code"],
        "grant_types_supported": ["authorization_code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": [ALGORITHM],
        "code_challenge_methods_supported": [METHOD_S256],
        "token_endpoint_auth_methods_supported": ["private_key_jwt"],
        "token_endpoint_auth_signing_alg_values_supported": [ALGORITHM],
        "scopes_supported": ["openid", "name", "address", "birthdate", "gender"],
        "claims_supported": ["sub", "name", "address", "birthdate", "gender", "acr", "email",
                             "tsuyama_role"],
        "x_development_only": True,
    }


@router.get("/jwks.json")
def jwks(request: Request) -> dict[str, Any]:
    return dev_idp_state(request.app).key.jwks()


@router.get("/authorize", response_class=HTMLResponse)
def authorize(request: Request) -> HTMLResponse:
    params = dict(request.query_params)
    try:
        if params.get("response_type") != "code":
            raise _BadRequest("response_type must be code")
        if params.get("code_challenge_method") != METHOD_S256:
            raise _BadRequest("code_challenge_method must be S256")
        _check_request(_settings(request), params)
    except _BadRequest as exc:
        return HTMLResponse(error_page(str(exc)), status_code=400)
    carried = {name: params[name] for name in _CARRIED}
    # The forms' CSRF token is bound to this browser and to this login's state.
    csrf = form_secret(request)
    page = persona_page(f"{_settings(request).dev_idp_issuer}/login", carried,
                        csrf.token(PURPOSE_DEV_IDP_LOGIN, params["state"]))
    return csrf.set_cookie(HTMLResponse(page, headers={"Cache-Control": "no-store"}),
                           _settings(request))


@router.post("/login", response_class=HTMLResponse, response_model=None)
async def login(request: Request) -> HTMLResponse | RedirectResponse:
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    settings = _settings(request)
    try:
        check_form_post(request, form, PURPOSE_DEV_IDP_LOGIN, form.get("state", ""))
    except CsrfRefused as exc:
        return refused_page(exc)
    persona = PERSONAS_BY_SUB.get(form.get("persona", ""))
    try:
        if persona is None:
            raise _BadRequest("unknown persona")
        _check_request(settings, form)
    except _BadRequest as exc:
        return HTMLResponse(error_page(str(exc)), status_code=400)
    assert persona is not None
    code = dev_idp_state(request.app).issue_code(
        DevCode(
            persona_sub=persona.sub,
            client_id=form["client_id"],
            redirect_uri=form["redirect_uri"],
            nonce=form["nonce"],
            code_challenge=form["code_challenge"],
            expires_at=utc_now(request.app) + DEV_CODE_TTL,
        )
    )
    query = {"code": code, "state": form["state"], "iss": settings.dev_idp_issuer}
    return RedirectResponse(str(URL(form["redirect_uri"], params=query)), status_code=303)


def _token_error(error: str, description: str, status_code: int = 400) -> JSONResponse:
    return JSONResponse({"error": error, "error_description": description},
                        status_code=status_code, headers=NO_STORE)


@router.post("/token")
def token(
    request: Request,
    grant_type: Annotated[str, Form()] = "",
    code: Annotated[str, Form()] = "",
    redirect_uri: Annotated[str, Form()] = "",
    code_verifier: Annotated[str, Form()] = "",
    client_id: Annotated[str, Form()] = "",
    client_assertion_type: Annotated[str, Form()] = "",
    client_assertion: Annotated[str, Form()] = "",
) -> JSONResponse:
    settings = _settings(request)
    state = dev_idp_state(request.app)
    now = utc_now(request.app)
    issuer = settings.dev_idp_issuer
    # The backend's public key: this provider lives in the same process, so it takes the key
    # from the app instead of a registration (the national provider gets it at onboarding).
    client_key = identity_runtime(request.app).upstream_client_key
    form = {"client_id": client_id, "client_assertion_type": client_assertion_type,
            "client_assertion": client_assertion}
    try:
        assertion = verify_client_assertion(
            form, settings.upstream_client_id, client_key.private_key.public_key(),
            audiences=[f"{issuer}/token", issuer],
        )
    except ClientAuthenticationError as exc:
        return _token_error("invalid_client", str(exc), status_code=401)
    if not state.first_use_of_assertion(assertion["jti"], assertion["exp_datetime"], now):
        return _token_error("invalid_client", "client_assertion was used before", 401)
    if grant_type != "authorization_code":
        return _token_error("unsupported_grant_type", "only authorization_code is supported")
    pending = state.take_code(code, now)
    if pending is None:
        return _token_error("invalid_grant", "unknown, used or expired code")
    if pending.client_id != settings.upstream_client_id or pending.redirect_uri != redirect_uri:
        return _token_error("invalid_grant", "redirect_uri differs from the authorization request")
    if not verifier_matches(code_verifier, pending.code_challenge):
        return _token_error("invalid_grant", "code_verifier does not match the code_challenge")
    persona = PERSONAS_BY_SUB[pending.persona_sub]
    issued = datetime.now(UTC)
    claims = {
        **persona.claims(),
        "iss": issuer,
        "aud": settings.upstream_client_id,
        "iat": int(issued.timestamp()),
        "exp": int((issued + ID_TOKEN_TTL).timestamp()),
        "auth_time": int(issued.timestamp()),
        "nonce": pending.nonce,
    }
    id_token = jwt.encode(claims, state.key.private_key, algorithm=ALGORITHM,
                          headers={"kid": state.key.kid, "typ": "JWT"})
    return JSONResponse(
        {
            "access_token": new_opaque_token(),  # usable nowhere: the backend needs the ID token
            "token_type": "Bearer",
            "expires_in": int(ID_TOKEN_TTL.total_seconds()),
            "id_token": id_token,
        },
        headers=NO_STORE,
    )
