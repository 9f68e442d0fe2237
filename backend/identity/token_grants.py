"""The grants of `POST /token`: authorization_code (with PKCE) and refresh_token.

Each function raises `OAuthError` for a refused request; revocations that a refusal
triggers (code replay, refresh token reuse, wrong device) are committed before it is raised.

A refresh whose answer was lost can be repeated with the same token for a short grace
period and gets the same answer (`refresh_tokens`; docs/identity.md, ADR 0016).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from backend.db import SQLITE_BEGIN_OPTION, write_engine
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
    replay_rotation,
    revoke_families_of_code,
    revoke_family,
    rotate_refresh_token,
    start_family,
)
from backend.models.person import Person
from backend.settings import DEFAULT_REFRESH_REUSE_GRACE_SECONDS


@dataclass(frozen=True)
class GrantContext:
    engine: Engine
    key: SigningKey
    issuer: str
    municipality_code: str
    now: datetime
    # How long the refresh token just rotated may be presented again by its device and get
    # the same answer (Settings.refresh_reuse_grace_seconds); zero turns that off.
    refresh_reuse_grace: timedelta = timedelta(seconds=DEFAULT_REFRESH_REUSE_GRACE_SECONDS)


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
    # Read-then-write (the code, then the new family): a write from the start on SQLite.
    with Session(write_engine(ctx.engine)) as session:
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
    """The refresh_token grant: rotate the presented token, or give the answer of its
    rotation again within the grace period (the device's answer was lost).

    The transaction reads the token and then writes, so on SQLite it starts as a write
    (`BEGIN IMMEDIATE`): two refreshes with one token take turns instead of failing. On
    PostgreSQL the second waits on the row the first retires, finds it retired, and looks
    again in a new transaction, where it gets the grace replay.
    """
    presented = _required(form, "refresh_token")
    writer = ctx.engine.execution_options(**{SQLITE_BEGIN_OPTION: "IMMEDIATE"})
    for _attempt in range(2):
        with Session(writer) as session:
            response = _refresh_once(session, ctx, client_id, form, presented)
        if response is not None:
            return response
    # Not reached: a token retired by a committed rotation is found retired on the next look.
    raise invalid_grant("the refresh token was already used")


def _refresh_once(session: Session, ctx: GrantContext, client_id: str,
                  form: Mapping[str, str], presented: str) -> dict[str, Any] | None:
    """One try of `refresh_tokens`; None when a concurrent refresh retired the token first
    (nothing written: look again)."""
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
        if family.client_id == client_id and _device(form) == family.device_id:
            replayed = replay_rotation(session, presented, token, family, ctx.now)
            if replayed is not None:
                _active_person(session, family.person_id, ctx.municipality_code)
                return replayed
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
    response = rotate_refresh_token(
        session, presented, token, family, ctx.now, ctx.refresh_reuse_grace,
        lambda new_token: _token_response(ctx, person, family.scope, family.device_id,
                                          family.id, new_token),
    )
    if response is None:
        session.rollback()
        return None
    session.commit()
    return response
