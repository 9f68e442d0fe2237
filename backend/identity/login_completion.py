"""The last step of every login (upstream callback or email code): find or create the
common ID, issue the app's authorization code and send the browser back to the app."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from backend.identity.authorization_codes import issue_authorization_code
from backend.identity.clock import utc_now
from backend.identity.people import person_for_login
from backend.identity.redirects import error_to_client, redirect_to_client
from backend.identity.upstream.profile import UpstreamProfile
from backend.models.login_request import LoginRequest
from backend.models.person import ASSURANCE_EMAIL
from backend.services.households import attach_demo_household
from backend.settings import Settings


def finish_login(app: FastAPI, login: LoginRequest, profile: UpstreamProfile,
                 keep_name: bool = False) -> str | None:
    """Find or create the Person and issue the app's code; None if the account is closed."""
    settings: Settings = app.state.settings
    now = utc_now(app)
    person = person_for_login(app.state.engine, settings.municipality_code, profile, now,
                              keep_name=keep_name)
    if not person.active:
        return None
    if (settings.upstream_is_dev_idp and profile.issuer == settings.dev_idp_issuer
            and person.assurance_level != ASSURANCE_EMAIL):
        # Development only: the demo resident registry gives the persona a household.
        # Email-only accounts never get one.
        attach_demo_household(app.state.engine, person)
    with Session(app.state.engine) as session:
        code = issue_authorization_code(session, login, person, now)
        session.commit()
    return code


async def complete_login(app: FastAPI, login: LoginRequest, profile: UpstreamProfile,
                         keep_name: bool = False) -> RedirectResponse:
    """`finish_login` off the event loop, then 302 to the app's redirect URI with
    code + state + iss (or `access_denied` for a closed account)."""
    issuer = app.state.settings.issuer
    app_code = await run_in_threadpool(finish_login, app, login, profile, keep_name)
    if app_code is None:
        return error_to_client(login.redirect_uri, "access_denied", "this account was closed",
                               login.app_state, issuer)
    return redirect_to_client(
        login.redirect_uri, {"code": app_code, "state": login.app_state, "iss": issuer}
    )
