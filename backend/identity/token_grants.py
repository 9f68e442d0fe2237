"""The grants of `POST /token`: authorization_code (with PKCE) and refresh_token.

Each function raises `OAuthError` for a refused request; revocations that a refusal
triggers (code replay, refresh token reuse, wrong device) are committed before it is raised.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from backend.identity.access_tokens import ACCESS_TOKEN_TTL, issue_access_token
from backend.identity.authorization_codes import redeem_authorization_code
from backend.identity.id_tokens import issue_id_token
from backend.identity.keys import SigningKey
from backend.identity.oauth_errors import OAuthError, invalid_grant
from backend.identity.pkce import verifier_matches
from backend.identity.refresh_tokens import (
    REVOKED_REUSE,
    REVOKED_WRONG_CLIENT,
    REVOKED_WRONG_DEVICE,
    add_refresh_token,
    find_refresh_token,
    retire_refresh_token,
    revoke_families_of_code,
    revoke_family,
    start_family,
)
from backend.models.person import Person


@dataclass(frozen=True)
class GrantContext:
    engine: Engine
    key: SigningKey
    issuer: str
    municipality_code: str
    now: datetime


def _required(form: Mapping[str, str], name: str) -> str:
    value = form.get(name, "")
    if not value:
        raise OAuthError("invalid_request", f"{name} is required")
    return value


def _device(form: Mapping[str, str]) -> str | None:
    return form.get("device_id") or None


def _active_person(session: Session, person_id: str, municipality_code: str) -> Person:
    person = session.get(Person, person_id)
    if person is None or not person.active or person.municipality_code != municipality_code:
        raise invalid_grant("the account does not exist or was deleted")
    return person


def _token_response(ctx: GrantContext, person: Person, scope: str, device_id: str | None,
                    family_id: str, refresh_token: str) -> dict[str, Any]:
    access_token = issue_access_token(
        ctx.key, ctx.issuer, person.id, scope=tuple(scope.split()), device_id=device_id,
        session_id=family_id,
    )
    return {
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": int(ACCESS_TOKEN_TTL.total_seconds()),
        "refresh_token": refresh_token,
        "scope": scope,
    }


def exchange_authorization_code(ctx: GrantContext, client_id: str,
                                form: Mapping[str, str]) -> dict[str, Any]:
    code = _required(form, "code")
    with Session(ctx.engine) as session:
        redeemed = redeem_authorization_code(session, code, ctx.now)
        row = redeemed.row
        if row is None:
            session.commit()
            raise invalid_grant("unknown authorization code")
        if not redeemed.first_use:
            # RFC 6749 §4.1.2: a replayed code revokes what was issued from it.
            revoke_families_of_code(session, row.id, ctx.now)
            session.commit()
            raise invalid_grant("the authorization code was already used; the tokens issued "
                                "from it are revoked")
        session.commit()  # the code is spent, whatever the checks below say
        if row.client_id != client_id:
            raise invalid_grant("the authorization code was issued to another client")
        if row.expires_at <= ctx.now:
            raise invalid_grant("the authorization code has expired")
        if form.get("redirect_uri", "") != row.redirect_uri:
            raise invalid_grant("redirect_uri differs from the one given at /authorize")
        if _device(form) != row.device_id:
            raise invalid_grant("device_id differs from the one given at /authorize")
        if not verifier_matches(form.get("code_verifier"), row.code_challenge):
            raise invalid_grant("code_verifier does not match the code_challenge")
        person = _active_person(session, row.person_id, ctx.municipality_code)
        family = start_family(session, row, ctx.now)
        refresh_token = add_refresh_token(session, family, ctx.now)
        response = _token_response(ctx, person, row.scope, row.device_id, family.id,
                                   refresh_token)
        response["id_token"] = issue_id_token(
            ctx.key, ctx.issuer, client_id, person.id, row.nonce, row.auth_time, row.acr,
            person.name, response["access_token"],
        )
        session.commit()
    return response


def refresh_tokens(ctx: GrantContext, client_id: str, form: Mapping[str, str]) -> dict[str, Any]:
    presented = _required(form, "refresh_token")
    with Session(ctx.engine) as session:
        found = find_refresh_token(session, presented)
        if found is None:
            raise invalid_grant("unknown refresh token")
        family, token = found.family, found.token

        def refuse_and_revoke(reason: str, description: str) -> OAuthError:
            revoke_family(session, family.id, reason, ctx.now)
            session.commit()
            return invalid_grant(description)

        if family.revoked_at is not None:
            raise invalid_grant("the refresh token has been revoked")
        if token.retired_at is not None:
            raise refuse_and_revoke(REVOKED_REUSE, "the refresh token was already used; "
                                    "this login is revoked on every device")
        if family.client_id != client_id:
            raise refuse_and_revoke(REVOKED_WRONG_CLIENT,
                                    "the refresh token was issued to another client")
        if _device(form) != family.device_id:
            raise refuse_and_revoke(REVOKED_WRONG_DEVICE,
                                    "the refresh token is bound to another device")
        if token.expires_at <= ctx.now or family.expires_at <= ctx.now:
            raise invalid_grant("the refresh token has expired; log in again")
        person = _active_person(session, family.person_id, ctx.municipality_code)
        if not retire_refresh_token(session, token, ctx.now):
            raise refuse_and_revoke(REVOKED_REUSE, "the refresh token was already used")
        refresh_token = add_refresh_token(session, family, ctx.now)
        response = _token_response(ctx, person, family.scope, family.device_id, family.id,
                                   refresh_token)
        session.commit()
    return response
