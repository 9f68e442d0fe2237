"""Refresh tokens: opaque, stored hashed, bound to a client and a device, rotating.

Each login on a device starts a family. Every refresh retires the presented token and issues
the next one; a retired token presented again means it was copied, so the whole family
(and the access tokens issued from it, which carry its id as `sid`) is revoked.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlmodel import Session

from backend.identity.opaque_tokens import new_opaque_token, token_hash
from backend.models.authorization_code import AuthorizationCode
from backend.models.refresh_token import RefreshToken, RefreshTokenFamily

REFRESH_TOKEN_TTL = timedelta(days=30)  # sliding: each rotation starts it again
REFRESH_FAMILY_MAX_AGE = timedelta(days=90)  # absolute: then the resident logs in again

REVOKED_REUSE = "reuse"
REVOKED_CODE_REPLAY = "code_replay"
REVOKED_WRONG_DEVICE = "wrong_device"
REVOKED_WRONG_CLIENT = "wrong_client"
REVOKED_BY_CLIENT = "revoked"
REVOKED_LOGOUT = "logout"
REVOKED_ACCOUNT_DELETED = "account_deleted"


def start_family(session: Session, code: AuthorizationCode, now: datetime) -> RefreshTokenFamily:
    family = RefreshTokenFamily(
        id=str(uuid.uuid4()),
        person_id=code.person_id,
        client_id=code.client_id,
        device_id=code.device_id,
        authorization_code_id=code.id,
        scope=code.scope,
        acr=code.acr,
        auth_time=code.auth_time,
        created_at=now,
        expires_at=now + REFRESH_FAMILY_MAX_AGE,
    )
    session.add(family)
    session.flush()  # before its tokens: no relationship() tells the session the order
    return family


def add_refresh_token(session: Session, family: RefreshTokenFamily, now: datetime) -> str:
    token = new_opaque_token()
    session.add(
        RefreshToken(
            id=str(uuid.uuid4()),
            family_id=family.id,
            token_hash=token_hash(token),
            created_at=now,
            expires_at=min(now + REFRESH_TOKEN_TTL, family.expires_at),
        )
    )
    return token


@dataclass(frozen=True)
class PresentedRefreshToken:
    token: RefreshToken
    family: RefreshTokenFamily


def find_refresh_token(session: Session, token: str) -> PresentedRefreshToken | None:
    row = session.execute(
        select(RefreshToken, RefreshTokenFamily)
        .join(RefreshTokenFamily, RefreshToken.family_id == RefreshTokenFamily.id)
        .where(RefreshToken.token_hash == token_hash(token))
    ).one_or_none()
    return None if row is None else PresentedRefreshToken(token=row[0], family=row[1])


def retire_refresh_token(session: Session, token: RefreshToken, now: datetime) -> bool:
    """Retire `token` atomically; False if another request retired it first (reuse)."""
    result = session.execute(
        update(RefreshToken)
        .where((RefreshToken.id == token.id) & RefreshToken.retired_at.is_(None))  # type: ignore[union-attr]
        .values(retired_at=now)
    )
    return result.rowcount == 1  # type: ignore[attr-defined]


def revoke_family(session: Session, family_id: str, reason: str, now: datetime) -> None:
    session.execute(
        update(RefreshTokenFamily)
        .where(
            (RefreshTokenFamily.id == family_id)
            & RefreshTokenFamily.revoked_at.is_(None)  # type: ignore[union-attr]
        )
        .values(revoked_at=now, revoked_reason=reason)
    )


def revoke_families_of_code(session: Session, code_id: str, now: datetime) -> None:
    session.execute(
        update(RefreshTokenFamily)
        .where(
            (RefreshTokenFamily.authorization_code_id == code_id)
            & RefreshTokenFamily.revoked_at.is_(None)  # type: ignore[union-attr]
        )
        .values(revoked_at=now, revoked_reason=REVOKED_CODE_REPLAY)
    )


def revoke_families_of_device(session: Session, person_id: str, device_id: str | None,
                              now: datetime) -> None:
    device_match = (
        RefreshTokenFamily.device_id.is_(None)  # type: ignore[union-attr]
        if device_id is None
        else RefreshTokenFamily.device_id == device_id
    )
    session.execute(
        update(RefreshTokenFamily)
        .where(
            (RefreshTokenFamily.person_id == person_id)
            & device_match
            & RefreshTokenFamily.revoked_at.is_(None)  # type: ignore[union-attr]
        )
        .values(revoked_at=now, revoked_reason=REVOKED_LOGOUT)
    )


def revoke_families_of_person(session: Session, person_id: str, now: datetime,
                              reason: str = REVOKED_ACCOUNT_DELETED) -> None:
    """Every login of a person on every device: used when the account is deleted."""
    session.execute(
        update(RefreshTokenFamily)
        .where(
            (RefreshTokenFamily.person_id == person_id)
            & RefreshTokenFamily.revoked_at.is_(None)  # type: ignore[union-attr]
        )
        .values(revoked_at=now, revoked_reason=reason)
    )
