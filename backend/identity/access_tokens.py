"""Short-lived access tokens: ES256 JWTs the backend issues and verifies itself."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt

from backend.identity.keys import ALGORITHM, SigningKey

API_AUDIENCE = "tsuyama-portal-api"
ACCESS_TOKEN_TTL = timedelta(minutes=10)
CLOCK_SKEW_S = 30


class InvalidToken(Exception):
    """The token is missing, malformed, forged, expired or not for this API."""


@dataclass(frozen=True)
class AccessClaims:
    subject: str  # the common ID
    scope: tuple[str, ...]
    device_id: str | None
    token_id: str
    expires_at: datetime
    # The refresh token family (one login on one device) the token was issued from, if any.
    session_id: str | None = None


def issue_access_token(
    key: SigningKey,
    issuer: str,
    subject: str,
    scope: tuple[str, ...] = ("openid",),
    device_id: str | None = None,
    now: datetime | None = None,
    ttl: timedelta = ACCESS_TOKEN_TTL,
    session_id: str | None = None,
) -> str:
    issued = now or datetime.now(UTC)
    claims = {
        "iss": issuer,
        "aud": API_AUDIENCE,
        "sub": subject,
        "iat": int(issued.timestamp()),
        "nbf": int(issued.timestamp()),
        "exp": int((issued + ttl).timestamp()),
        "jti": uuid.uuid4().hex,
        "scope": " ".join(scope),
    }
    if device_id:
        claims["device_id"] = device_id
    if session_id:
        claims["sid"] = session_id
    return jwt.encode(claims, key.private_key, algorithm=ALGORITHM,
                      headers={"kid": key.kid, "typ": "at+jwt"})


def verify_access_token(key: SigningKey, issuer: str, token: str) -> AccessClaims:
    try:
        header = jwt.get_unverified_header(token)
        if header.get("alg") != ALGORITHM or header.get("kid") != key.kid:
            raise InvalidToken("unknown signing key or algorithm")
        claims = jwt.decode(
            token,
            key.private_key.public_key(),
            algorithms=[ALGORITHM],
            audience=API_AUDIENCE,
            issuer=issuer,
            leeway=CLOCK_SKEW_S,
            options={"require": ["exp", "iat", "sub", "aud", "iss", "jti"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise InvalidToken("the access token has expired") from exc
    except jwt.PyJWTError as exc:
        raise InvalidToken(f"invalid access token: {exc}") from exc
    return AccessClaims(
        subject=claims["sub"],
        scope=tuple(str(claims.get("scope", "")).split()),
        device_id=claims.get("device_id"),
        token_id=claims["jti"],
        expires_at=datetime.fromtimestamp(claims["exp"], UTC),
        session_id=claims.get("sid"),
    )
