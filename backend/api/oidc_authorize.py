"""`GET /authorize` (the app starts a login) and `GET /auth/upstream/callback` (the upstream
provider sends the resident back). With `acr_values=email` the login goes to the backend's
own email sign-in page instead (`backend.identity.email_login.router`). See
docs/identity.md for the whole sequence."""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from backend.identity.authorize_request import (
    AuthorizeRequest,
    RedirectableAuthorizeError,
    UnsafeAuthorizeError,
    check_client_and_redirect,
    parse_authorize_request,
)
from backend.identity.clock import utc_now
from backend.identity.email_login.router import EMAIL_PAGE_PATH
from backend.identity.login_completion import complete_login
from backend.identity.login_requests import consume_login, start_login
from backend.identity.pkce import METHOD_S256, s256_challenge
from backend.identity.rate_limit import (
    ENDPOINT_UPSTREAM_CALLBACK,
    FailureKeys,
    RateLimited,
    check_not_limited,
    rate_limited_response,
    record_failure,
)
from backend.identity.redirects import error_to_client, login_error_page
from backend.identity.runtime import (
    IdentityNotConfigured,
    identity_runtime,
    upstream_client,
    upstream_transport,
)
from backend.identity.upstream.id_token_validation import UpstreamIdTokenError
from backend.identity.upstream.profile import profile_from_claims
from backend.identity.upstream.provider_client import UPSTREAM_SCOPE, UpstreamError
from backend.models.login_request import LOGIN_METHOD_EMAIL
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
    if auth_request.wants_email_login and settings.email_login_enabled:
        return await _to_email_page(request, auth_request)
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


async def _to_email_page(request: Request, auth_request: AuthorizeRequest) -> RedirectResponse:
    """Store the app's request as an email login; 302 to the email sign-in page."""
    app, settings = request.app, request.app.state.settings
    login = await run_in_threadpool(start_login, app.state.engine, auth_request, utc_now(app),
                                    LOGIN_METHOD_EMAIL)
    query = {"login": login.login_id}
    if auth_request.login_hint:
        query["login_hint"] = auth_request.login_hint
    return RedirectResponse(f"{settings.issuer}{EMAIL_PAGE_PATH}?{urlencode(query)}",
                            status_code=302, headers={"Cache-Control": "no-store"})


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
    return await complete_login(app, login, profile_from_claims(claims, settings))
