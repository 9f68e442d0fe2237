"""`GET /authorize` (the app starts a login) and `GET /auth/upstream/callback` (the upstream
provider sends the resident back). See docs/identity.md for the whole sequence."""

from __future__ import annotations

import logging

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from backend.identity.authorization_codes import issue_authorization_code
from backend.identity.authorize_request import (
    RedirectableAuthorizeError,
    UnsafeAuthorizeError,
    check_client_and_redirect,
    parse_authorize_request,
)
from backend.identity.clock import utc_now
from backend.identity.login_requests import consume_login, start_login
from backend.identity.people import person_for_login
from backend.identity.pkce import METHOD_S256, s256_challenge
from backend.identity.rate_limit import (
    ENDPOINT_UPSTREAM_CALLBACK,
    FailureKeys,
    RateLimited,
    check_not_limited,
    rate_limited_response,
    record_failure,
)
from backend.identity.redirects import error_to_client, login_error_page, redirect_to_client
from backend.identity.runtime import (
    IdentityNotConfigured,
    identity_runtime,
    upstream_client,
    upstream_transport,
)
from backend.identity.upstream.id_token_validation import UpstreamIdTokenError
from backend.identity.upstream.profile import UpstreamProfile, profile_from_claims
from backend.identity.upstream.provider_client import UPSTREAM_SCOPE, UpstreamError
from backend.models.login_request import LoginRequest
from backend.services.households import attach_demo_household
from backend.settings import Settings

logger = logging.getLogger(__name__)

router = APIRouter(tags=["identity"])

UPSTREAM_CALLBACK_PATH = "/auth/upstream/callback"


def upstream_redirect_uri(settings: Settings) -> str:
    """The redirect URI registered with the upstream provider."""
    return f"{settings.issuer}{UPSTREAM_CALLBACK_PATH}"


def _repeated(request: Request) -> list[str]:
    return [k for k in request.query_params if len(request.query_params.getlist(k)) > 1]


@router.get("/authorize", response_model=None)
async def authorize(request: Request) -> HTMLResponse | RedirectResponse:
    app, settings = request.app, request.app.state.settings
    params = dict(request.query_params)
    repeated = _repeated(request)
    try:
        if {"client_id", "redirect_uri"} & set(repeated):
            raise UnsafeAuthorizeError("client_id and redirect_uri must not be repeated")
        client, redirect_uri = check_client_and_redirect(params, identity_runtime(app).clients)
    except UnsafeAuthorizeError as exc:
        return login_error_page(str(exc))
    state = params.get("state")
    try:
        if repeated:
            raise RedirectableAuthorizeError("invalid_request",
                                             f"repeated parameters: {', '.join(repeated)}")
        auth_request = parse_authorize_request(params, client, redirect_uri)
    except RedirectableAuthorizeError as exc:
        return error_to_client(redirect_uri, exc.error, exc.description, state, settings.issuer)
    try:
        upstream = upstream_client(app)
        transport = upstream_transport(app)
        await upstream.metadata(transport)  # fails before anything is stored
        login = await run_in_threadpool(start_login, app.state.engine, auth_request,
                                        utc_now(app))
        query = {
            "response_type": "code",
            "client_id": upstream.client_id,
            "redirect_uri": upstream_redirect_uri(settings),
            "scope": UPSTREAM_SCOPE,
            "state": login.state,
            "nonce": login.nonce,
            "code_challenge": s256_challenge(login.code_verifier),
            "code_challenge_method": METHOD_S256,
        }
        if auth_request.ui_locales:
            query["ui_locales"] = auth_request.ui_locales
        url = await upstream.authorization_url(transport, query)
    except (UpstreamError, IdentityNotConfigured) as exc:
        logger.warning("Login could not start: %s", exc)
        return error_to_client(redirect_uri, "temporarily_unavailable",
                               "the identity provider cannot be reached", state, settings.issuer)
    return RedirectResponse(url, status_code=302, headers={"Cache-Control": "no-store"})


def _finish_login(app: FastAPI, login: LoginRequest, profile: UpstreamProfile) -> str | None:
    """Find or create the Person and issue the app's code; None if the account is closed."""
    settings: Settings = app.state.settings
    now = utc_now(app)
    person = person_for_login(app.state.engine, settings.municipality_code, profile, now)
    if not person.active:
        return None
    if settings.upstream_is_dev_idp and profile.issuer == settings.dev_idp_issuer:
        # Development only: the demo resident registry gives the persona a household.
        attach_demo_household(app.state.engine, person)
    with Session(app.state.engine) as session:
        code = issue_authorization_code(session, login, person, now)
        session.commit()
    return code


@router.get(UPSTREAM_CALLBACK_PATH, response_model=None)
async def upstream_callback(request: Request) -> HTMLResponse | JSONResponse | RedirectResponse:
    app, settings, engine = request.app, request.app.state.settings, request.app.state.engine
    ip = request.client.host if request.client else None
    now = utc_now(app)
    try:
        await run_in_threadpool(check_not_limited, engine, settings, FailureKeys(ip), now)
    except RateLimited as exc:
        return rate_limited_response(exc)

    async def failed(keys: FailureKeys) -> None:
        await run_in_threadpool(record_failure, engine, settings, keys,
                                ENDPOINT_UPSTREAM_CALLBACK, now)

    params = request.query_params
    state = params.get("state", "")
    login = await run_in_threadpool(consume_login, engine, state, now) if state else None
    if login is None:
        await failed(FailureKeys(ip))
        return login_error_page("unknown, expired or already used login state")
    keys = FailureKeys(ip, login.device_id)

    def back_to_app(error: str, description: str) -> RedirectResponse:
        return error_to_client(login.redirect_uri, error, description, login.app_state,
                               settings.issuer)

    if params.get("error"):
        # The resident cancelled or the provider refused: not an attack, not counted.
        return back_to_app("access_denied", f"the identity provider said {params['error'][:64]}")
    code = params.get("code", "")
    if not code:
        await failed(keys)
        return back_to_app("invalid_request", "the identity provider sent no code")
    try:
        upstream, transport = upstream_client(app), upstream_transport(app)
        tokens = await upstream.exchange_code(transport, code, login.upstream_code_verifier,
                                              upstream_redirect_uri(settings))
        claims = await upstream.verified_id_token_claims(transport, tokens["id_token"],
                                                         login.upstream_nonce)
    except (UpstreamError, UpstreamIdTokenError, IdentityNotConfigured) as exc:
        logger.warning("Upstream login rejected: %s", exc)
        await failed(keys)
        return back_to_app("access_denied", "the identity provider's answer was not accepted")
    profile = profile_from_claims(claims, settings)
    app_code = await run_in_threadpool(_finish_login, app, login, profile)
    if app_code is None:
        return back_to_app("access_denied", "this account was closed")
    return redirect_to_client(
        login.redirect_uri, {"code": app_code, "state": login.app_state, "iss": settings.issuer}
    )
