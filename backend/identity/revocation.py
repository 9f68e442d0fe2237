"""Access token revocation, kept in the database so every backend worker agrees.

An access token is revoked when its `jti` is listed (logout) or when the refresh token
family it was issued from (`sid`) is revoked (reuse, code replay, /revoke, logout).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Engine, delete, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from backend.identity.access_tokens import AccessClaims
from backend.models.refresh_token import RefreshTokenFamily
from backend.models.revoked_access_token import RevokedAccessToken


def revoke_access_token(engine: Engine, claims: AccessClaims, now: datetime) -> None:
    """List the token's jti until it expires (and forget listed tokens that have expired)."""
    with Session(engine) as session:
        session.execute(delete(RevokedAccessToken).where(col(RevokedAccessToken.expires_at) < now))
        if session.get(RevokedAccessToken, claims.token_id) is None:
            session.add(
                RevokedAccessToken(jti=claims.token_id, expires_at=claims.expires_at,
                                   revoked_at=now)
            )
        try:
            session.commit()
        except IntegrityError:  # revoked concurrently: already listed
            session.rollback()


def is_access_token_revoked(engine: Engine, claims: AccessClaims) -> bool:
    with engine.connect() as connection:
        listed = connection.execute(
            select(col(RevokedAccessToken.jti))
            .where(col(RevokedAccessToken.jti) == claims.token_id)
        ).first()
        if listed is not None:
            return True
        if claims.session_id is None:
            return False
        revoked_at = connection.execute(
            select(col(RefreshTokenFamily.revoked_at)).where(
                col(RefreshTokenFamily.id) == claims.session_id
            )
        ).first()
    # A family that no longer exists counts as revoked too.
    return revoked_at is None or revoked_at[0] is not None


def revocation_check(engine: Engine) -> Callable[[AccessClaims], bool]:
    """The callable `app.state.is_access_token_revoked` holds."""

    def check(claims: AccessClaims) -> bool:
        return is_access_token_revoked(engine, claims)

    return check
