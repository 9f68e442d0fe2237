"""Logins in progress: stored at /authorize, consumed once at the upstream callback (or,
for email logins, when the one-time code is verified: `backend.identity.email_login`)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, select, update
from sqlmodel import Session, col

from backend.db_results import affected_rows
from backend.identity.authorize_request import AuthorizeRequest
from backend.identity.opaque_tokens import new_opaque_token, token_hash
from backend.identity.pkce import new_code_verifier
from backend.models.login_request import LOGIN_METHOD_UPSTREAM, LoginRequest

LOGIN_REQUEST_TTL = timedelta(minutes=10)


@dataclass(frozen=True)
class UpstreamRequest:
    """What the backend sends upstream for one login (state and nonce are its own)."""

    state: str
    nonce: str
    code_verifier: str
    login_id: str = ""  # the login_request row (the email sign-in page is addressed by it)


def start_login(engine: Engine, request: AuthorizeRequest, now: datetime,
                method: str = LOGIN_METHOD_UPSTREAM) -> UpstreamRequest:
    """Store the app's request. The upstream state, nonce and verifier are made for every
    login; an email login (`method` "email") never sends them anywhere, so its row can only
    be reached through its id."""
    upstream = UpstreamRequest(
        state=new_opaque_token(), nonce=new_opaque_token(), code_verifier=new_code_verifier(),
        login_id=str(uuid.uuid4()),
    )
    row = LoginRequest(
        id=upstream.login_id,
        method=method,
        upstream_state_hash=token_hash(upstream.state),
        upstream_nonce=upstream.nonce,
        upstream_code_verifier=upstream.code_verifier,
        client_id=request.client_id,
        redirect_uri=request.redirect_uri,
        app_state=request.state,
        app_nonce=request.nonce,
        code_challenge=request.code_challenge,
        scope=request.scope,
        device_id=request.device_id,
        ui_locales=request.ui_locales,
        created_at=now,
        expires_at=now + LOGIN_REQUEST_TTL,
    )
    with Session(engine) as session:
        # Logins abandoned long ago are of no use to anyone.
        session.execute(
            delete(LoginRequest).where(col(LoginRequest.expires_at) < now - LOGIN_REQUEST_TTL)
        )
        session.add(row)
        session.commit()
    return upstream


def consume_login(engine: Engine, upstream_state: str, now: datetime) -> LoginRequest | None:
    """The unexpired, unused login for `upstream_state`, marked used; None otherwise."""
    state_hash = token_hash(upstream_state)
    with Session(engine) as session:
        claimed = session.execute(
            update(LoginRequest)
            .where(
                (col(LoginRequest.upstream_state_hash) == state_hash)
                & (LoginRequest.method == LOGIN_METHOD_UPSTREAM)
                & col(LoginRequest.consumed_at).is_(None)
                & (LoginRequest.expires_at > now)
            )
            .values(consumed_at=now)
        )
        session.commit()
        if affected_rows(claimed) != 1:
            return None
        return session.scalars(
            select(LoginRequest).where(col(LoginRequest.upstream_state_hash) == state_hash)
        ).one()
